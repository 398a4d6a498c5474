"""A graceful restart during a long task: the first signal lets it finish while its lease lives.

The scenario users hit: a supervisor (systemd, Kubernetes) sends SIGTERM while a 10-minute
download runs. The agent must keep renewing that task's lease (and its heartbeat) until the
callback ends, so that no other agent starts the same video meanwhile, then finish it and exit.
Here the callback runs 2.5 leases long.
"""

from __future__ import annotations

import signal

from agent.schema import LEADER_ELECTION, TASKS, TASKS_HISTORY, WORKERS
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import (
    Fleet,
    check_drained,
    overlaps,
    read_tab,
    seed_tasks,
    task_starts,
    wait_for,
)

LEASE_S = 6
TASK_S = 15  # 2.5 leases


def test_first_sigterm_keeps_the_running_lease_alive_until_the_callback_ends(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    ids = set(seed_tasks(sheet, 1))
    slow = fleet.start(
        "slow", burst=False, CLAIM_BATCH="1", HANDLER_SLEEP_S=str(TASK_S), LEASE_SECONDS="6"
    )
    wait_for(lambda: len(task_starts(fleet)) == 1, 30, "the long task to start")
    # A second agent is idle and polling: it would take the task over as soon as its lease
    # looked expired.
    fleet.start("eager", burst=False, LEASE_SECONDS=str(LEASE_S))
    wait_for(lambda: len(read_tab(sheet, WORKERS)[1]) == 2, 30, "the second agent's heartbeat")
    slow.popen.send_signal(signal.SIGTERM)

    assert slow.popen.wait(timeout=TASK_S + 30) == 0, slow.output()[-3000:]
    assert len(task_starts(fleet)) == 1, (
        "another agent started the task while its holder was still running it:\n"
        + "\n".join(task_starts(fleet))
    )
    assert not overlaps(fleet.task_log)
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert [row["worker"] for row in history] == ["slow"], "the holder finishes its own task"
    _, tasks = read_tab(sheet, TASKS)
    assert not [t for t in tasks if t.get("id")]
    _, workers = read_tab(sheet, WORKERS)
    assert {w["worker_name"]: w["status"] for w in workers}["slow"] == "INACTIVE"
    fleet.stop_all()
    check_drained(sheet, ids)


def test_first_sigterm_hands_leadership_over_rather_than_letting_it_lapse(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    """While a long callback finishes, the stopping agent does not keep a leadership that it
    no longer renews: it releases it at once, so another agent leads without waiting a lease."""
    seed_tasks(sheet, 1)
    slow = fleet.start(
        "slow", burst=False, CLAIM_BATCH="1", HANDLER_SLEEP_S=str(TASK_S), LEASE_SECONDS="6"
    )
    wait_for(lambda: len(task_starts(fleet)) == 1, 30, "the long task to start")
    wait_for(lambda: "slow#" in read_tab(sheet, LEADER_ELECTION)[1][0]["lease"], 30, "slow to lead")
    slow.popen.send_signal(signal.SIGTERM)
    wait_for(
        lambda: read_tab(sheet, LEADER_ELECTION)[1][0]["lease"].split("|")[2] == "-",
        TASK_S / 2,
        "leadership released while the callback still runs",
    )
    assert slow.popen.poll() is None, "the callback is still running"
    assert slow.popen.wait(timeout=TASK_S + 30) == 0, slow.output()[-3000:]
