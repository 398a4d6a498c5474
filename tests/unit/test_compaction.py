"""What a removal of tombstones copies and how far down it reaches: a pure function of a read."""

from __future__ import annotations

from agent.coordination.lease import Lease, LeaseState, pending
from agent.coordination.queue.compaction import (
    BLANK,
    LIVE,
    PERSONAL,
    TOMBSTONE,
    Removal,
    plan_removal,
    removal_requests,
    row_key,
    row_kind,
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


def _plan(
    values: list[list[str]], count: int = 50, stones: tuple[tuple[str, str], ...] = ()
) -> Removal:
    removal = plan_removal(CMAP, 2, values, count, stones)
    assert removal is not None
    return removal


def test_tombstones_tasks_and_blank_rows_are_all_in_range() -> None:
    other = _row("t8", "Lease")
    values = [_task("t1"), TOMB, [], [], other, TOMB, _task("t2")]
    removal = _plan(values)
    assert removal.end == 8  # 0-based, exclusive: the last row read (row 8) is in range
    assert removal.keepers == (tuple(TOMB), tuple(other))  # one copy per distinct row
    assert removal.tombstones == 3
    assert _plan(values, count=4).end == 5  # never past the rows read


def test_nothing_to_remove_without_a_tombstone() -> None:
    assert plan_removal(CMAP, 2, [_task("t1"), [], _row(note="mine")], 50) is None


def test_a_persons_row_repeating_an_earlier_one_ends_the_range_above_it() -> None:
    note = _row(note="keep me")
    values = [_task("t1"), note, TOMB, list(note), _row("t7", "Lease")]
    removal = _plan(values)
    assert removal.end == 4  # rows 2-4 (0-based 1-3); row 5, the second note, stays
    assert removal.keepers == (tuple(TOMB),)


def test_notes_that_differ_never_end_the_range() -> None:
    values = [_task("t1"), _row(note="cleared but for a note"), TOMB, [], _row(note="second")]
    assert _plan(values).end == 6


def test_identical_copies_of_a_task_go_and_a_row_pasted_with_a_new_id_stays_in_range() -> None:
    assert _plan([_task("t1"), _task("t1"), TOMB]).end == 4
    pasted = _row("t7", pending("t1").encode(), note="pasted, ID changed by hand")
    assert _plan([_task("t1"), pasted, TOMB]).end == 4  # differs from every row: it stays


def test_a_claimed_task_in_two_identical_rows() -> None:
    claimed = Lease(LeaseState.CLAIMED, "t1", 1, "a#s", "1800000000.2").encode()
    assert _plan([_row("t1", claimed), _row("t1", claimed), TOMB]).end == 4


def test_a_row_the_batch_turns_into_a_tombstone_is_copied_as_it_will_be() -> None:
    done = Lease(LeaseState.DONE, "t3", 1, "a#s", "1800000000.2").encode()
    removal = _plan([_task("t1"), _row("t3", done)], stones=(("t3", done),))
    assert removal.keepers == (tuple(_row("t3", "Lease")),)
    assert removal.tombstones == 1


def test_row_keys_compare_more_loosely_than_google() -> None:
    assert row_key(["Done ", "x"]) == row_key(["done", "X", "", ""])
    assert row_key(["ｆｕｌｌ"]) == row_key(["full"])  # Unicode compatibility forms
    assert row_key(["a  b"]) == row_key(["a b"])
    assert row_key(["a"]) != row_key(["b"])


def test_the_requests_insert_copy_compare_whole_rows_and_delete_the_copies() -> None:
    removal = _plan([_task("t1"), TOMB, _row("t8", "Lease")])
    insert, write, dedup, delete = removal_requests(7, removal)
    span = {"sheetId": 7, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}
    assert insert == {"insertDimension": {"range": span, "inheritFromBefore": False}}
    assert delete == {"deleteDimension": {"range": span}}
    rows = write["updateCells"]["rows"]
    assert [c.get("userEnteredValue", {}).get("stringValue", "") for c in rows[0]["values"]] == TOMB
    assert "formulaValue" not in str(rows)
    assert dedup == {
        "deleteDuplicates": {"range": {"sheetId": 7, "startRowIndex": 1, "endRowIndex": 7}}
    }  # every column compared: no column index that a person's edit could make stale
