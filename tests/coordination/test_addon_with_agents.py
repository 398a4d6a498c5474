"""The add-on's real server functions and ``onEdit`` (Node, on the API-backed Apps Script
runtime) and real ``orc run`` agents, on one spreadsheet at the same time."""

from __future__ import annotations

import signal

from sheets_emulator import EmulatorServer

from agent.schema import SOURCES, SOURCES_DLQ, TASKS_DLQ, TASKS_HISTORY
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.addon import AddonServer
from tests.coordination.harness import Fleet, check_drained, read_tab, seed_tasks, wait_for

NOT_URLS = ["not a url", "neither is this"]


def test_a_person_using_the_addon_while_agents_run_loses_and_doubles_nothing(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    ids = sorted(seed_tasks(sheet, 16, prefix="https://example.test/first-try-fails"))
    fleet.start(
        "doomed", handler="tests.coordination.test_lifecycle:always_fails", MAX_ATTEMPTS="1"
    )
    fleet.wait_all(timeout_s=90)
    assert sorted(r["id"] for r in read_tab(sheet, TASKS_DLQ)[1]) == ids

    with AddonServer(emulator.host_port, sheet.spreadsheet_id) as addon:
        agent = fleet.start("steady", burst=False)
        # The sidebar's Requeue, twice over the same IDs: the second finds half of them gone.
        first = addon.call("requeueRows", "Tasks DLQ", ids[:8])
        assert sorted(first["requeued"]) == ids[:8]
        # A person pastes two lines that are not URLs into Sources; onEdit tells them at once.
        sources_map, _ = read_tab(sheet, SOURCES)
        column = sources_map.col("url")
        letter = chr(ord("A") + column)
        sheet.write_values([(f"{quote_title(SOURCES.title)}!{letter}2", [[u] for u in NOT_URLS])])
        assert addon.edit(SOURCES.title, f"{letter}2:{letter}3") == []
        second = addon.call("requeueRows", "Tasks DLQ", ids)
        assert sorted(second["requeued"]) == ids[8:]
        assert sorted(s["id"] for s in second["skipped"]) == ids[:8]

        def steady_is_active() -> bool:
            workers = addon.call("getDashboard")["workers"]  # the sidebar's refresh
            return [w["name"] for w in workers if w["state"] == "active"] == ["steady"]

        wait_for(steady_is_active, 30, "the dashboard to show the running agent as active")

        wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 16, 90, "every task done")
        # The leader alone stamped the pasted rows; its own check sent them to Sources DLQ.
        wait_for(lambda: len(read_tab(sheet, SOURCES_DLQ)[1]) == 2, 60, "the pasted rows judged")
        agent.popen.send_signal(signal.SIGTERM)
        assert agent.popen.wait(timeout=30) == 0, agent.output()[-2000:]

    dead_sources = read_tab(sheet, SOURCES_DLQ)[1]
    assert sorted(r["url"] for r in dead_sources) == sorted(NOT_URLS)
    assert all(r["status"] == "INVALID" for r in dead_sources)
    assert read_tab(sheet, TASKS_DLQ)[1] == []
    check_drained(sheet, set(ids))
