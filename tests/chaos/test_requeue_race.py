"""The loss the full chaos run found (seed 7), now fixed: a requeue racing a move to the DLQ.

An agent moves a failed task in three steps (see docs/protocol.md): CAS its lease to FAILED,
append the DLQ row, then tombstone the Tasks row. A requeue (``orc requeue``, the person of
the chaos run, the add-on's requeue) that runs between the append and the tombstone sees the
ID both in Tasks DLQ and in Tasks; it skips it as "already in Tasks" but still deletes its DLQ
row (``agent/coordination/enqueue.py``: ``to_remove`` is filled before the ``already`` check).
The agent's tombstone then removes the Tasks row: the task is in no tab at all.

The same steps, run here one after the other with the real code, reproduce it exactly.
"""

from __future__ import annotations

from agent.coordination.enqueue import requeue
from agent.coordination.lease import LeaseState
from agent.coordination.queue import Outcome, QueueTab
from agent.schema import TASKS, TASKS_DLQ, TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import read_tab, seed_tasks


def test_requeue_between_dlq_append_and_tombstone_loses_nothing(sheet: SheetsGateway) -> None:
    (task_id,) = seed_tasks(sheet, 1)
    mover = QueueTab(
        sheet, TASKS, TASKS_HISTORY, TASKS_DLQ, owner="agent#1", lease_s=60, max_attempts=1
    )
    mover.load()
    (claim,) = mover.claim(1).won
    mover.finish([Outcome(claim, LeaseState.FAILED, "boom")])  # FAILED + DLQ row, no tombstone

    report = requeue(sheet, TASKS_DLQ, [task_id])  # a person requeues it right now
    assert report.requeued == [] and task_id in report.skipped
    mover.flush_tombstones()  # the agent's next write removes the moved Tasks row
    mover.remove_tombstones()

    _, queued = read_tab(sheet, TASKS)
    _, dead = read_tab(sheet, TASKS_DLQ)
    where = [r["id"] for r in queued + dead]
    assert task_id in where, f"task lost: requeue said {report}, Tasks+DLQ hold {where}"
    again = requeue(sheet, TASKS_DLQ, [task_id])  # a moment later it goes through
    assert again.requeued == [task_id]
    _, queued = read_tab(sheet, TASKS)
    assert [r["id"] for r in queued] == [task_id]
