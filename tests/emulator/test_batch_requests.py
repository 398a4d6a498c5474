"""spreadsheets.batchUpdate request kinds, deleteDuplicates above all."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from sheets_emulator import EmulatorServer

from tests.emulator.helpers import api_error


@pytest.fixture(params=[True, False], ids=["shrinks", "keeps-size"])
def shrinks(request: pytest.FixtureRequest, emulator: EmulatorServer) -> bool:
    """Both of Google's possible deleteDuplicates behaviours (it does not document which)."""
    emulator.configure(delete_duplicates_shrinks_grid=request.param)
    return bool(request.param)


def _batch(sh: gspread.Spreadsheet, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = sh.batch_update({"requests": list(requests)})["replies"]
    return replies


def _grid(sh: gspread.Spreadsheet, index: int = 0) -> dict[str, Any]:
    props: dict[str, Any] = sh.fetch_sheet_metadata()["sheets"][index]["properties"][
        "gridProperties"
    ]
    return props


def _dedupe(
    sheet_id: int,
    rows: tuple[int, int | None],
    cols: tuple[int, int] | None = None,
    compare: list[int] | None = None,
) -> dict[str, Any]:
    grid: dict[str, Any] = {"sheetId": sheet_id, "startRowIndex": rows[0]}
    if rows[1] is not None:
        grid["endRowIndex"] = rows[1]
    if cols is not None:
        grid["startColumnIndex"], grid["endColumnIndex"] = cols
    request: dict[str, Any] = {"range": grid}
    if compare is not None:
        request["comparisonColumns"] = [
            {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1}
            for c in compare
        ]
    return {"deleteDuplicates": request}


def test_delete_duplicates_keeps_first_case_insensitive(
    spreadsheet: gspread.Spreadsheet, shrinks: bool
) -> None:
    ws = spreadsheet.sheet1
    ws.update([["key", "n"], ["a", "1"], ["b", "2"], ["A", "3"], ["c", "4"], ["b", "5"]], "A1")
    [reply] = _batch(spreadsheet, _dedupe(ws.id, (1, 6), compare=[0]))
    assert reply == {"deleteDuplicates": {"duplicatesRemovedCount": 2}}
    assert ws.get_all_values() == [["key", "n"], ["a", "1"], ["b", "2"], ["c", "4"]]
    rows = 998 if shrinks else 1000  # the two rows left the grid, or the sheet kept its size
    assert _grid(spreadsheet)["rowCount"] == rows
    assert _batch(spreadsheet, _dedupe(ws.id, (1, 4), compare=[0])) == [{"deleteDuplicates": {}}]
    # Unbounded, the blank rows below the data count as duplicates of the first one.
    [reply] = _batch(spreadsheet, _dedupe(ws.id, (1, None), compare=[0]))
    assert reply == {"deleteDuplicates": {"duplicatesRemovedCount": rows - 5}}
    assert ws.get_all_values() == [["key", "n"], ["a", "1"], ["b", "2"], ["c", "4"]]
    assert _grid(spreadsheet)["rowCount"] == (5 if shrinks else 1000)


def test_delete_duplicates_leaves_content_outside_the_range(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    ws = spreadsheet.sheet1
    ws.update(
        [["x", "keep1"], ["x", "keep2"], ["y", "keep3"], ["x", "keep4"], ["below", "stay"]], "A1"
    )
    [reply] = _batch(spreadsheet, _dedupe(ws.id, (0, 4), cols=(0, 1)))
    assert reply["deleteDuplicates"]["duplicatesRemovedCount"] == 2
    # Column A shifted up inside rows 1-4; column B and row 5 untouched.
    assert ws.get_all_values() == [
        ["x", "keep1"],
        ["y", "keep2"],
        ["", "keep3"],
        ["", "keep4"],
        ["below", "stay"],
    ]


def test_delete_duplicates_whole_rows_inside_a_bounded_range(
    spreadsheet: gspread.Spreadsheet, shrinks: bool
) -> None:
    ws = spreadsheet.sheet1
    ws.update([["1", "a"], ["1", "b"], ["2", "c"], ["after", "z"]], "A1")
    [reply] = _batch(spreadsheet, _dedupe(ws.id, (0, 3), compare=[0]))
    assert reply["deleteDuplicates"]["duplicatesRemovedCount"] == 1
    if shrinks:  # the row left the grid: what was below moved up with it
        assert ws.get_all_values() == [["1", "a"], ["2", "c"], ["after", "z"]]
        assert _grid(spreadsheet)["rowCount"] == 999
    else:
        assert ws.get_all_values() == [["1", "a"], ["2", "c"], ["", ""], ["after", "z"]]
        assert _grid(spreadsheet)["rowCount"] == 1000


def test_delete_duplicates_blanks_and_displayed_values(
    spreadsheet: gspread.Spreadsheet, shrinks: bool
) -> None:
    ws = spreadsheet.sheet1
    ws.update([["x", ""], ["x", ""], ["", ""], ["", "k"], [1, "n"], ["1", "n"], ["x", "y"]], "A1")
    [reply] = _batch(spreadsheet, _dedupe(ws.id, (0, 8), compare=[0, 1]))
    # (x, "") twice, ("1", "n") twice, and the blank row 8 repeats the blank row 3.
    assert reply["deleteDuplicates"]["duplicatesRemovedCount"] == 3
    assert spreadsheet.values_get("Sheet1")["values"] == [
        ["x"],
        [],
        ["", "k"],
        ["1", "n"],
        ["x", "y"],
    ]


def test_delete_duplicates_blank_rows_are_duplicates_too(
    spreadsheet: gspread.Spreadsheet, shrinks: bool
) -> None:
    ws = spreadsheet.add_worksheet("Small", 6, 2)
    ws.update([["ID", "Lease"], ["", ""], ["a", "1"], ["", ""]], "A1")
    [reply] = _batch(spreadsheet, _dedupe(ws.id, (0, None), compare=[0, 1]))
    # Row 4 repeats the blank row 2; rows 5-6 (past the data) are blank duplicates as well.
    assert reply["deleteDuplicates"]["duplicatesRemovedCount"] == 3
    assert spreadsheet.values_get("Small")["values"] == [["ID", "Lease"], [], ["a", "1"]]
    assert _grid(spreadsheet, 1)["rowCount"] == (3 if shrinks else 6)


def test_delete_duplicates_rejects_columns_outside_the_range(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    status, message, _ = api_error(
        lambda: _batch(spreadsheet, _dedupe(0, (0, 5), cols=(0, 2), compare=[3]))
    )
    assert (status, message) == (
        400,
        "Invalid requests[0].deleteDuplicates: comparisonColumns must lie within the range.",
    )


def test_sheet_requests(spreadsheet: gspread.Spreadsheet) -> None:
    reply = _batch(
        spreadsheet,
        {
            "addSheet": {
                "properties": {
                    "title": "Tasks",
                    "gridProperties": {"rowCount": 5, "columnCount": 3},
                }
            }
        },
    )
    props = reply[0]["addSheet"]["properties"]
    assert {k: props[k] for k in ("title", "index", "sheetType", "gridProperties")} == {
        "title": "Tasks",
        "index": 1,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": 5, "columnCount": 3},
    }
    sheet_id = props["sheetId"]
    update = {
        "updateSheetProperties": {
            "properties": {
                "sheetId": sheet_id,
                "title": "Jobs",
                "gridProperties": {"frozenRowCount": 1, "rowCount": 8},
            },
            "fields": "title,gridProperties.frozenRowCount,gridProperties.rowCount",
        }
    }
    assert _batch(spreadsheet, update) == [{}]
    assert _grid(spreadsheet, 1) == {"rowCount": 8, "columnCount": 3, "frozenRowCount": 1}
    assert [w.title for w in spreadsheet.worksheets()] == ["Sheet1", "Jobs"]
    _batch(spreadsheet, {"deleteSheet": {"sheetId": 0}})
    status, message, _ = api_error(
        lambda: _batch(spreadsheet, {"deleteSheet": {"sheetId": sheet_id}})
    )
    assert (status, message) == (
        400,
        "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document.",
    )


def test_dimensions_move_data_and_ranges(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["r1"], ["r2"], ["r3"]], "A1")
    [added] = _batch(
        spreadsheet,
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                    "warningOnly": True,
                }
            }
        },
    )
    assert added["addProtectedRange"]["protectedRange"]["range"] == {
        "startRowIndex": 1,
        "endRowIndex": 2,
    }
    assert added["addProtectedRange"]["protectedRange"]["warningOnly"] is True
    _batch(
        spreadsheet,
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 4, "endIndex": 5}
            }
        },
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
    )
    assert ws.col_values(1) == ["", "", "r1", "r2"]
    assert _grid(spreadsheet) == {"rowCount": 1001, "columnCount": 28}
    protected = spreadsheet.fetch_sheet_metadata()["sheets"][0]["protectedRanges"][0]
    assert protected["range"] == {"startRowIndex": 3, "endRowIndex": 4}
    status, message, _ = api_error(
        lambda: _batch(
            spreadsheet,
            {
                "deleteDimension": {
                    "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 28}
                }
            },
        )
    )
    assert (status, message) == (
        400,
        "Invalid requests[0].deleteDimension: You can't delete all the columns on the sheet.",
    )


