"""Classifying Sheets API failures and the bounded, jittered retry policy."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

import requests
from urllib3.exceptions import NewConnectionError

#: HTTP statuses worth another try. 429 was never applied; 5xx may have been.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class FailureKind(Enum):
    """What a failed request means for the caller."""

    RETRY = "retry"  # not applied (or safe to repeat): try again after a pause
    AMBIGUOUS = "ambiguous"  # a write that may have been applied: resolve by reading back
    FATAL = "fatal"  # a client error or a permanent refusal


def classify_status(status: int, *, idempotent: bool) -> FailureKind:
    """The outcome of an HTTP error ``status`` for a request that is (not) ``idempotent``."""
    if status == 429:
        return FailureKind.RETRY
    if status in RETRYABLE_STATUSES:
        return FailureKind.RETRY if idempotent else FailureKind.AMBIGUOUS
    return FailureKind.FATAL


def classify_exception(exc: requests.RequestException, *, idempotent: bool) -> FailureKind:
    """The outcome of a transport failure: only a connection never made is surely unapplied."""
    if isinstance(exc, requests.ConnectTimeout) or _never_connected(exc):
        return FailureKind.RETRY
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return FailureKind.RETRY if idempotent else FailureKind.AMBIGUOUS
    return FailureKind.FATAL


def _never_connected(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, NewConnectionError):
            return True
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException) and _never_connected(arg):
                return True
        current = current.__cause__ or current.__context__
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in tries."""

    max_tries: int = 8
    base_s: float = 0.5
    cap_s: float = 32.0

    def delay_s(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.cap_s, self.base_s * (2 ** (attempt - 1)))
        jittered = random.uniform(ceiling / 2, ceiling)
        if retry_after_s is not None:
            return max(retry_after_s, 0.0) + random.uniform(0, min(1.0, ceiling / 2))
        return jittered


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (only the delta-seconds form is used by Google)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
