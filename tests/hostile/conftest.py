"""Fixtures for the hostile-input tests: a fresh spreadsheet, ``orc`` in-process, an agent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gspread
import pytest
from click.testing import CliRunner
from sheets_emulator import EmulatorServer

from agent.cli import cli
from agent.config import Config
from agent.runtime import Orchestrator
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import make_sheet

#: Short intervals and no pacing, so that an in-process agent acts within a second.
FAST_AGENT: dict[str, Any] = {
    "lease_seconds": 5.0,
    "heartbeat_seconds": 0.5,
    "leader_lease_seconds": 5.0,
    "poll_seconds": 0.1,
    "max_attempts": 2,
    "claim_batch": 5,
    "read_quota_per_minute": 100_000,
    "write_quota_per_minute": 100_000,
    "ytdlp_sleep_requests": 0.0,
    "source_extractors": "tests.hostile.sites:extractors",
}


@dataclass
class OrcResult:
    """What one ``orc`` command did."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """Non-empty lines on standard error."""
        return [line for line in self.err.splitlines() if line.strip()]


OrcRunner = Callable[..., OrcResult]


@pytest.fixture
def sheet(emulator: EmulatorServer, gclient: gspread.Client) -> SheetsGateway:
    """A new spreadsheet with every tab (English headers)."""
    return make_sheet(gclient)


@pytest.fixture
def orc(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> OrcRunner:
    """``orc(*args, env={...})``: run the CLI in this process, as a user would from a shell.

    The environment holds only what the test gives (plus ``SHEETS_EMULATOR_HOST`` unless the
    test sets ``SERVICE_ACCOUNT_FILE``); the working directory is empty, so no ``.env`` is read.
    """
    monkeypatch.chdir(tmp_path)
    for name in Config.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)

    def run(*args: str, env: dict[str, str] | None = None) -> OrcResult:
        environ = {"WORKER_NAME": "hostile-cli", "COLUMNS": "250"}
        if "SERVICE_ACCOUNT_FILE" not in (env or {}):
            environ["SHEETS_EMULATOR_HOST"] = emulator.host_port
        environ.update(env or {})
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            result = CliRunner().invoke(cli, list(args), env=environ, catch_exceptions=False)
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        return OrcResult(result.exit_code, result.stdout, result.stderr)

    return run


AgentFactory = Callable[..., Orchestrator]


@pytest.fixture
def agent_factory(gclient: gspread.Client, sheet: SheetsGateway) -> Iterator[AgentFactory]:
    """``agent_factory(**settings)``: an Orchestrator in this process on ``sheet``; closed after."""
    started: list[Orchestrator] = []

    def build(**settings: Any) -> Orchestrator:
        values = {**FAST_AGENT, **settings}
        values.setdefault("worker_name", f"hostile-agent-{len(started)}")
        config = Config.load(
            spreadsheet_id=sheet.spreadsheet_id, sheets_emulator_host="127.0.0.1:1", **values
        )
        orchestrator = Orchestrator(config, client=gclient).start()
        started.append(orchestrator)
        return orchestrator

    yield build
    for orchestrator in started:
        orchestrator.close()
