"""Going past one identity's quota: groups of agents on their own service accounts and projects.

Google counts 60 reads (and 60 writes) a minute per user, a service account being one user
however many agents share its key, and 300 a minute per project. The emulator charges each
request to the account its token was issued for and to that account's project, so:

* one service account stops at 60, whatever the number of agents using it;
* several service accounts of one project together stop at 300;
* a second project counts apart.

The first test shows the limits with real google-auth clients (the window is stretched to an
hour so that the counts, not the machine's speed, decide); the second runs real agent processes
in two groups, each group on its own key in its own project.
"""

from __future__ import annotations

import time
from pathlib import Path

import gspread
import pytest
from sheets_emulator import EmulatorServer

from agent.errors import QuotaExceededError
from agent.schema import TASKS_HISTORY
from agent.sheets.auth import AuthSettings
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from agent.sheets.retry import RetryPolicy
from tests.auth import creds
from tests.auth.conftest import UNPACED, SheetFactory
from tests.auth.tokenserver import TokenServer
from tests.coordination.harness import Fleet, read_tab, seed_tasks


def _key(tmp_path: Path, tokens: TokenServer, name: str, project: str) -> creds.CredentialFile:
    folder = tmp_path / project
    folder.mkdir(exist_ok=True)
    return creds.service_account_key(folder, tokens, name, project=project)


def _client(emulator: EmulatorServer, key: Path) -> gspread.Client:
    return make_client(
        user="split",
        emulator_host=emulator.host_port,
        auth=AuthSettings(mode="service_account", service_account_file=key),
        policy=RetryPolicy(max_tries=1),  # a 429 is the answer here, not something to wait out
        **UNPACED,
    )


def _reads(client: gspread.Client, sheet_id: str, count: int) -> int:
    """Send ``count`` reads; return how many were refused with 429."""
    refused = 0
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sheet_id}"
    for _ in range(count):
        try:
            client.http_client.request("get", url, params={"fields": "spreadsheetId"})
        except QuotaExceededError:
            refused += 1
    return refused


def test_accounts_and_projects_are_counted_apart(
    tokens: TokenServer, shared_sheet: SheetFactory, strict: EmulatorServer, tmp_path: Path
) -> None:
    group_a = [_key(tmp_path, tokens, f"a{i}", "proj-a") for i in range(1, 7)]
    group_b = [_key(tmp_path, tokens, "b1", "proj-b")]
    sheet = shared_sheet(*(k.account for k in group_a + group_b))
    clients = {k.account: _client(strict, k.path) for k in group_a + group_b}
    strict.configure(
        quota=True, per_user_per_minute=60, per_project_per_minute=300, quota_window_s=3600
    )
    strict.reset(stats_only=True)

    a1, a2, a3, a4, a5, a6 = (clients[k.account] for k in group_a)
    assert _reads(a1, sheet, 61) == 1, "one service account: 60, however many agents share it"
    assert _reads(a2, sheet, 60) + _reads(a3, sheet, 60) + _reads(a4, sheet, 60) == 0
    assert _reads(a5, sheet, 60) == 0, "five accounts of proj-a: 300 in all"
    assert _reads(a6, sheet, 1) == 1, "a sixth account of proj-a meets the project's 300"
    assert _reads(clients[group_b[0].account], sheet, 60) == 0, "proj-b counts apart"

    quota = strict.stats()["quota"]
    assert quota["by_limit"] == {"read_per_user": 1, "read_per_project": 1}
    assert quota["usage"]["projects"] == {"proj-a:read": 300, "proj-b:read": 60}


def _history_when_full(
    gateway: SheetsGateway, count: int, timeout_s: float
) -> list[dict[str, str]]:
    """Tasks History once it holds ``count`` rows (polled every 2 s: the owner has a quota too)."""
    deadline = time.monotonic() + timeout_s
    while True:
        _, done = read_tab(gateway, TASKS_HISTORY)
        if len(done) >= count or time.monotonic() > deadline:
            return done
        time.sleep(2)


@pytest.mark.slow
def test_two_groups_of_agents_on_their_own_identities(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    strict: EmulatorServer,
    owner: gspread.Client,
    tmp_path: Path,
) -> None:
    keys = {
        "a": _key(tmp_path, tokens, "fleet-a", "proj-a"),
        "b": _key(tmp_path, tokens, "fleet-b", "proj-b"),
    }
    sheet = shared_sheet(keys["a"].account, keys["b"].account)
    gateway = SheetsGateway(owner, sheet)
    seed_tasks(gateway, 40)
    strict.configure(quota=True)
    strict.reset(stats_only=True)
    # Heartbeats every 5 s (not the harness's 1 s) leave the paced agents' quota to the tasks.
    pace = {"HEARTBEAT_SECONDS": "5", "LEASE_SECONDS": "12", "LEADER_LEASE_SECONDS": "12"}
    fleet = Fleet(
        strict.host_port, sheet, tmp_path, settings={"AUTH_MODE": "service_account", **pace}
    )
    try:
        for group, key in keys.items():
            for n in (1, 2):
                # Two agents share each key: each paces itself to half of the account's 60.
                fleet.start(
                    f"{group}-{n}",
                    SERVICE_ACCOUNT_FILE=str(key.path),
                    READ_QUOTA_PER_MINUTE="30",
                    WRITE_QUOTA_PER_MINUTE="30",
                    CLAIM_BATCH="5",
                )
        done = _history_when_full(gateway, 40, timeout_s=240)
    finally:
        fleet.stop_all()
    assert len(done) == 40
    accounts = strict.stats()["accounts"]
    for key in keys.values():
        assert accounts[key.account]["read"] > 0 and accounts[key.account]["write"] > 0
    projects = strict.stats()["quota"]["usage"]["projects"]
    assert {name.split(":")[0] for name in projects} >= {"proj-a", "proj-b"}
    workers = {row["worker"].split("#")[0] for row in done}
    assert workers & {"a-1", "a-2"} and workers & {"b-1", "b-2"}, "both groups did work"
