"""The chaos handler: the logging test handler, plus videos that always fail.

``tests.coordination.handlers.logged`` logs start and end, sleeps ``HANDLER_SLEEP_S`` and fails
the first attempt of every ``HANDLER_FAIL_EVERY``-th URL (those end in History after a retry).
On top of it, every ``CHAOS_BROKEN_EVERY``-th URL (by another hash) fails on every attempt, so
it reaches ``MAX_ATTEMPTS`` and goes to Tasks DLQ: the person has dead letters to requeue.
"""

from __future__ import annotations

import hashlib
import os

from agent.errors import AgentError
from tests.coordination.handlers import logged


def is_broken(url: str) -> bool:
    """Whether ``url`` fails on every attempt under the current settings."""
    every = int(os.environ.get("CHAOS_BROKEN_EVERY", "0") or 0)
    if every <= 0:
        return False
    digest = int(hashlib.blake2b(url.encode(), digest_size=8).hexdigest(), 16)
    return digest % every == 0


def run(url: str) -> None:
    """Log, sleep, maybe fail once (``logged``); then fail for good if the URL is broken."""
    logged(url)
    if is_broken(url):
        raise AgentError(f"chaos: {url} is broken on purpose")
