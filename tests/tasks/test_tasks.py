"""Task context, callbacks by signature, results as History cells (and landing in History)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import gspread
import pytest

from agent.schema import MAX_CELL_CHARS, TASKS_HISTORY, TRUNCATION_MARKER, ColumnMap
from agent.sheets.a1 import quote_title
from agent.tasks import Task, call_callback, result_cells, wants_task
from tests.coordination.harness import add_user_column, make_sheet, read_tab

ROW = {
    "id": "t-1",
    "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "name": '=IMPORTXML("x")',
    "duration": "212",
    "source_id": "s-1",
    "video_key": "dQw4w9WgXcQ",
    "status": "CLAIMED",
    "user:Notes": "keep",
    "user:Language": "pt",
}


def make_task(**overrides: Any) -> Task:
    return Task.from_row(
        {**ROW, **overrides}, attempt=2, source_url="https://www.youtube.com/@x", source_name="X"
    )


def test_task_from_row() -> None:
    task = make_task()
    assert (task.id, task.url, task.video_key, task.title) == (
        "t-1",
        ROW["url"],
        "dQw4w9WgXcQ",
        '=IMPORTXML("x")',
    )
    assert task.duration_s == 212.0
    assert (task.source_id, task.source_url, task.source_name, task.attempt) == (
        "s-1",
        "https://www.youtube.com/@x",
        "X",
        2,
    )
    assert dict(task.extra) == {"Notes": "keep", "Language": "pt"}
    assert make_task(duration="").duration_s is None
    assert make_task(duration="soon").duration_s is None
    with pytest.raises(TypeError):
        task.extra["Notes"] = "changed"  # type: ignore[index]


def by_url(url: str) -> str:
    return f"url:{url}"


def by_task(task: Task) -> str:
    return f"task:{task.video_key}"


def by_string_annotation(item: "Task") -> str:  # noqa: UP037  (the form future annotations give)
    return f"task:{item.attempt}"


def by_name(task):  # type: ignore[no-untyped-def]
    return f"named:{task.title}"


def url_named_task(task: str) -> str:  # named "task" but annotated str: the URL
    return f"str:{task}"


class Handler:
    def __call__(self, task: Task) -> str:
        return f"callable:{task.source_name}"


def test_callbacks_get_the_url_or_the_task_by_signature() -> None:
    task = make_task()
    assert call_callback(by_url, task) == f"url:{ROW['url']}"
    assert call_callback(by_task, task) == "task:dQw4w9WgXcQ"
    assert call_callback(by_string_annotation, task) == "task:2"
    assert call_callback(by_name, task) == 'named:=IMPORTXML("x")'
    assert call_callback(url_named_task, task) == f"str:{ROW['url']}"
    assert call_callback(Handler(), task) == "callable:X"
    assert call_callback(lambda u: u.upper(), task) == ROW["url"].upper()
    assert call_callback(functools.partial(by_task), task) == "task:dQw4w9WgXcQ"
    assert wants_task(print) is False  # no readable signature: the URL
    assert call_callback(by_url, task, takes_task=False) == f"url:{ROW['url']}"


def test_text_and_lists_go_to_result() -> None:
    assert result_cells(None) == {}
    assert result_cells("done") == {"result": "done"}
    assert result_cells(42) == {"result": "42"}
    assert result_cells([Path("/out/a.en.vtt"), Path("/out/a.pt.vtt")]) == {
        "result": "/out/a.en.vtt\n/out/a.pt.vtt"
    }


def test_dict_fills_matching_user_columns_and_result() -> None:
    cells = result_cells(
        {" language ": "en", "Resultado": "ok", "words": 1200, "Status": "HACKED"},
        extra_headers=["Language", "Notes"],
    )
    assert cells["user:Language"] == "en"
    assert cells["result"].splitlines() == ["ok", json.dumps({"words": 1200, "Status": "HACKED"})]
    assert "status" not in cells  # system columns are never written from a result


def test_long_results_are_cut_with_a_marker() -> None:
    cells = result_cells("x" * (MAX_CELL_CHARS + 5))
    assert len(cells["result"]) == MAX_CELL_CHARS
    assert cells["result"].endswith(TRUNCATION_MARKER)
    cells = result_cells({"Notes": "y" * 60_000}, extra_headers=["Notes"])
    assert cells["user:Notes"].endswith(TRUNCATION_MARKER)


def test_results_land_in_history_raw(gclient: gspread.Client) -> None:
    gateway = make_sheet(gclient)
    title = quote_title(TASKS_HISTORY.title)
    (header,) = gateway.read([f"{title}!1:1"])
    header_row = [*header[0], "Summary"]
    add_user_column(gateway, TASKS_HISTORY, "Summary")  # the grid grows first, as in the UI
    cmap = ColumnMap(TASKS_HISTORY, header_row)
    formula = '=IMPORTXML("http://x","//a")'
    cells = result_cells({"summary": formula, "result": "z" * 60_000}, cmap.extra)
    row = cmap.row_from({"id": "t-1", "url": ROW["url"], "status": "DONE", **cells})
    gateway.append(TASKS_HISTORY.title, [["" if v is None else v for v in row]])
    _, rows = read_tab(gateway, TASKS_HISTORY)
    (values,) = gateway.read([f"{title}!A2:ZZ2"])
    summary = values[0][header_row.index("Summary")]
    assert summary == formula  # RAW: stays text, not a formula
    assert rows[0]["result"].endswith(TRUNCATION_MARKER)
    assert len(rows[0]["result"]) == MAX_CELL_CHARS
