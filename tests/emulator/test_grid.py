"""Grid size grows and shrinks as Google's does, and the ten-million-cell limit per spreadsheet
answers Google's 400 when a write would pass it."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from sheets_emulator import EmulatorServer

from tests.emulator.helpers import api_error

LIMIT = (
    "This action would increase the number of cells in the workbook above the limit of "
    "10000000 cells."
)


def _grid(sh: gspread.Spreadsheet, index: int = 0) -> dict[str, Any]:
    grid: dict[str, Any] = sh.fetch_sheet_metadata()["sheets"][index]["properties"][
        "gridProperties"
    ]
    return grid


def test_new_sheets_are_1000_by_26_unless_told(spreadsheet: gspread.Spreadsheet) -> None:
    assert _grid(spreadsheet) == {"rowCount": 1000, "columnCount": 26}
    spreadsheet.batch_update({"requests": [{"addSheet": {}}]})
    assert _grid(spreadsheet, 1) == {"rowCount": 1000, "columnCount": 26}
    spreadsheet.add_worksheet("Small", rows=3, cols=2)
    assert _grid(spreadsheet, 2) == {"rowCount": 3, "columnCount": 2}


def test_append_insert_rows_inserts_and_overwrite_grows(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.add_worksheet("Tasks", rows=4, cols=2)
    ws.update([["id"], ["t1"], [""], ["below"]], "A1")
    ws.update([["keep"]], "B4")
    ws.append_rows([["t2"], ["t3"]], table_range="A1:A2", insert_data_option="INSERT_ROWS")
    assert _grid(spreadsheet, 1)["rowCount"] == 6  # two rows inserted after the table
    assert ws.get_all_values() == [
        ["id", ""],
        ["t1", ""],
        ["t2", ""],
        ["t3", ""],
        ["", ""],
        ["below", "keep"],
    ]
    ws.append_rows([["t4"], ["t5"], ["t6"]], table_range="A6", insert_data_option="OVERWRITE")
    assert _grid(spreadsheet, 1)["rowCount"] == 9  # written past the end: the grid grew
    assert ws.col_values(1)[-3:] == ["t4", "t5", "t6"]


def test_delete_dimension_shrinks(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.delete_rows(2, 11)
    ws.delete_columns(1)
    assert _grid(spreadsheet) == {"rowCount": 990, "columnCount": 25}


def test_move_dimension_moves_columns_and_rows(spreadsheet: gspread.Spreadsheet) -> None:
    """Google's destinationIndex counts before the source leaves: C moved to 0 becomes A, and
    row 1 moved to 4 lands after the row that was row 3 (gspread's move_range is not this)."""
    ws = spreadsheet.add_worksheet("Moves", rows=5, cols=3)
    ws.update([["a", "b", "c"], ["1", "2", "3"], ["x"], ["y"]], "A1")
    sheet_id = ws.id

    def move(dim: str, start: int, end: int, to: int) -> None:
        source = {"sheetId": sheet_id, "dimension": dim, "startIndex": start, "endIndex": end}
        spreadsheet.batch_update(
            {"requests": [{"moveDimension": {"source": source, "destinationIndex": to}}]}
        )

    move("COLUMNS", 2, 3, 0)
    assert ws.get_all_values()[:2] == [["c", "a", "b"], ["3", "1", "2"]]
    move("ROWS", 1, 2, 4)
    assert [r[1] for r in ws.get_all_values()] == ["a", "x", "y", "1"]
    # The reference's own example: A1..A5 of 0..4, rows [1..3) moved to 4 give 0, 3, 1, 2, 4.
    ws.update([[str(n)] for n in range(5)], "A1")
    move("ROWS", 1, 3, 4)
    assert [r[0] for r in ws.get_all_values()] == ["0", "3", "1", "2", "4"]
    with pytest.raises(gspread.exceptions.APIError):
        move("COLUMNS", 0, 1, 9)  # past the grid
    assert _grid(spreadsheet, 1) == {"rowCount": 5, "columnCount": 3}


@pytest.fixture
def nearly_full(gclient: gspread.Client) -> gspread.Spreadsheet:
    """A spreadsheet 10 cells short of ten million (384,615 x 26 = 9,999,990)."""
    body = {
        "properties": {"title": "full"},
        "sheets": [{"properties": {"gridProperties": {"rowCount": 384_615}}}],
    }
    url = "https://sheets.googleapis.com/v4/spreadsheets"
    created = gclient.http_client.request("post", url, json=body).json()
    return gclient.open_by_key(created["spreadsheetId"])


def test_the_ten_million_cell_limit(
    nearly_full: gspread.Spreadsheet, emulator: EmulatorServer, gclient: gspread.Client
) -> None:
    ws = nearly_full.sheet1
    assert emulator.stats()["data"]["cells"][nearly_full.id] == 9_999_990
    ws.update([["last row"]], "A384615")
    code, message, _ = api_error(lambda: ws.append_rows([["x"]], insert_data_option="INSERT_ROWS"))
    assert (code, message) == (400, LIMIT)
    code, message, _ = api_error(lambda: ws.append_rows([["x"]], insert_data_option="OVERWRITE"))
    assert (code, message) == (400, LIMIT)
    for request in (
        {"addSheet": {"properties": {"gridProperties": {"rowCount": 1, "columnCount": 11}}}},
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}},
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
            }
        },
        {"duplicateSheet": {"sourceSheetId": 0}},
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"columnCount": 27}},
                "fields": "gridProperties.columnCount",
            }
        },
    ):
        kind = next(iter(request))
        code, message, _ = api_error(lambda r=request: nearly_full.batch_update({"requests": [r]}))
        assert (code, message) == (400, f"Invalid requests[0].{kind}: {LIMIT}")
    # 10 cells still fit; nothing refused above was applied.
    nearly_full.batch_update(
        {
            "requests": [
                {"addSheet": {"properties": {"gridProperties": {"rowCount": 2, "columnCount": 5}}}}
            ]
        }
    )
    assert emulator.stats()["data"]["cells"][nearly_full.id] == 10_000_000
    assert ws.col_values(1)[-1] == "last row"
    # Shrinking makes room again.
    ws.delete_rows(1, 100)
    ws.append_rows([["fits"]], insert_data_option="INSERT_ROWS")
    url = "https://sheets.googleapis.com/v4/spreadsheets"
    too_big = {"sheets": [{"properties": {"gridProperties": {"rowCount": 400_000}}}]}
    code, message, _ = api_error(lambda: gclient.http_client.request("post", url, json=too_big))
    assert (code, message) == (400, LIMIT)
