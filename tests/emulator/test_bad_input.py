"""Bad input gets Google's 400 (or 404) with a clear message, and the server keeps serving."""

from __future__ import annotations

import gspread
import requests
from sheets_emulator import EmulatorServer

from tests.emulator.helpers import SHEETS, api_error, raw

LONG = "x" * 50_001
TOO_LONG = "Your input contains more than the maximum of 50000 characters in a single cell."


def _still_serving(emulator: EmulatorServer, sh: gspread.Spreadsheet) -> None:
    assert requests.get(f"{emulator.url}/_emulator/health", timeout=5).json()["status"] == "ok"
    sh.sheet1.update([["ok"]], "A1")
    assert sh.sheet1.acell("A1").value == "ok"


def test_malformed_json(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet, gclient: gspread.Client
) -> None:
    response = raw(gclient, "POST", f"{SHEETS}/{spreadsheet.id}:batchUpdate", b'{"requests": [')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith("Invalid JSON payload received.")
    _still_serving(emulator, spreadsheet)


def test_unknown_sheet(emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet) -> None:
    status, message, error = api_error(lambda: spreadsheet.values_get("'Nope'!A1:B2"))
    assert (status, message) == (400, "Unable to parse range: 'Nope'!A1:B2")
    assert error["status"] == "INVALID_ARGUMENT"
    status, message, _ = api_error(
        lambda: spreadsheet.batch_update({"requests": [{"deleteSheet": {"sheetId": 999}}]})
    )
    assert (status, message) == (400, "Invalid requests[0].deleteSheet: No grid with id: 999")
    _still_serving(emulator, spreadsheet)


def test_range_beyond_the_grid(emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    status, message, _ = api_error(lambda: ws.update([["x"]], "A1001"))
    assert status == 400
    assert message == "Range ('Sheet1'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    status, message, _ = api_error(lambda: ws.update([["x", "y"]], "Z5"))
    assert (status, "exceeds grid limits" in message) == (400, True)
    status, message, _ = api_error(lambda: spreadsheet.values_get("Sheet1!A2000:B2001"))
    assert (status, "exceeds grid limits" in message) == (400, True)
    # An end beyond the grid is clamped, as Google does.
    assert spreadsheet.values_get("Sheet1!A1:B5000")["range"] == "Sheet1!A1:B1000"
    _still_serving(emulator, spreadsheet)


def test_too_many_characters_in_a_cell(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    ws = spreadsheet.sheet1
    assert api_error(lambda: ws.update([[LONG]], "A1"))[:2] == (400, TOO_LONG)
    batch = [{"range": "A1", "values": [["fine"]]}, {"range": "B1", "values": [[LONG]]}]
    assert api_error(lambda: ws.batch_update(batch))[:2] == (400, f"Invalid data[1]: {TOO_LONG}")
    assert api_error(lambda: ws.append_row([LONG]))[:2] == (400, TOO_LONG)
    cells = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": LONG}}]}],
            "fields": "userEnteredValue",
        }
    }
    status, message, _ = api_error(lambda: spreadsheet.batch_update({"requests": [cells]}))
    assert (status, message) == (400, f"Invalid requests[0].updateCells: {TOO_LONG}")
    ws.update([["x" * 50_000]], "A1")  # exactly the limit is fine
    assert ws.get_all_values() == [["x" * 50_000]]
    _still_serving(emulator, spreadsheet)


def test_unknown_request_kind(emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet) -> None:
    status, message, error = api_error(
        lambda: spreadsheet.batch_update({"requests": [{"frobnicate": {}}]})
    )
    assert status == 400
    assert message == (
        "Invalid JSON payload received. Unknown name \"frobnicate\" at 'requests[0]': "
        "Cannot find field."
    )
    assert error["details"][0]["fieldViolations"][0]["field"] == "requests[0]"
    _still_serving(emulator, spreadsheet)


def test_a_batch_with_one_invalid_request_applies_nothing(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    body = {
        "requests": [
            {"addSheet": {"properties": {"title": "New"}}},
            {
                "updateCells": {
                    "start": {"sheetId": 0},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "applied?"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            {"addSheet": {"properties": {"title": "Sheet1"}}},
        ]
    }
    status, message, _ = api_error(lambda: spreadsheet.batch_update(body))
    assert status == 400
    assert message == (
        'Invalid requests[2].addSheet: A sheet with the name "Sheet1" already exists. '
        "Please enter another name."
    )
    assert [ws.title for ws in spreadsheet.worksheets()] == ["Sheet1"]
    assert "values" not in spreadsheet.values_get("Sheet1")
    _still_serving(emulator, spreadsheet)


def test_values_of_the_wrong_type(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet, gclient: gspread.Client
) -> None:
    url = f"{SHEETS}/{spreadsheet.id}/values/Sheet1!A1"
    response = raw(gclient, "PUT", url, {"values": "X"}, valueInputOption="RAW")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    )
    response = raw(gclient, "PUT", url, {"values": [["a"]]})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED"
    )
    _still_serving(emulator, spreadsheet)


def test_unknown_spreadsheet_is_not_found(
    emulator: EmulatorServer, gclient: gspread.Client
) -> None:
    status, message, error = api_error(lambda: gclient.http_client.fetch_sheet_metadata("nope"))
    assert (status, message, error["status"]) == (
        404,
        "Requested entity was not found.",
        "NOT_FOUND",
    )


def test_anonymous_requests_are_served_never_401(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    response = requests.get(f"{emulator.url}/v4/spreadsheets/{spreadsheet.id}", timeout=5)
    assert response.status_code == 200
    response = requests.get(f"{emulator.url}/v4/spreadsheets/nope", timeout=5)
    assert response.status_code == 404
    assert emulator.stats()["users"]["anonymous"]["read"] == 2


def test_lone_surrogates_are_kept_not_a_500(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    url = f"{emulator.url}/v4/spreadsheets/{spreadsheet.id}/values/A1"
    body = '{"values": [["half \\ud83c pair"]]}'
    headers = {"Content-Type": "application/json"}
    response = requests.put(
        url, params={"valueInputOption": "RAW"}, data=body, headers=headers, timeout=5
    )
    assert response.status_code == 200
    assert requests.get(url, timeout=5).json()["values"] == [["half \ud83c pair"]]
    _still_serving(emulator, spreadsheet)
