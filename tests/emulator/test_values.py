"""values.*: RAW vs USER_ENTERED, render options, ranges, append and Google's table detection."""

from __future__ import annotations

import gspread
import pytest

from tests.emulator.helpers import SHEETS, raw


def test_raw_keeps_text_user_entered_parses(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["=1+1", "0042", "TRUE", "2020-01-01", '=IMPORTXML("x")']], "A1")
    assert ws.get("A1:E1", value_render_option="UNFORMATTED_VALUE") == [
        ["=1+1", "0042", "TRUE", "2020-01-01", '=IMPORTXML("x")']
    ]
    ws.update([["=1+1", "0042", "TRUE", "2020-01-01", "'=1+1"]], "A2", raw=False)
    assert ws.get("A2:E2") == [["2", "42", "TRUE", "2020-01-01", "=1+1"]]
    assert ws.get("A2:E2", value_render_option="UNFORMATTED_VALUE") == [
        [2, 42, True, 43831, "=1+1"]
    ]
    assert ws.get("A2:E2", value_render_option="FORMULA") == [["=1+1", 42, True, 43831, "=1+1"]]
    formatted = ws.get(
        "D2", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING"
    )
    assert formatted == [["2020-01-01"]]


def test_formula_errors_and_references(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([[2, 3, "=A1*B1", "=C1/0", '=A1&"x"', "=SUM(A1:C1)", "=NOPE(1)"]], "A1", raw=False)
    assert ws.get("A1:G1") == [["2", "3", "6", "#DIV/0!", "2x", "11", "#NAME?"]]


def test_ranges_are_normalised(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["a", "b"], ["c", "d"]], "A1")
    assert spreadsheet.values_get("Sheet1")["range"] == "Sheet1!A1:Z1000"
    assert spreadsheet.values_get("'Sheet1'!B2:A1")["range"] == "Sheet1!A1:B2"
    assert spreadsheet.values_get("Sheet1!A2:2")["range"] == "Sheet1!A2:Z2"
    assert spreadsheet.values_get("Sheet1!B:B")["range"] == "Sheet1!B1:B1000"
    assert spreadsheet.values_get("A1")["range"] == "Sheet1!A1"
    empty = spreadsheet.values_get("Sheet1!C3:D4")
    assert empty == {"range": "Sheet1!C3:D4", "majorDimension": "ROWS"}
    assert spreadsheet.values_get("Sheet1!A1:B2", params={"majorDimension": "COLUMNS"})[
        "values"
    ] == [
        ["a", "c"],
        ["b", "d"],
    ]
    spreadsheet.add_worksheet("My 'odd' sheet", 5, 5).update([["x"]], "A1")
    assert spreadsheet.values_get("'My ''odd'' sheet'")["range"] == "'My ''odd'' sheet'!A1:E5"


def test_trailing_blanks_trimmed_and_nulls_skip(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    result = ws.update([["a", "", "c", ""], ["", "", "", ""], ["x", None, None, None]], "A1")
    assert result["updatedRange"] == "Sheet1!A1:D3"
    assert (result["updatedRows"], result["updatedColumns"], result["updatedCells"]) == (3, 4, 9)
    assert spreadsheet.values_get("Sheet1")["values"] == [["a", "", "c"], [], ["x"]]


def test_writing_past_the_requested_range_is_refused(
    spreadsheet: gspread.Spreadsheet, gclient: gspread.Client
) -> None:
    url = f"{SHEETS}/{spreadsheet.id}/values/Sheet1!A1:B1"
    response = raw(gclient, "PUT", url, {"values": [["a", "b", "c"]]}, valueInputOption="RAW")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Requested writing within range [Sheet1!A1:B1], but tried writing to column [C]"
    )


def test_append_table_detection(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    first = ws.append_row(["x", "", "y"])
    assert "tableRange" not in first
    assert first["updates"]["updatedRange"] == "Sheet1!A1:C1"
    # Google's pitfall: a whole-sheet range finds the block holding the last value (C1).
    second = ws.append_row(["x", "", "y"])
    assert second["tableRange"] == "Sheet1!C1"
    assert second["updates"]["updatedRange"] == "Sheet1!C2:E2"
    # With table_range="A1" the table is A1 and the row lands in A3.
    third = ws.append_row(["p", "", "q"], table_range="A1")
    assert third["tableRange"] == "Sheet1!A1"
    assert third["updates"]["updatedRange"] == "Sheet1!A2:C2"


def _rows(sh: gspread.Spreadsheet) -> int:
    props = sh.fetch_sheet_metadata()["sheets"][0]["properties"]
    return int(props["gridProperties"]["rowCount"])


def test_append_after_a_table_with_gaps(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update(
        [["ID", "URL", "Status", "Worker"], ["1", "u1", "PENDING", ""], ["2", "", "DONE", "w"]],
        "A1",
    )
    reply = ws.append_rows([["3", "u3", "PENDING", ""]], insert_data_option="INSERT_ROWS")
    assert reply["tableRange"] == "Sheet1!A1:D3"
    assert reply["updates"]["updatedRange"] == "Sheet1!A4:D4"
    assert _rows(spreadsheet) == 1001  # INSERT_ROWS inserted a row
    overwrite = ws.append_rows([["4"]], table_range="A1:D1")
    assert overwrite["tableRange"] == "Sheet1!A1:D4"
    assert overwrite["updates"]["updatedRange"] == "Sheet1!A5"
    assert _rows(spreadsheet) == 1001  # OVERWRITE inside the grid adds nothing


def test_append_grows_the_sheet_at_its_end(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.add_worksheet("Small", 2, 2)
    ws.update([["a", "b"], ["c", "d"]], "A1")
    reply = ws.append_rows([["e", "f", "g"]])
    assert reply["updates"]["updatedRange"] == "Small!A3:C3"
    props = spreadsheet.fetch_sheet_metadata()["sheets"][1]["properties"]["gridProperties"]
    assert props == {"rowCount": 3, "columnCount": 3}


def test_clear_keeps_formats_and_batch_calls(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["1", "2"], ["3", "4"]], "A1")
    ws.format("A1", {"textFormat": {"bold": True}})
    assert spreadsheet.values_clear("Sheet1!A1:A2")["clearedRange"] == "Sheet1!A1:A2"
    assert ws.get_all_values() == [["", "2"], ["", "4"]]
    fmt = spreadsheet.fetch_sheet_metadata(
        {"ranges": "Sheet1!A1", "fields": "sheets.data.rowData.values.userEnteredFormat"}
    )
    assert fmt["sheets"][0]["data"][0]["rowData"][0]["values"][0]["userEnteredFormat"] == {
        "textFormat": {"bold": True}
    }
    got = ws.batch_get(["B1", "B1:B2", "C1"])
    assert [list(v) for v in got] == [[["2"]], [["2"], ["4"]], []]


@pytest.mark.parametrize("option", ["RAW", "USER_ENTERED"])
def test_include_values_in_response(spreadsheet: gspread.Spreadsheet, option: str) -> None:
    reply = spreadsheet.values_update(
        "Sheet1!A1",
        params={"valueInputOption": option, "includeValuesInResponse": "true"},
        body={"values": [["=2*3"]]},
    )
    expected = "6" if option == "USER_ENTERED" else "=2*3"
    assert reply["updatedData"] == {
        "range": "Sheet1!A1",
        "majorDimension": "ROWS",
        "values": [[expected]],
    }
