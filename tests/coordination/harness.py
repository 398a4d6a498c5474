"""Helpers for end-to-end runs: a prepared spreadsheet, agent processes, and the checks."""

from __future__ import annotations

import json
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gspread

from agent.config import Config
from agent.coordination.enqueue import enqueue_tasks
from agent.coordination.layout import init_spreadsheet
from agent.coordination.observer import LeaseObserver
from agent.coordination.queue import QueueTab
from agent.demo.fleet import AgentFleet, AgentProcess
from agent.schema import (
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
    WORKERS,
    ColumnMap,
    Language,
    TabSpec,
)
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps, read_table

ROOT = Path(__file__).resolve().parents[2]

FAST_SETTINGS = {
    "LEASE_SECONDS": "6",
    "HEARTBEAT_SECONDS": "1",
    "LEADER_LEASE_SECONDS": "6",
    "POLL_SECONDS": "0.2",
    "READ_QUOTA_PER_MINUTE": "100000",
    "WRITE_QUOTA_PER_MINUTE": "100000",
    "REQUEST_TIMEOUT_SECONDS": "10",
    "MAX_ATTEMPTS": "5",
    "SOURCE_URL_POLICY": "any",
    # Tests serve pages on 127.0.0.1, refused by default: they opt in, the default stays safe.
    "ALLOW_PRIVATE_URLS": "127.0.0.0/8",
}


def agent_config(host: str, sheet: SheetsGateway, name: str, **overrides: Any) -> Config:
    """Settings for an in-process :class:`~agent.runtime.Orchestrator` on ``sheet``: the
    processes' :data:`FAST_SETTINGS`, then ``overrides`` (field names, e.g. ``claim_batch=3``)."""
    settings: dict[str, Any] = {k.lower(): v for k, v in FAST_SETTINGS.items()}
    settings.update(overrides)
    return Config.load(
        worker_name=name,
        spreadsheet_id=sheet.spreadsheet_id,
        sheets_emulator_host=host,
        **settings,
    )


