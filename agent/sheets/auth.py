"""Signing in: which Google credentials the agent uses, built by google-auth's own code.

``AUTH_MODE`` picks one (or it is detected, in this order):

* ``service_account``: a key file, ``SERVICE_ACCOUNT_FILE`` (detected when that is set);
* ``oauth``: a person's own account through gspread's OAuth flow: the OAuth client file
  ``OAUTH_CLIENT_FILE`` and the saved sign-in ``OAUTH_TOKEN_FILE`` (detected when the client
  file is set);
* ``adc``: Application Default Credentials (``google.auth.default``): the file named by
  ``GOOGLE_APPLICATION_CREDENTIALS`` (``service_account``, ``authorized_user`` from
  ``gcloud auth application-default login``, ``external_account`` for workload identity
  federation, ``impersonated_service_account``), gcloud's own ADC file, or the metadata server
  of GCE, GKE and Cloud Run (the default when nothing else is set).

With ``SHEETS_EMULATOR_HOST`` set and no ``AUTH_MODE``, no credentials are used at all; with
both, the real credentials are used against the emulator (the tests do this). Every mode asks
for the ``spreadsheets`` scope only. ``IMPERSONATE_SERVICE_ACCOUNT`` turns any of them into the
source of short-lived tokens for another service account (``IMPERSONATION_URL`` overrides the
IAM Credentials endpoint, e.g. a regional one).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agent.errors import AuthError, ConfigError

#: Least privilege: the agent reads and writes spreadsheets it was shared on, nothing in Drive.
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
AuthMode = Literal["service_account", "adc", "oauth"]
ADC_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"


@dataclass(frozen=True)
class AuthSettings:
    """The settings that choose and locate credentials (a subset of :class:`agent.Config`)."""

    mode: AuthMode | None = None
    service_account_file: Path | None = None
    application_credentials: Path | None = None
    oauth_client_file: Path | None = None
    oauth_token_file: Path | None = None
    impersonate: str | None = None
    impersonation_url: str | None = None

    @classmethod
    def from_config(cls, config: Any) -> AuthSettings:
        """The auth settings of an :class:`agent.Config`."""
        return cls(
            mode=config.auth_mode,
            service_account_file=config.service_account_file,
            application_credentials=config.google_application_credentials,
            oauth_client_file=config.oauth_client_file,
            oauth_token_file=config.oauth_token_file,
            impersonate=config.impersonate_service_account,
            impersonation_url=config.impersonation_url,
        )


@dataclass(frozen=True)
class SignIn:
    """Credentials ready for requests; ``variable`` names the setting they come from."""

    mode: AuthMode
    credentials: Any
    variable: str

    @property
    def account(self) -> str | None:
        """The service account's address when the credentials know it (not for people)."""
        email = getattr(self.credentials, "service_account_email", None)
        return email if isinstance(email, str) and "@" in email else None


def resolve_mode(settings: AuthSettings, *, emulator: bool) -> AuthMode | None:
    """The mode in use; None for the emulator without credentials."""
    if settings.mode is not None:
        return settings.mode
    if emulator:
        return None
    if settings.service_account_file is not None:
        return "service_account"
    if settings.oauth_client_file is not None:
        return "oauth"
    return "adc"


def sign_in(settings: AuthSettings, *, emulator: bool = False) -> SignIn | None:
    """Credentials for ``settings`` (no network yet), or None for the emulator without them."""
    mode = resolve_mode(settings, emulator=emulator)
    if mode is None:
        return None
    if mode == "service_account":
        if settings.service_account_file is None:
            raise ConfigError("SERVICE_ACCOUNT_FILE", "is required when AUTH_MODE=service_account")
        signed = SignIn(
            mode, load_service_account(settings.service_account_file), "SERVICE_ACCOUNT_FILE"
        )
    elif mode == "oauth":
        signed = SignIn(mode, _oauth(settings), "OAUTH_TOKEN_FILE")
    else:
        signed = SignIn(mode, _adc(settings.application_credentials), ADC_VARIABLE)
    if settings.impersonate:
        return _impersonating(signed, settings.impersonate, settings.impersonation_url)
    return signed


def _impersonating(source: SignIn, target: str, url: str | None) -> SignIn:
    """``source`` used only to mint short-lived tokens of ``target`` (IAM Credentials API).

    google-auth re-scopes the source to the IAM scope; the token the agent sends carries the
    ``spreadsheets`` scope only.
    """
    from google.auth import impersonated_credentials

    credentials = impersonated_credentials.Credentials(  # type: ignore[no-untyped-call]
        source_credentials=source.credentials,
        target_principal=target,
        target_scopes=list(SCOPES),
        lifetime=3600,
        iam_endpoint_override=url,
    )
    return SignIn(source.mode, credentials, "IMPERSONATE_SERVICE_ACCOUNT")


