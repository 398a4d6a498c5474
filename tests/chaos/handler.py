"""The chaos handler: the logging test handler, plus videos that always fail.

``tests.coordination.handlers.logged`` logs start and end, sleeps ``HANDLER_SLEEP_S`` and fails
the first attempt of every ``HANDLER_FAIL_EVERY``-th URL (those end in History after a retry).
On top of it, every ``CHAOS_BROKEN_EVERY``-th URL (by another hash) fails on every attempt, so
it reaches ``MAX_ATTEMPTS`` and goes to Tasks DLQ: the person has dead letters to requeue.
Every ``CHAOS_LONG_EVERY``-th URL (by a third hash) is a long download: it sleeps
``CHAOS_LONG_S`` first, longer than ``LEASE_SECONDS``, so the lease must be renewed under it
(the runner sends its SIGTERMs to agents running one).
"""

from __future__ import annotations

import hashlib
import os
import time

from agent.errors import AgentError
from tests.coordination.handlers import _log, logged


def _long(url: str) -> None:
    _log("start", url)
    time.sleep(float(os.environ.get("CHAOS_LONG_S", "0") or 0))
    _log("end", url)


def _every(url: str, variable: str, salt: bytes, every: int | None = None) -> bool:
    if every is None:
        every = int(os.environ.get(variable, "0") or 0)
    if every <= 0:
        return False
    digest = int(hashlib.blake2b(url.encode(), digest_size=8, salt=salt).hexdigest(), 16)
    return digest % every == 0


def is_broken(url: str) -> bool:
    """Whether ``url`` fails on every attempt under the current settings."""
    return _every(url, "CHAOS_BROKEN_EVERY", b"")


def is_long(url: str, every: int | None = None) -> bool:
    """Whether ``url`` is a long download (``CHAOS_LONG_S``): one in ``every`` (default:
    ``$CHAOS_LONG_EVERY``, as the agents see it)."""
    return _every(url, "CHAOS_LONG_EVERY", b"long", every)


def run(url: str) -> None:
    """Log, sleep, maybe fail once (``logged``); then fail for good if the URL is broken."""
    if is_long(url):
        _long(url)
        return
    logged(url)
    if is_broken(url):
        raise AgentError(f"chaos: {url} is broken on purpose")
