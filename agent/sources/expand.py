"""Expand one source URL into its videos with yt-dlp (flat extraction, no download).

- a single YouTube video yields one entry built from its id, without any request;
- a playlist (``watch?v=…&list=…`` included) is read as the playlist;
- a channel root is read over the tabs of ``options.channel_tabs`` (videos, shorts, streams):
  when all three are wanted yt-dlp reads the root (a playlist of tab playlists, flattened here),
  otherwise each wanted tab is read on its own and a missing tab is only an error when no
  wanted tab exists;
- anything else (policy ``any``) is handed to yt-dlp as is (e.g. a page of embeds, an RSS feed).

Failures raise :class:`~agent.sources.failures.ExpansionError` (a ``SourceError``):
``retry_later`` for bot checks, rate limits and transport errors, otherwise a dead letter with
yt-dlp's reason. An invalid URL raises :class:`~agent.errors.InvalidUrlError`; a URL whose
address the guard refuses (at any hop) raises :class:`~agent.errors.RefusedUrlError`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from agent.errors import RefusedUrlError, SourceError
from agent.net.refusals import find_refusal
from agent.schema import fit_cell
from agent.sources.failures import ExpansionError, classify_failure, permanent
from agent.sources.flatten import Collector, entry_title
from agent.sources.model import Expansion, VideoEntry
from agent.sources.options import ExpandOptions
from agent.sources.rescan import extract_until_known
from agent.sources.urls import CHANNEL_TABS, SourceRef, classify_url, watch_url
from agent.sources.ytdlp import extract_flat, open_session

__all__ = ["ExpandOptions", "Expansion", "VideoEntry", "expand_source"]

_log = logging.getLogger(__name__)
_USER_FILTERS = ("shorts", "streams", "title_filter", "duration_filter")
_Result = tuple[str | None, Mapping[str, Any] | None]


def expand_source(url: str, options: ExpandOptions | None = None) -> Expansion:
    """Expand ``url`` into the videos it lists, filtered as ``options`` say.

    Raises :class:`~agent.errors.InvalidUrlError` for a URL the policy rejects and
    :class:`~agent.sources.failures.ExpansionError` (``retry_later`` or not) when yt-dlp fails
    or finds no videos at all.
    """
    options = options or ExpandOptions()
    ref = classify_url(url, options.policy)
    if ref.kind == "video" and ref.video_id:
        return _single_video(ref, ref.video_id)
    results = _extract(ref, options)
    collector = Collector(ref, options)
    for tab, info in results:
        collector.walk(info, tab)
    expansion = collector.expansion
    expansion.title = _source_title(ref, results)
    _check_not_empty(expansion)
    return expansion


def _single_video(ref: SourceRef, video_id: str) -> Expansion:
    """One entry built from the id: no request, so single-video sources work offline."""
    entry = VideoEntry(video_key=video_id, url=watch_url(video_id), title="")
    return Expansion(source=ref, title=f"Video {video_id}", entries=[entry], total_seen=1)


def _extract(ref: SourceRef, options: ExpandOptions) -> list[_Result]:
    with open_session(options) as ydl:
        if ref.kind == "channel" and ref.channel_tab is None:
            tabs = options.wanted_tabs
            if not tabs:
                raise permanent(ref.url, "CHANNEL_TABS and INCLUDE_* leave no tab to read")
            # A rescan reads each tab on its own, so that each stops at its own known videos.
            if set(tabs) != set(CHANNEL_TABS) or options.rescanning:
                return _extract_tabs(ydl, ref, tabs, options)
        return [(ref.channel_tab, _extract_one(ydl, ref.url, ref.url, options))]


def _extract_one(
    ydl: Any, source_url: str, url: str, options: ExpandOptions
) -> Mapping[str, Any] | None:
    from yt_dlp.utils import YoutubeDLError

    try:
        if options.rescanning and options.known is not None:
            return extract_until_known(
                ydl, url, options.known, options.stop_after_known, extract_flat
            )
        return extract_flat(ydl, url)
    except (YoutubeDLError, OSError) as exc:
        raise _refused_or(source_url, exc) from exc
    except Exception as exc:  # a yt-dlp bug on an odd page must not stop the leader
        _log.warning("yt-dlp failed unexpectedly on %s", url, exc_info=True)
        raise _refused_or(source_url, exc) from exc


def _refused_or(source_url: str, exc: BaseException) -> SourceError:
    """The guard's refusal (a dead letter, never retried) if it caused ``exc``, else its class."""
    refusal = find_refusal(exc)
    if refusal is not None:
        return RefusedUrlError(source_url, refusal.reason)
    return classify_failure(source_url, exc)


def _extract_tabs(
    ydl: Any, ref: SourceRef, tabs: tuple[str, ...], options: ExpandOptions
) -> list[_Result]:
    """Read each wanted tab; a missing tab is skipped unless every wanted tab is missing."""
    results: list[_Result] = []
    missing: list[str] = []
    for tab in tabs:
        try:
            results.append((tab, _extract_one(ydl, ref.url, f"{ref.url}/{tab}", options)))
        except ExpansionError as exc:
            if exc.retry_later or "does not have a" not in exc.reason:
                raise
            missing.append(exc.reason)
    if not results:
        raise permanent(ref.url, "; ".join(missing))
    return results


def _source_title(ref: SourceRef, results: list[_Result]) -> str:
    """The source's name: the playlist title, or the channel's name for a channel."""
    for _, info in results:
        if not info:
            continue
        if ref.kind == "channel":
            name = info.get("channel") or info.get("uploader")
            if isinstance(name, str) and name:
                return fit_cell(name)
            title = entry_title(info)
            if len(results) > 1 or ref.channel_tab:
                title = title.rpartition(" - ")[0] or title
            if title:
                return title
        title = entry_title(info)
        if title:
            return title
    return fit_cell(ref.url)


def _check_not_empty(expansion: Expansion) -> None:
    """No videos at all is a dead letter, unless the user's own filters removed them."""
    if expansion.entries or any(expansion.skipped.get(r) for r in _USER_FILTERS):
        return
    counts = ", ".join(f"{n} {reason}" for reason, n in sorted(expansion.skipped.items()))
    raise permanent(expansion.source.url, "no videos found" + (f" ({counts})" if counts else ""))
