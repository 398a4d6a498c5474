"""Fleet control: PAUSED, DRAIN and RUNNING, written by `orc pause/drain/resume`, obeyed by
agent processes, read by the heartbeat at no cost of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import gspread
import pytest
from sheets_emulator import EmulatorServer

from agent.config import Config
from agent.coordination.control import read_fleet_state, set_fleet_state
from agent.coordination.enqueue import add_sources
from agent.coordination.layout import init_spreadsheet
from agent.runtime.context import build_context
from agent.schema import LEADER_ELECTION, SOURCES, TASKS, TASKS_HISTORY, FleetState
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.addon import AddonError, AddonServer
from tests.coordination.harness import (
    ROOT,
    Fleet,
    agent_config,
    read_tab,
    seed_tasks,
    wait_for,
)


def orc(
    emulator: EmulatorServer, sheet: SheetsGateway, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``orc ARGS`` as an operator would."""
    settings = {name.upper() for name in Config.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings}
    env.update(
        {
            "WORKER_NAME": "operator",
            "SPREADSHEET_ID": sheet.spreadsheet_id,
            "SHEETS_EMULATOR_HOST": emulator.host_port,
            "PYTHONPATH": str(ROOT),
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _events(task_log: Path) -> list[dict[str, Any]]:
    if not task_log.exists():
        return []
    return [json.loads(line) for line in task_log.read_text().splitlines() if line.strip()]


def _agent_reads(emulator: EmulatorServer, name: str) -> int:
    return sum(
        counts.get("read", 0) for user, counts in emulator.stats()["users"].items() if name in user
    )


def test_the_heartbeat_learns_the_setting_without_a_read_of_its_own(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    config = agent_config(emulator.host_port, sheet, "counted")
    ctx, heartbeat = build_context(config, "counted#s1", threading.Event())
    ctx.tasks.load()
    ctx.sources.load()
    ctx.registry.register()
    heartbeat.send()
    seen = []
    for state in (FleetState.PAUSED, FleetState.DRAIN, FleetState.RUNNING, FleetState.PAUSED):
        set_fleet_state(sheet, state)  # the operator's client, not the agent's
        client_reads = ctx.gateway.stats.snapshot().get("read", 0)
        server_reads = _agent_reads(emulator, "counted")
        heartbeat.send()
        assert ctx.gateway.stats.snapshot().get("read", 0) - client_reads == 1
        assert _agent_reads(emulator, "counted") - server_reads == 1, "one read per heartbeat"
        seen.append(ctx.fleet.state)
    assert seen == [FleetState.PAUSED, FleetState.DRAIN, FleetState.RUNNING, FleetState.PAUSED]
    assert not ctx.fleet.claims_tasks() and not ctx.fleet.expands_sources()


def test_a_typo_in_the_cell_is_named_and_the_last_state_kept(
    emulator: EmulatorServer, sheet: SheetsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    config = agent_config(emulator.host_port, sheet, "typo")
    ctx, heartbeat = build_context(config, "typo#s1", threading.Event())
    ctx.tasks.load()
    ctx.sources.load()
    ctx.registry.register()
    set_fleet_state(sheet, FleetState.DRAIN)
    heartbeat.send()
    (values,) = sheet.read([f"{quote_title(LEADER_ELECTION.title)}!A1:Z20"])
    row = next(i for i, r in enumerate(values) if r and r[0] == "fleet-control") + 1
    lease_col = chr(ord("A") + values[0].index("Lease"))
    sheet.write_values([(f"{quote_title(LEADER_ELECTION.title)}!{lease_col}{row}", [["PAUSE"]])])
    heartbeat.send()
    assert ctx.fleet.state is FleetState.DRAIN
    assert "'PAUSE' is not RUNNING, PAUSED or DRAIN" in caplog.text
    assert f"fleet-control row {row}" in caplog.text
    # `orc pause` repairs it (by position, RAW), and a hand-typed lower-case value is read.
    set_fleet_state(sheet, FleetState.PAUSED)
    assert read_fleet_state(sheet) == (FleetState.PAUSED, "PAUSED")
    sheet.write_values([(f"{quote_title(LEADER_ELECTION.title)}!{lease_col}{row}", [[" drain "]])])
    heartbeat.send()
    assert ctx.fleet.state is FleetState.DRAIN


def test_orc_pause_and_resume_a_running_agent(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    seed_tasks(sheet, 12)
    agent = fleet.start("pausable", burst=False, CLAIM_BATCH="4", HANDLER_SLEEP_S="1.5")
    wait_for(lambda: len(_events(fleet.task_log)) > 0, 60, "the first task to start")
    paused = orc(emulator, sheet, "pause")
    assert paused.returncode == 0, paused.stderr
    assert "fleet: PAUSED (was RUNNING)" in paused.stdout
    status = json.loads(orc(emulator, sheet, "status", "--json").stdout)
    assert status["fleet"] == {"state": "PAUSED", "cell": "PAUSED"}
    assert "fleet: PAUSED" in orc(emulator, sheet, "status").stdout

    # Within a heartbeat (1 s) the agent stops starting tasks; what runs finishes.
    time.sleep(2.0)
    at_pause = _events(fleet.task_log)
    wait_for(
        lambda: (
            len([e for e in _events(fleet.task_log) if e["event"] == "end"])
            >= len([e for e in _events(fleet.task_log) if e["event"] == "start"])
        ),
        30,
        "the running callbacks to finish",
    )
    time.sleep(4.0)  # a few poll and heartbeat intervals
    later = _events(fleet.task_log)
    starts_at_pause = [e for e in at_pause if e["event"] == "start"]
    assert [e for e in later if e["event"] == "start"] == starts_at_pause, "started while PAUSED"
    _, tasks = read_tab(sheet, TASKS)
    assert not [t for t in tasks if t["lease"].startswith("CLAIMED|")], "claims kept while paused"
    assert agent.returncode is None, agent.output()[-2000:]

    resumed = orc(emulator, sheet, "resume")
    assert resumed.returncode == 0 and "fleet: RUNNING (was PAUSED)" in resumed.stdout
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 12, 120, "all 12 tasks done")
    agent.popen.send_signal(signal.SIGTERM)
    fleet.wait_all(timeout_s=60)
    assert agent.popen.returncode == 0, agent.output()[-2000:]
    assert "fleet control: PAUSED" in agent.output()
    assert "fleet control: RUNNING" in agent.output()


def test_drain_runs_queued_tasks_and_expands_no_source(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    seed_tasks(sheet, 6)
    add_sources(sheet, ["https://example.test/never-expanded-playlist"])
    drained = orc(emulator, sheet, "drain")
    assert drained.returncode == 0, drained.stderr
    assert "fleet: DRAIN" in drained.stdout
    agent = fleet.start("drainer", burst=True)
    fleet.wait_all(timeout_s=120)
    assert agent.popen.returncode == 0, agent.output()[-3000:]
    assert len(read_tab(sheet, TASKS_HISTORY)[1]) == 6
    _, sources = read_tab(sheet, SOURCES)
    assert len(sources) == 1 and sources[0]["lease"].startswith("PENDING|"), sources
    assert read_fleet_state(sheet)[0] is FleetState.DRAIN


def test_orc_pause_adds_a_missing_row_and_never_touches_the_leader_lease(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    tab = sheet.tab(LEADER_ELECTION.title)
    (values,) = sheet.read([f"{quote_title(LEADER_ELECTION.title)}!A1:Z20"])
    row = next(i for i, r in enumerate(values) if r and r[0] == "fleet-control")
    sheet.batch_update(
        [
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": tab.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": row,
                        "endIndex": row + 1,
                    }
                }
            }
        ]
    )
    assert read_fleet_state(sheet) == (FleetState.RUNNING, "")
    (before,) = sheet.read([f"{quote_title(LEADER_ELECTION.title)}!A1:Z20"])
    first = orc(emulator, sheet, "pause")
    assert first.returncode == 0, first.stderr
    assert "was (unset: RUNNING)" in first.stdout
    assert orc(emulator, sheet, "drain").returncode == 0
    (after,) = sheet.read([f"{quote_title(LEADER_ELECTION.title)}!A1:Z20"])
    assert after[: len(before)] == before, "the election row changed"
    assert [r[0] for r in after[len(before) :]] == ["fleet-control"]
    assert read_fleet_state(sheet) == (FleetState.DRAIN, "DRAIN")
    # `orc init` on a spreadsheet made before fleet control adds the row once.
    sheet.batch_update(
        [
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": tab.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": len(before),
                        "endIndex": len(before) + 1,
                    }
                }
            }
        ]
    )
    assert init_spreadsheet(sheet).control_row_added
    assert not init_spreadsheet(sheet).changed
    assert read_fleet_state(sheet) == (FleetState.RUNNING, "RUNNING")


