"""A tab protected by its owner: the agents' writes there are refused, and work goes on.

A spreadsheet's owner protects a tab (Data > Protect sheets and ranges, "Restrict who can edit")
without adding the agents' service account. Google then refuses every write to it with a 400,
and a ``batchUpdate`` with one such request fails whole. A heartbeat that carries the Workers
row together with the lease renewals would lose the renewals too, and the leases of running
tasks would lapse while their holders live. Lease-critical writes never share a batch with
display writes, so a protected Workers or History tab costs display and moves, never a lease.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sheets_emulator import EmulatorServer

from agent.schema import TASKS_HISTORY, WORKERS
from agent.sheets.gateway import SheetsGateway
from tests.conftest import ClientFactory
from tests.coordination.harness import (
    Fleet,
    check_drained,
    make_sheet,
    overlaps,
    read_tab,
    seed_tasks,
    task_starts,
    wait_for,
)

OWNER = "owner@example.com"


@pytest.fixture
def owned_sheet(gclient_factory: ClientFactory) -> SheetsGateway:
    """A spreadsheet created by a person's account, not the agents' shared one."""
    return make_sheet(gclient_factory(user="owner", token=OWNER))


@pytest.fixture
def owned_fleet(
    emulator: EmulatorServer, owned_sheet: SheetsGateway, tmp_path: Path
) -> Iterator[Fleet]:
    group = Fleet(emulator.host_port, owned_sheet.spreadsheet_id, tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def _protect(sheet: SheetsGateway, title: str) -> int:
    reply = sheet.batch_update(
        [
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": {"sheetId": sheet.tab(title).sheet_id},
                        "description": "owner only",
                        "warningOnly": False,
                        "editors": {"users": [OWNER]},
                    }
                }
            }
        ]
    )
    return int(reply[0]["addProtectedRange"]["protectedRange"]["protectedRangeId"])


def _unprotect(sheet: SheetsGateway, protected_range_id: int) -> None:
    sheet.batch_update([{"deleteProtectedRange": {"protectedRangeId": protected_range_id}}])


def test_a_protected_workers_tab_never_costs_a_lease(
    owned_sheet: SheetsGateway, owned_fleet: Fleet
) -> None:
    ids = set(seed_tasks(owned_sheet, 1))
    slow = owned_fleet.start("slow", burst=False, CLAIM_BATCH="1", HANDLER_SLEEP_S="15")
    wait_for(lambda: len(task_starts(owned_fleet)) == 1, 30, "the long task to start")
    owned_fleet.start("eager", burst=False)
    wait_for(lambda: len(read_tab(owned_sheet, WORKERS)[1]) == 2, 30, "both agents' rows")
    protection = _protect(owned_sheet, WORKERS.title)
    wait_for(
        lambda: "protected" in slow.output() and "'Workers'" in slow.output(),
        30,
        "the agent to name the protected tab in its log",
    )
    wait_for(lambda: len(read_tab(owned_sheet, TASKS_HISTORY)[1]) == 1, 60, "the task to finish")
    assert len(task_starts(owned_fleet)) == 1, "a live holder's lease lapsed:\n" + "\n".join(
        task_starts(owned_fleet)
    )
    _unprotect(owned_sheet, protection)
    owned_fleet.stop(grace_s=60)  # SIGTERM: each agent tidies up on the way out
    check_drained(owned_sheet, ids)


def test_a_protected_history_tab_holds_moves_back_and_loses_nothing(
    owned_sheet: SheetsGateway, owned_fleet: Fleet
) -> None:
    ids = set(seed_tasks(owned_sheet, 12))
    protection = _protect(owned_sheet, TASKS_HISTORY.title)
    agents = [
        owned_fleet.start(f"agent-{n}", burst=False, CLAIM_BATCH="3", HANDLER_SLEEP_S="0.2")
        for n in range(2)
    ]
    wait_for(lambda: len(task_starts(owned_fleet)) >= 6, 120, "tasks to run meanwhile")
    wait_for(
        lambda: any("'Tasks History'" in a.output() and "protected" in a.output() for a in agents),
        60,
        "an agent to name the protected tab in its log",
    )
    _unprotect(owned_sheet, protection)
    wait_for(
        lambda: len(read_tab(owned_sheet, TASKS_HISTORY)[1]) == len(ids), 180, "every task moved"
    )
    crashed = {a.name: a.output()[-1500:] for a in agents if a.popen.poll() is not None}
    assert not crashed, f"an agent stopped over a protected tab: {crashed}"
    owned_fleet.stop(grace_s=60)
    check_drained(owned_sheet, ids)
    assert overlaps(owned_fleet.task_log) == []
