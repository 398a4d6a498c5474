"""Which Tasks History rows a heal or a rotation removes, and by which copies: pure functions."""

from __future__ import annotations

import pytest

from agent.coordination import history_removal
from agent.coordination.history_removal import heal_runs, plan_heal, plan_rotation
from agent.coordination.queue.compaction import removal_requests
from agent.schema import TASKS_HISTORY, ColumnMap

HEADER = ["Scratch"] + [c.en for c in TASKS_HISTORY.columns]
CMAP = ColumnMap(TASKS_HISTORY, HEADER)
ID, WORKER = CMAP.col("id"), CMAP.col("worker")


def _row(row_id: str, worker: str = "w1", note: str = "") -> list[str]:
    cells = [""] * len(HEADER)
    cells[0], cells[ID], cells[WORKER] = note, row_id, worker
    cells[CMAP.col("status")] = "DONE"
    while cells and not cells[-1]:
        cells.pop()  # the API leaves trailing blank cells out
    return cells


def _ids(rows: list[list[str]]) -> list[str]:
    return [r[ID] if len(r) > ID else "" for r in rows]


def test_a_heal_reads_whole_only_the_rows_of_an_id_held_twice() -> None:
    assert heal_runs(["a", "b", "", "c"]) == []
    assert heal_runs(["a", "b", "a", "c", "B "]) == [(2, 4), (6, 6)]  # rows 2, 3, 4 and 6


def test_a_heal_reads_at_most_so_many_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_removal, "HEAL_RUNS", 2)
    assert heal_runs(["a", "x", "a", "y", "a"]) == [(2, 2), (4, 4)]


def test_a_heal_copies_the_later_row_that_differs_and_keeps_the_first() -> None:
    rows = [_row("a"), _row("b"), _row("a", "w2"), _row("b"), _row("c")]
    ids = _ids(rows)
    read = {
        number: rows[number - 2]
        for first, last in heal_runs(ids)
        for number in range(first, last + 1)
    }
    removal = plan_heal(CMAP, ids, read)
    assert removal is not None
    # The later "a" (another worker) is copied; the later "b" repeats the first to the letter:
    # a copy of it would remove the first too, so the comparison alone removes it.
    assert removal.keepers == (tuple(_row("a", "w2")),)
    assert removal.tombstones == 2
    assert removal.end is None, "to the end of the grid: rows below shift up, never past it"
    _, _, dedup, _ = removal_requests(9, removal)
    assert dedup == {"deleteDuplicates": {"range": {"sheetId": 9, "startRowIndex": 1}}}
    assert "comparisonColumns" not in str(dedup)


def test_a_heal_of_rows_repeated_to_the_letter_writes_no_copy() -> None:
    rows = [_row("a"), _row("a")]
    removal = plan_heal(CMAP, _ids(rows), {2: rows[0], 3: rows[1]})
    assert removal is not None and removal.keepers == () and removal.tombstones == 1
    assert removal_requests(9, removal) == [
        {"deleteDuplicates": {"range": {"sheetId": 9, "startRowIndex": 1}}}
    ]


def test_a_heal_removes_nothing_when_rows_moved_between_its_two_reads() -> None:
    rows = [_row("a"), _row("b"), _row("a", "w2")]
    moved = {2: rows[1], 4: rows[2]}  # row 2 no longer holds "a"
    assert plan_heal(CMAP, _ids(rows), moved) is None
    assert plan_heal(CMAP, _ids(rows), {2: rows[0], 4: rows[0][:ID]}) is None


def test_a_rotation_copies_every_row_with_an_id_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_removal, "COPIES_PER_BATCH", 2)
    rows = [_row("a"), [], _row("", note="mine"), _row("b"), _row("c"), _row("c")]
    removals = plan_rotation(CMAP, rows)
    assert [[k[ID] for k in r.keepers] for r in removals] == [["a", "b"], ["c"]]
    assert [r.tombstones for r in removals] == [2, 2]
    assert all(r.end is None for r in removals)


def test_a_rotation_batch_stays_far_under_two_megabytes() -> None:
    big = "x" * 40_000
    rows = [_row(f"id{i}", note=big) for i in range(60)]
    removals = plan_rotation(CMAP, rows)
    assert len(removals) > 1
    for removal in removals:
        size = len(str(removal_requests(1, removal)).encode())
        assert size < 1_200_000, size
