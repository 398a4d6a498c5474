"""Failures by kind: what went wrong with a task, and what the agent should do about it.

:func:`classify_task_failure` is pure: it reads an exception (and what it wraps) and returns a
:class:`TaskFailure` with an :class:`ErrorClass` and a :class:`Disposition`. Transport, 5xx,
429 and bot-check markers come from :func:`agent.sources.failures.classify_failure` (the same
rules as expansion); the "unavailable" classes are recognised from the reasons yt-dlp's
YouTube extractor raises (``yt_dlp/extractor/youtube/_video.py``: the ``playabilityStatus``
reason and subreason, ``_is_agegated``'s markers, ``raise_geo_restricted``'s
``GeoRestrictedError``, the rate-limit and captcha hints it appends).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from agent.errors import AgentError
from agent.net.refusals import find_refusal
from agent.sources.failures import classify_failure, clean_reason, exception_chain


class ErrorClass(str, enum.Enum):
    """The class written to the ``Error Class`` column of Tasks DLQ."""

    REFUSED = "refused"  # the address guard refused a hop (agent.net): never retried
    PRIVATE = "private"
    REMOVED = "removed"
    MEMBERS_ONLY = "members_only"
    AGE_RESTRICTED = "age_restricted"
    GEO_BLOCKED = "geo_blocked"
    UPCOMING = "upcoming"
    BOT_CHECK = "bot_check"
    RATE_LIMITED = "rate_limited"
    NETWORK = "network"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    EXTRACTOR = "extractor"  # yt-dlp failed otherwise (unsupported URL, 404, no formats...)
    CALLBACK = "callback"  # the callback's own exception


class Disposition(str, enum.Enum):
    """What the loop does with the task."""

    DEAD_LETTER = "dead_letter"  # to Tasks DLQ now, whatever the attempts left
    RELEASE = "release"  # back to PENDING without counting an attempt
    RETRY = "retry"  # an attempt counts; retried after a backoff, DLQ after MAX_ATTEMPTS


UNAVAILABLE = frozenset(
    {
        ErrorClass.PRIVATE,
        ErrorClass.REMOVED,
        ErrorClass.MEMBERS_ONLY,
        ErrorClass.AGE_RESTRICTED,
        ErrorClass.GEO_BLOCKED,
    }
)
#: Classes that mean YouTube is pushing back on this IP or account: the whole fleet cools down.
FLEET_COOLDOWN = frozenset({ErrorClass.BOT_CHECK, ErrorClass.RATE_LIMITED})

_DISPOSITION = {
    **dict.fromkeys(UNAVAILABLE, Disposition.DEAD_LETTER),
    ErrorClass.REFUSED: Disposition.DEAD_LETTER,
    ErrorClass.UPCOMING: Disposition.RELEASE,
    ErrorClass.BOT_CHECK: Disposition.RELEASE,
    ErrorClass.RATE_LIMITED: Disposition.RELEASE,
    ErrorClass.NETWORK: Disposition.RETRY,
    ErrorClass.SERVER_ERROR: Disposition.RETRY,
    ErrorClass.TIMEOUT: Disposition.RETRY,
    ErrorClass.EXTRACTOR: Disposition.RETRY,
    ErrorClass.CALLBACK: Disposition.RETRY,
}

# Markers in yt-dlp's YouTube messages, checked in this order (first match wins). YouTube
# writes "you’re" with a typographic apostrophe; text is normalised to "'" first.
_MARKERS: tuple[tuple[ErrorClass, tuple[str, ...]], ...] = (
    (ErrorClass.BOT_CHECK, ("not a bot", "captcha")),
    (ErrorClass.RATE_LIMITED, ("try again later", "rate-limited", "too many requests")),
    (
        ErrorClass.MEMBERS_ONLY,
        ("members-only", "members only", "channel's members", "join this channel"),
    ),
    (ErrorClass.AGE_RESTRICTED, ("confirm your age", "age-restricted", "inappropriate")),
    (ErrorClass.PRIVATE, ("private video", "video is private")),
    (
        ErrorClass.GEO_BLOCKED,
        ("not made this video available in your country", "geo restriction", "in your country"),
    ),
    (
        ErrorClass.UPCOMING,
        ("live event will begin", "premieres in", "this live event will", "is upcoming"),
    ),
    (
        ErrorClass.REMOVED,
        (
            "removed by the uploader",
            "has been removed",
            "account associated with this video has been terminated",
            "no longer available",
            "video unavailable",
            "this video is unavailable",
            "copyright claim",
        ),
    ),
)
_SOURCE_CATEGORY = {
    "bot_check": ErrorClass.BOT_CHECK,
    "rate_limited": ErrorClass.RATE_LIMITED,
    "too_many_requests": ErrorClass.RATE_LIMITED,
    "server_error": ErrorClass.SERVER_ERROR,
    "transport": ErrorClass.NETWORK,
}


class TaskTimeoutError(AgentError):
    """A callback ran past ``TASK_TIMEOUT_SECONDS`` and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"callback still running after TASK_TIMEOUT_SECONDS={seconds:g}; stopped")
        self.seconds = seconds


