"""Turn yt-dlp's processed (flat) result into an :class:`Expansion`.

Nested playlists (a channel root is a playlist of tab playlists) are walked depth first;
placeholders of private, deleted and members-only videos are skipped and counted; the filters of
:class:`ExpandOptions` apply; each video appears once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from agent.errors import InvalidUrlError
from agent.schema import fit_cell
from agent.sources.model import Expansion, VideoEntry
from agent.sources.options import ExpandOptions
from agent.sources.urls import SourceRef, classify_url, is_video_id, video_key, watch_url

_PLACEHOLDERS = {
    "[private video]": "private",
    "[deleted video]": "deleted",
    "[unavailable video]": "unavailable",
}
_AVAILABILITY = {
    "private": "private",
    "needs_auth": "needs_auth",
    "subscriber_only": "members_only",
    "premium_only": "premium_only",
}
_STREAM_STATUSES = frozenset({"is_live", "was_live", "post_live"})
_MAX_DEPTH = 8


class Collector:
    """Accumulates the entries of one source, applying the filters as they arrive."""

    def __init__(self, ref: SourceRef, options: ExpandOptions) -> None:
        self.options = options
        self.expansion = Expansion(source=ref, title="")
        self._seen: set[str] = set()
        self._title_re = re.compile(options.title_regex) if options.title_regex else None

    def walk(self, info: Mapping[str, Any] | None, tab: str | None = None, depth: int = 0) -> None:
        """Walk one processed result (a playlist, possibly nested, or a single entry)."""
        if info is None:
            self.expansion.total_seen += 1
            self.expansion.skip("unavailable")
            return
        if info.get("_type") in ("playlist", "multi_video") and depth < _MAX_DEPTH:
            tab = tab_of(info) or tab
            for entry in _entries(info):
                self.walk(entry, tab, depth + 1)
            return
        self._leaf(info, tab)

    def _leaf(self, entry: Mapping[str, Any], tab: str | None) -> None:
        self.expansion.total_seen += 1
        reason = self._rejection(entry, tab)
        if reason is not None:
            self.expansion.skip(reason)
            return
        key = video_key(entry)
        assert key is not None  # checked by _rejection
        self.expansion.entries.append(
            VideoEntry(
                video_key=key,
                url=entry_url(entry, key),
                title=entry_title(entry),
                duration_s=duration_of(entry),
                tab=tab,
            )
        )

    def _rejection(self, entry: Mapping[str, Any], tab: str | None) -> str | None:
        """Why ``entry`` is left out, or None to keep it. Marks its key as seen."""
        reason = unavailable_reason(entry)
        if reason is not None:
            return reason
        if is_list_reference(entry):
            return "nested_playlist"
        key = video_key(entry)
        if key is None:
            return "no_key"
        if key in self._seen:
            return "duplicate"
        self._seen.add(key)
        return self._filtered(entry, tab)

    def _filtered(self, entry: Mapping[str, Any], tab: str | None) -> str | None:
        options = self.options
        if entry.get("live_status") == "is_upcoming":
            return "upcoming"
        if not options.include_shorts and is_short(entry, tab):
            return "shorts"
        if not options.include_streams and is_stream(entry, tab):
            return "streams"
        if self._title_re is not None and not self._title_re.search(entry_title(entry)):
            return "title_filter"
        if self._too_short_or_long(duration_of(entry)):
            return "duration_filter"
        if options.max_entries and len(self.expansion.entries) >= options.max_entries:
            return "max_entries"
        return None

    def _too_short_or_long(self, duration: float | None) -> bool:
        low, high = self.options.min_duration_s, self.options.max_duration_s
        if duration is None:
            return False
        return (low is not None and duration < low) or (high is not None and duration > high)


def _entries(info: Mapping[str, Any]) -> Iterable[Mapping[str, Any] | None]:
    entries = info.get("entries") or ()
    return [e if isinstance(e, Mapping) else None for e in entries]


def tab_of(info: Mapping[str, Any]) -> str | None:
    """The YouTube channel tab a (tab) playlist comes from, from its URL."""
    for field in ("webpage_url", "original_url", "url"):
        value = info.get(field)
        if not isinstance(value, str):
            continue
        try:
            ref = classify_url(value)
        except InvalidUrlError:
            continue
        if ref.kind == "channel" and ref.channel_tab:
            return ref.channel_tab
    return None


def unavailable_reason(entry: Mapping[str, Any]) -> str | None:
    """``private``/``deleted``/``members_only``... for a placeholder entry, else None."""
    title = entry.get("title")
    if isinstance(title, str) and title.strip().lower() in _PLACEHOLDERS:
        return _PLACEHOLDERS[title.strip().lower()]
    availability = entry.get("availability")
    if isinstance(availability, str):
        return _AVAILABILITY.get(availability)
    return None


def is_list_reference(entry: Mapping[str, Any]) -> bool:
    """True for a flat reference to a YouTube playlist or channel (not to a video)."""
    if entry.get("_type") not in ("url", "url_transparent"):
        return False
    if entry.get("ie_key") == "YoutubeTab":
        return True
    try:
        ref = classify_url(str(entry.get("url") or ""))
    except InvalidUrlError:
        return False
    return ref.kind in ("playlist", "channel") and ref.video_id is None


def is_short(entry: Mapping[str, Any], tab: str | None) -> bool:
    """A YouTube Short: from the Shorts tab, or listed with a ``/shorts/`` URL."""
    return tab == "shorts" or "/shorts/" in str(entry.get("url") or "")


def is_stream(entry: Mapping[str, Any], tab: str | None) -> bool:
    """A live stream, current or past: from the streams tab, or by its ``live_status``."""
    return tab == "streams" or entry.get("live_status") in _STREAM_STATUSES


def entry_url(entry: Mapping[str, Any], key: str) -> str:
    """The canonical watch URL for YouTube, else the entry's own URL (unsmuggled)."""
    from yt_dlp.utils import unsmuggle_url

    if is_video_id(key):
        return watch_url(key)
    for field in ("url", "webpage_url", "original_url"):
        value = entry.get(field)
        if isinstance(value, str) and value:
            return fit_cell(unsmuggle_url(value)[0])
    return key.removeprefix("url:")


def entry_title(entry: Mapping[str, Any]) -> str:
    """The literal title ("" when unknown), capped at one cell."""
    title = entry.get("title")
    return fit_cell(title) if isinstance(title, str) else ""


def duration_of(entry: Mapping[str, Any]) -> float | None:
    """The duration in seconds, when yt-dlp knows it."""
    value = entry.get("duration")
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number >= 0 else None
    return None
