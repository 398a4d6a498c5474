"""How far down ``deleteDuplicates`` on the Lease column may reach: a pure function of a read."""

from __future__ import annotations

from agent.coordination.lease import Lease, LeaseState, pending
from agent.coordination.queue.compaction import (
    BLANK,
    LIVE,
    PERSONAL,
    TOMBSTONE,
    row_kind,
    safe_dedup_end,
)
from agent.schema import TASKS, ColumnMap

HEADER = [c.en for c in TASKS.columns] + ["My Notes"]
CMAP = ColumnMap(TASKS, HEADER)
ID, LEASE, NOTES = CMAP.col("id"), CMAP.col("lease"), len(HEADER) - 1


def _row(row_id: str = "", lease: str = "", note: str = "") -> list[str]:
    cells = [""] * len(HEADER)
    cells[ID], cells[LEASE], cells[NOTES] = row_id, lease, note
    while cells and not cells[-1]:
        cells.pop()  # the API leaves trailing blank cells out
    return cells


def _task(row_id: str) -> list[str]:
    return _row(row_id, pending(row_id).encode())


TOMB = _row("t9", "Lease")


def test_kinds_of_rows() -> None:
    assert row_kind(CMAP, []) == BLANK
    assert row_kind(CMAP, TOMB) == TOMBSTONE
    assert row_kind(CMAP, _row("ID", "Lease")) == TOMBSTONE  # the old two-cell tombstone
    assert row_kind(CMAP, _task("t1")) == LIVE
    assert row_kind(CMAP, _row(note="mine")) == PERSONAL
    assert row_kind(CMAP, _row("t2", pending("t1").encode())) == PERSONAL  # another row's lease
    assert row_kind(CMAP, _row("t1", "garbage")) == PERSONAL


def test_tombstones_tasks_and_blank_rows_are_all_in_range() -> None:
    values = [_task("t1"), TOMB, [], [], TOMB, _task("t2")]
    assert safe_dedup_end(CMAP, 2, values, 50) == 7  # the header to the last row with text
    assert safe_dedup_end(CMAP, 2, values, 4) == 5  # never past the rows read


def test_a_persons_row_after_a_blank_one_ends_the_range_above_it() -> None:
    values = [_task("t1"), TOMB, [], _task("t2"), _row(note="keep me"), TOMB]
    assert safe_dedup_end(CMAP, 2, values, 50) == 5  # rows 1-5 (0-based 0-4): row 6 is kept


def test_the_first_row_without_a_lease_is_kept_so_it_may_be_in_range() -> None:
    values = [_task("t1"), _row(note="cleared but for a note"), TOMB, _task("t2"), TOMB]
    assert safe_dedup_end(CMAP, 2, values, 5) == 6
    # ... but a blank row below it is a copy of it too, and a second note ends the range.
    values += [[], _row(note="second note")]
    assert safe_dedup_end(CMAP, 2, values, 7) == 7


def test_identical_copies_of_a_task_go_but_a_row_copying_another_rows_lease_stays() -> None:
    copy = _task("t1")
    assert safe_dedup_end(CMAP, 2, [_task("t1"), copy, TOMB], 3) == 4
    pasted = _row("t7", pending("t1").encode(), note="pasted, ID changed by hand")
    assert safe_dedup_end(CMAP, 2, [_task("t1"), pasted, TOMB], 3) == 2
    # The other way round: the valid row comes second and must not go as the copy.
    assert safe_dedup_end(CMAP, 2, [pasted, _task("t1"), TOMB], 3) == 2


def test_a_claimed_task_in_two_identical_rows() -> None:
    claimed = Lease(LeaseState.CLAIMED, "t1", 1, "a#s", "1800000000.2").encode()
    values = [_row("t1", claimed), _row("t1", claimed)]
    assert safe_dedup_end(CMAP, 2, values, 2) == 3