@dataclass(frozen=True)
class TaskFailure:
    """A classified failure: its class, what to do, and the reason for the Error column."""

    error_class: ErrorClass
    reason: str

    @property
    def disposition(self) -> Disposition:
        """Dead letter, release without an attempt, or retry counting one."""
        return _DISPOSITION[self.error_class]

    @property
    def counts_attempt(self) -> bool:
        """True when this failure uses up one of the task's ``MAX_ATTEMPTS``."""
        return self.disposition is Disposition.RETRY

    @property
    def fleet_cooldown(self) -> bool:
        """True when every agent should pause (YouTube is checking this IP or account)."""
        return self.error_class in FLEET_COOLDOWN


def _from_ytdlp(exc: BaseException) -> bool:
    """True when yt-dlp (or the network under it) raised, rather than the callback's code."""
    from yt_dlp.utils import YoutubeDLError

    return any(isinstance(e, (YoutubeDLError, OSError)) for e in exception_chain(exc))


def _geo_error(exc: BaseException) -> bool:
    from yt_dlp.utils import GeoRestrictedError

    return any(isinstance(e, GeoRestrictedError) for e in exception_chain(exc))


def message_class(text: str) -> ErrorClass | None:
    """The unavailable/rate-limit class a yt-dlp message names, if any (pure text rules)."""
    lowered = text.lower().replace("\u2019", "'")
    for error_class, markers in _MARKERS:
        if any(marker in lowered for marker in markers):
            return error_class
    return None


def _warnings(exc: BaseException) -> str:
    """yt-dlp's warnings kept on the exceptions of the chain (see ``params.open_ydl``)."""
    kept: list[str] = []
    for e in exception_chain(exc):
        kept.extend(str(w) for w in getattr(e, "ytdlp_warnings", ()) or ())
    return "\n".join(kept)


def _from_warnings(text: str) -> ErrorClass | None:
    """A rate limit, bot check, 5xx or transport failure that yt-dlp only warned about."""
    if not text:
        return None
    by_text = message_class(text)
    if by_text in (ErrorClass.BOT_CHECK, ErrorClass.RATE_LIMITED):
        return by_text
    return _SOURCE_CATEGORY.get(classify_failure("", RuntimeError(text)).category)


def classify_task_failure(exc: BaseException) -> TaskFailure:
    """Classify what a callback raised (or a :class:`TaskTimeoutError`).

    When yt-dlp's own error names no cause ("Failed to extract any player response"), the
    warnings it logged before (kept by :func:`agent.ytdlp.params.open_ydl`) are read too.
    """
    if isinstance(exc, TaskTimeoutError):
        return TaskFailure(ErrorClass.TIMEOUT, clean_reason(str(exc)))
    already = getattr(exc, "failure", None)  # classified in a child process (deadline.py)
    if isinstance(already, TaskFailure):
        return already
    refusal = find_refusal(exc)
    if refusal is not None:
        return TaskFailure(ErrorClass.REFUSED, clean_reason(refusal.reason))
    if not _from_ytdlp(exc):
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return TaskFailure(ErrorClass.CALLBACK, clean_reason(text))
    source = classify_failure("", exc)
    reason = source.reason
    if _geo_error(exc):
        return TaskFailure(ErrorClass.GEO_BLOCKED, reason)
    texts = " | ".join(str(e) for e in exception_chain(exc))
    by_text = message_class(texts)
    by_transport = _SOURCE_CATEGORY.get(source.category)
    if by_text in (ErrorClass.BOT_CHECK, ErrorClass.RATE_LIMITED):
        return TaskFailure(by_text, reason)
    if by_transport is not None:
        return TaskFailure(by_transport, reason)
    if by_text is not None:
        return TaskFailure(by_text, reason)
    warned = _from_warnings(_warnings(exc))
    if warned is not None:
        first = next((w for w in _warnings(exc).splitlines() if w.strip()), "")
        return TaskFailure(warned, clean_reason(f"{reason} (after: {first})"))
    return TaskFailure(ErrorClass.EXTRACTOR, reason)
