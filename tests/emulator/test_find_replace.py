"""findReplace: Google's semantics and counts, Java regex, and compare-and-set under a race."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import gspread
import pytest

from tests.conftest import ClientFactory
from tests.emulator.helpers import api_error


def _find_replace(sh: gspread.Spreadsheet, **request: Any) -> dict[str, Any]:
    request.setdefault("allSheets", True)
    reply = sh.batch_update({"requests": [{"findReplace": request}]})
    result: dict[str, Any] = reply["replies"][0]["findReplace"]
    return result


def _escape(text: str) -> str:
    """Escape every non-alphanumeric character (valid in Java and Python patterns)."""
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def _escape_replacement(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$")


def test_counts_and_zero_counts_omitted(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["Google Sheets", "keep"], ["", "Sheets"]], "A1")
    assert _find_replace(spreadsheet, find="e", replacement="o") == {
        "valuesChanged": 3,
        "rowsChanged": 2,
        "sheetsChanged": 1,
        "occurrencesChanged": 7,
    }
    assert ws.get_all_values() == [["Googlo Shoots", "koop"], ["", "Shoots"]]
    assert _find_replace(spreadsheet, find="nothing here", replacement="x") == {}


def test_case_and_entire_cell(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["Apple"], ["apple pie"], ["APPLE"]], "A1")
    assert (
        _find_replace(spreadsheet, find="apple", replacement="pear", matchCase=True)[
            "occurrencesChanged"
        ]
        == 1
    )
    assert ws.col_values(1) == ["Apple", "pear pie", "APPLE"]
    found = _find_replace(spreadsheet, find="apple", replacement="fig", matchEntireCell=True)
    assert found["valuesChanged"] == 2  # case-insensitive by default
    assert ws.col_values(1) == ["fig", "pear pie", "fig"]


@pytest.mark.parametrize(
    ("value", "find", "replacement", "expected"),
    [
        ("Google Sheets", "o.* (.*)", "$1 Rocks", "GSheets Rocks"),
        ("ab-cd", r"(?<first>\w+)-(?<second>\w+)", "${second}-${first}", "cd-ab"),
        ("1+1=2 and more", r"\Q1+1=2\E", "sum", "sum and more"),
        ("price", "price", r"cost: \$5 \\ ok", "cost: $5 \\ ok"),
        ("aaab", "a++b", "X", "X"),
        ("x12y", r"(\d)(\d)", "$2$1", "x21y"),
        ("x1y", r"(\d)", "$10", "x10y"),  # group 1 then a literal 0: only one group exists
        ("tab\there", r"\h", "_", "tab_here"),
        ("caps", r"\p{Lower}+", "LOW", "LOW"),
        ("MiXeD", "(?i)mixed", "ok", "ok"),
    ],
)
def test_java_regex(
    spreadsheet: gspread.Spreadsheet, value: str, find: str, replacement: str, expected: str
) -> None:
    spreadsheet.sheet1.update([[value]], "A1")
    found = _find_replace(
        spreadsheet, find=find, replacement=replacement, searchByRegex=True, matchCase=True
    )
    assert found["valuesChanged"] == 1
    assert spreadsheet.sheet1.acell("A1").value == expected


def test_possessive_quantifier_gives_nothing_back(spreadsheet: gspread.Spreadsheet) -> None:
    spreadsheet.sheet1.update([["aaaa"]], "A1")
    assert _find_replace(spreadsheet, find="a*+a", replacement="X", searchByRegex=True) == {}


def test_bad_regex_and_bad_group_reference(spreadsheet: gspread.Spreadsheet) -> None:
    spreadsheet.sheet1.update([["abc"]], "A1")
    for find, replacement in (("(unclosed", "x"), ("a(b)", "$2"), ("a", "cost $")):
        status, message, _ = api_error(
            lambda f=find, r=replacement: _find_replace(
                spreadsheet, find=f, replacement=r, searchByRegex=True
            )
        )
        assert status == 400
        assert message.startswith("Invalid requests[0].findReplace: Invalid regular expression")


def test_formulas_only_with_include_formulas(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    ws.update([["=1+1", "1+1"]], "A1", raw=False)
    assert _find_replace(spreadsheet, find="1+1", replacement="2+2") == {
        "valuesChanged": 1,
        "rowsChanged": 1,
        "sheetsChanged": 1,
        "occurrencesChanged": 1,
    }
    found = _find_replace(spreadsheet, find="1+1", replacement="2+2", includeFormulas=True)
    assert found["formulasChanged"] == 1
    assert ws.get_all_values() == [["4", "2+2"]]


def test_empty_cells_never_match_and_numbers_match_displayed_text(
    spreadsheet: gspread.Spreadsheet,
) -> None:
    ws = spreadsheet.sheet1
    ws.update([["", 42], [None, "x"]], "A1")
    assert _find_replace(spreadsheet, find="^$", replacement="filled", searchByRegex=True) == {}
    assert _find_replace(spreadsheet, find="42", replacement="43", matchEntireCell=True) != {}
    assert ws.get("B1", value_render_option="UNFORMATTED_VALUE") == [[43]]


def test_scopes(spreadsheet: gspread.Spreadsheet) -> None:
    ws1 = spreadsheet.sheet1
    ws2 = spreadsheet.add_worksheet("Two", 10, 5)
    ws1.update([["hit", "hit"], ["hit", "hit"]], "A1")
    ws2.update([["hit"]], "A1")
    column_b = {"sheetId": ws1.id, "startColumnIndex": 1, "endColumnIndex": 2}
    assert (
        _find_replace(spreadsheet, find="hit", replacement="B", range=column_b, allSheets=None)[
            "occurrencesChanged"
        ]
        == 2
    )
    found = _find_replace(spreadsheet, find="hit", replacement="S", sheetId=ws2.id, allSheets=None)
    assert found == {
        "valuesChanged": 1,
        "rowsChanged": 1,
        "sheetsChanged": 1,
        "occurrencesChanged": 1,
    }
    found = _find_replace(spreadsheet, find="^(hit|B|S)$", replacement="all", searchByRegex=True)
    assert found["sheetsChanged"] == 2
    assert found["occurrencesChanged"] == 5
    status, message, _ = api_error(
        lambda: _find_replace(spreadsheet, find="x", replacement="y", allSheets=None)
    )
    assert (status, message) == (
        400,
        "Invalid requests[0].findReplace: Exactly one of range, sheetId or allSheets must be set.",
    )


def test_compare_and_set_with_escaped_values(spreadsheet: gspread.Spreadsheet) -> None:
    ws = spreadsheet.sheet1
    claim = f"CLAIMED|worker-1.local:42|2026-11-29T10:04:05Z|{uuid.uuid4()}"
    ws.update([["claim"], [claim], ["CLAIMED|worker-1.local:42"]], "A1")
    new = f"DONE|worker-1|{uuid.uuid4()}|$1\\"
    request = {
        "find": f"^{_escape(claim)}$",
        "replacement": _escape_replacement(new),
        "searchByRegex": True,
        "matchEntireCell": True,
        "matchCase": True,
        "range": {"sheetId": ws.id, "startColumnIndex": 0, "endColumnIndex": 1},
        "allSheets": None,
    }
    assert _find_replace(spreadsheet, **request)["occurrencesChanged"] == 1
    assert ws.col_values(1) == ["claim", new, "CLAIMED|worker-1.local:42"]
    assert _find_replace(spreadsheet, **request) == {}


def test_twenty_threads_race_one_compare_and_set(
    spreadsheet: gspread.Spreadsheet, gclient_factory: ClientFactory
) -> None:
    """Exactly one of 20 simultaneous claims on one cell wins, in every one of 50 rounds."""
    ws = spreadsheet.sheet1
    racers = 20
    clients = [gclient_factory(user=f"worker-{i}") for i in range(racers)]
    handles = [c.open_by_key(spreadsheet.id) for c in clients]
    barrier = threading.Barrier(racers)
    for round_no in range(50):
        old = f"OPEN|{round_no}|{uuid.uuid4()}"
        ws.update([[old]], "A2")
        replies: list[int] = [0] * racers

        def claim(
            i: int, old: str = old, round_no: int = round_no, replies: list[int] = replies
        ) -> None:
            request = {
                "find": f"^{_escape(old)}$",
                "replacement": f"CLAIMED|worker-{i}|{round_no}",
                "searchByRegex": True,
                "matchEntireCell": True,
                "matchCase": True,
                "range": {"sheetId": ws.id, "startColumnIndex": 0, "endColumnIndex": 1},
            }
            barrier.wait()
            reply = handles[i].batch_update({"requests": [{"findReplace": request}]})
            replies[i] = reply["replies"][0]["findReplace"].get("occurrencesChanged", 0)

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [i for i, n in enumerate(replies) if n == 1]
        assert len(winners) == 1, f"round {round_no}: winners {winners}"
        assert sum(replies) == 1
        assert ws.acell("A2").value == f"CLAIMED|worker-{winners[0]}|{round_no}"
