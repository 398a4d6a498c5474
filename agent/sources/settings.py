"""Per-source settings: the optional columns of a Sources row, parsed and validated (pure).

DESIGN section 9 names them: ``Handler``, ``Title Regex``, ``Min Duration``, ``Max Duration``,
``Max Entries``, ``Shorts``, ``Streams``, ``Rescan Hours``, ``Priority`` (Portuguese headers in
:data:`agent.schema.SOURCE_SETTING_COLUMNS`). A blank or absent cell means "the global setting".
:func:`parse_source_settings` raises :class:`SourceSettingsError` naming the column (in the
tab's language) and what is wrong; :meth:`SourceSettings.apply` lays the settings over the
global :class:`~agent.sources.options.ExpandOptions`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.errors import AgentError
from agent.schema import SOURCE_SETTING_COLUMNS, Language
from agent.sources.options import ExpandOptions

#: Names a Handler cell may use instead of ``module:function``: the built-in handlers.
BUILTIN_HANDLERS = ("noop", "metadata", "download", "subtitles", "audio")
PRIORITY_RANGE = (-1000, 1000)
_HANDLER = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_TRUE = {"true", "yes", "y", "on", "1", "sim", "s", "verdadeiro"}
_FALSE = {"false", "no", "n", "off", "0", "não", "nao", "falso"}
_COLUMNS = {c.key: c for c in SOURCE_SETTING_COLUMNS}


class SourceSettingsError(AgentError):
    """A per-source cell is invalid; ``column`` is its header, ``problem`` what is wrong."""

    def __init__(self, column: str, problem: str) -> None:
        super().__init__(f"column {column!r}: {problem}")
        self.column = column
        self.problem = problem


@dataclass(frozen=True)
class SourceSettings:
    """What one source overrides; ``None`` keeps the global setting."""

    handler: str | None = None  # "module:function"
    title_regex: str | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    max_entries: int | None = None
    shorts: bool | None = None
    streams: bool | None = None
    rescan_hours: float | None = None
    priority: int = 0

    def apply(self, options: ExpandOptions) -> ExpandOptions:
        """``options`` with this source's overrides."""
        changes: dict[str, Any] = {}
        if self.title_regex is not None:
            changes["title_regex"] = self.title_regex
        if self.min_duration_s is not None:
            changes["min_duration_s"] = self.min_duration_s
        if self.max_duration_s is not None:
            changes["max_duration_s"] = self.max_duration_s
        if self.max_entries is not None:
            changes["max_entries"] = self.max_entries
        if self.shorts is not None:
            changes["include_shorts"] = self.shorts
        if self.streams is not None:
            changes["include_streams"] = self.streams
        return dataclasses.replace(options, **changes) if changes else options

    def rescan_after_h(self, global_hours: float) -> float:
        """Hours between rescans of this source (0: a one-shot source)."""
        return global_hours if self.rescan_hours is None else self.rescan_hours


def parse_source_settings(cells: Mapping[str, str], language: Language = "en") -> SourceSettings:
    """Parse a Sources row's optional cells (keyed by column key, e.g. ``"min_duration"``).

    Raises :class:`SourceSettingsError` for the first invalid cell, naming its header.
    """
    values = {k: str(v).strip() for k, v in cells.items() if k in _COLUMNS and str(v).strip()}

    def header(key: str) -> str:
        return _COLUMNS[key].header(language)

    parsed = SourceSettings(
        handler=_handler(values.get("handler"), header("handler")),
        title_regex=_regex(values.get("title_regex"), header("title_regex")),
        min_duration_s=_duration(values.get("min_duration"), header("min_duration")),
        max_duration_s=_duration(values.get("max_duration"), header("max_duration")),
        max_entries=_count(values.get("max_entries"), header("max_entries")),
        shorts=_flag(values.get("shorts"), header("shorts")),
        streams=_flag(values.get("streams"), header("streams")),
        rescan_hours=_hours(values.get("rescan_hours"), header("rescan_hours")),
        priority=_priority(values.get("priority"), header("priority")),
    )
    low, high = parsed.min_duration_s, parsed.max_duration_s
    if low is not None and high is not None and low > high:
        raise SourceSettingsError(header("max_duration"), f"is less than {header('min_duration')}")
    return parsed


def _handler(text: str | None, column: str) -> str | None:
    if text is None:
        return None
    if text in BUILTIN_HANDLERS:
        return f"agent.handlers:{text}"
    if not _HANDLER.match(text):
        names = ", ".join(BUILTIN_HANDLERS)
        raise SourceSettingsError(
            column, f"{text[:100]!r} is not module:function or one of {names}"
        )
    return text


def _regex(text: str | None, column: str) -> str | None:
    if text is None:
        return None
    try:
        re.compile(text)
    except re.error as exc:
        raise SourceSettingsError(column, f"is not a valid regular expression ({exc})") from None
    return text


def _duration(text: str | None, column: str) -> float | None:
    """Seconds, or yt-dlp's forms: ``1:30``, ``1:02:03``, ``90s``, ``5m``, ``1h30m``."""
    if text is None:
        return None
    from yt_dlp.utils import parse_duration

    try:
        seconds = float(text)
    except ValueError:
        seconds = parse_duration(text)
    if seconds is None or seconds < 0:
        raise SourceSettingsError(column, f"{text[:50]!r} is not a duration such as 90, 1:30 or 5m")
    return float(seconds)


def _count(text: str | None, column: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise SourceSettingsError(column, f"{text[:50]!r} is not a whole number (0: no limit)")
    return int(text)


def _flag(text: str | None, column: str) -> bool | None:
    if text is None:
        return None
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SourceSettingsError(column, f"{text[:50]!r} is not yes/no (true/false, sim/não)")


def _hours(text: str | None, column: str) -> float | None:
    if text is None:
        return None
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24 * 365:
        raise SourceSettingsError(column, f"{text[:50]!r} is not a number of hours (0: no rescans)")
    return hours


def _priority(text: str | None, column: str) -> int:
    if text is None:
        return 0
    low, high = PRIORITY_RANGE
    try:
        value = int(text)
    except ValueError:
        value = high + 1
    if not low <= value <= high:
        raise SourceSettingsError(
            column, f"{text[:50]!r} is not a whole number from {low} to {high}"
        )
    return value
