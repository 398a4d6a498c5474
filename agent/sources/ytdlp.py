"""The yt-dlp session: its parameters, its logging, its extractors, one flat extraction.

Everything that touches yt-dlp's ``YoutubeDL`` object lives here. Results come out of yt-dlp's
own ``process_ie_result`` (flat: entries stay unresolved ``url`` references, so expanding a
playlist makes no request per video).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent.errors import InvalidUrlError
from agent.sources.options import ExpandOptions
from agent.sources.urls import classify_url

_log = logging.getLogger("agent.sources.ytdlp")

#: Entries fetched beyond MAX_ENTRIES_PER_SOURCE, to make up for placeholders and duplicates.
WINDOW_SLACK = 20
_MAX_HOPS = 4


class _Logger:
    """Routes yt-dlp's output to :mod:`logging`; errors are re-raised, so logged at debug."""

    def debug(self, msg: str) -> None:
        _log.debug("%s", msg)

    def info(self, msg: str) -> None:
        _log.debug("%s", msg)

    def warning(self, msg: str) -> None:
        _log.info("%s", msg)

    def error(self, msg: str) -> None:
        _log.debug("%s", msg)


def ytdlp_params(options: ExpandOptions) -> dict[str, Any]:
    """The ``YoutubeDL`` parameters for a flat, download-free, quiet extraction."""
    params: dict[str, Any] = {
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": _Logger(),
        "skip_download": True,
        "simulate": True,
        "extract_flat": True,
        "ignoreerrors": False,
        "noplaylist": False,
        "lazy_playlist": False,
        "cachedir": False,
        # Nothing is written; a constant template spares yt-dlp formatting a file name for every
        # flat entry (half the time of a 5,000-entry playlist).
        "outtmpl": {"default": "unused"},
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "socket_timeout": options.socket_timeout,
        "sleep_interval_requests": options.sleep_interval_requests or None,
    }
    if options.cookies_file is not None:
        params["cookiefile"] = str(options.cookies_file)
    window = fetch_window(options)
    if window is not None:
        params["playlistend"] = window
    params.update(options.ytdlp_params)
    return params


def fetch_window(options: ExpandOptions) -> int | None:
    """How many entries to ask of each playlist, or None for all of them.

    With a title or duration filter any entry may be the one that matches, so everything is
    read.
    """
    filtered = options.title_regex or options.min_duration_s or options.max_duration_s
    if options.max_entries and not filtered:
        return options.max_entries + WINDOW_SLACK
    return None


@contextmanager
def open_session(options: ExpandOptions) -> Iterator[Any]:
    """A guarded ``YoutubeDL`` (:func:`agent.net.ydl.build_ydl`): ``options.url_guard`` checks
    every connection; ``options.extra_extractors`` are tried before the built-in ones."""
    from agent.net.ydl import build_ydl

    ydl = build_ydl(ytdlp_params(options), options.url_guard, extractors=options.extra_extractors)
    with ydl:
        yield ydl


def extract_flat(ydl: Any, url: str) -> dict[str, Any] | None:
    """Extract ``url`` flat; follow a top-level redirect to another playlist or channel.

    A top-level ``url`` result that names a single video is returned as is (not resolved: that
    would cost a request per video). yt-dlp's exceptions propagate.
    """
    info: dict[str, Any] | None = ydl.extract_info(url, download=False)
    for _ in range(_MAX_HOPS):
        if not isinstance(info, dict) or info.get("_type") not in ("url", "url_transparent"):
            return info
        if names_one_video(info):
            return info
        _log.debug("following %s -> %s", url, info.get("url"))
        followed: dict[str, Any] | None = ydl.extract_info(str(info["url"]), download=False)
        if isinstance(followed, dict) and info.get("title") and not followed.get("title"):
            followed["title"] = info["title"]
        info = followed
    return info


def names_one_video(entry: dict[str, Any]) -> bool:
    """True when a ``url`` result points at one YouTube video rather than a list."""
    if entry.get("ie_key") == "Youtube":
        return True
    try:
        ref = classify_url(str(entry.get("url") or ""))
    except InvalidUrlError:
        return False
    return ref.kind == "video"
