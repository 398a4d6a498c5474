"""Credential files of every kind google-auth reads, each pointing at the local token server.

Each writer returns the file's path (mode 0600) and whatever secret must never be printed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.auth.tokenserver import GCLOUD_SCOPES, KeyPair, TokenServer

PROJECT = "orc-tests"
POOL_AUDIENCE = (
    "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/orc/providers/ci"
)
IDP_ISSUER = "https://idp.example.test"
PRINCIPAL_PREFIX = "principal://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/orc/subject/"


@dataclass(frozen=True)
class CredentialFile:
    """A written credential file, the account it signs in as, and its secrets."""

    path: Path
    account: str
    secrets: tuple[str, ...]


def _write(path: Path, info: dict[str, Any]) -> Path:
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return path


def service_account_key(
    folder: Path,
    tokens: TokenServer,
    name: str = "agent",
    *,
    registered: bool = True,
    project: str = PROJECT,
) -> CredentialFile:
    """A service-account JSON key whose ``token_uri`` is the local token server."""
    key = KeyPair.generate()
    email = f"{name}@{project}.iam.gserviceaccount.com"
    if registered:
        tokens.add_service_account(email, key)
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": f"kid-{name}",
        "private_key": key.pem,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": tokens.token_uri,
    }
    return CredentialFile(_write(folder / f"{name}.json", info), email, (key.secret_body,))


#: ``gcloud auth application-default login --scopes=`` as README "Sign-in" D says.
README_ADC_SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets https://www.googleapis.com/auth/cloud-platform"
)


def _user_info(tokens: TokenServer, account: str, scopes: str) -> tuple[dict[str, Any], str]:
    client_id, client_secret = "cid-adc.apps.example.test", "GOCSPX-adc-secret-value"
    refresh = tokens.add_user(account, client_id, client_secret, scopes=scopes)
    info = {
        "type": "authorized_user",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh,
    }
    return info, client_secret


def authorized_user(
    folder: Path, tokens: TokenServer, account: str, *, scopes: str = README_ADC_SCOPES
) -> CredentialFile:
    """What ``gcloud auth application-default login`` writes, refresh token included.

    No ``token_uri``: google-auth sends these refreshes to Google's fixed endpoint, which the
    ``tokens`` fixture reaches through its proxy.
    """
    info, client_secret = _user_info(tokens, account, scopes)
    info["quota_project_id"] = f"{PROJECT}-people"
    secrets = (str(info["refresh_token"]), client_secret)
    return CredentialFile(_write(folder / "adc-user.json", info), account, secrets)


def external_account(
    folder: Path, tokens: TokenServer, subject: str, *, impersonate: str | None = None
) -> CredentialFile:
    """A workload identity federation config whose subject token is an OIDC JWT in a file."""
    idp = KeyPair.generate()
    tokens.add_identity_provider(IDP_ISSUER, idp, PRINCIPAL_PREFIX)
    now = int(time.time())
    subject_token = idp.sign_jwt(
        {"iss": IDP_ISSUER, "sub": subject, "aud": POOL_AUDIENCE, "iat": now, "exp": now + 3600}
    )
    token_file = folder / "oidc-token.jwt"
    token_file.write_text(subject_token, encoding="utf-8")
    info: dict[str, Any] = {
        "type": "external_account",
        "audience": POOL_AUDIENCE,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": tokens.sts_url,
        "credential_source": {"file": str(token_file)},
    }
    account = PRINCIPAL_PREFIX + subject
    if impersonate is not None:
        info["service_account_impersonation_url"] = tokens.iam_url(impersonate)
        tokens.allow_impersonation(account, impersonate)
        account = impersonate
    return CredentialFile(
        _write(folder / "external.json", info), account, (subject_token.split(".")[2],)
    )


def impersonated_adc(folder: Path, tokens: TokenServer, person: str, target: str) -> CredentialFile:
    """What ``gcloud auth application-default login --impersonate-service-account`` writes."""
    source, client_secret = _user_info(tokens, person, GCLOUD_SCOPES)
    tokens.allow_impersonation(person, target)
    info = {
        "type": "impersonated_service_account",
        "service_account_impersonation_url": (
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
            f"{target}:generateAccessToken"
        ),
        "source_credentials": source,
        "delegates": [],
    }
    return CredentialFile(
        _write(folder / "adc-impersonated.json", info),
        target,
        (source["refresh_token"], client_secret),
    )


def oauth_client(folder: Path, tokens: TokenServer, account: str) -> CredentialFile:
    """A Desktop-app OAuth client file (what the Cloud console downloads) for ``account``."""
    client_id, client_secret = "cid-desktop.apps.example.test", "GOCSPX-desktop-secret"
    tokens.set_oauth_client(account, client_id, client_secret)
    info = {
        "installed": {
            "client_id": client_id,
            "client_secret": client_secret,
            "project_id": PROJECT,
            "auth_uri": f"{tokens.url}/auth",
            "token_uri": tokens.token_uri,
            "redirect_uris": ["http://localhost"],
        }
    }
    return CredentialFile(_write(folder / "client_secret.json", info), account, (client_secret,))
