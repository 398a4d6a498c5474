"""Fixtures for end-to-end coordination tests: a fresh spreadsheet and a fleet of agents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gspread
import pytest
from sheets_emulator import EmulatorServer

from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, make_sheet


@pytest.fixture
def sheet(emulator: EmulatorServer, gclient: gspread.Client) -> SheetsGateway:
    """A new spreadsheet with every tab (English headers)."""
    return make_sheet(gclient)


@pytest.fixture
def fleet(emulator: EmulatorServer, sheet: SheetsGateway, tmp_path: Path) -> Iterator[Fleet]:
    """Agent processes against ``sheet``; every one still running is killed at the end."""
    group = Fleet(emulator.host_port, sheet.spreadsheet_id, tmp_path)
    try:
        yield group
    finally:
        group.stop_all()
