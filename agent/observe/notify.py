"""Webhook notifications (``NOTIFY_URL``): one JSON POST per event, never blocking the agent.

:meth:`Notifier.send` only puts the event on a bounded queue; a daemon thread posts it with
``requests``, retried by urllib3's :class:`~urllib3.util.retry.Retry` within fixed bounds
(connection errors and 429/5xx replies, a few tries with back-off). When the queue is full the
event is dropped with a warning: the agent's work always comes first.

The URL may carry a secret (a token in its path or query, a user and password): logs show only
its scheme and host (:func:`safe_url`).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from agent.__about__ import __version__
from agent.clock import utc_iso

log = logging.getLogger(__name__)

QUEUE_SIZE = 100
TIMEOUT_S = (3.05, 10.0)
#: Tries of one event in all, and urllib3's back-off factor (0.5 s, 1 s, 2 s between tries).
TRIES = 4
BACKOFF_S = 0.5


def safe_url(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what a log line may show of it."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


@dataclass(frozen=True)
class Event:
    """One notification: its kind, a one-line summary, and details (plain JSON data)."""

    kind: str
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)


class Notifier:
    """Posts events to one webhook from a background thread."""

    def __init__(
        self,
        url: str,
        *,
        origin: Mapping[str, str],
        on_outcome: Callable[[str, str], None] = lambda kind, outcome: None,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.origin = dict(origin)  # worker and spreadsheet, sent with every event
        self.on_outcome = on_outcome
        self.session = session or _retrying_session()
        self._queue: queue.Queue[Event | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, event: Event) -> None:
        """Queue ``event`` for posting; returns at once."""
        self._ensure_thread()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            log.warning("notification %s dropped: %d are waiting already", event.kind, QUEUE_SIZE)
            self.on_outcome(event.kind, "dropped")

    def close(self, timeout_s: float = 5.0) -> None:
        """Post what is queued (for at most ``timeout_s``), then stop the thread."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        try:
            self._queue.put(None, timeout=timeout_s)
        except queue.Full:
            return
        thread.join(timeout=timeout_s)

    def payload(self, event: Event) -> dict[str, Any]:
        """The JSON body posted for ``event``."""
        return {
            "event": event.kind,
            "text": event.text,
            "time": utc_iso(),
            **self.origin,
            "details": dict(event.details),
            "agent_version": __version__,
        }

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="notify", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            self._post(event)

    def _post(self, event: Event) -> None:
        try:
            reply = self.session.post(self.url, json=self.payload(event), timeout=TIMEOUT_S)
            reply.raise_for_status()
        except requests.RequestException as exc:
            # Never the URL itself, nor the exception text (it quotes the URL).
            log.warning(
                "notification %s to %s failed: %s", event.kind, safe_url(self.url), _why(exc)
            )
            self.on_outcome(event.kind, "failed")
            return
        log.info("notification %s sent to %s", event.kind, safe_url(self.url))
        self.on_outcome(event.kind, "sent")


def _why(exc: requests.RequestException) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    return type(exc).__name__


def _retrying_session() -> requests.Session:
    retry = Retry(
        total=TRIES - 1,
        backoff_factor=BACKOFF_S,
        status_forcelist=(408, 429, 500, 502, 503, 504),
        allowed_methods=frozenset({"POST"}),
        respect_retry_after_header=False,  # bounded: a Retry-After of an hour must not stall
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"yt-gsheet-orchestrator/{__version__}"
    return session
