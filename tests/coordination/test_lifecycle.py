"""An agent's life: signals, restarts, broken layouts, bad settings, failing callbacks, pt."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from agent.coordination.layout import init_spreadsheet
from agent.schema import LEADER_ELECTION, TASKS, TASKS_DLQ, TASKS_HISTORY, WORKERS
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import (
    ROOT,
    Fleet,
    check_drained,
    make_sheet,
    read_tab,
    seed_tasks,
    wait_for,
)


def _started(fleet: Fleet) -> int:
    if not fleet.task_log.exists():
        return 0
    return fleet.task_log.read_text().count('"start"')


def test_sigterm_finishes_running_task_and_gives_back_the_rest(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    ids = set(seed_tasks(sheet, 12))
    agent = fleet.start("graceful", burst=False, CLAIM_BATCH="6", HANDLER_SLEEP_S="2")
    wait_for(lambda: _started(fleet) >= 1, 30, "the first task to start")
    wait_for(
        lambda: "graceful" in read_tab(sheet, LEADER_ELECTION)[1][0]["lease"], 30, "leadership"
    )
    agent.popen.send_signal(signal.SIGTERM)
    assert agent.popen.wait(timeout=30) == 0, agent.output()[-2000:]
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert len(history) == 1, "the running task is finished, no new one is started"
    _, tasks = read_tab(sheet, TASKS)
    assert len(tasks) == 11
    assert all(t["lease"].startswith("PENDING|") for t in tasks), "unstarted claims given back"
    assert all(t["attempts"] in ("0", "") or t["lease"].split("|")[2] == "0" for t in tasks)
    _, workers = read_tab(sheet, WORKERS)
    assert workers[0]["status"] == "INACTIVE" and workers[0]["tasks_processed"] == "1"
    assert read_tab(sheet, LEADER_ELECTION)[1][0]["lease"].split("|")[2] == "-"
    # A restart with the same name resumes the same worker row and finishes the queue.
    fleet.start("graceful")
    fleet.wait_all(timeout_s=60)
    check_drained(sheet, ids)
    _, workers = read_tab(sheet, WORKERS)
    assert len(workers) == 1, "the restarted agent must resume its row, not add one"
    assert workers[0]["tasks_processed"] == "12"


def test_second_signal_gives_back_the_running_task_at_once(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    seed_tasks(sheet, 2)
    agent = fleet.start("hasty", burst=False, CLAIM_BATCH="1", HANDLER_SLEEP_S="60")
    wait_for(lambda: _started(fleet) >= 1, 30, "the task to start")
    agent.popen.send_signal(signal.SIGINT)
    time.sleep(0.5)
    started = time.monotonic()
    agent.popen.send_signal(signal.SIGINT)
    agent.popen.wait(timeout=20)
    assert time.monotonic() - started < 15, "the second signal must not wait for the task"
    _, tasks = read_tab(sheet, TASKS)
    assert len(tasks) == 2 and all(t["lease"].startswith("PENDING|") for t in tasks)


def test_failing_callback_is_retried_then_dead_lettered(sheet: SheetsGateway, fleet: Fleet) -> None:
    ids = set(seed_tasks(sheet, 6, prefix="https://example.test/broken"))
    fleet.start(
        "unlucky", handler="tests.coordination.test_lifecycle:always_fails", MAX_ATTEMPTS="2"
    )
    fleet.wait_all(timeout_s=120)
    figures = check_drained(sheet, ids)
    assert figures["dlq"] == 6 and figures["history"] == 0
    _, dead = read_tab(sheet, TASKS_DLQ)
    for row in dead:
        assert row["attempts"] == "2"
        assert row["error"].startswith("AgentError: injected failure")


def always_fails(url: str) -> None:
    """A callback that always raises."""
    from agent.errors import AgentError

    raise AgentError(f"injected failure for {url}")


def test_portuguese_headers_work_end_to_end(gclient, emulator, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sheet = make_sheet(gclient, language="pt")
    (header,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
    assert header[0][:4] == ["ID", "ID da Fonte", "URL", "Nome"]
    assert "Concessão" in header[0]
    ids = set(seed_tasks(sheet, 30))
    fleet = Fleet(emulator.host_port, sheet.spreadsheet_id, tmp_path)
    try:
        fleet.start("trabalhador-1", HEADER_LANGUAGE="pt")
        fleet.start("trabalhador-2", HEADER_LANGUAGE="pt")
        fleet.wait_all(timeout_s=120)
    finally:
        fleet.stop_all()
    check_drained(sheet, ids)
    (history_header,) = sheet.read([f"{quote_title(TASKS_HISTORY.title)}!1:1"])
    assert "Timestamp de Conclusão" in history_header[0]
    (workers,) = sheet.read([f"{quote_title(WORKERS.title)}!A1:F"])
    assert workers[0][:2] == ["ID do Worker", "Nome do Worker"]
    assert {row[1] for row in workers[1:]} == {"trabalhador-1", "trabalhador-2"}


def test_renamed_header_stops_the_agent_naming_tab_and_header(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    seed_tasks(sheet, 3)
    (header,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
    renamed = ["Created" if h == "Created At" else h for h in header[0]]
    sheet.write_values([(f"{quote_title(TASKS.title)}!A1", [renamed])])
    agent = fleet.start("careful")
    assert agent.popen.wait(timeout=60) == 2
    output = agent.output()
    assert "'Tasks'" in output and "'Created At'" in output
    _, tasks = read_tab(sheet, TASKS)
    assert len([t for t in tasks if t.get("id")]) == 3, "nothing was touched"
    init_spreadsheet(sheet)  # `orc init` repairs it by adding the missing header


def test_bad_setting_exits_2_naming_the_variable(emulator) -> None:  # type: ignore[no-untyped-def]
    env = {
        "PATH": "/usr/bin:/bin",
        "WORKER_NAME": "w",
        "SPREADSHEET_ID": "x",
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "CLAIM_BATCH": "lots",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "agent", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "CLAIM_BATCH" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_reports_fresh_and_stale_heartbeats(sheet: SheetsGateway, fleet: Fleet) -> None:
    def check(name: str) -> int:
        env_cmd = [sys.executable, "-m", "agent", "check", "--max-age", "5"]
        import os

        env = dict(os.environ)
        env.update(
            {
                "WORKER_NAME": name,
                "SPREADSHEET_ID": sheet.spreadsheet_id,
                "SHEETS_EMULATOR_HOST": fleet.host,
                "PYTHONPATH": str(ROOT),
            }
        )
        return subprocess.run(env_cmd, env=env, capture_output=True, timeout=60).returncode

    agent = fleet.start("alive", burst=False)
    wait_for(lambda: bool(read_tab(sheet, WORKERS)[1]), 30, "registration")
    assert check("alive") == 0
    assert check("nobody") == 1
    agent.kill()
    time.sleep(6)
    assert check("alive") == 1, "a dead agent's heartbeat goes stale"
