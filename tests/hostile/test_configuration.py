"""Careless configuration: one line naming the variable, exit code 2, no credential printed.

Here the "spreadsheet not shared with the account" case is served by a tiny local HTTP server
that answers Google's 403 envelope, reached the same way the emulator is
(SHEETS_EMULATOR_HOST); tests/auth/test_refusals.py does it with real credentials against the
emulator's strict access mode.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.sheets.gateway import SheetsGateway
from tests.hostile.conftest import OrcResult, OrcRunner
from tests.sources.helpers import LocalSite, Route

SECRET = "TOPSECRETKEYMATERIAL"
PRIVATE_KEY = f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n"
KEY = {
    "type": "service_account",
    "project_id": "p",
    "private_key_id": "0123456789abcdef" + SECRET,
    "private_key": PRIVATE_KEY,
    "client_email": "agent@p.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}


def _key_file(tmp_path: Path, content: str | bytes, mode: int = 0o600) -> Path:
    path = tmp_path / "key.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    path.chmod(mode)
    return path


def _one_line_exit_2(result: OrcResult, *words: str) -> str:
    """The single line printed; checks exit 2, the words in it, and no credential anywhere."""
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result.err_lines
    (line,) = result.err_lines
    for word in words:
        assert word in line, line
    everything = result.out + result.err
    assert SECRET not in everything and "PRIVATE KEY" not in everything
    return line


def _with_key(path: Path) -> dict[str, str]:
    return {"SPREADSHEET_ID": "1AbC", "SERVICE_ACCOUNT_FILE": str(path)}


@pytest.mark.parametrize("command", [["status"], ["run", "--burst"], ["init"]])
def test_key_file_missing(command: list[str], orc: OrcRunner, tmp_path: Path) -> None:
    result = orc(*command, env=_with_key(tmp_path / "nowhere.json"))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "does not exist")


def test_key_file_unreadable(orc: OrcRunner, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root reads any file whatever its mode: use one that fails to read
        path = Path("/proc/self/mem")
    else:
        path = _key_file(tmp_path, json.dumps(KEY), mode=0)
    result = orc("status", env=_with_key(path))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "cannot be read")


def test_key_file_is_a_directory(orc: OrcRunner, tmp_path: Path) -> None:
    result = orc("status", env=_with_key(tmp_path))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "not a file")


def test_key_file_not_json(orc: OrcRunner, tmp_path: Path) -> None:
    result = orc("status", env=_with_key(_key_file(tmp_path, "type = service_account\n")))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "not JSON")


def test_key_file_not_text(orc: OrcRunner, tmp_path: Path) -> None:
    garbage = b"\xff\xfe\x00\x81" + SECRET.encode() + b"\xc3\x28"
    result = orc("status", env=_with_key(_key_file(tmp_path, garbage)))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "not JSON")


def test_key_file_wrong_type(orc: OrcRunner, tmp_path: Path) -> None:
    user_credentials = {"type": "authorized_user", "client_secret": SECRET, "refresh_token": "r"}
    result = orc("status", env=_with_key(_key_file(tmp_path, json.dumps(user_credentials))))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "not a service-account key")


def test_key_file_with_a_broken_private_key(orc: OrcRunner, tmp_path: Path) -> None:
    result = orc("status", env=_with_key(_key_file(tmp_path, json.dumps(KEY))))
    _one_line_exit_2(result, "SERVICE_ACCOUNT_FILE", "not a usable key")


def test_key_file_readable_by_others_is_warned_about(orc: OrcRunner, tmp_path: Path) -> None:
    path = _key_file(tmp_path, json.dumps(KEY), mode=0o644)
    result = orc("status", env=_with_key(path))
    assert result.code == 2
    assert any(
        "readable by other users" in line and "chmod 600" in line for line in result.err_lines
    )
    assert SECRET not in result.err + result.out
    assert stat.S_IMODE(path.stat().st_mode) == 0o644, "the agent reports; it does not chmod"


@pytest.mark.parametrize(
    "command", [["status"], ["run", "--burst"], ["add-source", "https://youtu.be/dQw4w9WgXcQ"]]
)
def test_wrong_spreadsheet_id(command: list[str], orc: OrcRunner) -> None:
    result = orc(*command, env={"SPREADSHEET_ID": "no-such-spreadsheet"})
    _one_line_exit_2(result, "SPREADSHEET_ID", "not found")


@pytest.fixture
def forbidding_google() -> Iterator[LocalSite]:
    """A local server that answers every spreadsheet request with Google's 403."""
    site = LocalSite()
    envelope = {
        "error": {
            "code": 403,
            "message": "The caller does not have permission",
            "status": "PERMISSION_DENIED",
        }
    }
    site.routes["/v4/spreadsheets/1NotShared"] = Route(
        json.dumps(envelope), content_type="application/json", status=403
    )
    site.start()
    yield site
    site.stop()


@pytest.mark.parametrize("command", [["status"], ["run", "--burst"]])
def test_spreadsheet_not_shared(
    command: list[str], orc: OrcRunner, forbidding_google: LocalSite
) -> None:
    host = f"127.0.0.1:{forbidding_google.port}"
    result = orc(*command, env={"SPREADSHEET_ID": "1NotShared", "SHEETS_EMULATOR_HOST": host})
    _one_line_exit_2(result, "SPREADSHEET_ID", "not shared")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WORKER_NAME", "a|b"),
        ("LEASE_SECONDS", "soon"),
        ("SHEETS_EMULATOR_HOST", "http://x y"),
        ("TASK_HANDLER", "os.system"),
        ("SOURCE_EXTRACTORS", "not a spec"),
    ],
)
def test_bad_setting_names_its_variable(
    variable: str, value: str, orc: OrcRunner, sheet: SheetsGateway
) -> None:
    result = orc("status", env={"SPREADSHEET_ID": sheet.spreadsheet_id, variable: value})
    _one_line_exit_2(result, variable)
