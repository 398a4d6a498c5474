"""Error classification: is a failed expansion worth retrying later, or a dead letter?

yt-dlp wraps every extractor failure in ``DownloadError("ERROR: [ie] id: message")`` whose
``exc_info`` holds the innermost cause (``HTTPError``, ``TransportError``, ``ExtractorError``...).
:func:`classify_failure` walks that chain (``exc_info``, ``cause``, ``__cause__``,
``__context__``) and its messages, and returns a :class:`ExpansionError` (a ``SourceError``):

- ``retry_later=True``: YouTube's bot check ("Sign in to confirm you're not a bot", captcha),
  rate limits ("HTTP Error 429", "Too Many Requests", "This content isn't available, try again
  later"), server errors (5xx) and transport errors (refused, reset, timeouts, DNS). The source
  keeps its attempts; the caller pauses for ``pause_s`` seconds.
- ``retry_later=False``: everything else (unsupported URL, private or removed playlist, unknown
  channel, 404, missing channel tab, no videos): the source goes to the Sources DLQ with
  yt-dlp's reason.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

from agent.errors import SourceError
from agent.schema import fit_cell

#: Categories, with the pause (seconds) suggested before the source is tried again.
PAUSES: dict[str, float] = {
    "bot_check": 3600.0,  # YouTube's IP reputation check; lasts tens of minutes to hours
    "rate_limited": 3600.0,  # "blocked for up to an hour" (yt-dlp wiki)
    "too_many_requests": 600.0,
    "server_error": 120.0,
    "transport": 60.0,
    "permanent": 0.0,
}

_BOT = ("not a bot", "captcha")
_RATE_LIMIT = ("try again later", "rate-limited", "rate limited")
_TOO_MANY = ("http error 429", "too many requests")
_SERVER = re.compile(r"http error 5\d\d")
_TRANSPORT = (
    "connection refused",
    "connection reset",
    "connection aborted",
    "timed out",
    "timeout",
    "temporary failure in name resolution",
    "network is unreachable",
    "remote end closed connection",
    "remotedisconnected",
    "failed to establish a new connection",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BUG_REPORT = re.compile(r";?\s*please report this issue on\b.*$", re.IGNORECASE | re.DOTALL)


class ExpansionError(SourceError):
    """A source could not be expanded. ``category`` is a key of :data:`PAUSES`."""

    def __init__(self, url: str, reason: str, *, category: str) -> None:
        super().__init__(url, reason, retry_later=category != "permanent")
        self.category = category
        self.pause_s = PAUSES.get(category, 0.0)


def classify_failure(url: str, exc: BaseException) -> ExpansionError:
    """Turn an exception raised by yt-dlp into a classified :class:`ExpansionError`."""
    if isinstance(exc, ExpansionError):
        return exc
    from yt_dlp.utils import YoutubeDLError

    chain = list(exception_chain(exc))
    category = _category(chain)
    reason = _message(exc)
    if not isinstance(exc, (YoutubeDLError, OSError)):
        reason = f"yt-dlp failed: {type(exc).__name__}: {exc}"
    return ExpansionError(url, clean_reason(reason), category=category)


def permanent(url: str, reason: str) -> ExpansionError:
    """A dead-letter error with our own reason (e.g. "no videos found")."""
    return ExpansionError(url, clean_reason(reason), category="permanent")


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps, each once."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        exc_info = getattr(current, "exc_info", None)
        inner: list[object] = [getattr(current, "cause", None), current.__cause__]
        if isinstance(exc_info, tuple) and len(exc_info) > 1:
            inner.insert(0, exc_info[1])
        inner.append(current.__context__)
        pending.extend(e for e in inner if isinstance(e, BaseException))


def _category(chain: list[BaseException]) -> str:
    text = " | ".join(_message(e) for e in chain).lower()
    if any(marker in text for marker in _BOT):
        return "bot_check"
    if any(marker in text for marker in _RATE_LIMIT):
        return "rate_limited"
    statuses = {_http_status(e) for e in chain} - {None}
    if 429 in statuses or any(marker in text for marker in _TOO_MANY):
        return "too_many_requests"
    if any(s is not None and s >= 500 for s in statuses) or _SERVER.search(text):
        return "server_error"
    if statuses:  # 4xx other than 429: the page is not there
        return "permanent"
    if any(_is_transport(e) for e in chain) or any(m in text for m in _TRANSPORT):
        return "transport"
    return "permanent"


def _http_status(exc: BaseException) -> int | None:
    from yt_dlp.networking.exceptions import HTTPError

    if isinstance(exc, HTTPError):
        status = getattr(exc, "status", None)
        return status if isinstance(status, int) else None
    return None


def _is_transport(exc: BaseException) -> bool:
    from yt_dlp.networking.exceptions import CertificateVerifyError, TransportError

    if isinstance(exc, CertificateVerifyError):
        return False  # a bad certificate does not heal by waiting
    return isinstance(exc, (TransportError, TimeoutError, ConnectionError, socket.gaierror))


def _message(exc: BaseException) -> str:
    msg = getattr(exc, "msg", None)
    text = msg if isinstance(msg, str) and msg else str(exc)
    return text or type(exc).__name__


def clean_reason(text: str) -> str:
    """yt-dlp's message without colour codes, ``ERROR:`` prefix or bug-report boilerplate."""
    text = _ANSI.sub("", text).strip()
    text = text.removeprefix("ERROR:").strip()
    text = _BUG_REPORT.sub("", text).strip()
    return fit_cell(text or "unknown error")
