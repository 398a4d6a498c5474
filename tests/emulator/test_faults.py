"""--fault-rate/--seed: every fault kind happens, deterministically; lost answers were applied."""

from __future__ import annotations

import time

import gspread
import requests
from sheets_emulator import EmulatorServer

from tests.emulator.helpers import control

ALL_KINDS = {"http_429", "http_500", "http_503", "slow", "lost_cut", "lost_503", "late"}


def _writes(emulator: EmulatorServer, sheet_id: str, count: int) -> list[str]:
    """Write A1..A<count> one request each; return what each client saw."""
    outcomes = []
    with requests.Session() as session:
        for i in range(1, count + 1):
            try:
                response = session.put(
                    f"{emulator.url}/v4/spreadsheets/{sheet_id}/values/Sheet1!A{i}",
                    params={"valueInputOption": "RAW"},
                    json={"values": [[f"v{i}"]]},
                    timeout=10,
                )
                outcomes.append(str(response.status_code))
            except requests.ConnectionError:
                outcomes.append("cut")
    return outcomes


def test_every_fault_kind_deterministically(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    emulator.configure(fault_rate=0.5, seed=1234, slow_ms=5, late_ms=5)
    emulator.reset(stats_only=True)
    first = _writes(emulator, spreadsheet.id, 80)
    faults = emulator.stats()["faults"]["by_kind"]
    assert set(faults) == ALL_KINDS
    # Same seed, same request order: the same answers.
    emulator.reset(stats_only=True)
    assert _writes(emulator, spreadsheet.id, 80) == first
    assert emulator.stats()["faults"]["by_kind"] == faults
    assert first.count("cut") == faults["lost_cut"]
    assert first.count("429") == faults["http_429"]
    assert first.count("500") == faults["http_500"]
    assert first.count("503") == faults["http_503"] + faults["lost_503"] + faults["late"]


def test_lost_answers_were_applied(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    kinds = ["http_429", "http_500", "http_503", "slow", "lost_cut", "lost_503"]
    emulator.configure(fault_rate=0.6, seed=99, slow_ms=1, fault_kinds=kinds)
    emulator.reset(stats_only=True)
    outcomes = _writes(emulator, spreadsheet.id, 60)
    emulator.configure(fault_rate=0.0)
    column = spreadsheet.sheet1.col_values(1)
    applied = [i for i in range(60) if i < len(column) and column[i] == f"v{i + 1}"]
    cut = [i for i, o in enumerate(outcomes) if o == "cut"]
    refused = [i for i, o in enumerate(outcomes) if o in ("429", "500")]
    assert cut, "the seed should produce cut connections"
    assert set(cut) <= set(applied), "a write whose connection was cut must have been applied"
    assert not set(refused) & set(applied), "429/500 faults are refused before applying"
    lost_503 = emulator.stats()["faults"]["by_kind"].get("lost_503", 0)
    applied_503 = [i for i, o in enumerate(outcomes) if o == "503" and i in applied]
    assert len(applied_503) == lost_503


def test_reads_get_no_lost_answers_and_control_endpoints_no_faults(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    emulator.configure(fault_rate=1.0, seed=5, slow_ms=1)
    for _ in range(30):
        response = requests.get(f"{emulator.url}/v4/spreadsheets/{spreadsheet.id}", timeout=5)
        assert response.status_code in (200, 429, 500, 503)
        assert control(emulator.url, "GET", "health")["status"] == "ok"
    kinds = set(emulator.stats()["faults"]["by_kind"])
    assert kinds <= {"http_429", "http_500", "http_503", "slow"}
    assert emulator.stats()["faults"]["total"] == 30


def test_latency_is_added(emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet) -> None:
    emulator.configure(latency_ms=60)
    started = time.monotonic()
    assert (
        requests.get(f"{emulator.url}/v4/spreadsheets/{spreadsheet.id}", timeout=5).status_code
        == 200
    )
    assert time.monotonic() - started >= 0.06
    assert control(emulator.url, "GET", "config")["latency_ms"] == 60
