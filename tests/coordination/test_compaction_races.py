"""A person's structural edit landing between the compaction's read and its write.

The leader reads the top of Tasks (header included), then sends one batch that removes the
tombstones. A person who inserts, moves or deletes a column in between leaves the agent with a
stale column map. Before the fix, the removal compared the Lease column by index: with a column
inserted at or left of Lease, the index pointed at a blank or shifted column, and every row
whose cell there repeated an earlier row's was deleted, queued tasks included (the proof chaos
run lost six this way). Now the removal names whole rows by content (see docs/protocol.md §5),
so a stale map can only make it remove less.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent.coordination.enqueue import requeue
from agent.coordination.lease import LeaseState
from agent.coordination.queue import ClaimOutcome, QueueTab
from agent.errors import SheetsError
from agent.schema import TASKS, TASKS_DLQ, TASKS_HISTORY
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import read_tab, seed_tasks, tasks_view

Edit = Callable[[SheetsGateway, int, int], list[dict[str, Any]]]


def _insert_column_at_lease(sheet: SheetsGateway, sheet_id: int, lease: int) -> list[Any]:
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": lease, "endIndex": lease + 1}
    return [{"insertDimension": {"range": span, "inheritFromBefore": True}}]


def _insert_two_columns_at_a(sheet: SheetsGateway, sheet_id: int, lease: int) -> list[Any]:
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 2}
    return [{"insertDimension": {"range": span, "inheritFromBefore": False}}]


def _move_lease_to_a(sheet: SheetsGateway, sheet_id: int, lease: int) -> list[Any]:
    source = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": lease}
    source["endIndex"] = lease + 1
    return [{"moveDimension": {"source": source, "destinationIndex": 0}}]


def _delete_column_left_of_lease(sheet: SheetsGateway, sheet_id: int, lease: int) -> list[Any]:
    """The person's own column (see ``SCRATCH``) goes again."""
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": lease - 1, "endIndex": lease}
    return [{"deleteDimension": {"range": span}}]


def _add_scratch_column_left_of_lease(sheet: SheetsGateway) -> None:
    sheet_id = sheet.tab(TASKS.title).sheet_id
    lease = TASKS.columns.index(TASKS.column("lease"))
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": lease, "endIndex": lease + 1}
    sheet.batch_update([{"insertDimension": {"range": span, "inheritFromBefore": True}}])
    sheet.write_values([(f"{quote_title(TASKS.title)}!{column_letter(lease)}1", [["Scratch"]])])
    sheet.refresh()


EDITS: dict[str, Edit] = {
    "insert-at-lease": _insert_column_at_lease,
    "insert-two-at-A": _insert_two_columns_at_a,
    "move-lease-to-A": _move_lease_to_a,
    "delete-left-of-lease": _delete_column_left_of_lease,
}


def _agent(sheet: SheetsGateway, owner: str, *, compacts: bool) -> QueueTab:
    return tasks_view(sheet, owner, compacts=compacts)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_column_edit_between_the_compaction_read_and_write_deletes_no_task(
    sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    if edit == "delete-left-of-lease":
        _add_scratch_column_left_of_lease(sheet)
    ids = seed_tasks(sheet, 12)
    worker = _agent(sheet, "worker#1", compacts=False)
    won = worker.claim(4).won
    worker.finish([ClaimOutcome(claim, LeaseState.DONE, "ok") for claim in won])
    worker.flush_tombstones()  # four tombstones written; the leader's compact() removes them
    leader = _agent(sheet, "leader#1", compacts=True)
    # A note of a person's own, in a row of its own, with a blank row above it.
    tail = len(ids) + 3
    sheet.write_values([(f"{quote_title(TASKS.title)}!B{tail}", [["call Ana about these"]])])

    gateway = leader.gateway
    real_batch_update = SheetsGateway.batch_update
    lease_index = leader.cmap.col("lease")
    sheet_id = gateway.tab(TASKS.title).sheet_id

    def person_edits_first(requests: list[dict[str, Any]]) -> Any:
        monkeypatch.setattr(gateway, "batch_update", lambda r: real_batch_update(gateway, r))
        sheet.batch_update(EDITS[edit](sheet, sheet_id, lease_index))
        return real_batch_update(gateway, requests)

    monkeypatch.setattr(gateway, "batch_update", person_edits_first)
    try:
        leader.compact()
    except SheetsError as exc:  # refusing the stale batch is allowed; losing rows is not
        assert exc.status == 400, exc
    monkeypatch.undo()

    _, rows = read_tab(sheet, TASKS)
    _, history = read_tab(sheet, TASKS_HISTORY)
    done = {r["id"] for r in history}
    queued = {r.get("id", "") for r in rows}
    lost = [i for i in ids if i not in done and i not in queued]
    assert not lost, f"{edit}: queued tasks deleted by a stale compaction: {lost}"
    (grid,) = sheet.read([f"{quote_title(TASKS.title)}!A1:Z"])
    assert any("call Ana about these" in cells for cells in grid), f"{edit}: the note is gone"

    # With the map read again, the next pass removes the tombstones it missed (once a refusal
    # of the stale batch, if Google refused it, is RETRY_AFTER_S old).
    gateway.refusals.cleared([sheet_id])
    leader.compact()
    leader.compact()
    _, rows = read_tab(sheet, TASKS)
    assert {r.get("id", "") for r in rows} >= set(ids) - done
    assert not [r for r in rows if r.get("lease") == "Lease"], f"{edit}: tombstones left"


def test_a_column_inserted_in_the_dlq_during_a_requeue_deletes_no_other_dlq_row(
    sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``orc requeue`` removed its DLQ rows with a ``deleteDuplicates`` on the ID column by
    index: a column inserted at A in that second made it delete every DLQ row but one."""
    ids = seed_tasks(sheet, 6)
    worker = _agent(sheet, "worker#1", compacts=False)
    won = worker.claim(6).won
    assert len(won) == 6
    worker.finish([ClaimOutcome(c, LeaseState.FAILED, "boom") for c in won])
    worker.flush_tombstones()
    sheet_id = sheet.tab(TASKS_DLQ.title).sheet_id
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
    real_batch_update = SheetsGateway.batch_update
    calls: list[int] = []

    def person_edits_before_the_removal(self: SheetsGateway, requests: list[Any]) -> Any:
        calls.append(len(requests))
        if len(calls) == 2:  # the mark went first; the removal is the second batch
            real_batch_update(self, [{"insertDimension": {"range": span}}])
        return real_batch_update(self, requests)

    monkeypatch.setattr(SheetsGateway, "batch_update", person_edits_before_the_removal)
    report = requeue(sheet, TASKS_DLQ, ids[:2])
    monkeypatch.undo()
    assert sorted(report.requeued) == sorted(ids[:2])
    _, dead_rows = read_tab(sheet, TASKS_DLQ)
    left = {r["id"] for r in dead_rows if r.get("id")}
    assert left >= set(ids[2:]), f"DLQ rows deleted by a stale requeue: {set(ids[2:]) - left}"
