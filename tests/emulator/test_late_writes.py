"""Faults armed on purpose (``POST /_emulator/faults``, ``arm_fault``), and late writes: answered
with an error, a cut or nothing, and applied ``delay_ms`` later, after the client's read-back."""

from __future__ import annotations

import time
from pathlib import Path

import gspread
import pytest
import requests
from sheets_emulator import EmulatorServer

from agent.errors import AmbiguousWriteError, SheetsError
from agent.sheets.client import make_client
from agent.sheets.retry import RetryPolicy
from tests.conftest import UNPACED, ClientFactory
from tests.emulator.helpers import control

ONE_TRY = RetryPolicy(max_tries=1)


def _wait_for(check: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_a_late_write_lands_after_the_read_back_and_after_later_writes(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet, gclient_factory: ClientFactory
) -> None:
    client = gclient_factory(user="w1", policy=ONE_TRY)
    sheet = client.open_by_key(spreadsheet.id).sheet1
    sheet.update([["before"]], "A1")
    armed = emulator.arm_fault("late", method="PUT", body="late-one", delay_ms=2000)
    assert armed["kind"] == "late" and armed["times"] == 1
    with pytest.raises(SheetsError) as caught:  # values.update is idempotent: a plain 503
        sheet.update([["late-one"]], "A1")
    assert caught.value.status == 503
    assert sheet.acell("A1").value == "before"  # the client's read-back: not there yet
    sheet.update([["meanwhile"]], "A1")  # a later write applies first...
    sheet.update([["other"]], "B1")
    _wait_for(lambda: emulator.stats()["late_writes"]["applied"] == 1)
    assert sheet.get("A1:B1") == [["late-one", "other"]]  # ... and the late one lands over it
    listing = emulator.faults()
    assert listing["armed"] == []  # times: 1, spent
    (fired,) = listing["fired"]
    assert (fired["id"], fired["kind"], fired["method"]) == (armed["id"], "late", "PUT")
    assert fired["account"] == "emulator-service-account"
    assert emulator.stats()["faults"]["by_kind"] == {"late": 1}


def test_a_late_append_is_ambiguous_to_the_agent_and_lands_once(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet, gclient_factory: ClientFactory
) -> None:
    sheet = gclient_factory(user="w1", policy=ONE_TRY).open_by_key(spreadsheet.id).sheet1
    emulator.arm_fault("late", path=":append", delay_ms=2000, answer="cut")
    with pytest.raises(AmbiguousWriteError):
        sheet.append_row(["task-1"])
    assert sheet.col_values(1) == []
    _wait_for(lambda: sheet.col_values(1) == ["task-1"])
    assert emulator.stats()["late_writes"] == {"applied": 1, "pending": 0}


def test_a_late_write_whose_answer_outlives_the_client_timeout(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    spreadsheet.sheet1.update([["old"]], "A1")
    emulator.arm_fault("late", path="/values/", method="PUT", delay_ms=3000, answer="timeout")
    url = f"{emulator.url}/v4/spreadsheets/{spreadsheet.id}/values/Sheet1!A1"
    with pytest.raises(requests.Timeout):
        requests.put(
            url, params={"valueInputOption": "RAW"}, json={"values": [["new"]]}, timeout=0.3
        )
    assert spreadsheet.sheet1.acell("A1").value == "old"
    _wait_for(lambda: spreadsheet.sheet1.acell("A1").value == "new")


def test_a_late_write_is_persisted_like_any_write(tmp_path: Path) -> None:
    data = tmp_path / "state.sqlite"
    with EmulatorServer(data_path=data) as server:
        client = make_client(user="w", emulator_host=server.host_port, policy=ONE_TRY, **UNPACED)
        sh = client.create("late")
        server.arm_fault("late", path=":batchUpdate", delay_ms=100)
        with pytest.raises(AmbiguousWriteError):
            sh.add_worksheet("Late tab", rows=5, cols=3)
        _wait_for(lambda: server.stats()["late_writes"]["applied"] == 1)
    with EmulatorServer(data_path=data) as again:
        client = make_client(user="w", emulator_host=again.host_port, **UNPACED)
        titles = [ws.title for ws in client.open_by_key(sh.id).worksheets()]
        assert titles == ["Sheet1", "Late tab"]


def test_armed_faults_over_http_match_and_count(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    url = emulator.url
    aimed = {"kind": "http_429", "match": {"method": "GET", "path": "/values/"}, "times": 2}
    first = control(url, "POST", "faults", aimed)
    elsewhere = control(url, "POST", "faults", {"kind": "http_500", "match": {"account": "x"}})
    listed = control(url, "GET", "faults")
    assert [a["id"] for a in listed["armed"]] == [first["id"], elsewhere["id"]]
    values = f"{url}/v4/spreadsheets/{spreadsheet.id}/values/A1"
    codes = [requests.get(values, timeout=5).status_code for _ in range(3)]
    assert codes == [429, 429, 200]
    meta = requests.get(f"{url}/v4/spreadsheets/{spreadsheet.id}", timeout=5)
    assert meta.status_code == 200  # the 500 waits for account "x"
    other = requests.get(meta.url, headers={"Authorization": "Bearer x"}, timeout=5)
    assert other.status_code == 500
    fired = control(url, "GET", "faults")["fired"]
    assert [f["kind"] for f in fired] == ["http_429", "http_429", "http_500"]
    assert control(url, "POST", "faults", {"kind": "slow", "delay_ms": 1})["id"] > first["id"]
    assert control(url, "DELETE", "faults") == {"disarmed": 1}
    assert control(url, "GET", "faults")["armed"] == []


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"kind": "gone"}, "kind must be one of"),
        ({"kind": "late", "match": {"verb": "GET"}}, "not verb"),
        ({"kind": "late", "times": 0}, "times must be"),
        ({"kind": "late", "delay_ms": -1}, "delay_ms must be"),
        ({"kind": "late", "answer": "maybe"}, "answer must be"),
        ({"kind": "late", "when": 1}, "unknown field(s) in the fault: when"),
    ],
)
def test_a_bad_fault_is_a_400_naming_the_field(
    emulator: EmulatorServer, spec: dict[str, object], named: str
) -> None:
    response = requests.post(f"{emulator.url}/_emulator/faults", json=spec, timeout=5)
    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    assert control(emulator.url, "GET", "faults")["armed"] == []


def test_reads_never_get_write_only_faults_and_reset_disarms(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    emulator.arm_fault("lost_cut")
    assert spreadsheet.sheet1.acell("A1").value is None  # a read: not aimed at
    emulator.reset(stats_only=True)
    assert len(emulator.faults()["armed"]) == 1
    emulator.reset()
    assert emulator.faults() == {"armed": [], "fired": []}
