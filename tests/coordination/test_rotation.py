"""History rotation: the oldest rows move to Tasks Archive; archived videos are still known."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sheets_emulator import EmulatorServer

from agent import Orchestrator
from agent.coordination import history_removal
from agent.coordination.lease import pending
from agent.coordination.queue import Claim
from agent.errors import SheetsError
from agent.runtime.rotation import HistoryRotation
from agent.schema import TASKS_ARCHIVE, TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from agent.sources.model import Expansion, VideoEntry
from tests.coordination.harness import agent_config, header_map, read_tab


def _fill_history(sheet: SheetsGateway, count: int) -> None:
    cmap = header_map(sheet, TASKS_HISTORY)
    rows = [
        cmap.row_from(
            {
                "id": f"id-{i:04d}",
                "url": f"https://example.test/{i}",
                "name": f"v{i}",
                "video_key": f"key{i:04d}",
                "status": "DONE",
                "completed_at": "2026-11-29T10:00:00Z",
            }
        )
        for i in range(count)
    ]
    sheet.append(TASKS_HISTORY.title, rows)


def _fail_history_batches(
    duties: HistoryRotation, monkeypatch: pytest.MonkeyPatch, failing: set[int]
) -> None:
    """Make the rotation's batchUpdates that touch Tasks History fail (503) when they are the
    n-th such batch for n in ``failing`` (which the test may empty); the others go through."""
    gateway = duties.ctx.gateway
    history_id = gateway.tab(TASKS_HISTORY.title).sheet_id
    seen: list[int] = []

    def fails(requests: list[dict[str, Any]]) -> Any:
        if f"'sheetId': {history_id}," in repr(requests):
            seen.append(len(requests))
            if len(seen) in failing:
                raise SheetsError("POST :batchUpdate: HTTP 503", status=503, retryable=True)
        return SheetsGateway.batch_update(gateway, requests)

    monkeypatch.setattr(gateway, "batch_update", fails)


def test_rotation_keeps_history_small_and_dedup_complete(
    emulator: EmulatorServer, sheet: SheetsGateway, tmp_path: Path
) -> None:
    _fill_history(sheet, 260)
    config = agent_config(
        emulator.host_port, sheet, "rotator", history_max_rows=100, archive_dir=tmp_path
    )
    with Orchestrator(config) as orchestrator:
        rotation, feed = orchestrator.leader.rotation, orchestrator.leader.feed
        moved = rotation.rotate_history()
        assert moved == 260 - 100 + 10
        assert rotation.rotate_history() == 0, "nothing more to do under the limit"
        _, history = read_tab(sheet, TASKS_HISTORY)
        assert [r["id"] for r in history] == [f"id-{i:04d}" for i in range(170, 260)]
        _, archive = read_tab(sheet, TASKS_ARCHIVE)
        assert [r["video_key"] for r in archive] == [f"key{i:04d}" for i in range(170)]
        lines = (tmp_path / f"{sheet.spreadsheet_id}-tasks-history.jsonl").read_text().splitlines()
        assert json.loads(lines[0])["name"] == "v0" and len(lines) == 170
        # A new term builds its index from History and the archive: old videos stay known.
        feed.index_term = -1
        feed.index_loaded = False
        feed.index = type(feed.index)()
        expansion = Expansion(
            source="https://example.test/list",
            title="list",
            entries=[
                VideoEntry("key0003", "https://example.test/3", "old", None),
                VideoEntry("key9999", "https://example.test/new", "new", None),
            ],
        )
        source = Claim("source-1", pending("source-1"), {})
        added = feed.queue_tasks(source, expansion, orchestrator.election.current_term())
        assert added == 1, "only the video never seen before is queued"


def test_a_rotation_that_failed_after_archiving_archives_once(
    emulator: EmulatorServer, sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The History delete fails after the archive append; the next rotation moves the same
    rows out of History without archiving them a second time."""
    _fill_history(sheet, 150)
    config = agent_config(emulator.host_port, sheet, "rotator", history_max_rows=100)
    with Orchestrator(config) as orchestrator:
        duties = orchestrator.leader.rotation
        duties.last_heal = time.monotonic()  # the leader thread leaves rotation to the test
        failing = {1}  # the removal from History
        _fail_history_batches(duties, monkeypatch, failing)
        with pytest.raises(SheetsError):
            duties.rotate_history()
        failing.clear()
        moved = duties.rotate_history()
    assert moved == 150 - 100 + 10
    _, archive = read_tab(sheet, TASKS_ARCHIVE)
    assert [r["id"] for r in archive] == [f"id-{i:04d}" for i in range(60)], "each row once"
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert [r["id"] for r in history] == [f"id-{i:04d}" for i in range(60, 150)]


def test_a_rotation_interrupted_between_its_batches_is_completed_by_the_next_pass(
    emulator: EmulatorServer, sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows leave History in batches of copies; the second batch fails, and the next pass
    removes what is left without archiving anything twice."""
    monkeypatch.setattr(history_removal, "COPIES_PER_BATCH", 40)  # 60 rows: batches of 40, 20
    _fill_history(sheet, 150)
    config = agent_config(emulator.host_port, sheet, "rotator", history_max_rows=100)
    with Orchestrator(config) as orchestrator:
        duties = orchestrator.leader.rotation
        duties.last_heal = time.monotonic()  # the leader thread leaves rotation to the test
        failing = {2}
        _fail_history_batches(duties, monkeypatch, failing)
        with pytest.raises(SheetsError):
            duties.rotate_history()
        failing.clear()
        _, history = read_tab(sheet, TASKS_HISTORY)
        assert [r["id"] for r in history][:2] == ["id-0040", "id-0041"], "the first batch went"
        assert duties.rotate_history() == 20
    _, archive = read_tab(sheet, TASKS_ARCHIVE)
    assert [r["id"] for r in archive] == [f"id-{i:04d}" for i in range(60)], "each row once"
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert [r["id"] for r in history] == [f"id-{i:04d}" for i in range(60, 150)]


def test_the_heal_keeps_once_a_history_row_appended_twice_to_the_letter(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    _fill_history(sheet, 30)
    (values,) = sheet.read([f"'{TASKS_HISTORY.title}'!9:9"])  # the row of id-0007
    sheet.append(TASKS_HISTORY.title, values)
    config = agent_config(emulator.host_port, sheet, "healer")
    with Orchestrator(config) as orchestrator:
        duties = orchestrator.leader.rotation
        duties.last_heal = time.monotonic()
        duties.heal_history()
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert [r["id"] for r in history] == [f"id-{i:04d}" for i in range(30)]
