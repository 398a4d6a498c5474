"""Every way of signing in, through google-auth's real code, against a token server on 127.0.0.1.

Each case writes the credential file a person or a platform would have (its token endpoint
pointing at the local token server), shares a spreadsheet with the account, runs ``orc status``
as a process, and checks that the emulator counted the requests against that account (the
quota identity) and that the token the agent used carries the ``spreadsheets`` scope only.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from sheets_emulator import EmulatorServer

from agent.sheets.auth import SCOPES
from tests.auth import creds
from tests.auth.conftest import OrcRunner, Run, SheetFactory
from tests.auth.tokenserver import IAM_SCOPE, TokenServer

SHEETS_SCOPE = SCOPES[0]
HERE = Path(__file__).resolve().parent


def _accounts(emulator: EmulatorServer) -> dict[str, Any]:
    users: dict[str, Any] = emulator.stats()["accounts"]
    return users


def _ok(result: Run, *secrets: str) -> None:
    assert result.code == 0, result
    assert "Workers" in result.out or "workers" in result.out.lower(), result.out
    for secret in secrets:
        assert secret not in result.everything


def _final_scope(tokens: TokenServer, account: str) -> str:
    issued = tokens.issued_to(account)
    assert issued, f"no token was issued to {account}"
    return issued[-1].scope


def test_service_account_key_file(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    key = creds.service_account_key(tmp_path, tokens)
    sheet = shared_sheet(key.account)
    result = orc(
        "status",
        env={
            "AUTH_MODE": "service_account",
            "SERVICE_ACCOUNT_FILE": str(key.path),
            "SPREADSHEET_ID": sheet,
        },
    )
    _ok(result, *key.secrets)
    assert key.account in _accounts(strict)
    assert _final_scope(tokens, key.account) == SHEETS_SCOPE
    assert tokens.issued_to(key.account)[0].grant == "jwt-bearer"


def test_adc_service_account_file(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    key = creds.service_account_key(tmp_path, tokens)
    sheet = shared_sheet(key.account)
    env = {
        "AUTH_MODE": "adc",
        "GOOGLE_APPLICATION_CREDENTIALS": str(key.path),
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env), *key.secrets)
    assert key.account in _accounts(strict)
    assert _final_scope(tokens, key.account) == SHEETS_SCOPE


def test_adc_authorized_user_with_quota_project(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    person = "ana@example.test"
    user = creds.authorized_user(tmp_path, tokens, person)
    sheet = shared_sheet(person)
    strict.configure(quota=True)
    env = {
        "AUTH_MODE": "adc",
        "GOOGLE_APPLICATION_CREDENTIALS": str(user.path),
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env), *user.secrets)
    assert person in _accounts(strict)
    assert tokens.issued_to(person)[0].grant == "refresh_token"
    projects = strict.stats()["quota"]["usage"]["projects"]
    assert any(name.startswith("orc-tests-people:") for name in projects), projects


def test_adc_impersonated_service_account_from_gcloud(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    target = f"sheets-writer@{creds.PROJECT}.iam.gserviceaccount.com"
    config = creds.impersonated_adc(tmp_path, tokens, "dev@example.test", target)
    sheet = shared_sheet(target)
    env = {
        "AUTH_MODE": "adc",
        "GOOGLE_APPLICATION_CREDENTIALS": str(config.path),
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env), *config.secrets)
    assert target in _accounts(strict) and "dev@example.test" not in _accounts(strict)
    (issued,) = tokens.issued_to(target)
    assert issued.grant == "impersonation" and issued.scope == SHEETS_SCOPE


def test_adc_external_account_workload_identity_federation(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    config = creds.external_account(tmp_path, tokens, "ci-runner-7")
    sheet = shared_sheet(config.account)
    env = {
        "AUTH_MODE": "adc",
        "GOOGLE_APPLICATION_CREDENTIALS": str(config.path),
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env), *config.secrets)
    assert config.account in _accounts(strict)
    (issued,) = tokens.issued_to(config.account)
    assert issued.grant == "token-exchange" and issued.scope == SHEETS_SCOPE


def test_adc_external_account_impersonating_a_service_account(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    target = f"sheets-writer@{creds.PROJECT}.iam.gserviceaccount.com"
    config = creds.external_account(tmp_path, tokens, "ci-runner-8", impersonate=target)
    sheet = shared_sheet(target)
    env = {
        "AUTH_MODE": "adc",
        "GOOGLE_APPLICATION_CREDENTIALS": str(config.path),
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env), *config.secrets)
    assert target in _accounts(strict)
    assert not any(name.startswith("principal://") for name in _accounts(strict))
    (issued,) = tokens.issued_to(target)
    assert issued.grant == "impersonation" and issued.scope == SHEETS_SCOPE


def test_service_account_key_impersonating_another(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    source = creds.service_account_key(tmp_path, tokens, "deployer")
    target = f"sheets-writer@{creds.PROJECT}.iam.gserviceaccount.com"
    tokens.allow_impersonation(source.account, target)
    sheet = shared_sheet(target)  # only the target is shared: the source has no access
    env = {
        "SERVICE_ACCOUNT_FILE": str(source.path),
        "AUTH_MODE": "service_account",
        "IMPERSONATE_SERVICE_ACCOUNT": target,
        "IMPERSONATION_URL": tokens.iam_url(target),
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env), *source.secrets)
    assert target in _accounts(strict) and source.account not in _accounts(strict)
    assert _final_scope(tokens, target) == SHEETS_SCOPE
    assert _final_scope(tokens, source.account) == IAM_SCOPE, "the source only calls IAM"


def test_metadata_server_gce_gke_cloud_run(
    tokens: TokenServer, shared_sheet: SheetFactory, orc: OrcRunner, strict: EmulatorServer
) -> None:
    tokens.metadata_account = f"gke-agent@{creds.PROJECT}.iam.gserviceaccount.com"
    sheet = shared_sheet(tokens.metadata_account)
    env = {
        "AUTH_MODE": "adc",
        "GCE_METADATA_HOST": tokens.host_port,
        "GCE_METADATA_IP": tokens.host_port,
        "SPREADSHEET_ID": sheet,
    }
    _ok(orc("status", env=env))
    assert tokens.metadata_account in _accounts(strict)
    assert _final_scope(tokens, tokens.metadata_account) == SHEETS_SCOPE


def test_a_persons_own_account_through_gspreads_oauth_flow(
    tokens: TokenServer,
    shared_sheet: SheetFactory,
    orc: OrcRunner,
    strict: EmulatorServer,
    tmp_path: Path,
) -> None:
    person = "bea@example.test"
    client = creds.oauth_client(tmp_path, tokens, person)
    sheet = shared_sheet(person)
    token_file = tmp_path / "signed-in" / "authorized_user.json"
    env = {
        "AUTH_MODE": "oauth",
        "OAUTH_CLIENT_FILE": str(client.path),
        "OAUTH_TOKEN_FILE": str(token_file),
        "SPREADSHEET_ID": sheet,
        "BROWSER": f"{sys.executable} {HERE / 'browser.py'} %s",
        # oauthlib refuses plain-http token endpoints unless told this is a test.
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }
    first = orc("status", env=env)
    _ok(first, *client.secrets)
    assert tokens.issued_to(person)[0].grant == "authorization_code"
    assert token_file.exists() and stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "refresh_token" in token_file.read_text(encoding="utf-8")

    tokens.oauth_user = None  # no browser this time: the saved sign-in is used
    second = orc("status", env=env)
    _ok(second, *client.secrets)
    assert [i.grant for i in tokens.issued_to(person)] == ["authorization_code", "refresh_token"]
    assert person in _accounts(strict)


@pytest.mark.parametrize("variable", ["SERVICE_ACCOUNT_FILE", "OAUTH_CLIENT_FILE"])
def test_mode_is_detected_from_the_settings(
    variable: str, tokens: TokenServer, shared_sheet: SheetFactory, orc: OrcRunner, tmp_path: Path
) -> None:
    from agent.sheets.auth import AuthSettings, resolve_mode

    path = tmp_path / "x.json"
    settings = AuthSettings(**{variable.lower(): path})  # type: ignore[arg-type]
    assert resolve_mode(settings, emulator=False) == (
        "service_account" if variable == "SERVICE_ACCOUNT_FILE" else "oauth"
    )
    assert resolve_mode(AuthSettings(), emulator=False) == "adc"
    assert resolve_mode(AuthSettings(), emulator=True) is None
    assert resolve_mode(AuthSettings(mode="adc"), emulator=True) == "adc"
