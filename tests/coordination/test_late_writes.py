"""Writes that Google applies after the client gave up on them.

A request that timed out, or whose connection was cut, may still be applied by Google seconds
later, after the client has read the cell back and concluded that it was not. The emulator's
``late`` fault does exactly that. The agent must keep its claims (a renewal that landed late is
still its own claim), and no late write may corrupt a row: a tombstone that lands after the task
was requeued must leave the requeued row a task.
"""

from __future__ import annotations

import time

from sheets_emulator import EmulatorServer

from agent.coordination.enqueue import requeue
from agent.coordination.lease import LeaseState
from agent.coordination.queue import ClaimOutcome, QueueTab
from agent.coordination.queue.moves import SETTLE_S
from agent.schema import TASKS, TASKS_DLQ, TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import (
    Fleet,
    check_drained,
    overlaps,
    read_tab,
    seed_tasks,
    task_starts,
    tasks_view,
    wait_for,
)


def _task_rows(sheet: SheetsGateway) -> list[dict[str, str]]:
    return [r for r in read_tab(sheet, TASKS)[1] if r.get("id") or r.get("lease")]


def _rows_are_consistent(sheet: SheetsGateway) -> None:
    """Every row that holds a lease holds its own ID (the lease names the row's ID)."""
    _, rows = read_tab(sheet, TASKS)
    for row in rows:
        if row.get("lease") and row["lease"] != "Lease":
            assert row["lease"].split("|")[1] == row["id"], f"corrupted row: {row}"


def test_renewals_that_land_late_keep_the_claim(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    ids = set(seed_tasks(sheet, 1))
    slow = fleet.start("slow", burst=False, CLAIM_BATCH="1", HANDLER_SLEEP_S="14")
    wait_for(lambda: len(task_starts(fleet)) == 1, 30, "the long task to start")
    # The next four writes that carry slow's claim (its renewals) time out, then land 2.5 s
    # later, after slow has read the cell back.
    emulator.arm_fault(
        "late", method="POST", path=":batchUpdate", body="slow#", times=4, delay_ms=2500
    )
    fleet.start("eager", burst=False)
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 1, 60, "the task to finish")
    assert len(task_starts(fleet)) == 1, "the claim was lost to a late renewal:\n" + "\n".join(
        task_starts(fleet)
    )
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert history[0]["worker"] == "slow"
    assert emulator.stats()["late_writes"]["applied"] >= 1
    # The finished row leaves Tasks with the leader's next compaction pass, seconds later.
    wait_for(lambda: not _task_rows(sheet), 30, "the finished row to leave Tasks")
    fleet.stop_all()
    assert slow.popen.returncode is not None
    check_drained(sheet, ids)
    assert overlaps(fleet.task_log) == []


def test_a_late_tombstone_never_lands_on_the_requeued_row(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    (task_id,) = seed_tasks(sheet, 1, prefix="https://example.test/broken")
    # The tombstone of the dead-lettered row (its Lease cell, and before the fix its ID cell
    # too, turned into the header's word) lands 6 s late, after a person has requeued the task.
    emulator.arm_fault(
        "late", method="POST", path=":batchUpdate", body='"Lease"', times=1, delay_ms=6000
    )
    first = fleet.start(
        "unlucky", handler="tests.coordination.test_lifecycle:always_fails", MAX_ATTEMPTS="1"
    )
    wait_for(lambda: len(read_tab(sheet, TASKS_DLQ)[1]) == 1, 60, "the task to be dead-lettered")
    # The agent leaves once its row is gone (its tombstone sent again after the lost answer);
    # a requeue before that is refused ("still leaving"), and the agent would claim it again.
    first.popen.wait(timeout=60)
    assert emulator.stats()["late_writes"]["pending"] == 1, "the late tombstone is still to come"
    report = requeue(sheet, TASKS_DLQ, [task_id])
    assert report.requeued == [task_id], report
    wait_for(lambda: emulator.stats()["late_writes"]["applied"] >= 1, 30, "the late tombstone")
    _rows_are_consistent(sheet)
    fleet.start("lucky")
    fleet.wait_all(timeout_s=60)
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert [row["id"] for row in history] == [task_id], "the requeued task ran and finished"
    _, tasks = read_tab(sheet, TASKS)
    assert not [t for t in tasks if t.get("id") or t.get("lease")], tasks
    _, dlq = read_tab(sheet, TASKS_DLQ)
    assert not dlq, "the requeue took the row out of the DLQ"


def _agent(sheet: SheetsGateway, window_rows: int = 100) -> QueueTab:
    """One agent's view of Tasks, in this process, on a gateway of its own."""
    return tasks_view(sheet, window_rows=window_rows)


def test_a_history_append_that_lands_late_is_not_appended_twice(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    """Found by the reduced chaos run (History held four tasks twice): the History append is
    answered with a 503 and applied 1.5 s later. Checking History at once missed it, and the
    second append landed beside it. The check now waits for late writes to land first."""
    (task_id,) = seed_tasks(sheet, 1)
    agent = _agent(sheet)
    (claim,) = agent.claim(1).won
    emulator.arm_fault("late", method="POST", path=":append", body=task_id, delay_ms=1500)
    assert agent.finish([ClaimOutcome(claim, LeaseState.DONE, "ok")]) == []  # not known yet
    agent.settle_moves()  # waits until the append may have landed, then looks
    agent.flush_tombstones()
    assert emulator.stats()["late_writes"]["applied"] == 1
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert [row["id"] for row in history] == [task_id], "one History row, not two"
    _, queued = read_tab(sheet, TASKS)
    assert [row["lease"] for row in queued] == ["Lease"], "the Tasks row is a tombstone"


def test_a_claim_that_lands_late_is_adopted_before_its_lease_runs_out(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    """Found by the chaos run as a "lapse of a live holder": a claim batch answered with a
    503 and applied 1.5 s later, after the agent's read-back had judged the claim lost. The
    agent, unaware, never renewed it, and it ran out. The window is now read again once late
    writes have had time to land, and the agent adopts its own claim there."""
    ids = seed_tasks(sheet, 9)
    agent = _agent(sheet, window_rows=3)
    agent.holds = lambda row_id: False  # as the runtime's holdings say: nothing held yet
    emulator.arm_fault("late", method="POST", path=":batchUpdate", body="CLAIMED|", delay_ms=1500)
    assert agent.claim(1).won == [], "judged lost: the read-back came before the late write"
    wait_for(lambda: emulator.stats()["late_writes"]["applied"] == 1, 10, "the late claim")
    _, rows = read_tab(sheet, TASKS)
    (late,) = [r["id"] for r in rows if r["lease"].startswith("CLAIMED|")]
    assert late in ids[:3]
    time.sleep(SETTLE_S)
    won = agent.claim(1).won
    assert late in [c.row_id for c in won], "the late claim is adopted, not left to lapse"
