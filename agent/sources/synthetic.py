"""YouTube-shaped results served offline, through a real yt-dlp ``InfoExtractor``.

:class:`SyntheticYoutubeIE` answers ``youtube.com`` playlist and channel URLs from a
:class:`Catalog` instead of the network, with the shapes yt-dlp's own YouTube extractors produce:
flat entries as ``YoutubeTabBaseInfoExtractor._extract_video`` builds them, a channel root as a
playlist of tab playlists (videos, streams, shorts), "This channel does not have a … tab" for a
missing tab. Pass an instance in ``ExpandOptions.extra_extractors``: it is tried before yt-dlp's
extractors, and its results go through yt-dlp's ``process_ie_result`` like real ones. Tests, the
demo and the benchmarks use it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from yt_dlp.extractor.common import InfoExtractor
from yt_dlp.utils import ExtractorError

from agent.errors import InvalidUrlError
from agent.sources.urls import SourceRef, classify_url

_TAB_ORDER = ("videos", "streams", "shorts")  # the order yt-dlp returns a channel root's tabs
_TAB_TITLES = {"videos": "Videos", "streams": "Live", "shorts": "Shorts"}


def synthetic_id(seed: str | int) -> str:
    """A deterministic, valid-looking 11-character YouTube id derived from ``seed``."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    text = base64.urlsafe_b64encode(digest).decode()[:11]
    return text[:10] + "AEIMQUYcgkosw048"[digest[-1] % 16]


def flat_video(
    video_id: str,
    title: str | None,
    *,
    duration: float | None = None,
    shorts: bool = False,
    availability: str | None = None,
    live_status: str | None = None,
    channel: str = "Synthetic Channel",
    channel_id: str = "UCsynthetic0000000000000",
) -> dict[str, Any]:
    """One flat entry with the fields of yt-dlp's ``_extract_video``."""
    url_path = f"shorts/{video_id}" if shorts else f"watch?v={video_id}"
    return {
        "_type": "url",
        "ie_key": "Youtube",
        "id": video_id,
        "url": f"https://www.youtube.com/{url_path}",
        "title": title,
        "description": None,
        "duration": duration,
        "channel_id": channel_id,
        "channel": channel,
        "channel_url": f"https://www.youtube.com/channel/{channel_id}",
        "uploader": channel,
        "uploader_id": None,
        "uploader_url": None,
        "thumbnails": [],
        "timestamp": None,
        "release_timestamp": None,
        "availability": availability,
        "view_count": 0,
        "live_status": live_status,
        "channel_is_verified": None,
    }


@dataclass
class SyntheticChannel:
    """A channel: its name, id and the entries of each tab it has."""

    name: str
    channel_id: str
    tabs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Catalog:
    """What :class:`SyntheticYoutubeIE` serves, keyed by canonical URL (see ``classify_url``)."""

    playlists: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    channels: dict[str, SyntheticChannel] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    #: Entries per page (0: one page). YouTube serves a tab 30 entries a page, each a request;
    #: yt-dlp reads the next page only when it needs more entries.
    page_size: int = 0
    #: Every page served, ``<url>#<page number>`` (counted apart from ``requests``).
    pages: list[str] = field(default_factory=list)

    def add_playlist(self, playlist_id: str, title: str, entries: Sequence[dict[str, Any]]) -> str:
        """Serve a playlist; returns its URL."""
        self.playlists[playlist_id] = (title, list(entries))
        return f"https://www.youtube.com/playlist?list={playlist_id}"

    def add_channel(self, path: str, channel: SyntheticChannel) -> str:
        """Serve a channel at ``path`` (``@handle`` or ``channel/UC…``); returns its root URL."""
        url = classify_url(f"https://www.youtube.com/{path}").url
        self.channels[url] = channel
        return url

    def fail(self, url: str, message: str) -> None:
        """Make ``url`` (canonical) fail with an ``ExtractorError`` carrying ``message``."""
        self.failures[url] = message


