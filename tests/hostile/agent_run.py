"""One agent run, in this process, over a spreadsheet full of hostile input; tabs snapshotted.

Several tests check one outcome each of the same run (one test per input), so the run is
shared by a module-scoped fixture: :func:`run_agent_over` starts an Orchestrator (leader and
worker), waits until Sources and Tasks hold no claimable row, and returns every tab as read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gspread
from sheets_emulator import EmulatorServer

from agent.config import Config
from agent.handlers import noop
from agent.runtime import Orchestrator
from agent.schema import ALL_TABS, SOURCES_DLQ, SOURCES_HISTORY, TabSpec
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from tests.conftest import DEFAULT_SETTINGS, UNPACED
from tests.coordination.harness import make_sheet, read_tab
from tests.hostile.conftest import FAST_AGENT


@dataclass
class Snapshot:
    """Every tab after the run: rows by column key, and the problems the agent reported."""

    tabs: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def rows(self, spec: TabSpec) -> list[dict[str, str]]:
        """The data rows of ``spec``'s tab."""
        return self.tabs[spec.title]

    def by_url(self, spec: TabSpec) -> dict[str, list[dict[str, str]]]:
        """Rows of ``spec``'s tab grouped by their URL cell."""
        out: dict[str, list[dict[str, str]]] = {}
        for row in self.rows(spec):
            out.setdefault(row.get("url", ""), []).append(row)
        return out


def fresh_sheet(server: EmulatorServer) -> tuple[gspread.Client, SheetsGateway]:
    """A client and a new spreadsheet on the session emulator, with default settings."""
    server.configure(**DEFAULT_SETTINGS)
    client = make_client(user="hostile", emulator_host=server.host_port, **UNPACED)
    return client, make_sheet(client)


def run_agent_over(
    client: gspread.Client,
    sheet: SheetsGateway,
    *,
    finished_sources: int = 0,
    callback: Callable[[str], object] = noop,
    timeout_s: float = 60.0,
    **settings: Any,
) -> Snapshot:
    """Run one agent until ``finished_sources`` sources are in Sources History or DLQ and no
    work is left (or ``timeout_s``); snapshot every tab."""
    config = Config.load(
        worker_name="hostile-agent",
        spreadsheet_id=sheet.spreadsheet_id,
        sheets_emulator_host="127.0.0.1:1",
        **{**FAST_AGENT, **settings},
    )
    orchestrator = Orchestrator(config, client=client).start()
    try:
        worker = threading.Thread(
            target=orchestrator.run, args=(callback,), kwargs={"burst": False}, daemon=True
        )
        worker.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            time.sleep(0.3)
            finished = sum(len(read_tab(sheet, spec)[1]) for spec in (SOURCES_HISTORY, SOURCES_DLQ))
            if finished >= finished_sources and orchestrator.no_work_left():
                break
        orchestrator.request_stop()
        worker.join(timeout=30)
    finally:
        orchestrator.close()
    snapshot = Snapshot()
    for spec in ALL_TABS:
        snapshot.tabs[spec.title] = read_tab(sheet, spec)[1]
    for queue in (orchestrator.tasks, orchestrator.sources):
        snapshot.problems += [f"{p.tab} {p.row_id!r}: {p.reason}" for p in queue.problems.values()]
    return snapshot