def test_cell_requests(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["a", "b", "c"], ["d", "e", "f"]], "A1")
    _batch(
        spreadsheet,
        {
            "updateCells": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": 3,
                },
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "new"}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [{"userEnteredValue": {"numberValue": 7}}]}],
                "fields": "*",
            }
        },
        {
            "repeatCell": {
                "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                "cell": {"userEnteredFormat": {"backgroundColor": {"red": 1}}},
                "fields": "userEnteredFormat.backgroundColor",
            }
        },
        {
            "setDataValidation": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 1,
                    "startColumnIndex": 0,
                    "endColumnIndex": 1,
                },
                "rule": {
                    "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "new"}]},
                    "strict": True,
                },
            }
        },
    )
    # updateCells over a range clears the masked field of cells the rows do not cover.
    assert ws.get_all_values() == [["new", "", ""], ["d", "e", "f"], ["7", "", ""]]
    data = spreadsheet.fetch_sheet_metadata(
        {
            "ranges": "Sheet1!A1:A2",
            "fields": "sheets.data.rowData.values(dataValidation,userEnteredFormat)",
        }
    )
    rows = data["sheets"][0]["data"][0]["rowData"]
    assert rows[0]["values"][0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    assert rows[1]["values"][0]["userEnteredFormat"] == {
        "backgroundColor": {"red": 1},
        "backgroundColorStyle": {"rgbColor": {"red": 1}},
    }


def test_sort_range_numbers_text_blanks(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["b"], [10], [""], ["A"], [2]], "A1")
    _batch(
        spreadsheet,
        {
            "sortRange": {
                "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5},
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}],
            }
        },
    )
    assert ws.col_values(1) == ["2", "10", "A", "b"]
    _batch(
        spreadsheet,
        {
            "sortRange": {
                "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5},
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}],
            }
        },
    )
    assert ws.col_values(1) == ["b", "A", "10", "2"]
