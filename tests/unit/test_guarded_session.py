"""The guarded yt-dlp session (agent.net.ydl): its only request handler, its native downloads."""

from __future__ import annotations

from typing import Any

import pytest

from agent.net.guard import AddressGuard
from agent.net.refusals import find_refusal
from agent.net.transport import GuardedRequestsRH, RefusedRequest
from agent.net.ydl import _NativeDownloadsOnly, build_ydl


def test_every_request_goes_through_the_guarded_handler_only() -> None:
    with build_ydl({"quiet": True}, AddressGuard()) as ydl:
        handlers = list(ydl._request_director.handlers.values())
        assert [type(h) for h in handlers] == [GuardedRequestsRH]
        ydl.close()  # yt-dlp rebuilds its director after a close: still only the guarded one
        assert [type(h) for h in ydl._request_director.handlers.values()] == [GuardedRequestsRH]


def test_a_metadata_url_is_refused_by_the_session_itself() -> None:
    with build_ydl({"quiet": True}, AddressGuard()) as ydl, pytest.raises(RefusedRequest) as info:
        ydl.urlopen("http://169.254.169.254/latest/meta-data/")
    refusal = find_refusal(info.value)
    assert refusal is not None
    assert refusal.reason == "refused: private address 169.254.169.254 (cloud metadata)"


def _format(protocol: str, **extra: Any) -> dict[str, Any]:
    return {"format_id": "f1", "protocol": protocol, "url": "https://cdn.example/v", **extra}


@pytest.mark.parametrize(
    "fmt",
    [
        _format("https"),
        _format("m3u8_native"),
        _format("m3u8"),  # native too: hls_prefer_native
        _format("http_dash_segments", fragments=[{"url": "https://cdn.example/1"}]),
    ],
)
def test_formats_yt_dlp_downloads_itself_are_let_through(fmt: dict[str, Any]) -> None:
    with build_ydl({"quiet": True}, AddressGuard()) as ydl:
        files, info = _NativeDownloadsOnly(ydl).run({"requested_formats": [fmt]})
    assert files == [] and info["requested_formats"] == [fmt]


@pytest.mark.parametrize(
    "fmt",
    [
        _format("rtmp", url="rtmp://10.0.0.1/live"),  # rtmpdump
        _format("m3u8_native", is_live=True),  # ffmpeg records live streams
        _format("rtmp_ffmpeg", url="rtmp://10.0.0.1/live"),  # ffmpeg
    ],
)
def test_formats_only_an_external_program_fetches_are_refused(fmt: dict[str, Any]) -> None:
    with build_ydl({"quiet": True}, AddressGuard()) as ydl, pytest.raises(RefusedRequest) as info:
        _NativeDownloadsOnly(ydl).run(dict(fmt))
    assert "which the address guard cannot check" in str(info.value)
