"""A person's column edit landing between a History heal's or rotation's read and its write.

The leader heals Tasks History of rows appended twice and moves its oldest rows to Tasks
Archive. Both used to name the rows to delete by the ID column's index, read earlier: a column
inserted at A, a column moved to A or a person's own column deleted in that second left the
index on a column whose cells repeat (blank, a status, a source), and ``deleteDuplicates`` then
deleted every History row but one. Now both remove rows by whole-row copies (see
docs/protocol.md §5 and §12), so a stale map can only make them remove less.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sheets_emulator import EmulatorServer

from agent import Orchestrator
from agent.errors import SheetsError
from agent.runtime.rotation import HistoryRotation
from agent.schema import TASKS_ARCHIVE, TASKS_HISTORY
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import agent_config, header_map, read_tab

Edit = Callable[[int], list[dict[str, Any]]]
STATUS = TASKS_HISTORY.columns.index(TASKS_HISTORY.column("status"))


def _insert_column_at_a(sheet_id: int) -> list[dict[str, Any]]:
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
    return [{"insertDimension": {"range": span, "inheritFromBefore": False}}]


def _move_status_to_a(sheet_id: int) -> list[dict[str, Any]]:
    # The scratch column sits at A, so Status is one further right.
    source = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": STATUS + 1}
    source["endIndex"] = STATUS + 2
    return [{"moveDimension": {"source": source, "destinationIndex": 0}}]


def _delete_own_column(sheet_id: int) -> list[dict[str, Any]]:
    """The person's own column at A (see ``_add_scratch_column``) goes again."""
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
    return [{"deleteDimension": {"range": span}}]


EDITS: dict[str, Edit] = {
    "insert-at-A": _insert_column_at_a,
    "move-status-to-A": _move_status_to_a,
    "delete-own-column": _delete_own_column,
}


@pytest.fixture(autouse=True, params=[False, True], ids=["range-shifts", "grid-shrinks"])
def _dedup_behaviour(emulator: EmulatorServer, request: pytest.FixtureRequest) -> None:
    """Google does not say whether deleteDuplicates over whole rows shrinks the grid or shifts
    the range's cells up (docs/emulator.md): the History removals must hold either way."""
    emulator.configure(delete_duplicates_shrinks_grid=request.param)


def _add_scratch_column(sheet: SheetsGateway) -> None:
    """A column of a person's own at A, left of ID, before any row is written."""
    sheet_id = sheet.tab(TASKS_HISTORY.title).sheet_id
    sheet.batch_update(_insert_column_at_a(sheet_id))
    sheet.write_values([(f"{quote_title(TASKS_HISTORY.title)}!A1", [["Scratch"]])])
    sheet.refresh()


def _row(i: int, completed: str = "2026-11-29T10:00:00Z", worker: str = "w1") -> dict[str, str]:
    return {
        "id": f"id-{i:04d}",
        "source_id": "src-1",
        "url": f"https://example.test/{i}",
        "name": f"v{i}",
        "video_key": f"key{i:04d}",
        "status": "DONE",
        "worker": worker,
        "completed_at": completed,
    }


def _fill_history(sheet: SheetsGateway, rows: list[dict[str, str]]) -> None:
    cmap = header_map(sheet, TASKS_HISTORY)
    sheet.append(TASKS_HISTORY.title, [cmap.row_from(r) for r in rows])


def _pass_with_an_edit(
    rotation: HistoryRotation,
    sheet: SheetsGateway,
    edit: str,
    monkeypatch: pytest.MonkeyPatch,
    step: Callable[[], object],
) -> None:
    """Run ``step`` with ``edit`` applied just before the first batchUpdate of the rotation's
    gateway that touches Tasks History (after the step's reads); a 400 refusing the stale batch
    is allowed, losing rows is not (the caller checks)."""
    gateway = rotation.ctx.gateway
    real = SheetsGateway.batch_update
    history_id = sheet.tab(TASKS_HISTORY.title).sheet_id
    done: list[bool] = []

    def edits_first(requests: list[dict[str, Any]]) -> Any:
        if not done and f"'sheetId': {history_id}," in repr(requests):
            done.append(True)
            sheet.batch_update(EDITS[edit](history_id))
        return real(gateway, requests)

    monkeypatch.setattr(gateway, "batch_update", edits_first)
    try:
        step()
    except SheetsError as exc:
        assert exc.status == 400, exc
    finally:
        monkeypatch.setattr(gateway, "batch_update", lambda r: real(gateway, r))
    assert done, "the pass wrote nothing to History"


def _ids(sheet: SheetsGateway, spec: Any) -> list[str]:
    _, rows = read_tab(sheet, spec)
    return [r["id"] for r in rows if r.get("id")]


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_column_edit_between_the_heal_read_and_write_loses_no_history_row(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    monkeypatch: pytest.MonkeyPatch,
    edit: str,
) -> None:
    _add_scratch_column(sheet)
    rows = [_row(i) for i in range(30)]
    # Row 5 appended again by a finisher that froze past its lease (another worker, later
    # time), and row 7 appended twice to the letter.
    rows += [_row(5, "2026-11-29T11:00:00Z", "w2"), _row(7)]
    _fill_history(sheet, rows)
    config = agent_config(emulator.host_port, sheet, "healer", history_max_rows=1000)
    with Orchestrator(config) as orchestrator:
        rotation = orchestrator.leader.rotation
        rotation.last_heal = time.monotonic()  # the leader thread leaves healing to the test
        _pass_with_an_edit(rotation, sheet, edit, monkeypatch, rotation.heal_history)
        kept = _ids(sheet, TASKS_HISTORY)
        lost = sorted({f"id-{i:04d}" for i in range(30)} - set(kept))
        assert not lost, f"{edit}: History rows deleted by a stale heal: {lost}"

        # With the header read again, the next heal keeps each task once: the first copy.
        rotation.heal_history()
        counts = Counter(_ids(sheet, TASKS_HISTORY))
        assert counts == Counter({f"id-{i:04d}": 1 for i in range(30)}), f"{edit}: {counts}"
        _, history = read_tab(sheet, TASKS_HISTORY)
        five = next(r for r in history if r["id"] == "id-0005")
        assert five["worker"] == "w1", "the later copy goes, the first stays"


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_column_edit_between_the_rotation_read_and_write_loses_no_history_row(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    monkeypatch: pytest.MonkeyPatch,
    edit: str,
) -> None:
    _add_scratch_column(sheet)
    _fill_history(sheet, [_row(i) for i in range(150)])
    config = agent_config(emulator.host_port, sheet, "rotator", history_max_rows=100)
    with Orchestrator(config) as orchestrator:
        rotation = orchestrator.leader.rotation
        rotation.last_heal = time.monotonic()  # the leader thread leaves rotation to the test
        # A heal (nothing to heal: no write), then the rotation.
        _pass_with_an_edit(rotation, sheet, edit, monkeypatch, rotation.run)
        kept, archived = _ids(sheet, TASKS_HISTORY), _ids(sheet, TASKS_ARCHIVE)
        lost = sorted({f"id-{i:04d}" for i in range(150)} - set(kept) - set(archived))
        assert not lost, f"{edit}: History rows lost by a stale rotation: {lost}"

        # The next pass reads the header again and finishes the move, archiving nothing twice.
        rotation.run()
        assert _ids(sheet, TASKS_ARCHIVE) == [f"id-{i:04d}" for i in range(60)]
        assert _ids(sheet, TASKS_HISTORY) == [f"id-{i:04d}" for i in range(60, 150)]
