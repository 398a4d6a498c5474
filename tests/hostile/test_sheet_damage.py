"""Spreadsheet damage: the agent refuses what it cannot parse, says which row or tab, and keeps
the rest going; columns moved or added by hand change nothing, since columns are found by header.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sheets_emulator import EmulatorServer

from agent.schema import TASKS, TASKS_HISTORY, Status
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import column_map, read_maps
from tests.coordination.harness import read_tab, seed_tasks
from tests.hostile.agent_run import Snapshot, fresh_sheet, run_agent_over
from tests.hostile.conftest import OrcRunner

TASK_COUNT = 12
#: Rows pasted by hand: ID -> what is in their claim cell (Lease), and the reason to report.
GARBAGE = {
    "g-garbage": ("whatever I pasted", "unreadable lease cell"),
    "g-bad-attempts": ("CLAIMED|g-bad-attempts|two|someone#1|1.0", "is not a number"),
    "g-unknown-state": ("PAUSED|g-unknown-state|0|-|0", "unknown state 'PAUSED'"),
    "g-no-lease": ("", "no lease cell"),
    "g-other-id": ("PENDING|someone-else|0|-|0", "lease belongs to row 'someone-else'"),
}
ODD_STATUS = "BANANA"
USER_COLUMN = "Reviewer"


@pytest.fixture(scope="module")
def damaged_run(emulator_server: EmulatorServer) -> Iterator[tuple[Snapshot, list[str]]]:
    """Tasks with its columns reversed, a user column inserted in the middle, garbage rows
    pasted among the tasks and a Status nobody wrote; one agent runs until no work is left."""
    client, sheet = fresh_sheet(emulator_server)
    ids = seed_tasks(sheet, TASK_COUNT)
    tab = quote_title(TASKS.title)
    (values,) = sheet.read([f"{tab}!A1:ZZ"])
    cmap = column_map(TASKS, values)
    width = cmap.width
    rows = [list(r) + [""] * (width - len(r)) for r in values]
    rows[1][cmap.col("status")] = ODD_STATUS
    for row_id, (lease, _) in GARBAGE.items():
        garbage = [""] * width
        garbage[cmap.col("id")] = row_id
        garbage[cmap.col("url")] = f"https://example.test/{row_id}"
        garbage[cmap.col("lease")] = lease
        rows.insert(len(rows) // 2, garbage)
    rows = [list(reversed(r)) for r in rows]  # every column moved, header included
    sheet.write_values([(f"{tab}!A1:{column_letter(width - 1)}{len(rows)}", rows)])
    sheet_id = sheet.tab(TASKS.title).sheet_id
    middle = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 3, "endIndex": 4}
    sheet.batch_update([{"insertDimension": {"range": middle, "inheritFromBefore": True}}])
    sheet.write_values([(f"{tab}!D1:D{len(rows)}", [[USER_COLUMN]] + [["me"]] * (len(rows) - 1))])
    # The seeded URLs are not YouTube's: policy ``any`` lets the row check pass them.
    yield run_agent_over(client, sheet, source_url_policy="any"), ids


def test_tasks_run_once_though_columns_moved_and_added(
    damaged_run: tuple[Snapshot, list[str]],
) -> None:
    snapshot, ids = damaged_run
    history = snapshot.rows(TASKS_HISTORY)
    assert sorted(r["id"] for r in history) == sorted(ids)
    for row in history:  # each History row is its own task, read through the moved columns
        number = int(row["url"].rsplit("/", 1)[1])
        assert row["name"] == f"video {number}" and row["video_key"] == f"k{number:05d}"
        assert row["status"] == Status.DONE.value
        assert "me" not in row.values(), "a user column's value leaked into a system column"


@pytest.mark.parametrize("row_id", list(GARBAGE))
def test_garbage_claim_cell_is_reported_and_left_alone(
    row_id: str, damaged_run: tuple[Snapshot, list[str]]
) -> None:
    snapshot, _ = damaged_run
    lease, reason = GARBAGE[row_id]
    reports = [p for p in snapshot.problems if f"{row_id!r}" in p]
    assert reports and reason in reports[0], snapshot.problems
    (row,) = [r for r in snapshot.rows(TASKS) if r["id"] == row_id]
    assert row["lease"] == lease and row["url"] == f"https://example.test/{row_id}"
    assert row["status"] == "" and row["worker"] == "", "the agent wrote on a row it refused"


def test_status_nobody_wrote_is_not_obeyed_and_is_healed(
    damaged_run: tuple[Snapshot, list[str]],
) -> None:
    snapshot, ids = damaged_run
    (row,) = [r for r in snapshot.rows(TASKS_HISTORY) if r["id"] == ids[0]]
    assert row["status"] == Status.DONE.value, "the lease decides, not the Status display"


def test_only_the_refused_rows_stay_in_tasks(
    damaged_run: tuple[Snapshot, list[str]],
) -> None:
    snapshot, _ = damaged_run
    left = snapshot.rows(TASKS)
    assert {r["id"] for r in left} == set(GARBAGE), "only the refused rows stay in Tasks"


def test_deleted_tab_stops_the_agent_with_one_line(orc: OrcRunner, sheet: SheetsGateway) -> None:
    ids = seed_tasks(sheet, 3)
    history_id = sheet.tab(TASKS_HISTORY.title).sheet_id
    sheet.batch_update([{"deleteSheet": {"sheetId": history_id}}])
    result = orc("run", "--burst", env={"SPREADSHEET_ID": sheet.spreadsheet_id})
    assert result.code in (1, 2), result
    (line,) = result.err_lines
    assert "Tasks History" in line and "orc init" in line, line
    sheet.refresh()
    _, rows = read_tab(sheet, TASKS)
    assert [r["id"] for r in rows] == ids and all(r["status"] == "PENDING" for r in rows)


def test_renamed_header_stops_the_agent_with_one_line(orc: OrcRunner, sheet: SheetsGateway) -> None:
    ids = seed_tasks(sheet, 3)
    (tasks,) = read_maps(sheet, [TASKS])
    url_at = tasks.col("url")
    sheet.write_values([(f"{quote_title(TASKS.title)}!{column_letter(url_at)}1", [["Link"]])])
    result = orc("run", "--burst", env={"SPREADSHEET_ID": sheet.spreadsheet_id})
    assert result.code in (1, 2), result
    (line,) = result.err_lines
    assert "'URL'" in line and "Tasks" in line and "orc init" in line, line
    (values,) = sheet.read([f"{quote_title(TASKS.title)}!A2:ZZ"])
    assert len(values) == len(ids) and all("PENDING" in r for r in values)
