"""Rescans that stop early: reading a playlist or tab ends after K known videos in a row.

YouTube lists a channel's tab newest first, 30 entries a page, and yt-dlp fetches the next
page only when its playlist processing asks for more (``lazy_playlist``). A rescan therefore
installs :class:`KnownRun` as yt-dlp's ``match_filter``: it sees every flat entry in order,
records it, and once ``stop_after_known`` entries in a row are videos the sheet already knows
it raises yt-dlp's own ``RejectedVideoReached``, which ends the extraction before another page
is fetched. The entries recorded up to there become the result (:meth:`KnownRun.result`).
New uploads sit at the top, so they are all read; a video re-added deep in a playlist is found
by the next full read (a source's first expansion, or any expansion without ``known``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from agent.sources.urls import video_key

#: Known videos in a row after which a rescan stops: about one YouTube page (30 entries).
RESCAN_STOP_AFTER_KNOWN = 30
_PLAYLIST_FIELDS = ("playlist_title", "playlist_id", "channel", "uploader")


class KnownRun:
    """yt-dlp ``match_filter``: records entries, stops after ``stop_after`` known in a row."""

    def __init__(self, known: Callable[[str], bool], stop_after: int) -> None:
        self.known = known
        self.stop_after = stop_after
        self.entries: list[dict[str, Any]] = []
        self.run = 0
        self.stopped = False
        self.playlist: dict[str, Any] = {}

    def __call__(self, info: Mapping[str, Any], *, incomplete: bool = False) -> str | None:
        from yt_dlp.utils import RejectedVideoReached

        maps = getattr(info, "maps", None)
        if not maps:  # the playlist itself, checked before its entries
            if not self.playlist:
                self.playlist = {k: info.get(k) for k in _PLAYLIST_FIELDS}
            return None
        entry = dict(maps[0])  # yt-dlp passes ChainMap(entry, the playlist's fields)
        if not self.playlist:
            self.playlist = {k: info.get(k) for k in _PLAYLIST_FIELDS}
        self.entries.append(entry)
        key = video_key(entry)
        self.run = self.run + 1 if key is not None and self.known(key) else 0
        if self.run >= self.stop_after:
            self.stopped = True
            raise RejectedVideoReached(f"{self.stop_after} known videos in a row: rescan done")
        return None

    def result(self, url: str) -> dict[str, Any]:
        """A flat playlist of the entries seen, as yt-dlp would have returned it."""
        return {
            "_type": "playlist",
            "title": self.playlist.get("playlist_title"),
            "id": self.playlist.get("playlist_id"),
            "channel": self.playlist.get("channel"),
            "uploader": self.playlist.get("uploader"),
            "webpage_url": url,
            "entries": list(self.entries),
        }


@contextmanager
def stop_after_known(ydl: Any, known: Callable[[str], bool], stop_after: int) -> Iterator[KnownRun]:
    """Install a :class:`KnownRun` (and lazy playlist reading) on ``ydl`` for one extraction."""
    run = KnownRun(known, stop_after)
    saved = {k: ydl.params.get(k) for k in ("match_filter", "lazy_playlist")}
    ydl.params["match_filter"] = run
    ydl.params["lazy_playlist"] = True
    try:
        yield run
    finally:
        ydl.params.update(saved)


def extract_until_known(
    ydl: Any,
    url: str,
    known: Callable[[str], bool],
    stop_after: int,
    extract: Callable[[Any, str], dict[str, Any] | None],
) -> dict[str, Any] | None:
    """``extract(ydl, url)``, stopping after ``stop_after`` known videos in a row."""
    from yt_dlp.utils import RejectedVideoReached

    with stop_after_known(ydl, known, stop_after) as run:
        try:
            return extract(ydl, url)
        except RejectedVideoReached:
            if not run.stopped:
                raise
            return run.result(url)