class SyntheticYoutubeIE(InfoExtractor):  # type: ignore[misc]  # yt_dlp is untyped
    """Serves a :class:`Catalog` for ``youtube.com`` playlist and channel URLs."""

    IE_NAME = "synthetic:youtube"
    _VALID_URL = r"https?://(?:www\.|m\.)?youtube\.com/(?:playlist\?|watch\?|@|channel/|c/|user/)"

    def __init__(self, catalog: Catalog, downloader: Any = None) -> None:
        super().__init__(downloader)
        self.catalog = catalog

    def _real_extract(self, url: str) -> dict[str, Any]:
        self.catalog.requests.append(url)
        try:
            ref = classify_url(url)
        except InvalidUrlError as exc:
            raise ExtractorError(f"Unsupported URL: {url} ({exc.code})", expected=True) from exc
        message = self.catalog.failures.get(ref.url)
        if message is not None:
            raise ExtractorError(message, expected=True)
        if ref.kind == "playlist" and ref.playlist_id:
            return self._playlist(ref.playlist_id)
        if ref.kind == "channel":
            return self._channel(ref)
        raise ExtractorError(f"Unsupported URL: {url}", expected=True)

    def _playlist(self, playlist_id: str) -> dict[str, Any]:
        if playlist_id not in self.catalog.playlists:
            raise ExtractorError("The playlist does not exist.", expected=True)
        title, entries = self.catalog.playlists[playlist_id]
        url = f"https://www.youtube.com/playlist?list={playlist_id}"
        result: dict[str, Any] = self.playlist_result(
            self._paged(url, entries),
            playlist_id,
            title,
            webpage_url=f"https://www.youtube.com/playlist?list={playlist_id}",
        )
        return result

    def _channel(self, ref: SourceRef) -> dict[str, Any]:
        root = ref.url.rsplit("/", 1)[0] if ref.channel_tab else ref.url
        channel = self.catalog.channels.get(root)
        if channel is None:
            raise ExtractorError(
                "Unable to download API page: HTTP Error 404: Not Found", expected=True
            )
        if ref.channel_tab is not None:
            if ref.channel_tab not in channel.tabs:
                raise ExtractorError(
                    f"This channel does not have a {ref.channel_tab} tab", expected=True
                )
            return self._tab(channel, root, ref.channel_tab)
        tabs = [self._tab(channel, root, t) for t in _TAB_ORDER if t in channel.tabs]
        if len(tabs) == 1:
            return tabs[0]
        root_result: dict[str, Any] = self.playlist_result(
            tabs, channel.channel_id, channel.name, channel=channel.name, uploader=channel.name
        )
        return root_result

    def _tab(self, channel: SyntheticChannel, root: str, tab: str) -> dict[str, Any]:
        result: dict[str, Any] = self.playlist_result(
            self._paged(f"{root}/{tab}", channel.tabs[tab]),
            channel.channel_id,
            f"{channel.name} - {_TAB_TITLES[tab]}",
            channel=channel.name,
            channel_id=channel.channel_id,
            uploader=channel.name,
        )
        result.update(
            {
                "extractor_key": "YoutubeTab",
                "extractor": "youtube:tab",
                "webpage_url": f"{root}/{tab}",
            }
        )
        return result

    def _paged(self, url: str, entries: Sequence[dict[str, Any]]) -> Any:
        """The entries, as a list or (``page_size``) a generator that fetches page by page."""
        snapshot = [dict(e) for e in entries]
        size = self.catalog.page_size
        if size <= 0:
            self.catalog.pages.append(f"{url}#1")
            return snapshot

        def pages() -> Iterator[dict[str, Any]]:
            for start in range(0, max(len(snapshot), 1), size):
                self.catalog.pages.append(f"{url}#{start // size + 1}")
                yield from snapshot[start : start + size]

        return pages()
