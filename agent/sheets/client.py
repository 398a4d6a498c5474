"""The one place that builds a gspread client: Google with a service account, or the emulator.

``SHEETS_EMULATOR_HOST=host:port`` routes every request (Sheets and Drive) to the emulator with
no credentials; the agent's worker name travels as the bearer token so that the emulator can
count quota per user. Every request is paced by a token bucket, given a timeout and retried
within bounds; writes whose fate is unknown raise :class:`~agent.errors.AmbiguousWriteError`
unless they are idempotent.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import gspread
import requests
from google.auth.credentials import AnonymousCredentials
from gspread.exceptions import APIError

from agent.errors import AmbiguousWriteError, ConfigError, QuotaExceededError, SheetsError
from agent.sheets.pacing import TokenBucket
from agent.sheets.retry import (
    FailureKind,
    RetryPolicy,
    classify_exception,
    classify_status,
    parse_retry_after,
)

#: Least privilege: the agent reads and writes spreadsheets it was shared on, nothing in Drive.
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
GOOGLE_PREFIXES = ("https://sheets.googleapis.com", "https://www.googleapis.com")
EMULATOR_HOST_VARIABLE = "SHEETS_EMULATOR_HOST"

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
        user: str | None = None,
        read_per_minute: int = 60,
        write_per_minute: int = 60,
        timeout_s: float = 30.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.user = user
        self.timeout = (min(10.0, timeout_s), timeout_s)
        self.policy = policy or RetryPolicy()
        self.buckets = {
            "read": TokenBucket(read_per_minute),
            "write": TokenBucket(write_per_minute),
            "drive": TokenBucket(max(read_per_minute, write_per_minute)),
        }
        self.stats = CallStats()

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
        if self.user is not None:
            send_headers["Authorization"] = f"Bearer {self.user}"
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


def emulator_base_url(host: str) -> str:
    """The base URL for an emulator at ``host:port``."""
    return host if host.startswith(("http://", "https://")) else f"http://{host}"


def make_client(
    *,
    user: str,
    emulator_host: str | None = None,
    service_account_file: Path | None = None,
    read_per_minute: int = 60,
    write_per_minute: int = 60,
    timeout_s: float = 30.0,
    policy: RetryPolicy | None = None,
) -> gspread.Client:
    """A gspread client for the emulator (when ``emulator_host`` is set) or for Google.

    ``emulator_host`` defaults to ``$SHEETS_EMULATOR_HOST``.
    """
    emulator_host = emulator_host or os.environ.get(EMULATOR_HOST_VARIABLE) or None
    if emulator_host:
        credentials: Any = AnonymousCredentials()  # type: ignore[no-untyped-call]
        base_url: str | None = emulator_base_url(emulator_host)
        token_user: str | None = user
    else:
        if service_account_file is None:
            raise ConfigError(
                "SERVICE_ACCOUNT_FILE", "is required unless SHEETS_EMULATOR_HOST is set"
            )
        credentials = load_service_account(service_account_file)
        base_url = None
        token_user = None
    client = gspread.Client(credentials)
    client.http_client = PacedHTTPClient(
        credentials,
        base_url=base_url,
        user=token_user,
        read_per_minute=read_per_minute,
        write_per_minute=write_per_minute,
        timeout_s=timeout_s,
        policy=policy,
    )
    return client


def load_service_account(path: Path) -> Any:
    """Service-account credentials with the least scope, or a ConfigError naming the problem."""
    from google.oauth2.service_account import Credentials

    variable = "SERVICE_ACCOUNT_FILE"
    if not path.exists():
        raise ConfigError(variable, f"file {str(path)!r} does not exist")
    if not path.is_file():
        raise ConfigError(variable, f"{str(path)!r} is not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(variable, f"file {str(path)!r} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:  # a binary file: say so without echoing any of its bytes
        raise ConfigError(variable, f"file {str(path)!r} is not JSON (not UTF-8 text)") from None
    import json

    try:
        info = json.loads(text)
    except ValueError:
        raise ConfigError(variable, f"file {str(path)!r} is not JSON") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(
            variable,
            f'file {str(path)!r} is not a service-account key ("type" must be "service_account")',
        )
    try:
        return Credentials.from_service_account_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
    except (ValueError, KeyError) as exc:
        raise ConfigError(variable, f"file {str(path)!r} is not a usable key ({exc})") from None


def readable_by_others(path: Path) -> bool:
    """Whether group or others may read ``path`` (a key file should be 0600)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))