def task_starts(fleet: Fleet) -> list[str]:
    """The ``start`` lines of the fleet's task log (one per callback run, in order)."""
    if not fleet.task_log.exists():
        return []
    return [line for line in fleet.task_log.read_text().splitlines() if '"start"' in line]


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` every 0.2 s; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def make_sheet(client: gspread.Client, language: Language = "en") -> SheetsGateway:
    """A new spreadsheet with every tab, via ``orc init``'s own code."""
    spreadsheet = client.create("e2e")
    gateway = SheetsGateway(client, spreadsheet.id)
    init_spreadsheet(gateway, language)
    return gateway


def seed_tasks(
    gateway: SheetsGateway, count: int, prefix: str = "https://example.test/v"
) -> list[str]:
    """Queue ``count`` tasks with distinct URLs; return their IDs."""
    items = [
        {"url": f"{prefix}/{i:05d}", "name": f"video {i}", "video_key": f"k{i:05d}"}
        for i in range(count)
    ]
    return enqueue_tasks(gateway, items)


class Fleet(AgentFleet):
    """The demo's fleet (:class:`~agent.demo.fleet.AgentFleet`) on a test's spreadsheet, with
    the test settings, the tests' logging handler, and a log of task runs in ``tmp``."""

    def __init__(
        self, host: str, spreadsheet_id: str, tmp: Path, settings: dict[str, str] | None = None
    ) -> None:
        self.host = host
        self.spreadsheet_id = spreadsheet_id
        self.tmp = tmp
        environment = {
            **FAST_SETTINGS,
            **(settings or {}),
            "SPREADSHEET_ID": spreadsheet_id,
            "SHEETS_EMULATOR_HOST": host,
            "TASK_LOG": str(tmp / "tasks.jsonl"),
        }
        super().__init__(tmp, environment, cwd=ROOT)

    @property
    def task_log(self) -> Path:
        return self.tmp / "tasks.jsonl"

    def start(  # type: ignore[override]
        self,
        name: str,
        *,
        burst: bool = True,
        handler: str = "tests.coordination.handlers:logged",
        options: tuple[str, ...] = (),
        **env: str,
    ) -> AgentProcess:
        """Start ``orc run --handler HANDLER [--burst] OPTIONS...`` as worker ``name``."""
        return super().start(name, handler=handler, burst=burst, options=options, env=env)

    def wait_all(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for agent in self.agents:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                agent.popen.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                tail = agent.output()[-3000:]
                raise AssertionError(
                    f"agent {agent.name} still running after {timeout_s}s:\n{tail}"
                ) from None

    def stop_all(self) -> None:
        self.kill()


def tasks_view(
    sheet: SheetsGateway,
    owner: str = "agent#1",
    *,
    lease_s: float = 60,
    window_rows: int = 100,
    compacts: bool = False,
    observer: LeaseObserver | None = None,
) -> QueueTab:
    """One agent's view of Tasks in this process (3 attempts), on a gateway of its own,
    loaded."""
    tab = QueueTab(
        SheetsGateway(sheet.client, sheet.spreadsheet_id),
        TASKS,
        TASKS_HISTORY,
        TASKS_DLQ,
        owner=owner,
        lease_s=lease_s,
        max_attempts=3,
        observer=observer,
        window_rows=window_rows,
        compacts=compacts,
    )
    tab.load()
    return tab


def read_tab(gateway: SheetsGateway, spec: TabSpec) -> tuple[ColumnMap, list[dict[str, str]]]:
    """Every data row of a tab, as dicts keyed by column key (blank rows skipped)."""
    return read_table(gateway, spec)


def add_user_column(gateway: SheetsGateway, spec: TabSpec, header: str) -> str:
    """Add a column of a person's own after the last one, as the Sheets UI does (the grid
    grows by a column first: writing past the grid is refused); return its letter."""
    (values,) = gateway.read([f"{quote_title(spec.title)}!1:1"])
    width = len(values[0]) if values else 0
    info = gateway.tab(spec.title)
    if info.column_count <= width:
        gateway.batch_update(
            [{"appendDimension": {"sheetId": info.sheet_id, "dimension": "COLUMNS", "length": 1}}]
        )
        gateway.refresh()
    letter = column_letter(width)
    gateway.write_values([(f"{quote_title(spec.title)}!{letter}1", [[header]])])
    return letter


def header_map(gateway: SheetsGateway, spec: TabSpec) -> ColumnMap:
    """The column map of a tab, from one read of its header row."""
    (cmap,) = read_maps(gateway, [spec])
    return cmap


def overlaps(task_log: Path) -> list[tuple[str, Any, Any]]:
    """Pairs of executions of one URL by different processes that overlapped in time."""
    spans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    open_spans: dict[tuple[str, int], float] = {}
    if not task_log.exists():
        return []
    for line in task_log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        key = (event["url"], event["pid"])
        if event["event"] == "start":
            open_spans[key] = event["t"]
        else:
            start = open_spans.pop(key, event["t"])
            spans[event["url"]].append({"pid": event["pid"], "start": start, "end": event["t"]})
    for (url, pid), start in open_spans.items():  # killed mid-task: never ended
        spans[url].append({"pid": pid, "start": start, "end": float("inf")})
    found = []
    for url, runs in spans.items():
        runs.sort(key=lambda r: r["start"])
        for a_index, a in enumerate(runs):
            for b in runs[a_index + 1 :]:
                if a["pid"] != b["pid"] and b["start"] < a["end"]:
                    found.append((url, a, b))
    return found


def check_drained(gateway: SheetsGateway, expected_ids: set[str]) -> dict[str, Any]:
    """Assert nothing lost, nothing doubled, Tasks empty; return figures for reports."""
    _, history = read_tab(gateway, TASKS_HISTORY)
    _, dlq = read_tab(gateway, TASKS_DLQ)
    _, rows = read_tab(gateway, TASKS)
    tasks = [r for r in rows if r.get("id") or r.get("lease")]  # rows a person left are not tasks
    history_ids = [r["id"] for r in history]
    dlq_ids = [r["id"] for r in dlq]
    assert not tasks, f"Tasks still has {len(tasks)} rows: {tasks[:3]}"
    assert len(history_ids) == len(set(history_ids)), "a task is in History twice"
    finished = set(history_ids) | set(dlq_ids)
    assert not set(history_ids) & set(dlq_ids), "a task is in both History and DLQ"
    lost, unknown = sorted(expected_ids - finished), sorted(finished - expected_ids)
    assert finished == expected_ids, f"lost: {lost[:5]}, unknown: {unknown[:5]}"
    _, workers = read_tab(gateway, WORKERS)
    processed = sum(int(r.get("tasks_processed") or 0) for r in workers)
    return {
        "history": len(history_ids),
        "dlq": len(dlq_ids),
        "processed": processed,
        "history_rows": history,
    }
