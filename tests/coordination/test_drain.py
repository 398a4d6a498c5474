"""Agent processes drain a queue: nothing lost, nothing doubled, nothing run twice at once."""

from __future__ import annotations

import signal
import time

from sheets_emulator import EmulatorServer

from agent.schema import TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import (
    Fleet,
    check_drained,
    header_map,
    overlaps,
    read_tab,
    seed_tasks,
)


def test_three_processes_drain_500_tasks(sheet: SheetsGateway, fleet: Fleet) -> None:
    ids = set(seed_tasks(sheet, 500))
    for n in range(3):
        fleet.start(f"agent-{n}", CLAIM_BATCH="10", CONCURRENCY="2")
    fleet.wait_all(timeout_s=240)
    for agent in fleet.agents:
        assert agent.popen.returncode == 0, agent.output()[-3000:]
    figures = check_drained(sheet, ids)
    assert figures["history"] == 500
    assert figures["processed"] == 500, "the Workers counters do not add up"
    assert overlaps(fleet.task_log) == []
    workers = {row["worker"] for row in figures["history_rows"]}
    assert len(workers) == 3, f"expected all three agents to work, saw {workers}"


def test_killed_leader_and_its_claims_are_taken_over(sheet: SheetsGateway, fleet: Fleet) -> None:
    ids = set(seed_tasks(sheet, 20))
    victim = fleet.start("victim", burst=False, CLAIM_BATCH="5", HANDLER_SLEEP_S="60")
    held = _wait_for_claims(sheet, "victim", timeout_s=60)
    assert held, "the first agent never claimed anything"
    _wait_for_leader(sheet, "victim", timeout_s=30)
    victim.kill()
    killed_at = time.monotonic()
    rescuer = fleet.start("rescuer", burst=False, CLAIM_BATCH="5")
    _wait_for_leader(sheet, "rescuer", timeout_s=60)
    deadline = time.monotonic() + 120
    while len(read_tab(sheet, TASKS_HISTORY)[1]) < 20 and time.monotonic() < deadline:
        time.sleep(0.3)
    rescuer.popen.send_signal(signal.SIGTERM)
    fleet.wait_all(timeout_s=60)
    figures = check_drained(sheet, ids)
    assert figures["history"] == 20
    history = {row["id"]: row for row in figures["history_rows"]}
    for row_id in held:
        assert history[row_id]["worker"] == "rescuer"
        assert int(history[row_id]["attempts"]) >= 2, "the lost attempt was not counted"
    leader = _leader_cells(sheet)
    assert leader["worker_id"] == "rescuer" and int(leader["term"]) >= 2
    assert leader["lease"].split("|")[2] == "-", "a stopped leader releases the lease"
    assert time.monotonic() - killed_at >= 6, "took over before the lease could have expired"
    assert overlaps(fleet.task_log) == [] or all(
        a["end"] == float("inf") for _, a, _ in overlaps(fleet.task_log)
    )


def _wait_for_claims(sheet: SheetsGateway, worker: str, timeout_s: float) -> list[str]:
    from agent.schema import TASKS

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _, rows = read_tab(sheet, TASKS)
        held = [
            r["id"]
            for r in rows
            if r["lease"].startswith("CLAIMED|") and f"|{worker}#" in r["lease"]
        ]
        if held:
            return held
        time.sleep(0.3)
    return []


def _leader_cells(sheet: SheetsGateway) -> dict[str, str]:
    from agent.schema import LEADER_ELECTION

    _, rows = read_tab(sheet, LEADER_ELECTION)
    return rows[0]


def _wait_for_leader(sheet: SheetsGateway, worker: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if f"|{worker}#" in _leader_cells(sheet)["lease"]:
            return
        time.sleep(0.3)
    raise AssertionError(f"{worker} never became leader")


def test_history_columns_are_found_by_header(sheet: SheetsGateway) -> None:
    header_map(sheet, TASKS_HISTORY)  # raises SchemaError naming a missing header


def test_drain_under_injected_faults(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    """429s, 500s, 503s, slow answers and writes applied whose answer is lost: same guarantees."""
    ids = set(seed_tasks(sheet, 200))
    emulator.configure(fault_rate=0.1, seed=1234, slow_ms=300)
    for n in range(3):
        fleet.start(
            f"agent-{n}",
            CLAIM_BATCH="10",
            CLAIM_BATCH_MAX="10",  # a fixed batch: enough calls for the faults to bite
            CONCURRENCY="2",
            REQUEST_TIMEOUT_SECONDS="5",
        )
    fleet.wait_all(timeout_s=280)
    faults = emulator.stats()["faults"]
    emulator.configure(fault_rate=0.0)
    print("faults injected:", faults)
    assert faults["total"] >= 20, faults
    figures = check_drained(sheet, ids)
    assert figures["history"] + figures["dlq"] == 200
    assert figures["dlq"] == 0, "no task may fail because of API faults"
    assert overlaps(fleet.task_log) == []
