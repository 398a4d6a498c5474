"""People change the Tasks tab's structure while agents run: columns, blank blocks, clears.

What a person does in the Sheets UI: insert a column anywhere (left of Lease too), insert a block
of 100 or more blank rows at the top, clear rows by hand, keep notes in rows of their own. Agents
must keep claiming, re-read the layout when it changed, never delete a row that still holds a
person's data, and lose or double nothing.
"""

from __future__ import annotations

from agent.schema import TASKS, TASKS_HISTORY
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import (
    Fleet,
    add_user_column,
    check_drained,
    overlaps,
    read_tab,
    seed_tasks,
    wait_for,
)

NOTES = "My Notes"


def _insert(sheet: SheetsGateway, dimension: str, at: int, count: int = 1) -> None:
    sheet_id = sheet.tab(TASKS.title).sheet_id
    span = {"sheetId": sheet_id, "dimension": dimension, "startIndex": at, "endIndex": at + count}
    sheet.batch_update([{"insertDimension": {"range": span, "inheritFromBefore": at > 0}}])


def _add_column(sheet: SheetsGateway) -> None:
    """One more column at the right of Tasks, as a person adds one before typing in it."""
    sheet_id = sheet.tab(TASKS.title).sheet_id
    append = {"sheetId": sheet_id, "dimension": "COLUMNS", "length": 1}
    sheet.batch_update([{"appendDimension": append}])


def _done(sheet: SheetsGateway) -> int:
    return len(read_tab(sheet, TASKS_HISTORY)[1])


def _check_history_rows_are_their_tasks(sheet: SheetsGateway) -> None:
    _, history = read_tab(sheet, TASKS_HISTORY)
    for row in history:
        assert row["name"] == f"video {int(row['url'].rsplit('/', 1)[1])}", row


def test_a_column_inserted_left_of_lease_while_agents_run(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    ids = set(seed_tasks(sheet, 80))
    for n in range(2):
        fleet.start(f"agent-{n}", CLAIM_BATCH="4", HANDLER_SLEEP_S="0.15")
    wait_for(lambda: _done(sheet) >= 8, 60, "the first tasks to finish")
    _insert(sheet, "COLUMNS", 0)  # a new column A: every system column moves right by one
    sheet.write_values([(f"{quote_title(TASKS.title)}!A1", [[NOTES]])])
    fleet.wait_all(timeout_s=180)
    check_drained(sheet, ids)
    assert overlaps(fleet.task_log) == []
    _check_history_rows_are_their_tasks(sheet)
    (header,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
    assert header[0][0] == NOTES, "the person's column stays where they put it"


def test_a_hundred_and_fifty_blank_rows_above_the_queue(sheet: SheetsGateway, fleet: Fleet) -> None:
    ids = set(seed_tasks(sheet, 40))
    _insert(sheet, "ROWS", 1, 150)  # between the header and the first task
    fleet.start("agent-0", CLAIM_BATCH="5")
    fleet.start("agent-1", CLAIM_BATCH="5")
    fleet.wait_all(timeout_s=120)
    check_drained(sheet, ids)


def test_blank_rows_inserted_at_the_top_while_agents_run(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    ids = set(seed_tasks(sheet, 60))
    fleet.start("agent-0", CLAIM_BATCH="4", HANDLER_SLEEP_S="0.15")
    wait_for(lambda: _done(sheet) >= 4, 60, "the first tasks to finish")
    for _ in range(3):
        _insert(sheet, "ROWS", 1, 120)
    fleet.wait_all(timeout_s=180)
    check_drained(sheet, ids)
    _check_history_rows_are_their_tasks(sheet)


def test_rows_holding_only_a_persons_notes_are_never_deleted(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    """A row whose URL, ID and Lease a person cleared (or never filled) but whose other cells
    hold their notes is the person's: compaction must keep every such row."""
    (header,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
    notes_col = add_user_column(sheet, TASKS, NOTES)
    ids = set(seed_tasks(sheet, 30))
    # Three of the person's rows below the queue, and one task row they cleared by hand but
    # for its note.
    sheet.write_values(
        [(f"{quote_title(TASKS.title)}!{notes_col}40", [["keep 1"], ["keep 2"], ["keep 3"]])]
    )
    _, rows = read_tab(sheet, TASKS)
    cleared = rows[5]
    cleared_row = 2 + 5
    width = len(header[0])
    sheet.write_values(
        [
            (f"{quote_title(TASKS.title)}!A{cleared_row}", [[""] * width]),
            (f"{quote_title(TASKS.title)}!{notes_col}{cleared_row}", [["keep 0"]]),
        ]
    )
    fleet.start("agent-0", CLAIM_BATCH="5")
    fleet.wait_all(timeout_s=120)
    check_drained(sheet, ids - {cleared["id"]})
    (notes,) = sheet.read([f"{quote_title(TASKS.title)}!{notes_col}2:{notes_col}"])
    kept = sorted(cell for row in notes for cell in row if cell)
    assert kept == ["keep 0", "keep 1", "keep 2", "keep 3"], kept
