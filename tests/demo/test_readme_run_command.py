"""The README's "run it" command, run exactly as written, in a copy of the working tree.

The demo keeps its spreadsheet in a SQLite file (``ORC_DEMO_DATA``), so the end state is checked
twice: from the demo's own summary line, and independently, by reopening that file in a new
emulator and reading the tabs with gspread.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import psutil
import pytest
from sheets_emulator import EmulatorServer

from agent.demo import catalog
from agent.schema import SOURCES, SOURCES_DLQ, TASKS, TASKS_DLQ, TASKS_HISTORY, TabSpec
from agent.sheets.client import make_client
from agent.sheets.table import column_map
from tests.demo.support import clean_environment, copy_working_tree, demo_summary, readme_block

TIMEOUT_S = 240


def read_column(server: EmulatorServer, spreadsheet_id: str, spec: TabSpec, key: str) -> list[str]:
    """One column of a tab, found by header, of the rows that have an ID or a lease."""
    client = make_client(user="checker", emulator_host=server.host_port)
    rows = client.open_by_key(spreadsheet_id).worksheet(spec.title).get_all_values()
    cmap = column_map(spec, rows, require=False)
    keys = [k for k in ("id", "lease") if k in cmap.index]
    return [row[cmap.col(key)] for row in rows[1:] if any(row[cmap.col(k)].strip() for k in keys)]


@pytest.mark.slow
def test_readme_run_command_drains_every_task(tmp_path: Path) -> None:
    command = readme_block("run-command")
    clone = copy_working_tree(tmp_path / "clone")
    env = clean_environment(tmp_path / "tmp")
    data = tmp_path / "demo.sqlite"
    env["ORC_DEMO_DATA"] = str(data)

    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    summary = demo_summary(done.stdout)
    expected = catalog.expected_video_ids()
    tasks = summary["tasks"]
    assert isinstance(tasks, dict)
    assert summary["ok"] is True
    assert tasks["expected"] == len(expected)
    assert sorted(tasks["history_keys"] + tasks["dlq_keys"]) == sorted(expected)
    assert set(tasks["dlq_keys"]) == catalog.BROKEN
    assert tasks["left_in_queue"] == 0
    assert summary["sources"] == {
        "done": len(catalog.source_urls("http://x")),
        "dead_lettered": 1,
        "left_in_queue": 0,
        "errors": [summary["sources"]["errors"][0]],  # type: ignore[index]
    }
    agents = summary["agents"]
    assert isinstance(agents, dict) and len(agents) == 3
    assert all(info["exit_code"] == 0 for info in agents.values())

    # Independently: reopen the spreadsheet the demo left behind.
    with EmulatorServer(data_path=data) as server:
        spreadsheet_id = str(summary["spreadsheet_id"])
        history = read_column(server, spreadsheet_id, TASKS_HISTORY, "video_key")
        dlq = read_column(server, spreadsheet_id, TASKS_DLQ, "video_key")
        assert sorted(history + dlq) == sorted(expected)  # each task exactly once
        assert set(dlq) == catalog.BROKEN
        assert read_column(server, spreadsheet_id, TASKS, "id") == []
        assert read_column(server, spreadsheet_id, SOURCES, "id") == []
        assert read_column(server, spreadsheet_id, SOURCES_DLQ, "url") == [catalog.INVALID_SOURCE]
        names = read_column(server, spreadsheet_id, TASKS_HISTORY, "name")
        assert catalog.FORMULA_TITLE in names  # written RAW: still text
        assert catalog.HTML_TITLE in names

    # Nothing left running, nothing left behind.
    leftovers = [
        proc
        for proc in psutil.process_iter(["cmdline"])
        if str(clone) in " ".join(proc.info["cmdline"] or [])
    ]
    assert leftovers == []
    assert list((tmp_path / "tmp").glob("orc-demo-*")) == []
