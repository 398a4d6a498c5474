"""The one builder of ``YoutubeDL`` sessions: the leader's expansion and the built-in handlers.

:func:`build_ydl` returns a ``YoutubeDL`` whose only request handler is
:class:`~agent.net.transport.GuardedRequestsRH` (yt-dlp's own ``requests`` handler with every
connection checked), so no request it makes can reach an address the guard refuses. Media that
yt-dlp would hand to an external program (ffmpeg, rtmpdump, aria2c...) escapes that handler, so
the session downloads with yt-dlp's native downloaders only and refuses, before downloading, a
format that only an external program can fetch (a live stream, RTMP, a section of a video).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from yt_dlp import YoutubeDL
from yt_dlp.downloader import get_suitable_downloader
from yt_dlp.downloader.external import ExternalFD
from yt_dlp.downloader.fragment import FragmentFD
from yt_dlp.downloader.http import HttpFD
from yt_dlp.postprocessor.common import PostProcessor

from agent.errors import RefusedUrlError
from agent.net.guard import AddressGuard
from agent.net.transport import GuardedRequestsRH, RefusedRequest

#: Parameters every guarded session has: yt-dlp's own downloaders, never an external program.
NATIVE_ONLY: dict[str, Any] = {
    "external_downloader": {"default": "native"},
    "hls_prefer_native": True,
}


class GuardedYoutubeDL(YoutubeDL):  # type: ignore[misc]  # yt-dlp is untyped
    """A ``YoutubeDL`` whose requests all go through :class:`GuardedRequestsRH`."""

    def __init__(self, params: Mapping[str, Any], *, guard: AddressGuard) -> None:
        self.url_guard = guard  # set first: yt-dlp may open its request director while starting
        super().__init__({**params, **NATIVE_ONLY}, auto_init=False)
        self.add_post_processor(_NativeDownloadsOnly(self), when="before_dl")

    def build_request_director(self, handlers: Iterable[Any], preferences: Any = None) -> Any:
        """yt-dlp's director with the guarded handler instead of the registered ones."""
        del handlers  # the registered handlers (urllib, requests...) would not check addresses
        guarded = functools.partial(GuardedRequestsRH, guard=self.url_guard)
        return super().build_request_director([guarded], preferences)


class _NativeDownloadsOnly(PostProcessor):  # type: ignore[misc]
    """Refuses, before downloading, a format that only an external program would fetch."""

    def run(self, info: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        params = self._downloader.params if self._downloader else {}
        if params.get("skip_download"):
            return [], info
        for fmt in info.get("requested_formats") or [info]:
            downloader = get_suitable_downloader(dict(fmt), params)
            native = isinstance(downloader, type) and issubclass(downloader, HttpFD | FragmentFD)
            if not native or issubclass(downloader, ExternalFD):
                name = getattr(downloader, "__name__", str(downloader))
                reason = (
                    f"refused: format {fmt.get('format_id', '?')} ({fmt.get('protocol', '?')}) "
                    f"needs {name}, which the address guard cannot check"
                )
                raise RefusedRequest(RefusedUrlError(str(fmt.get("url", "")), reason))
        return [], info


def build_ydl(
    params: Mapping[str, Any],
    guard: AddressGuard,
    *,
    extractors: Iterable[Any] = (),
) -> GuardedYoutubeDL:
    """A guarded ``YoutubeDL`` with ``params``; ``extractors`` are tried before yt-dlp's own.

    Use it as a context manager (``with build_ydl(...) as ydl``), as ``YoutubeDL`` itself.
    """
    ydl = GuardedYoutubeDL(params, guard=guard)
    for extractor in extractors:
        ydl.add_info_extractor(extractor)
    ydl.add_default_info_extractors()
    return ydl
