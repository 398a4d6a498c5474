"""The one place that builds a gspread client: Google (credentials from :mod:`.auth`) or emulator.

``SHEETS_EMULATOR_HOST=host:port`` routes every request (Sheets and Drive) to the emulator. With
no ``AUTH_MODE`` no credentials are used: the bearer token sent there is
``$SHEETS_EMULATOR_TOKEN`` (default :data:`DEFAULT_EMULATOR_TOKEN`), one for every agent, so that
a fleet is one user for the quota as with one service account; with ``AUTH_MODE`` the real
credentials' tokens are sent. The worker name travels in the User-Agent (``worker/<name>``),
which the emulator uses for its per-client stats and never for quota. Every request is paced by
a token bucket, given a timeout and retried within bounds; writes whose fate is unknown raise
:class:`~agent.errors.AmbiguousWriteError` unless they are idempotent.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gspread
import requests
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import RefreshError
from google.auth.exceptions import TransportError as AuthTransportError
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError

from agent.__about__ import __version__
from agent.errors import AmbiguousWriteError, QuotaExceededError, SheetsError
from agent.sheets.auth import SCOPES, AuthSettings, SignIn, refresh_failure, sign_in
from agent.sheets.auth import load_service_account as load_service_account
from agent.sheets.pacing import TokenBucket, is_critical
from agent.sheets.retry import (
    FailureKind,
    RetryPolicy,
    classify_exception,
    classify_status,
    parse_retry_after,
)

_log = logging.getLogger(__name__)

__all__ = ["SCOPES", "PacedHTTPClient", "load_service_account", "make_client"]

GOOGLE_PREFIXES = ("https://sheets.googleapis.com", "https://www.googleapis.com")
EMULATOR_HOST_VARIABLE = "SHEETS_EMULATOR_HOST"
EMULATOR_TOKEN_VARIABLE = "SHEETS_EMULATOR_TOKEN"  # noqa: S105 (a variable's name)
#: The emulator's bearer token when ``SHEETS_EMULATOR_TOKEN`` is unset: the fleet's one account.
DEFAULT_EMULATOR_TOKEN = "emulator-service-account"  # noqa: S105 (the emulator checks none)

_READ_POST_SUFFIXES = (":batchGetByDataFilter", "developerMetadata:search")
_IDEMPOTENT_WRITE_MARKERS = ("/values:batchUpdate", ":clear", "values:batchClear")


class CallStats:
    """Thread-safe counters of the requests one client made.

    Keys: ``read`` / ``write`` / ``drive`` (attempts sent, by quota), ``http_<status>`` (error
    replies), ``transport_error.<outcome>``, and ``<kind>.http_<status>.<component>`` /
    ``<kind>.transport_error.<component>`` for every reply by quota, status and the part of the
    agent that made the call (:func:`caller_component`; the metrics use these).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def add(self, key: str, n: int = 1) -> None:
        """Add ``n`` to counter ``key``."""
        with self._lock:
            self.counts[key] += n

    def snapshot(self) -> dict[str, int]:
        """A copy of every counter."""
        with self._lock:
            return dict(self.counts)


#: The agent's threads, by name, and the part of the agent each one is.
_COMPONENTS = {"heartbeat": "heartbeat", "leader": "leader", "MainThread": "tasks"}


def caller_component() -> str:
    """``heartbeat``, ``leader``, ``tasks`` (the claim loop) or ``other``: who is calling."""
    return _COMPONENTS.get(threading.current_thread().name, "other")


def request_kind(method: str, url: str) -> str:
    """``read``, ``write`` or ``drive``: which quota a request counts against."""
    if "/drive/" in url:
        return "drive"
    path = url.split("?", 1)[0]
    if method.upper() == "GET" or path.endswith(_READ_POST_SUFFIXES):
        return "read"
    return "write"


def is_idempotent(method: str, url: str) -> bool:
    """Whether repeating the request after an unknown outcome leaves the same state."""
    if method.upper() in {"GET", "DELETE"}:
        return True
    path = url.split("?", 1)[0]
    if method.upper() == "PUT" and "/values/" in path:
        return True  # values.update writes absolute values
    return any(marker in path for marker in _IDEMPOTENT_WRITE_MARKERS)


