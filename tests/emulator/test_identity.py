"""Quota identity is the credential: one shared token by default, tokens mapped to accounts."""

from __future__ import annotations

from pathlib import Path

import gspread
import pytest
import requests
from sheets_emulator import EmulatorServer

from agent.errors import QuotaExceededError
from agent.sheets.client import DEFAULT_EMULATOR_TOKEN, EMULATOR_TOKEN_VARIABLE
from agent.sheets.retry import RetryPolicy
from tests.conftest import ClientFactory
from tests.coordination.harness import Fleet, make_sheet, seed_tasks
from tests.emulator.helpers import control

ONE_TRY = RetryPolicy(max_tries=1)


def _read(client: gspread.Client, key: str) -> None:
    client.open_by_key(key).sheet1.acell("A1")


def test_a_fleet_of_agents_is_one_user_by_default(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet, gclient_factory: ClientFactory
) -> None:
    emulator.configure(quota=True, per_user_per_minute=6, per_project_per_minute=100)
    emulator.reset(stats_only=True)
    one = gclient_factory(user="worker-1", policy=ONE_TRY)
    two = gclient_factory(user="worker-2", policy=ONE_TRY)
    _read(one, spreadsheet.id)  # open_by_key, sheet1, acell: 3 reads
    _read(two, spreadsheet.id)  # 3 more: the shared account's 6
    with pytest.raises(QuotaExceededError):
        two.open_by_key(spreadsheet.id)
    stats = emulator.stats()
    # Stats still count each worker under its name (the User-Agent label)...
    assert stats["users"]["worker-1"]["read"] == 3
    assert stats["users"]["worker-2"]["read"] == 4
    # ... while the quota, and the accounts breakdown, see one account.
    assert stats["accounts"] == {DEFAULT_EMULATOR_TOKEN: {"read": 7, "write": 0, "drive": 0}}
    assert stats["quota"]["usage"]["users"] == {f"{DEFAULT_EMULATOR_TOKEN}:read": 6}


def test_groups_of_agents_get_their_own_account_through_the_variable(
    emulator: EmulatorServer,
    spreadsheet: gspread.Spreadsheet,
    gclient_factory: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator.configure(quota=True, per_user_per_minute=3, per_project_per_minute=100)
    emulator.reset(stats_only=True)
    monkeypatch.setenv(EMULATOR_TOKEN_VARIABLE, "group-a")
    a = gclient_factory(user="a-1", policy=ONE_TRY)
    monkeypatch.setenv(EMULATOR_TOKEN_VARIABLE, "group-b")
    b = gclient_factory(user="b-1", policy=ONE_TRY)
    _read(a, spreadsheet.id)
    _read(b, spreadsheet.id)  # its own budget: not refused
    with pytest.raises(QuotaExceededError):
        _read(a, spreadsheet.id)
    accounts = emulator.stats()["accounts"]
    assert set(accounts) == {"group-a", "group-b"}
    assert accounts["group-b"]["read"] == 3


def test_registered_tokens_map_to_one_account(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    emulator.configure(quota=True, per_user_per_minute=3, per_project_per_minute=100)
    table = control(
        emulator.url, "PUT", "tokens", {"tokens": {"key-1": "robot@x", "key-2": "robot@x"}}
    )
    assert table == {"tokens": {"key-1": "robot@x", "key-2": "robot@x"}}
    assert control(emulator.url, "GET", "tokens") == table
    url = f"{emulator.url}/v4/spreadsheets/{spreadsheet.id}"

    def get(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.get(url, headers=headers, timeout=5).status_code

    assert [get("key-1"), get("key-2"), get("key-1"), get("key-2")] == [200, 200, 200, 429]
    assert get("unregistered") == 200  # a token nobody registered is its own account
    assert emulator.stats()["accounts"]["robot@x"]["read"] == 4
    # A null account removes a token; DELETE forgets them all; a bad table is a clear 400.
    assert control(emulator.url, "PUT", "tokens", {"tokens": {"key-2": None}}) == {
        "tokens": {"key-1": "robot@x"}
    }
    bad = requests.put(f"{emulator.url}/_emulator/tokens", json={"key-1": "x"}, timeout=5)
    assert bad.status_code == 400
    assert '{"tokens": {"<token>": "<account>"}}' in bad.json()["error"]["message"]
    assert control(emulator.url, "DELETE", "tokens") == {"tokens": {}}
    emulator.register_tokens({"key-3": "other@x"})
    emulator.reset()
    assert emulator.app.accounts.table() == {}


def test_the_agent_names_itself_in_the_user_agent(
    emulator: EmulatorServer, gclient_factory: ClientFactory
) -> None:
    emulator.reset(stats_only=True)
    gclient_factory(user="büro 7/a").create("labels")
    assert "büro 7/a" in emulator.stats()["users"]


def test_agent_processes_share_one_account_unless_grouped(
    emulator: EmulatorServer, gclient: gspread.Client, tmp_path: Path
) -> None:
    """Real ``orc run`` processes: the default token is one account for all; a group given its
    own ``SHEETS_EMULATOR_TOKEN`` is another; stats still name every worker."""
    sheet = make_sheet(gclient)
    seed_tasks(sheet, 6)
    emulator.reset(stats_only=True)
    fleet = Fleet(emulator.host_port, sheet.spreadsheet_id, tmp_path)
    try:
        fleet.start("shared-1")
        fleet.start("shared-2")
        fleet.start("grouped-1", SHEETS_EMULATOR_TOKEN="group-b")
        fleet.wait_all(timeout_s=120)
    finally:
        fleet.stop_all()
    stats = emulator.stats()
    assert {"shared-1", "shared-2", "grouped-1"} <= set(stats["users"])
    accounts = stats["accounts"]
    assert {DEFAULT_EMULATOR_TOKEN, "group-b"} <= set(accounts)
    shared = sum(stats["users"][w]["read"] for w in ("shared-1", "shared-2"))
    # test-user's reads (the fixture's client) count under the same default account too
    assert accounts[DEFAULT_EMULATOR_TOKEN]["read"] >= shared > 0
    assert accounts["group-b"]["read"] == stats["users"]["grouped-1"]["read"] > 0
