"""The exception family: everything raised on purpose derives from :class:`AgentError`."""

from __future__ import annotations


class AgentError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(AgentError):
    """A setting is missing or has a bad value; ``variable`` names it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class AuthError(ConfigError):
    """Google refused the credentials (a token endpoint's refusal, or the API's 401).

    A configuration problem: ``variable`` names the setting that supplies the credentials.
    """


class SchemaError(AgentError):
    """A tab or header the agent needs is missing, renamed or ambiguous."""

    def __init__(self, tab: str, problem: str) -> None:
        super().__init__(f"tab {tab!r}: {problem}")
        self.tab = tab
        self.problem = problem


class SheetsError(AgentError):
    """A Sheets API call failed; ``status`` is the HTTP status (0 when none arrived)."""

    def __init__(self, message: str, *, status: int = 0, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class AmbiguousWriteError(SheetsError):
    """A write may or may not have been applied (timeout, 5xx, cut connection)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message, status=status, retryable=True)


class QuotaExceededError(SheetsError):
    """Google answered 429 and the retry budget ran out."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message, status=429, retryable=True)
        self.retry_after_s = retry_after_s


class SourceError(AgentError):
    """A source URL cannot be expanded; ``reason`` is yt-dlp's (or our) explanation."""

    def __init__(self, url: str, reason: str, *, retry_later: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retry_later = retry_later


class InvalidUrlError(SourceError):
    """A URL was rejected by validation; ``code`` is the machine-readable reason."""

    def __init__(self, url: str, code: str, reason: str) -> None:
        super().__init__(url, reason)
        self.code = code


class RefusedUrlError(SourceError):
    """A URL (a source's or a task's) that the agent refuses to fetch, at any hop.

    Its address is private, loopback, link-local or a metadata host (``reason`` says which, e.g.
    ``refused: private address 169.254.169.254 (cloud metadata)``), or a task's URL does not
    match its row. Never retried: a refused source goes to Sources DLQ, a refused task to Tasks
    DLQ at once, with ``error_class``.
    """

    error_class = "refused"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, retry_later=False)
