"""Shared fixtures: an in-thread Sheets emulator and real gspread clients pointed at it.

* ``emulator_server`` (session): one :class:`~sheets_emulator.EmulatorServer` on a free loopback
  port, in memory.
* ``emulator``: the same server, reset (data, stats, quota windows) and back to default settings
  (no latency, no quota, no faults) for each test.
* ``gclient``: a gspread client from :func:`agent.sheets.client.make_client` for user
  ``test-user``, its own pacing opened wide so tests are not slowed by the agent's token bucket.
* ``gclient_factory``: build more clients (other users, retry policies, pacing).
* ``spreadsheet``: a fresh gspread ``Spreadsheet`` (one 1000x26 ``Sheet1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gspread
import pytest
from sheets_emulator import EmulatorServer

from agent.sheets.client import make_client

#: Pacing wide open: tests exercise the emulator, not the agent's token bucket.
UNPACED: dict[str, Any] = {"read_per_minute": 1_000_000, "write_per_minute": 1_000_000}

DEFAULT_SETTINGS: dict[str, Any] = {
    "latency_ms": 0,
    "quota": False,
    "per_user_per_minute": 60,
    "per_project_per_minute": 300,
    "quota_window_s": 60.0,
    "fault_rate": 0.0,
    "seed": None,
    "slow_ms": 1000,
    "late_ms": 3000,
    "fault_kinds": ["http_429", "http_500", "http_503", "slow", "lost_cut", "lost_503", "late"],
    "delete_duplicates_shrinks_grid": False,
    "find_replace_hidden_rows": False,
}

ClientFactory = Callable[..., gspread.Client]


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """One in-memory emulator for the whole session, on a free loopback port."""
    with EmulatorServer(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> EmulatorServer:
    """The session emulator, emptied and back to default settings."""
    emulator_server.configure(**DEFAULT_SETTINGS)
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def gclient_factory(emulator: EmulatorServer) -> ClientFactory:
    """``factory(user="name", **make_client_kwargs)`` -> a gspread client on the emulator."""

    def build(user: str = "test-user", **kwargs: Any) -> gspread.Client:
        options = {**UNPACED, **kwargs}
        return make_client(user=user, emulator_host=emulator.host_port, **options)

    return build


@pytest.fixture
def gclient(gclient_factory: ClientFactory) -> gspread.Client:
    """A gspread client for ``test-user`` on the emulator."""
    return gclient_factory()


@pytest.fixture
def spreadsheet(gclient: gspread.Client) -> gspread.Spreadsheet:
    """A fresh spreadsheet with one 1000x26 ``Sheet1``."""
    return gclient.create("test spreadsheet")


@pytest.fixture(autouse=True)
def _handler_settings_from_the_environment() -> Iterator[None]:
    """``orc run`` installs the handlers' settings for its process; a test that runs it in
    process must not leave them to the next test (they would ignore its environment)."""
    from agent.ytdlp import params

    yield
    params.configure(None)
