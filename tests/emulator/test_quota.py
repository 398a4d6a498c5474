"""--quota: Google's per-user and per-project per-minute limits, reads and writes apart."""

from __future__ import annotations

import time

import gspread
import pytest
import requests
from sheets_emulator import EmulatorServer

from agent.errors import QuotaExceededError
from agent.sheets.retry import RetryPolicy
from tests.conftest import ClientFactory
from tests.emulator.helpers import control


def _get(emulator: EmulatorServer, sheet_id: str, user: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {user}"}
    return requests.get(f"{emulator.url}/v4/spreadsheets/{sheet_id}", headers=headers, timeout=5)


def _put(emulator: EmulatorServer, sheet_id: str, user: str) -> requests.Response:
    return requests.put(
        f"{emulator.url}/v4/spreadsheets/{sheet_id}/values/A1",
        params={"valueInputOption": "RAW"},
        json={"values": [[user]]},
        headers={"Authorization": f"Bearer {user}"},
        timeout=5,
    )


def test_per_user_limit_gives_googles_429(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    config = control(
        emulator.url,
        "PUT",
        "config",
        {"quota": True, "per_user_per_minute": 3, "per_project_per_minute": 100},
    )
    assert (config["quota"], config["per_user_per_minute"]) == (True, 3)
    assert [_get(emulator, spreadsheet.id, "alice").status_code for _ in range(3)] == [200] * 3
    refused = _get(emulator, spreadsheet.id, "alice")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == 429
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"] == (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per "
        "user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."
    )
    info = error["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "RATE_LIMIT_EXCEEDED"
    assert info["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerUser"
    assert info["metadata"]["quota_limit_value"] == "3"
    assert error["details"][1]["@type"] == "type.googleapis.com/google.rpc.Help"
    # Writes are counted apart, other users too, and Drive calls are not Sheets quota.
    assert _put(emulator, spreadsheet.id, "alice").status_code == 200
    assert _get(emulator, spreadsheet.id, "bob").status_code == 200
    drive = requests.get(
        f"{emulator.url}/drive/v3/files", headers={"Authorization": "Bearer alice"}, timeout=5
    )
    assert drive.status_code == 200
    stats = emulator.stats()
    assert stats["http_429_sent"] == 1
    assert stats["quota"]["by_limit"] == {"read_per_user": 1}
    assert stats["users"]["alice"] == {"read": 4, "write": 1, "drive": 1}


def test_per_project_limit_and_write_message(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet
) -> None:
    emulator.configure(quota=True, per_user_per_minute=10, per_project_per_minute=4)
    assert [_put(emulator, spreadsheet.id, f"user{i}").status_code for i in range(4)] == [200] * 4
    refused = _put(emulator, spreadsheet.id, "fresh-user")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert "'Write requests' and limit 'Write requests per minute' of service" in error["message"]
    assert error["details"][0]["metadata"]["quota_limit"] == "WriteRequestsPerMinutePerProject"
    assert _get(emulator, spreadsheet.id, "fresh-user").status_code == 200


def test_window_rolls(emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet) -> None:
    emulator.configure(quota=True, per_user_per_minute=2, quota_window_s=0.5)
    assert [_get(emulator, spreadsheet.id, "carol").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    time.sleep(0.6)
    assert _get(emulator, spreadsheet.id, "carol").status_code == 200


def test_the_agent_client_sees_quota_exceeded(
    emulator: EmulatorServer, spreadsheet: gspread.Spreadsheet, gclient_factory: ClientFactory
) -> None:
    emulator.configure(quota=True, per_user_per_minute=1)
    client = gclient_factory(user="dave", policy=RetryPolicy(max_tries=1))
    sheet = client.open_by_key(spreadsheet.id)
    with pytest.raises(QuotaExceededError) as caught:
        sheet.sheet1.get_all_values()
    assert caught.value.retry_after_s is not None
    assert emulator.stats()["users"]["dave"]["read"] == 2
