"""A basic filter hides rows (rowMetadata.hiddenByFilter); values.get still returns them;
findReplace sees or skips hidden rows (Google does not say: a setting); sortRange and
deleteDimension keep working under a filter."""

from __future__ import annotations

from typing import Any

import gspread
import pytest
from sheets_emulator import EmulatorServer

from tests.emulator.helpers import api_error, control

ROWS = [["ID", "State"], ["t1", "done"], ["t2", "queued"], ["t3", "done"], ["t4", "running"]]


@pytest.fixture
def tab(spreadsheet: gspread.Spreadsheet) -> gspread.Worksheet:
    ws = spreadsheet.sheet1
    ws.update(ROWS, "A1")
    return ws


def _filter(sh: gspread.Spreadsheet, **spec: Any) -> None:
    grid = {
        "sheetId": 0,
        "startRowIndex": 0,
        "endRowIndex": 5,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
    }
    sh.batch_update({"requests": [{"setBasicFilter": {"filter": {"range": grid, **spec}}}]})


def _hidden(sh: gspread.Spreadsheet) -> list[int]:
    got = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:B6"})
    meta = got["sheets"][0]["data"][0]["rowMetadata"]
    return [i for i, row in enumerate(meta) if row.get("hiddenByFilter")]


@pytest.mark.parametrize(
    "spec",
    [
        {"filterSpecs": [{"columnIndex": 1, "filterCriteria": {"hiddenValues": ["done"]}}]},
        {"criteria": {"1": {"hiddenValues": ["done"]}}},
        {
            "filterSpecs": [
                {
                    "columnIndex": 1,
                    "filterCriteria": {
                        "condition": {
                            "type": "TEXT_NOT_EQ",
                            "values": [{"userEnteredValue": "done"}],
                        }
                    },
                }
            ]
        },
    ],
    ids=["filterSpecs", "criteria", "condition"],
)
def test_a_basic_filter_hides_rows_and_values_get_still_returns_them(
    spreadsheet: gspread.Spreadsheet, tab: gspread.Worksheet, spec: dict[str, Any]
) -> None:
    assert _hidden(spreadsheet) == []
    _filter(spreadsheet, **spec)
    assert _hidden(spreadsheet) == [1, 3]  # t1 and t3; the header row never hides
    stored = spreadsheet.fetch_sheet_metadata()["sheets"][0]["basicFilter"]
    assert stored["criteria"]["1"] == stored["filterSpecs"][0]["filterCriteria"]  # both answered
    assert tab.get_all_values() == ROWS
    assert spreadsheet.values_get("Sheet1!A2:A3")["values"] == [["t1"], ["t2"]]


def test_find_replace_skips_hidden_rows_unless_configured(
    spreadsheet: gspread.Spreadsheet, tab: gspread.Worksheet, emulator: EmulatorServer
) -> None:
    _filter(
        spreadsheet, filterSpecs=[{"columnIndex": 1, "filterCriteria": {"hiddenValues": ["done"]}}]
    )
    claim = {
        "findReplace": {
            "find": "^t[0-9]$",
            "replacement": "$0*",
            "searchByRegex": True,
            "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
        }
    }
    reply = spreadsheet.batch_update({"requests": [claim]})["replies"][0]
    assert reply["findReplace"]["valuesChanged"] == 2  # the default: hidden rows unseen
    assert tab.col_values(1) == ["ID", "t1", "t2*", "t3", "t4*"]
    assert (
        control(emulator.url, "PUT", "config", {"find_replace_hidden_rows": True})[
            "find_replace_hidden_rows"
        ]
        is True
    )
    reply = spreadsheet.batch_update({"requests": [claim]})["replies"][0]
    assert reply["findReplace"]["valuesChanged"] == 2  # now t1 and t3
    assert tab.col_values(1) == ["ID", "t1*", "t2*", "t3*", "t4*"]


def test_sort_and_delete_dimension_under_a_filter(
    spreadsheet: gspread.Spreadsheet, tab: gspread.Worksheet
) -> None:
    _filter(
        spreadsheet, filterSpecs=[{"columnIndex": 1, "filterCriteria": {"hiddenValues": ["done"]}}]
    )
    spreadsheet.batch_update(
        {
            "requests": [
                {
                    "sortRange": {
                        "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 5},
                        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}],
                    }
                }
            ]
        }
    )
    assert tab.col_values(1) == ["ID", "t4", "t3", "t2", "t1"]
    assert _hidden(spreadsheet) == [2, 4]  # the hidden rows moved with their content
    tab.delete_rows(3)  # t3, hidden
    assert tab.col_values(1) == ["ID", "t4", "t2", "t1"]
    basic = spreadsheet.fetch_sheet_metadata()["sheets"][0]["basicFilter"]
    assert basic["range"]["endRowIndex"] == 4  # the filter shrank with the sheet
    assert _hidden(spreadsheet) == [3]


def test_an_unsupported_condition_is_a_400(
    spreadsheet: gspread.Spreadsheet, tab: gspread.Worksheet
) -> None:
    code, message, _ = api_error(
        lambda: _filter(
            spreadsheet,
            filterSpecs=[
                {"columnIndex": 1, "filterCriteria": {"condition": {"type": "CUSTOM_FORMULA"}}}
            ],
        )
    )
    assert code == 400 and "CUSTOM_FORMULA" in message
    assert "basicFilter" not in spreadsheet.fetch_sheet_metadata()["sheets"][0]