def load_service_account(path: Path) -> Any:
    """Service-account credentials with the least scope, or a ConfigError naming the problem."""
    from google.oauth2.service_account import Credentials

    info = _json_file("SERVICE_ACCOUNT_FILE", path)
    if info.get("type") != "service_account":
        raise ConfigError(
            "SERVICE_ACCOUNT_FILE",
            f'file {str(path)!r} is not a service-account key ("type" must be "service_account")',
        )
    try:
        return Credentials.from_service_account_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
    except (ValueError, KeyError) as exc:
        raise ConfigError(
            "SERVICE_ACCOUNT_FILE", f"file {str(path)!r} is not a usable key ({exc})"
        ) from None


def _adc(path: Path | None) -> Any:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    # google.auth.default warns when it finds no project ID; the agent needs none (the
    # spreadsheet is named by SPREADSHEET_ID), so that warning is only noise in orc's output.
    quiet = logging.getLogger("google.auth._default")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        if path is not None and os.environ.get(ADC_VARIABLE) != str(path):
            # Set in a .env file, so not in the environment google.auth.default reads.
            _json_file(ADC_VARIABLE, path)
            credentials, _ = google.auth.load_credentials_from_file(  # type: ignore[no-untyped-call]
                str(path), scopes=list(SCOPES)
            )
        else:
            if path is not None:
                _json_file(ADC_VARIABLE, path)
            credentials, _ = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as exc:
        raise ConfigError(ADC_VARIABLE, _adc_problem(exc)) from None
    finally:
        quiet.setLevel(level)
    return credentials


def _adc_problem(exc: Exception) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    if "default credentials were not found" in text or "Could not automatically" in text:
        return (
            "no Application Default Credentials found (set GOOGLE_APPLICATION_CREDENTIALS, "
            "run `gcloud auth application-default login`, run on GCE/GKE/Cloud Run, or set "
            "SERVICE_ACCOUNT_FILE or AUTH_MODE)"
        )
    cause = exc.args[1] if len(exc.args) > 1 else None
    detail = f" ({type(cause).__name__}: {cause})" if isinstance(cause, Exception) else ""
    return f"{text}{detail}"


def _oauth(settings: AuthSettings) -> Any:
    import gspread
    from gspread.auth import DEFAULT_AUTHORIZED_USER_FILENAME, DEFAULT_CREDENTIALS_FILENAME

    token_file = settings.oauth_token_file or DEFAULT_AUTHORIZED_USER_FILENAME
    client_file = settings.oauth_client_file or DEFAULT_CREDENTIALS_FILENAME
    if token_file.exists():
        info = _json_file("OAUTH_TOKEN_FILE", token_file)
        if info.get("type", "authorized_user") != "authorized_user":
            raise ConfigError(
                "OAUTH_TOKEN_FILE", f"file {str(token_file)!r} is not a saved user sign-in"
            )
    else:
        config = _json_file("OAUTH_CLIENT_FILE", client_file)
        if not ({"installed", "web"} & set(config)):
            raise ConfigError(
                "OAUTH_CLIENT_FILE",
                f"file {str(client_file)!r} is not an OAuth client file (Desktop app JSON)",
            )
    try:
        client = gspread.oauth(
            scopes=list(SCOPES),
            credentials_filename=client_file,
            authorized_user_filename=token_file,
        )
    except ValueError as exc:
        raise ConfigError("OAUTH_TOKEN_FILE", f"cannot be used ({exc})") from None
    except Exception as exc:  # the browser sign-in failed or was refused
        raise AuthError(
            "OAUTH_CLIENT_FILE", f"the sign-in did not complete ({_reason(exc)})"
        ) from None
    token_file.chmod(0o600)  # it holds a refresh token: a password
    return client.http_client.auth


def _json_file(variable: str, path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or a ConfigError that names the file and never its bytes."""
    if not path.exists():
        raise ConfigError(variable, f"file {str(path)!r} does not exist")
    if not path.is_file():
        raise ConfigError(variable, f"{str(path)!r} is not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(variable, f"file {str(path)!r} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(variable, f"file {str(path)!r} is not JSON (not UTF-8 text)") from None
    try:
        info = json.loads(text)
    except ValueError:
        raise ConfigError(variable, f"file {str(path)!r} is not JSON") from None
    if not isinstance(info, dict):
        raise ConfigError(variable, f"file {str(path)!r} is not a JSON object")
    return info


def refresh_failure(exc: Exception, sign: SignIn | None) -> AuthError:
    """An :class:`AuthError` for a token endpoint's refusal, naming the setting at fault."""
    variable = sign.variable if sign is not None else "credentials"
    reason = _reason(exc)
    hint = ""
    if variable == "OAUTH_TOKEN_FILE" and reason.startswith("invalid_grant"):
        hint = "; delete the file and run any orc command to sign in again"
    return AuthError(variable, f"the token endpoint refused these credentials ({reason}){hint}")


def _reason(exc: Exception) -> str:
    """The error code and description an OAuth server sent, never the request that was sent."""
    from agent.logs import redact

    for arg in exc.args:
        if isinstance(arg, dict) and arg.get("error"):
            description = arg.get("error_description") or ""
            return redact(f"{arg['error']}: {description}".rstrip(": "))
    first = str(exc.args[0]) if exc.args else type(exc).__name__
    return redact(first.splitlines()[0][:300])
