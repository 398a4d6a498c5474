"""Hostile and careless source URLs, through ``orc add-source`` and typed straight into Sources.

Each bad URL gets a clear one-line reason; the good URL given with it is still added and
expanded; nothing else in the sheet changes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sheets_emulator import EmulatorServer

from agent.schema import SOURCES, SOURCES_DLQ, SOURCES_HISTORY, TASKS_HISTORY, Status
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import read_tab
from tests.hostile import sites
from tests.hostile.agent_run import Snapshot, fresh_sheet, run_agent_over
from tests.hostile.conftest import OrcRunner

TEN_KB = "https://www.youtube.com/playlist?list=PL" + "a" * 10_000

#: Input -> a word the reason must contain.
REJECTED = {
    "empty": ("", "empty"),
    "whitespace": ("  \t  ", "empty"),
    "not_a_url": ("not a url", "URL"),
    "javascript": ("javascript:alert(document.cookie)", "scheme"),
    "file": ("file:///etc/passwd", "scheme"),
    "ten_kb": (TEN_KB, "longer than"),
    "unsupported_site": ("https://vimeo.com/123456", "not a YouTube address"),
    "formula": ('=HYPERLINK("https://evil.example","x")', "URL"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_add_source_rejects_with_one_line_and_keeps_the_good_one(
    case: str, orc: OrcRunner, sheet: SheetsGateway
) -> None:
    bad, reason = REJECTED[case]
    result = orc("add-source", bad, sites.GOOD, env={"SPREADSHEET_ID": sheet.spreadsheet_id})
    assert result.code == 1, result
    (line,) = result.err_lines
    assert line.startswith("rejected ") and reason in line, line
    assert len(line) < 400, "a 10 kB URL must not be echoed whole"
    assert "added " in result.out and sites.GOOD in result.out
    _, rows = read_tab(sheet, SOURCES)
    assert [r["url"] for r in rows] == [sites.GOOD]
    assert rows[0]["status"] == Status.PENDING.value


def test_add_source_keeps_one_of_duplicates_in_one_paste(
    orc: OrcRunner, sheet: SheetsGateway
) -> None:
    urls = [sites.GOOD, sites.GOOD, f"  {sites.GOOD}  "]
    result = orc("add-source", *urls, env={"SPREADSHEET_ID": sheet.spreadsheet_id})
    assert result.code == 0, result
    _, rows = read_tab(sheet, SOURCES)
    assert [r["url"] for r in rows] == [sites.GOOD]


def test_add_source_keeps_one_of_the_same_playlist_written_two_ways(
    orc: OrcRunner, sheet: SheetsGateway
) -> None:
    other_form = sites.GOOD.replace("https://www.", "https://")
    result = orc("add-source", sites.GOOD, other_form, env={"SPREADSHEET_ID": sheet.spreadsheet_id})
    assert result.code == 0, result
    _, rows = read_tab(sheet, SOURCES)
    assert [r["url"] for r in rows] == [sites.GOOD]


# ------------------------------------------------------------------------------ typed by hand
TYPED = {
    **{case: text for case, (text, _) in REJECTED.items() if case not in ("empty", "whitespace")},
    "private": sites.PRIVATE,
    "removed": sites.REMOVED,
    "empty_channel": sites.EMPTY_CHANNEL,
}
#: Case -> what the Sources DLQ Error must say.
TYPED_ERRORS = {
    "not_a_url": "invalid URL",
    "javascript": "invalid URL",
    "file": "invalid URL",
    "ten_kb": "invalid URL",
    "unsupported_site": "invalid URL",
    "formula": "invalid URL",
    "private": "This playlist is private",
    "removed": "does not exist",
    "empty_channel": "no videos found",
}


@pytest.fixture(scope="module")
def typed_run(emulator_server: EmulatorServer) -> Iterator[Snapshot]:
    """URLs typed into Sources' URL column (no ID, no lease), the good one twice; one agent."""
    client, sheet = fresh_sheet(emulator_server)
    texts = [*TYPED.values(), sites.GOOD, "   ", sites.GOOD]
    sheet.write_values([(f"{quote_title(SOURCES.title)}!B2", [[t] for t in texts])])
    yield run_agent_over(client, sheet, finished_sources=len(TYPED) + 2)


@pytest.mark.parametrize("case", list(TYPED))
def test_typed_source_goes_to_dlq_with_its_reason(case: str, typed_run: Snapshot) -> None:
    dead = typed_run.by_url(SOURCES_DLQ)
    text = TYPED[case].strip()
    assert text in dead, f"{case}: not in Sources DLQ; DLQ has {list(dead)[:12]}"
    (row,) = dead[text]
    assert TYPED_ERRORS[case] in row["error"], row["error"]
    if TYPED_ERRORS[case] == "invalid URL":
        assert row["status"] == Status.INVALID.value


def test_typed_good_source_expands_once_though_typed_twice(typed_run: Snapshot) -> None:
    done = typed_run.by_url(SOURCES_HISTORY)
    assert len(done[sites.GOOD]) == 2, "both rows are sources and both are finished"
    counts = sorted(r["video_count"] for r in done[sites.GOOD])
    assert counts == [str(len(sites.TITLES))] * 2
    keys = [r["video_key"] for r in typed_run.rows(TASKS_HISTORY)]
    assert sorted(keys) == sorted(sites.video_of(label) for label in sites.TITLES)


def test_typed_blank_url_is_not_a_source(typed_run: Snapshot) -> None:
    finished = typed_run.rows(SOURCES_HISTORY) + typed_run.rows(SOURCES_DLQ)
    assert all(r["url"].strip() for r in finished), "a blank URL was taken for a source"
    assert len(finished) == len(TYPED) + 2
    left = [r for r in typed_run.rows(SOURCES) if r.get("id") or r.get("lease")]
    assert not left, left
