"""Cell contents: formulas stay text, markup is shown as text, long text is cut with a marker,
titles in any script (emoji included) arrive intact, and broken text does not jam a source.

One agent run (shared by the tests of this module) expands a playlist whose titles are all
hostile or odd and runs every task; one video's callback fails with a 10,000-character error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sheets_emulator import EmulatorServer

from agent.coordination.enqueue import add_sources, enqueue_tasks
from agent.schema import (
    MAX_CELL_CHARS,
    SOURCES_HISTORY,
    TASKS_DLQ,
    TASKS_HISTORY,
    TRUNCATION_MARKER,
    WORKERS,
)
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps
from tests.hostile import sites
from tests.hostile.agent_run import Snapshot, fresh_sheet, run_agent_over
from tests.hostile.conftest import OrcRunner

FAILING = sites.video_of("script")
LONG_ERROR = "E" * 10_000


def fail_one(url: str) -> None:
    """The callback: the ``script`` video fails with a very long message."""
    if url.endswith(FAILING):
        raise RuntimeError(LONG_ERROR)


@pytest.fixture(scope="module")
def title_run(emulator_server: EmulatorServer) -> Iterator[tuple[Snapshot, SheetsGateway]]:
    """The playlist of hostile titles, expanded and processed by one agent."""
    client, sheet = fresh_sheet(emulator_server)
    add_sources(sheet, [sites.GOOD])
    yield (
        run_agent_over(client, sheet, finished_sources=1, callback=fail_one, max_attempts=1),
        sheet,
    )


def _finished_by_key(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    rows = snapshot.rows(TASKS_HISTORY) + snapshot.rows(TASKS_DLQ)
    return {r["video_key"]: r for r in rows}


@pytest.mark.parametrize("label", [k for k in sites.TITLES if k != "huge"])
def test_title_arrives_as_literal_text(
    label: str, title_run: tuple[Snapshot, SheetsGateway]
) -> None:
    snapshot, _ = title_run
    row = _finished_by_key(snapshot)[sites.video_of(label)]
    assert row["name"] == sites.TITLES[label], "a title must be stored as text, unchanged"


def test_formula_titles_are_not_formulas(title_run: tuple[Snapshot, SheetsGateway]) -> None:
    """Read with valueRenderOption=FORMULA too: a RAW text cell is not a formula."""
    _, sheet = title_run
    (cmap,) = read_maps(sheet, [TASKS_HISTORY])
    reply = sheet.spreadsheet.values_batch_get(
        [f"{quote_title(TASKS_HISTORY.title)}!A2:ZZ"],
        params={"valueRenderOption": "UNFORMATTED_VALUE"},
    )
    rows = reply["valueRanges"][0]["values"]
    names = {r[cmap.col("video_key")]: r[cmap.col("name")] for r in rows}
    for label in ("formula_eq", "formula_plus", "formula_minus", "formula_at"):
        assert names[sites.video_of(label)] == sites.TITLES[label], label


def test_title_over_50000_characters_is_cut_with_a_marker(
    title_run: tuple[Snapshot, SheetsGateway],
) -> None:
    snapshot, _ = title_run
    name = _finished_by_key(snapshot)[sites.video_of("huge")]["name"]
    assert len(name) == MAX_CELL_CHARS
    assert name.endswith(TRUNCATION_MARKER) and name.startswith("yyyy")


def test_long_error_is_cut_with_a_marker(title_run: tuple[Snapshot, SheetsGateway]) -> None:
    snapshot, _ = title_run
    (row,) = snapshot.rows(TASKS_DLQ)
    assert row["video_key"] == FAILING
    assert len(row["error"]) <= 2_000 and row["error"].endswith(TRUNCATION_MARKER)
    assert row["error"].startswith("RuntimeError: EEEE")


def test_source_name_with_markup_and_formula_is_text(
    title_run: tuple[Snapshot, SheetsGateway],
) -> None:
    snapshot, _ = title_run
    (row,) = snapshot.rows(SOURCES_HISTORY)
    assert row["name"] == "Good <b>list</b> =1+1"
    assert row["video_count"] == str(len(sites.TITLES))


def test_title_with_a_lone_surrogate_does_not_jam_its_source(
    emulator_server: EmulatorServer,
) -> None:
    client, sheet = fresh_sheet(emulator_server)
    add_sources(sheet, [sites.BROKEN_TEXT])
    snapshot = run_agent_over(client, sheet, finished_sources=1, timeout_s=8)
    assert [r["url"] for r in snapshot.rows(SOURCES_HISTORY)] == [sites.BROKEN_TEXT]
    names = sorted(r["name"] for r in snapshot.rows(TASKS_HISTORY))
    assert names == ["half a pair \ufffd here", "plain title"]


def test_orc_status_shows_markup_and_html_as_text(orc: OrcRunner, sheet: SheetsGateway) -> None:
    hostile = {
        "markup": "[bold red]not markup[/bold red]",
        "html": "<script>alert('x')</script>",
        "link": "[link=https://evil.example]click[/link]",
    }
    enqueue_tasks(sheet, [{"url": "https://example.test/a", "name": hostile["markup"]}])
    cmap, wmap = read_maps(sheet, [TASKS_DLQ, WORKERS])
    sheet.append(
        TASKS_DLQ.title,
        [
            cmap.row_from(
                {"id": "x1", "url": "https://example.test/b", "name": hostile["html"]}
                | {"error": hostile["link"], "status": "FAILED"}
            )
        ],
    )
    sheet.append(
        WORKERS.title,
        [wmap.row_from({"worker_id": "w", "worker_name": hostile["markup"], "status": "ACTIVE"})],
    )
    result = orc("status", env={"SPREADSHEET_ID": sheet.spreadsheet_id})
    assert result.code == 0, result
    for text in hostile.values():
        assert text in result.out, f"{text!r} not shown literally:\n{result.out}"
