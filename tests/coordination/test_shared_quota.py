"""Every agent signed in with one service account shares that account's 60 + 60 a minute.

The README's setup gives every machine the same key. Google then counts the whole fleet as one
user: an agent that paces itself to 60 a minute, times four, asks for four times the quota, and the
429s that follow delay heartbeats until leases lapse under live holders. Here four agents on one
identity run under the emulator's real per-minute quota with heartbeats configured far too
often for that fleet; the agents must share the budget, renew first, and stretch their leases.
"""

from __future__ import annotations

import pytest
from sheets_emulator import EmulatorServer

from agent.schema import TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, check_drained, overlaps, read_tab, seed_tasks

AGENTS = 4
TASK_S = 12  # longer than LEASE_SECONDS: every task needs its renewals to land
SHARED_ACCOUNT_SETTINGS = {
    "READ_QUOTA_PER_MINUTE": "60",  # Google's per-user quotas, for the whole fleet
    "WRITE_QUOTA_PER_MINUTE": "60",
    "HEARTBEAT_SECONDS": "2",  # 4 agents x 30 heartbeats a minute: twice the write quota
    "LEASE_SECONDS": "10",
    "LEADER_LEASE_SECONDS": "10",
    "REQUEST_TIMEOUT_SECONDS": "20",
}


# The fleet works at Google's pace (one request a second for all of it): two minutes here, more
# on a loaded machine; the default 300 s per test is too tight for CI.
@pytest.mark.timeout(600)
def test_a_fleet_on_one_account_shares_its_quota_and_no_lease_lapses(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    emulator.configure(quota=True)
    ids = set(seed_tasks(sheet, 8))
    for n in range(AGENTS):
        fleet.start(
            f"agent-{n}", CLAIM_BATCH="2", HANDLER_SLEEP_S=str(TASK_S), **SHARED_ACCOUNT_SETTINGS
        )
    fleet.wait_all(timeout_s=420)
    check_drained(sheet, ids)
    assert overlaps(fleet.task_log) == []
    _, history = read_tab(sheet, TASKS_HISTORY)
    retaken = [(row["url"], row["attempts"]) for row in history if row["attempts"] != "1"]
    assert not retaken, f"leases lapsed under live holders: {retaken}"
    stats = emulator.stats()
    workers = {name for name in stats["users"] if name.startswith("agent-")}
    assert len(workers) == AGENTS
    agents_accounts = set(stats["accounts"]) - {"test-user"}
    assert len(agents_accounts) == 1, f"one quota identity for the fleet: {agents_accounts}"
    logs = "\n".join(agent.output() for agent in fleet.agents)
    assert "share one account" in logs, "the log says the leases were stretched, and why"
    print("quota refusals:", stats["quota"], "429s sent:", stats["http_429_sent"])
