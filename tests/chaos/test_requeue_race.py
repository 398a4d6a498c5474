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

from typing import Any

import pytest

from agent.coordination.enqueue import requeue
from agent.coordination.lease import LeaseState
from agent.coordination.queue import ClaimOutcome, QueueTab
from agent.errors import AmbiguousWriteError
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
    mover.finish([ClaimOutcome(claim, LeaseState.FAILED, "boom")])  # FAILED + DLQ row, no tombstone

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


def test_a_tombstone_of_unknown_fate_is_not_repeated_onto_a_requeued_row(
    sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the reduced chaos run: the tombstone batch lands but its answer is lost.

    The agent used to send the tombstone again with its next write. Its ID half is a
    findReplace of the task's ID, and in between a person had requeued the task (allowed: the
    row was gone from Tasks), so it hit the new row: ID cell turned into the header text, lease
    still PENDING, a row no agent would ever claim again.
    """
    (task_id,) = seed_tasks(sheet, 1)
    mover_sheet = SheetsGateway(sheet.client, sheet.spreadsheet_id)
    mover = QueueTab(
        mover_sheet, TASKS, TASKS_HISTORY, TASKS_DLQ, owner="agent#1", lease_s=60, max_attempts=1
    )
    mover.load()
    (claim,) = mover.claim(1).won
    mover.finish([ClaimOutcome(claim, LeaseState.FAILED, "boom")])

    real_batch_update = SheetsGateway.batch_update

    def landed_but_unanswered(requests: list[dict[str, Any]]) -> Any:
        real_batch_update(mover_sheet, requests)
        raise AmbiguousWriteError("POST :batchUpdate: ConnectionError")

    monkeypatch.setattr(mover_sheet, "batch_update", landed_but_unanswered)
    mover.flush_tombstones()  # applied; the agent cannot know
    monkeypatch.undo()

    assert requeue(sheet, TASKS_DLQ, [task_id]).requeued == [task_id]
    mover.flush_tombstones()  # the agent's next write
    mover.remove_tombstones()

    _, queued = read_tab(sheet, TASKS)
    assert [(r["id"], r["status"]) for r in queued] == [(task_id, "PENDING")]
    assert not mover.has_tombstones
    taker = QueueTab(
        sheet, TASKS, TASKS_HISTORY, TASKS_DLQ, owner="agent#2", lease_s=60, max_attempts=3
    )
    taker.load()
    assert [c.row_id for c in taker.claim(1).won] == [task_id], "the requeued task runs again"


def test_a_task_dead_lettered_again_during_its_requeue_keeps_its_new_dlq_row(
    sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The narrow case of docs/security.md, closed: the requeue's DLQ delete took the new row.

    Between a requeue's append and its DLQ delete, an agent claims the requeued task, fails it
    for good and dead-letters it again. The delete (by ID) used to remove that new DLQ row too.
    """
    (task_id,) = seed_tasks(sheet, 1)
    agent = QueueTab(
        sheet, TASKS, TASKS_HISTORY, TASKS_DLQ, owner="agent#1", lease_s=60, max_attempts=1
    )
    agent.load()
    (claim,) = agent.claim(1).won
    agent.finish([ClaimOutcome(claim, LeaseState.FAILED, "first failure")])
    agent.flush_tombstones()

    real_append = SheetsGateway.append

    def append_then_agent_fails_it(self: SheetsGateway, title: str, rows: list[Any]) -> Any:
        reply = real_append(self, title, rows)
        if title == TASKS.title:  # right after the requeue's append
            monkeypatch.setattr(SheetsGateway, "append", real_append)
            (again,) = agent.claim(1).won
            agent.finish([ClaimOutcome(again, LeaseState.FAILED, "second failure")])
            agent.flush_tombstones()
        return reply

    monkeypatch.setattr(SheetsGateway, "append", append_then_agent_fails_it)
    assert requeue(sheet, TASKS_DLQ, [task_id]).requeued == [task_id]

    _, dead = read_tab(sheet, TASKS_DLQ)
    assert [(r["id"], r["error"]) for r in dead] == [(task_id, "second failure")]


def test_a_requeue_interrupted_after_marking_is_finished_by_the_next_one(
    sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies between marking the DLQ rows and appending: nothing is lost."""
    (task_id,) = seed_tasks(sheet, 1)
    agent = QueueTab(
        sheet, TASKS, TASKS_HISTORY, TASKS_DLQ, owner="agent#1", lease_s=60, max_attempts=1
    )
    agent.load()
    (claim,) = agent.claim(1).won
    agent.finish([ClaimOutcome(claim, LeaseState.FAILED, "boom")])
    agent.flush_tombstones()
    agent.remove_tombstones()

    def crash(self: SheetsGateway, title: str, rows: list[Any]) -> Any:
        raise KeyboardInterrupt  # the requeue's process is gone

    monkeypatch.setattr(SheetsGateway, "append", crash)
    with pytest.raises(KeyboardInterrupt):
        requeue(sheet, TASKS_DLQ, [task_id])
    monkeypatch.undo()
    _, dead = read_tab(sheet, TASKS_DLQ)
    assert [r["id"] for r in dead] == [f"requeuing:{task_id}"], "marked, still there"

    assert requeue(sheet, TASKS_DLQ, None).requeued == [task_id]
    _, dead = read_tab(sheet, TASKS_DLQ)
    _, queued = read_tab(sheet, TASKS)
    assert dead == [] and [(r["id"], r["status"]) for r in queued] == [(task_id, "PENDING")]