def test_the_commands_need_the_tab(emulator: EmulatorServer, gclient: gspread.Client) -> None:
    bare = SheetsGateway(gclient, gclient.create("no tabs").id)
    done = orc(emulator, bare, "pause")
    assert done.returncode == 2
    assert "'Leader Election': missing: run `orc init` first" in done.stderr


def test_the_addon_pauses_and_resumes_a_running_agent(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    """The sidebar's server function, on the API-backed Apps Script runtime, and a real agent."""
    with AddonServer(emulator.host_port, sheet.spreadsheet_id) as addon:
        assert addon.call("setFleetControl", "paused") == {"state": "PAUSED", "previous": "RUNNING"}
        assert addon.call("getFleetControl") == {"state": "PAUSED", "cell": "PAUSED"}
        with pytest.raises(AddonError, match="is not a fleet state"):
            addon.call("setFleetControl", "=IMPORTXML(1)")
        seed_tasks(sheet, 3)
        agent = fleet.start("obedient", burst=False)
        wait_for(lambda: "fleet control: PAUSED" in agent.output(), 60, "the agent to see PAUSED")
        time.sleep(2.0)  # poll and heartbeat intervals: a paused agent starts nothing
        assert _events(fleet.task_log) == []
        assert read_fleet_state(sheet) == (FleetState.PAUSED, "PAUSED")
        addon.call("setFleetControl", "RUNNING")
        wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 3, 60, "the tasks to run")
        agent.popen.send_signal(signal.SIGTERM)
        assert agent.popen.wait(timeout=60) == 0, agent.output()[-2000:]


def test_the_sidebar_dashboard_shows_what_orc_drain_wrote(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    """getDashboard's fleet, on the API-backed runtime, is the cell the CLI writes."""
    with AddonServer(emulator.host_port, sheet.spreadsheet_id) as addon:
        assert addon.call("getDashboard")["fleet"] == {"state": "RUNNING", "cell": "RUNNING"}
        assert orc(emulator, sheet, "drain").returncode == 0
        assert addon.call("getDashboard")["fleet"] == {"state": "DRAIN", "cell": "DRAIN"}
        addon.call("setFleetControl", "PAUSED")
        assert read_fleet_state(sheet) == (FleetState.PAUSED, "PAUSED")
        assert addon.call("getDashboard")["fleet"] == {"state": "PAUSED", "cell": "PAUSED"}