class PacedHTTPClient(gspread.HTTPClient):
    """gspread's HTTP client, routed, paced, timed out and retried within bounds."""

    def __init__(
        self,
        auth: Any,
        session: requests.Session | None = None,
        *,
        base_url: str | None = None,
        token: str | None = None,
        label: str | None = None,
        read_per_minute: int = 60,
        write_per_minute: int = 60,
        timeout_s: float = 30.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.token = token
        self.label = label
        self.timeout = (min(10.0, timeout_s), timeout_s)
        self.policy = policy or RetryPolicy()
        self.buckets = {
            "read": TokenBucket(read_per_minute),
            "write": TokenBucket(write_per_minute),
            "drive": TokenBucket(max(read_per_minute, write_per_minute)),
        }
        self.stats = CallStats()
        #: How this client signs in (None: the emulator without credentials).
        self.sign_in: SignIn | None = None

    def _route(self, url: str) -> str:
        if self.base_url:
            for prefix in GOOGLE_PREFIXES:
                if url.startswith(prefix):
                    return self.base_url + url[len(prefix) :]
        return url

    def request(
        self,
        method: str,
        endpoint: str,
        params: MutableMapping[str, Any] | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one API request; retry what is safe to retry; raise what is not."""
        kind = request_kind(method, endpoint)
        idempotent = is_idempotent(method, endpoint)
        url = self._route(endpoint)
        send_headers = dict(headers or {})
        if self.token is not None:
            send_headers["Authorization"] = f"Bearer {self.token}"
        if self.label is not None:
            send_headers["User-Agent"] = user_agent(self.label)
        attempt = 0
        while True:
            attempt += 1
            self.buckets[kind].acquire()
            self.stats.add(kind)
            try:
                response = self.session.request(
                    method=method,
                    url=url,
                    json=json,
                    params=params,
                    data=data,
                    files=files,
                    headers=send_headers,
                    timeout=self.timeout,
                )
            except RefreshError as exc:
                if not getattr(exc, "retryable", False) or attempt >= self.policy.max_tries:
                    raise refresh_failure(exc, self.sign_in) from None
                time.sleep(self.policy.delay_s(attempt))
                continue
            except AuthTransportError as exc:  # the token endpoint did not answer
                if attempt >= self.policy.max_tries:
                    raise SheetsError(
                        f"token endpoint unreachable: {exc}", retryable=True
                    ) from None
                time.sleep(self.policy.delay_s(attempt))
                continue
            except requests.RequestException as exc:
                outcome = classify_exception(exc, idempotent=idempotent)
                self.stats.add(f"transport_error.{outcome.value}")
                self.stats.add(f"{kind}.transport_error.{caller_component()}")
                if outcome is FailureKind.AMBIGUOUS:
                    raise AmbiguousWriteError(f"{method} {endpoint}: {type(exc).__name__}") from exc
                if outcome is FailureKind.FATAL or attempt >= self.policy.max_tries:
                    raise SheetsError(
                        f"{method} {endpoint}: {type(exc).__name__}: {exc}", retryable=True
                    ) from exc
                time.sleep(self.policy.delay_s(attempt))
                continue
            self.stats.add(f"{kind}.http_{response.status_code}.{caller_component()}")
            if response.ok:
                return response
            self._handle_error(response, method, endpoint, attempt, kind, idempotent)

    def _handle_error(
        self,
        response: requests.Response,
        method: str,
        endpoint: str,
        attempt: int,
        kind: str,
        idempotent: bool,
    ) -> None:
        status = response.status_code
        self.stats.add(f"http_{status}")
        if status == 429:  # one line per refusal: the chaos report counts them by purpose
            _log.info(
                "quota: HTTP 429 on %s %s (%s, %s lane)",
                kind,
                method,
                threading.current_thread().name,
                "critical" if is_critical() else "ordinary",
            )
        outcome = classify_status(status, idempotent=idempotent)
        if outcome is FailureKind.FATAL:
            raise APIError(response)
        if outcome is FailureKind.AMBIGUOUS:
            raise AmbiguousWriteError(f"{method} {endpoint}: HTTP {status}", status=status)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if attempt >= self.policy.max_tries:
            if status == 429:
                raise QuotaExceededError(
                    f"{method} {endpoint}: quota exceeded after {attempt} tries",
                    retry_after_s=retry_after,
                )
            raise SheetsError(f"{method} {endpoint}: HTTP {status}", status=status, retryable=True)
        delay = self.policy.delay_s(attempt, retry_after)
        if status == 429:
            self.buckets[kind].penalise(delay)
        else:
            time.sleep(delay)


def user_agent(worker: str) -> str:
    """The agent's User-Agent, naming the worker (``worker/<name>``, URL-quoted)."""
    return f"yt-gsheet-orchestrator/{__version__} worker/{quote(worker, safe='')}"


def emulator_token() -> str:
    """The bearer token for the emulator: ``$SHEETS_EMULATOR_TOKEN`` or the shared default."""
    return os.environ.get(EMULATOR_TOKEN_VARIABLE) or DEFAULT_EMULATOR_TOKEN


def emulator_base_url(host: str) -> str:
    """The base URL for an emulator at ``host:port``."""
    return host if host.startswith(("http://", "https://")) else f"http://{host}"


def make_client(
    *,
    user: str,
    emulator_host: str | None = None,
    service_account_file: Path | None = None,
    auth: AuthSettings | None = None,
    read_per_minute: int = 60,
    write_per_minute: int = 60,
    timeout_s: float = 30.0,
    policy: RetryPolicy | None = None,
    token: str | None = None,
) -> gspread.Client:
    """A gspread client for the emulator (when ``emulator_host`` is set) or for Google.

    ``emulator_host`` defaults to ``$SHEETS_EMULATOR_HOST``; ``user`` (the worker name) goes
    in the User-Agent; ``auth`` chooses the credentials (:mod:`agent.sheets.auth`; without it,
    ``service_account_file`` is the key); ``token`` (emulator without credentials only)
    defaults to :func:`emulator_token`.
    """
    emulator_host = emulator_host or os.environ.get(EMULATOR_HOST_VARIABLE) or None
    settings = auth or AuthSettings(service_account_file=service_account_file)
    signed = sign_in(settings, emulator=emulator_host is not None)
    session: requests.Session | None = None
    if signed is None:
        credentials: Any = AnonymousCredentials()  # type: ignore[no-untyped-call]
        # Nothing to refresh without credentials: a 401 from the emulator is the answer.
        session = AuthorizedSession(credentials, refresh_status_codes=())  # type: ignore[no-untyped-call]
    else:
        credentials = signed.credentials
    client = gspread.Client(credentials)
    client.http_client = PacedHTTPClient(
        credentials,
        session,
        base_url=emulator_base_url(emulator_host) if emulator_host else None,
        token=(token or emulator_token()) if signed is None else None,
        label=user,
        read_per_minute=read_per_minute,
        write_per_minute=write_per_minute,
        timeout_s=timeout_s,
        policy=policy,
    )
    client.http_client.sign_in = signed
    return client


def readable_by_others(path: Path) -> bool:
    """Whether group or others may read ``path`` (a key file should be 0600)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))
