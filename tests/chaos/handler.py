"""The chaos handler: the logging test handler, plus videos that always fail.

``tests.coordination.handlers.logged`` logs start and end, sleeps ``HANDLER_SLEEP_S`` and fails
the first attempt of every ``HANDLER_FAIL_EVERY``-th URL (those end in History after a retry).
On top of it, every ``CHAOS_BROKEN_EVERY``-th URL (by another hash) fails on every attempt, so
it reaches ``MAX_ATTEMPTS`` and goes to Tasks DLQ: the person has dead letters to requeue.

Classified failures, raised as yt-dlp raises them (``DownloadError`` with the message its
YouTube extractor builds): every ``CHAOS_UNAVAILABLE_EVERY``-th URL is a private video (Tasks
DLQ at attempt 1, ``Error Class`` private); the first run of every ``CHAOS_BOT_CHECK_EVERY``-th
URL meets the bot check (given back without an attempt; the fleet cools down).

Every ``CHAOS_LONG_EVERY``-th URL (by a third hash) is a long download: it sleeps
``CHAOS_LONG_S`` first, longer than ``LEASE_SECONDS``, so the lease must be renewed under it
(the runner sends its SIGTERMs to agents running one).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from yt_dlp.utils import DownloadError

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


def is_unavailable(url: str) -> bool:
    """Whether ``url`` is a private video (dead-lettered at its first attempt)."""
    return _every(url, "CHAOS_UNAVAILABLE_EVERY", b"private")


def _first_bot_check(url: str) -> bool:
    """Whether this run of ``url`` meets the bot check (only its first run does)."""
    if not _every(url, "CHAOS_BOT_CHECK_EVERY", b"botcheck"):
        return False
    marker = Path(os.environ.get("TASK_LOG", "chaos") + ".botcheck")
    seen = set(marker.read_text(encoding="utf-8").split()) if marker.exists() else set()
    if url in seen:
        return False
    with marker.open("a", encoding="utf-8") as handle:
        handle.write(url + "\n")
    return True


def run(url: str) -> None:
    """Log, sleep, maybe fail once (``logged``); then fail for good if the URL is broken."""
    if is_long(url):
        _long(url)
        return
    logged(url)
    if is_unavailable(url):
        raise DownloadError(
            f"ERROR: [youtube] {url[-11:]}: Private video. "
            "Sign in if you've been granted access to this video"
        )
    if _first_bot_check(url):
        raise DownloadError(
            f"ERROR: [youtube] {url[-11:]}: Sign in to confirm you\u2019re not a bot. "
            "Use --cookies-from-browser or --cookies for the authentication."
        )
    if is_broken(url):
        raise AgentError(f"chaos: {url} is broken on purpose")
