"""Protected ranges are enforced against accounts that are not among their editors."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from sheets_emulator import EmulatorServer
from sheets_emulator.clients import gspread_client

from tests.emulator.helpers import api_error

PROTECTED = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
    "to remove protection if you need to edit."
)


@pytest.fixture
def owner(emulator: EmulatorServer) -> gspread.Client:
    return gspread_client(emulator, token="owner")


@pytest.fixture
def robot(emulator: EmulatorServer) -> gspread.Client:
    return gspread_client(emulator, token="robot")


def _protect(sh: gspread.Spreadsheet, grid: dict[str, Any], **extra: Any) -> int:
    reply = sh.batch_update(
        {"requests": [{"addProtectedRange": {"protectedRange": {"range": grid, **extra}}}]}
    )
    return int(reply["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"])


def _header(sheet_id: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1}


@pytest.fixture
def tasks(owner: gspread.Client) -> gspread.Spreadsheet:
    sh = owner.create("protected")
    sh.sheet1.update([["ID", "Lease"], ["t1", ""], ["t2", ""]], "A1")
    _protect(sh, _header(0), description="header")
    return sh


def test_values_writes_into_a_protection_are_refused_for_non_editors(
    tasks: gspread.Spreadsheet, robot: gspread.Client
) -> None:
    mine = robot.open_by_key(tasks.id).sheet1
    code, message, error = api_error(lambda: mine.update([["id"]], "A1"))
    assert (code, message, error["status"]) == (400, PROTECTED, "INVALID_ARGUMENT")
    code, message, _ = api_error(
        lambda: mine.batch_update(
            [{"range": "B2", "values": [["x"]]}, {"range": "B1", "values": [["x"]]}]
        )
    )
    assert (code, message) == (400, PROTECTED)
    mine.update([["robot"]], "B2")  # outside the protection
    assert tasks.sheet1.get_all_values() == [["ID", "Lease"], ["t1", "robot"], ["t2", ""]]
    code, _, _ = api_error(lambda: mine.batch_clear(["A1:B3"]))
    assert code == 400
    tasks.sheet1.update([["Id"]], "A1")  # the creator is always an editor
    assert tasks.sheet1.acell("A1").value == "Id"


def test_a_batch_touching_a_protection_fails_whole(
    tasks: gspread.Spreadsheet, robot: gspread.Client
) -> None:
    theirs = robot.open_by_key(tasks.id)
    outside = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "L"}}]}],
            "fields": "userEnteredValue",
        }
    }
    find = {"findReplace": {"find": "ID", "replacement": "Key", "allSheets": True}}
    code, message, _ = api_error(lambda: theirs.batch_update({"requests": [outside, find]}))
    assert (code, message) == (400, f"Invalid requests[1].findReplace: {PROTECTED}")
    assert tasks.sheet1.get_all_values() == [["ID", "Lease"], ["t1", ""], ["t2", ""]]
    for request in (
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
            }
        },
        {
            "sortRange": {
                "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 3},
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}],
            }
        },
        {"deleteProtectedRange": {"protectedRangeId": _ids(tasks)[0]}},
    ):
        code, message, _ = api_error(lambda r=request: theirs.batch_update({"requests": [r]}))
        assert (code, message.split(": ", 1)[1]) == (400, PROTECTED)
    # Rows inserted above the protection move it; rows below it are free.
    theirs.batch_update(
        {
            "requests": [
                {
                    "insertDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}
                    }
                },
                {
                    "sortRange": {
                        "range": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 5},
                        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}],
                    }
                },
            ]
        }
    )
    assert tasks.sheet1.get_all_values()[2:] == [["ID", "Lease"], ["t2", ""], ["t1", ""]]
    code, _, _ = api_error(lambda: theirs.sheet1.update([["x"]], "A3"))
    assert code == 400


def _ids(sh: gspread.Spreadsheet) -> list[int]:
    sheets = sh.fetch_sheet_metadata()["sheets"]
    return [int(p["protectedRangeId"]) for s in sheets for p in s.get("protectedRanges", [])]


def test_a_protected_sheet_and_its_unprotected_ranges(
    owner: gspread.Client, robot: gspread.Client
) -> None:
    sh = owner.create("sheet protection")
    ws = sh.add_worksheet("Tasks", rows=5, cols=3)
    _protect(
        sh,
        {"sheetId": ws.id},
        unprotectedRanges=[{"sheetId": ws.id, "startColumnIndex": 2, "endColumnIndex": 3}],
    )
    theirs = robot.open_by_key(sh.id)
    tab = theirs.worksheet("Tasks")
    tab.update([["free"]], "C2")
    for attempt in (
        lambda: tab.update([["no"]], "A2"),
        lambda: tab.append_row(["t9"], insert_data_option="INSERT_ROWS"),
        lambda: theirs.batch_update(
            {
                "requests": [
                    {"appendDimension": {"sheetId": ws.id, "dimension": "ROWS", "length": 1}}
                ]
            }
        ),
        lambda: theirs.del_worksheet(tab),
    ):
        code, message, _ = api_error(attempt)
        assert code == 400 and message.endswith(PROTECTED)
    assert sh.worksheet("Tasks").get_all_values()[1] == ["", "", "free"]
    theirs.sheet1.update([["elsewhere"]], "A1")  # other sheets are not protected


def test_editors_warning_only_and_requesting_user_can_edit(
    owner: gspread.Client, robot: gspread.Client, emulator: EmulatorServer
) -> None:
    sh = owner.create("editors")
    pid = _protect(sh, _header(0), editors={"users": []})
    warned = _protect(sh, {"sheetId": 0, "startRowIndex": 5, "endRowIndex": 6}, warningOnly=True)
    theirs = robot.open_by_key(sh.id)
    theirs.sheet1.update([["warned only"]], "A6")  # warning-only never refuses an API write
    mine = sh.fetch_sheet_metadata()["sheets"][0]["protectedRanges"]
    seen = theirs.fetch_sheet_metadata()["sheets"][0]["protectedRanges"]
    assert [p.get("requestingUserCanEdit") for p in mine] == [True, True]
    assert mine[0]["editors"] == {"users": ["owner@emulator.invalid"]}
    # Anyone may edit a warning-only range; only editors see who the editors are.
    assert [p.get("requestingUserCanEdit") for p in seen] == [None, True]
    assert all("editors" not in p for p in seen)  # shown only to those who can edit
    # The owner names the robot an editor (tokens map to accounts: robot's key is "robot").
    emulator.register_tokens({"robot": "robot@example.org"})
    sh.batch_update(
        {
            "requests": [
                {
                    "updateProtectedRange": {
                        "protectedRange": {
                            "protectedRangeId": pid,
                            "editors": {"users": ["robot@example.org"]},
                        },
                        "fields": "editors",
                    }
                }
            ]
        }
    )
    theirs.sheet1.update([["now mine"]], "A1")
    seen = theirs.fetch_sheet_metadata()["sheets"][0]["protectedRanges"]
    assert seen[0]["requestingUserCanEdit"] is True
    assert seen[0]["editors"] == {"users": ["robot@example.org"]}
    sh.sheet1.update([["owner still"]], "B1")  # not listed, but the creator
    assert {p["protectedRangeId"] for p in seen} == {pid, warned}


def test_columns_left_of_a_protection_move_it_columns_inside_are_refused(
    owner: gspread.Client, robot: gspread.Client
) -> None:
    sh = owner.create("columns")
    sh.sheet1.update([["ID", "Lease", "Notes"], ["t1", "l1", "n1"]], "A1")
    lease = {"sheetId": 0, "startColumnIndex": 1, "endColumnIndex": 2}  # column B
    _protect(sh, lease)
    theirs = robot.open_by_key(sh.id)

    def columns(kind: str, start: int) -> dict[str, Any]:
        span = {"sheetId": 0, "dimension": "COLUMNS", "startIndex": start, "endIndex": start + 1}
        return {kind: {"range": span}}

    theirs.batch_update({"requests": [columns("insertDimension", 0)]})  # left of it: allowed
    moved = sh.fetch_sheet_metadata()["sheets"][0]["protectedRanges"][0]["range"]
    assert (moved["startColumnIndex"], moved["endColumnIndex"]) == (2, 3)
    assert sh.sheet1.get_all_values()[1] == ["", "t1", "l1", "n1"]
    tab = theirs.sheet1
    tab.update([["n2"]], "D2")  # Notes, now column D: free
    code, message, _ = api_error(lambda: tab.update([["l2"]], "C2"))  # Lease, now column C
    assert (code, message) == (400, PROTECTED)
    code, message, _ = api_error(
        lambda: theirs.batch_update({"requests": [columns("deleteDimension", 2)]})
    )
    assert code == 400 and message.endswith(PROTECTED)  # deleting the protected column
    theirs.batch_update({"requests": [columns("deleteDimension", 0)]})  # left again: allowed
    assert sh.sheet1.get_all_values()[1] == ["t1", "l1", "n2"]
