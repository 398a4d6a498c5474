"""``orc init`` (create, repair, idempotent) and the Python API of DESIGN.md section 6."""

from __future__ import annotations

import gspread
from sheets_emulator import EmulatorServer

from agent import Orchestrator
from agent.coordination.layout import PROTECTION_DESCRIPTION, init_spreadsheet
from agent.schema import ALL_TABS, TASKS, TASKS_HISTORY, WORKERS
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import agent_config, read_tab, seed_tasks


def _metadata(sheet: SheetsGateway) -> dict[str, dict]:  # type: ignore[type-arg]
    meta = sheet.spreadsheet.fetch_sheet_metadata(
        params={"fields": "sheets.properties,sheets.protectedRanges,sheets.data"}
    )
    return {s["properties"]["title"]: s for s in meta["sheets"]}


def test_init_creates_everything_and_a_second_run_changes_nothing(
    gclient: gspread.Client,
) -> None:
    spreadsheet = gclient.create("init")
    sheet = SheetsGateway(gclient, spreadsheet.id)
    first = init_spreadsheet(sheet)
    assert set(first.tabs_created) == {spec.title for spec in ALL_TABS}
    assert first.leader_row_added and first.control_row_added
    for title, info in _metadata(sheet).items():
        if title == "Sheet1":
            continue
        protections = [p for p in info.get("protectedRanges", []) if p.get("warningOnly")]
        assert [p["description"] for p in protections] == [PROTECTION_DESCRIPTION], title
    second = init_spreadsheet(sheet)
    assert not second.changed
    assert len(read_tab(sheet, TASKS)[0].index) == len(TASKS.columns)


def test_init_repairs_headers_and_keeps_user_columns(gclient: gspread.Client) -> None:
    spreadsheet = gclient.create("repair")
    sheet = SheetsGateway(gclient, spreadsheet.id)
    init_spreadsheet(sheet, "pt")
    (header,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
    damaged = [h for h in header[0] if h not in ("Concessão", "Tentativas")] + ["Minhas Notas"]
    sheet.batch_update(
        [
            {
                "updateCells": {
                    "range": {"sheetId": sheet.tab(TASKS.title).sheet_id, "startRowIndex": 0},
                    "fields": "userEnteredValue",
                }
            }
        ]
    )
    sheet.write_values([(f"{quote_title(TASKS.title)}!A1", [damaged])])
    report = init_spreadsheet(sheet, "en")
    assert report.headers_added[TASKS.title] == ["Tentativas", "Concessão"]
    (repaired,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
    assert repaired[0][: len(damaged)] == damaged, "existing and user columns stay where they are"


def test_python_api(emulator: EmulatorServer, sheet: SheetsGateway) -> None:
    ids = seed_tasks(sheet, 7)
    config = agent_config(emulator.host_port, sheet, "api-user", claim_batch=3)
    seen: list[str] = []
    with Orchestrator(config) as orchestrator:
        orchestrator.send_heartbeat()
        while orchestrator.process_next_task(seen.append):
            pass
        assert not orchestrator.process_next_task(seen.append)
    assert sorted(seen) == sorted(f"https://example.test/v/{i:05d}" for i in range(7))
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert sorted(r["id"] for r in history) == sorted(ids)
    _, workers = read_tab(sheet, WORKERS)
    assert workers[0]["status"] == "INACTIVE" and workers[0]["tasks_processed"] == "7"


def test_constructing_an_agent_sends_nothing_until_it_starts(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    """``Orchestrator(config)`` does no I/O; ``start()`` (or ``with``) opens the spreadsheet,
    registers the worker and sends the first heartbeat."""
    seed_tasks(sheet, 1)
    config = agent_config(emulator.host_port, sheet, "lazy")
    before = emulator.stats()["requests"]["total"]
    orchestrator = Orchestrator(config)
    assert emulator.stats()["requests"]["total"] == before, "__init__ made API calls"
    try:
        orchestrator.start()
        assert emulator.stats()["requests"]["total"] > before
        _, workers = read_tab(sheet, WORKERS)
        assert [w["worker_name"] for w in workers] == ["lazy"]
        assert orchestrator.start() is orchestrator, "a second start() does nothing"
        assert [w["worker_name"] for w in read_tab(sheet, WORKERS)[1]] == ["lazy"]
    finally:
        orchestrator.close()
    never_started = Orchestrator(agent_config(emulator.host_port, sheet, "idle"))
    calls = emulator.stats()["requests"]["total"]
    never_started.close()  # nothing to give back, nothing to mark INACTIVE
    assert emulator.stats()["requests"]["total"] == calls


def test_the_last_agents_leaving_leave_no_tombstone_behind(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    """The whole fleet stops: the leader makes its last pass before a follower's last rows
    turn into tombstones. Found by the reduced chaos run (two tombstone rows left in Tasks)."""
    ids = seed_tasks(sheet, 4)
    slow = {"lease_seconds": 120, "leader_lease_seconds": 90}
    leader = Orchestrator(agent_config(emulator.host_port, sheet, "leader", **slow)).start()
    follower: Orchestrator | None = None
    try:
        assert leader.election.is_leader()
        # A follower that will not look at the election again before it stops.
        follower = Orchestrator(
            agent_config(emulator.host_port, sheet, "follower", heartbeat_seconds=40, **slow)
        ).start()
        assert not follower.election.is_leader()
        for _ in ids:  # the last task's tombstone is still to be written (with the next write)
            assert follower.process_next_task(lambda url: None)
        leader.close()  # its last compaction pass runs before the follower's last tombstones
        follower.close()
    finally:
        leader.close()
        if follower is not None:
            follower.close()
    _, tasks = read_tab(sheet, TASKS)
    assert [r for r in tasks if r.get("id") or r.get("lease")] == [], tasks
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert sorted(r["id"] for r in history) == sorted(ids)
