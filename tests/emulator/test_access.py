"""Strict access in the emulator: Google's 401 and 403, sharing through Drive, quota projects.

Google's bodies, as its APIs send them (quoted in docs/emulator.md with their sources):
401 ``Request had invalid authentication credentials...`` / ``Request is missing required
authentication credential...`` (UNAUTHENTICATED); 403 ``The caller does not have permission``
(PERMISSION_DENIED); Drive 404 ``File not found: ID.`` for a file the caller cannot see.
"""

from __future__ import annotations

import gspread
import pytest
import requests
from sheets_emulator import EmulatorServer
from sheets_emulator.access import (
    MISSING_MESSAGE,
    PERMISSION_DENIED_MESSAGE,
    UNAUTHENTICATED_MESSAGE,
)

from agent.sheets.client import make_client
from tests.conftest import UNPACED
from tests.emulator.helpers import api_error

ALICE, BOB = "alice@example.test", "bob@proj-b.iam.gserviceaccount.com"


@pytest.fixture
def strict(emulator: EmulatorServer) -> EmulatorServer:
    emulator.register_tokens({"tok-alice": ALICE, "tok-bob": BOB})
    requests.put(
        f"{emulator.url}/_emulator/access", json={"strict": True}, timeout=5
    ).raise_for_status()
    return emulator


def _client(emulator: EmulatorServer, token: str) -> gspread.Client:
    return make_client(user=token, token=token, emulator_host=emulator.host_port, **UNPACED)


def test_unknown_token_is_googles_401(strict: EmulatorServer) -> None:
    status, message, error = api_error(lambda: _client(strict, "tok-nobody").create("x"))
    assert (status, message, error["status"]) == (401, UNAUTHENTICATED_MESSAGE, "UNAUTHENTICATED")


def test_missing_token_is_googles_401(strict: EmulatorServer) -> None:
    answer = requests.get(f"{strict.url}/v4/spreadsheets/abc", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == MISSING_MESSAGE
    assert answer.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"


def test_revoked_token_is_401(strict: EmulatorServer) -> None:
    alice = _client(strict, "tok-alice")
    sheet = alice.create("mine")
    strict.register_tokens({"tok-alice": None})
    status, _, _ = api_error(lambda: alice.open_by_key(sheet.id))
    assert status == 401


def test_unshared_spreadsheet_is_403_until_shared(strict: EmulatorServer) -> None:
    alice, bob = _client(strict, "tok-alice"), _client(strict, "tok-bob")
    sheet = alice.create("alice's")
    sheet.sheet1.update([["hello"]], "A1")
    try:
        bob.open_by_key(sheet.id)
    except PermissionError as exc:  # gspread turns Google's 403 into PermissionError
        assert isinstance(exc.__cause__, gspread.exceptions.APIError)
        assert exc.__cause__.error["message"] == PERMISSION_DENIED_MESSAGE
        assert exc.__cause__.error["status"] == "PERMISSION_DENIED"
    else:
        raise AssertionError("bob opened a spreadsheet nobody shared with him")
    sheet.share(BOB, perm_type="user", role="writer", notify=False)
    assert bob.open_by_key(sheet.id).sheet1.acell("A1").value == "hello"
    emails = {p.get("id") for p in sheet.list_permissions()}
    assert len(emails) == 2, "the owner and bob"


def test_drive_hides_files_the_caller_cannot_see(strict: EmulatorServer) -> None:
    sheet = _client(strict, "tok-alice").create("private")
    answer = requests.get(
        f"{strict.url}/drive/v3/files/{sheet.id}",
        headers={"Authorization": "Bearer tok-bob"},
        timeout=5,
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"File not found: {sheet.id}."


def test_share_validates_the_permission(strict: EmulatorServer) -> None:
    sheet = _client(strict, "tok-alice").create("x")
    answer = requests.post(
        f"{strict.url}/drive/v3/files/{sheet.id}/permissions",
        headers={"Authorization": "Bearer tok-alice"},
        json={"type": "user", "role": "boss", "emailAddress": BOB},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"]["errors"][0]["reason"] == "invalid"


def test_without_strict_mode_everyone_sees_everything(emulator: EmulatorServer) -> None:
    sheet = _client(emulator, "whoever").create("open")
    assert _client(emulator, "anyone-else").open_by_key(sheet.id).id == sheet.id


def test_quota_is_counted_per_project(strict: EmulatorServer) -> None:
    strict.configure(quota=True, per_user_per_minute=3, per_project_per_minute=4)
    strict.register_tokens(
        {
            "a1": "a1@proj-a.iam.gserviceaccount.com",
            "a2": "a2@proj-a.iam.gserviceaccount.com",
            "b1": "b1@proj-b.iam.gserviceaccount.com",
        }
    )
    requests.put(f"{strict.url}/_emulator/access", json={"strict": False}, timeout=5)
    sheet_id = _client(strict, "tok-alice").create("q").id
    strict.reset(stats_only=True)

    def read(token: str) -> int:
        return requests.get(
            f"{strict.url}/v4/spreadsheets/{sheet_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).status_code

    assert [read("a1") for _ in range(3)] == [200, 200, 200]
    assert read("a1") == 429, "a1's own per-user limit"
    assert read("a2") == 200
    assert read("a2") == 429, "proj-a's per-project limit (4) is reached"
    assert [read("b1") for _ in range(3)] == [200, 200, 200], "proj-b counts apart"
    usage = strict.stats()["quota"]["usage"]["projects"]
    assert usage == {"proj-a:read": 4, "proj-b:read": 3}
