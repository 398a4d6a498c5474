"""Credentials Google refuses, and the one case it must not be noticed: an expired token.

* a token the API does not know (revoked, or never issued by Google) -> 401 UNAUTHENTICATED;
* a refresh token withdrawn, a key deleted -> the token endpoint's ``invalid_grant``;
* a spreadsheet not shared with the account -> 403 PERMISSION_DENIED;

each gives one line naming the setting at fault and exit code 2, from ``orc status``,
``orc check`` and ``orc run``, and never prints the key, the refresh token or a token. An access
token that expired (or was revoked at the API) is refreshed without the caller noticing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sheets_emulator import EmulatorServer

from agent.coordination.enqueue import enqueue_tasks
from agent.sheets.auth import AuthSettings
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from tests.auth import creds
from tests.auth.conftest import UNPACED, OrcRunner, Run, SheetFactory
from tests.auth.tokenserver import TokenServer

HERE = Path(__file__).resolve().parent
COMMANDS = [["status"], ["check"], ["run", "--burst"]]


def _refused(result: Run, secrets: tuple[str, ...], tokens: TokenServer, *words: str) -> str:
    assert result.code == 2, result
    lines = [line for line in result.err.splitlines() if line.startswith("orc:")]
    assert len(lines) == 1, result.err
    for word in words:
        assert word in lines[0], lines[0]
    for secret in (*secrets, *(i.token for i in tokens.issued)):
        assert secret not in result.everything, "a credential was printed"
    assert "PRIVATE KEY" not in result.everything
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_token_is_401_and_a_configuration_error(
    command: list[str],
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    tmp_path: Path,
) -> None:
    key = creds.service_account_key(tmp_path, tokens)
    sheet = shared_sheet(key.account)
    tokens.register_tokens = False  # tokens issued, but not by the API's own issuer
    env = {
        "SERVICE_ACCOUNT_FILE": str(key.path),
        "AUTH_MODE": "service_account",
        "SPREADSHEET_ID": sheet,
    }
    line = _refused(orc(*command, env=env), key.secrets, tokens, "SERVICE_ACCOUNT_FILE", "401")
    assert "UNAUTHENTICATED" in line and key.account in line
    assert len(tokens.issued_to(key.account)) >= 2, "google-auth refreshed before giving up"


@pytest.mark.parametrize("command", COMMANDS)
def test_spreadsheet_not_shared_is_403_naming_the_account(
    command: list[str],
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    tmp_path: Path,
) -> None:
    key = creds.service_account_key(tmp_path, tokens)
    sheet = shared_sheet("someone-else@example.test")
    env = {"SERVICE_ACCOUNT_FILE": str(key.path), "SPREADSHEET_ID": sheet}
    line = _refused(
        orc(*command, env={**env, "AUTH_MODE": "service_account"}),
        key.secrets,
        tokens,
        "SPREADSHEET_ID",
    )
    assert f"not shared with {key.account}" in line


def test_withdrawn_refresh_token_names_the_adc_file(
    tokens: TokenServer, shared_sheet: SheetFactory, orc: OrcRunner, tmp_path: Path
) -> None:
    person = "ana@example.test"
    user = creds.authorized_user(tmp_path, tokens, person)
    sheet = shared_sheet(person)
    tokens.revoke_refresh_token(user.secrets[0])
    env = {
        "AUTH_MODE": "adc",
        "GOOGLE_APPLICATION_CREDENTIALS": str(user.path),
        "SPREADSHEET_ID": sheet,
    }
    line = _refused(orc("status", env=env), user.secrets, tokens, "GOOGLE_APPLICATION_CREDENTIALS")
    assert "invalid_grant" in line and "expired or revoked" in line


def test_withdrawn_oauth_sign_in_says_how_to_sign_in_again(
    tokens: TokenServer, shared_sheet: SheetFactory, orc: OrcRunner, tmp_path: Path
) -> None:
    person = "bea@example.test"
    client = creds.oauth_client(tmp_path, tokens, person)
    token_file = tmp_path / "authorized_user.json"
    env = {
        "AUTH_MODE": "oauth",
        "OAUTH_CLIENT_FILE": str(client.path),
        "OAUTH_TOKEN_FILE": str(token_file),
        "SPREADSHEET_ID": shared_sheet(person),
        "BROWSER": f"{sys.executable} {HERE / 'browser.py'} %s",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }
    assert orc("status", env=env).code == 0
    saved = json.loads(token_file.read_text(encoding="utf-8"))
    tokens.revoke_refresh_token(saved["refresh_token"])  # the person removed the app's access
    line = _refused(
        orc("status", env=env),
        (saved["refresh_token"], *client.secrets),
        tokens,
        "OAUTH_TOKEN_FILE",
        "sign in again",
    )
    assert "invalid_grant" in line


def test_deleted_key_names_the_key_file(
    tokens: TokenServer, shared_sheet: SheetFactory, orc: OrcRunner, tmp_path: Path
) -> None:
    key = creds.service_account_key(tmp_path, tokens, registered=False)
    sheet = shared_sheet(key.account)
    env = {
        "SERVICE_ACCOUNT_FILE": str(key.path),
        "AUTH_MODE": "service_account",
        "SPREADSHEET_ID": sheet,
    }
    line = _refused(orc("status", env=env), key.secrets, tokens, "SERVICE_ACCOUNT_FILE")
    assert "invalid_grant" in line


def test_no_credentials_anywhere_says_where_it_looked(orc: OrcRunner, tokens: TokenServer) -> None:
    result = orc("status", env={"AUTH_MODE": "adc", "SPREADSHEET_ID": "1AbC"})
    line = _refused(
        result,
        (),
        tokens,
        "GOOGLE_APPLICATION_CREDENTIALS",
        "gcloud auth application-default login",
    )
    assert "SERVICE_ACCOUNT_FILE" in line


def test_emulator_without_credentials_in_strict_mode_is_a_clear_401(
    tokens: TokenServer, shared_sheet: SheetFactory, orc: OrcRunner
) -> None:
    result = orc("status", env={"SPREADSHEET_ID": shared_sheet()})
    line = _refused(result, (), tokens, "credentials", "401")
    assert "UNAUTHENTICATED" in line


def _gateway(emulator: EmulatorServer, key: Path, sheet: str) -> SheetsGateway:
    client = make_client(
        user="unused",
        emulator_host=emulator.host_port,
        auth=AuthSettings(mode="service_account", service_account_file=key),
        **UNPACED,
    )
    return SheetsGateway(client, sheet)


def test_token_revoked_at_the_api_is_refreshed_transparently(
    tokens: TokenServer, shared_sheet: SheetFactory, strict: EmulatorServer, tmp_path: Path
) -> None:
    key = creds.service_account_key(tmp_path, tokens)
    gateway = _gateway(strict, key.path, shared_sheet(key.account))
    enqueue_tasks(gateway, [{"url": "https://example.test/a", "video_key": "a"}])
    (first,) = tokens.issued_to(key.account)
    strict.register_tokens({first.token: None})  # revoked (or expired) at the API
    enqueue_tasks(gateway, [{"url": "https://example.test/b", "video_key": "b"}])
    issued = tokens.issued_to(key.account)
    assert len(issued) == 2 and issued[1].token != first.token
    statuses = strict.stats()["responses"]["by_status"]
    assert statuses.get("401") == 1, "one 401, then the refreshed token"


def test_short_lived_tokens_are_renewed_before_they_expire(
    strict: EmulatorServer, shared_sheet: SheetFactory, tmp_path: Path
) -> None:
    with TokenServer(strict.url, expires_in=1) as tokens:
        key = creds.service_account_key(tmp_path, tokens)
        gateway = _gateway(strict, key.path, shared_sheet(key.account))
        before = len(tokens.issued_to(key.account))
        for _ in range(3):
            gateway.refresh()
        assert len(tokens.issued_to(key.account)) >= before + 3
    statuses = strict.stats()["responses"]["by_status"]
    assert "401" not in statuses, "google-auth renewed before sending"
