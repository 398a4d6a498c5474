"""Built-in callbacks: ``noop``, ``metadata``, ``download``, ``subtitles``, ``audio``.

A callback receives one video URL (or a :class:`~agent.tasks.Task`, see docs/youtube.md). It
may raise to fail the attempt. URLs come from the spreadsheet, which anyone with edit access can
change, so the handlers only pass them to yt-dlp (never to a shell) and write only below
OUTPUT_DIR under names yt-dlp sanitises. Every ``YoutubeDL`` here gets
:func:`agent.ytdlp.params.handler_params` (the JS runtime, ``COOKIES_FILE``, ``YTDLP_OPTIONS``)
and comes from :func:`agent.ytdlp.params.open_ydl`, which builds it with
:func:`agent.net.ydl.build_ydl`, as the leader's sessions are: no connection reaches a private,
loopback, link-local or metadata address unless ``ALLOW_PRIVATE_URLS`` holds it; a refusal
raises :class:`~agent.errors.RefusedUrlError` (dead-lettered at once).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.errors import AgentError
from agent.ytdlp import params as ytdlp_params
from agent.ytdlp.media import audio, subtitles

__all__ = ["audio", "download", "metadata", "noop", "subtitles"]

ALLOWED_SCHEMES = ytdlp_params.ALLOWED_SCHEMES


def noop(url: str) -> None:
    """Do nothing (for tests and benchmarks)."""


def _output_dir() -> Path:
    return ytdlp_params.output_dir(ytdlp_params.current())


def _check_url(url: str) -> None:
    ytdlp_params.check_url(url)


def _ydl_options(extra: dict[str, Any], *, media: bool = True) -> dict[str, Any]:
    return ytdlp_params.handler_params(ytdlp_params.current(), extra, media=media)


def metadata(url: str) -> Path:
    """Write yt-dlp's full info JSON of the video to ``OUTPUT_DIR/<id>.info.json``."""
    _check_url(url)
    out = _output_dir()
    params = _ydl_options({"skip_download": True}, media=False)
    with ytdlp_params.open_ydl(params, url=url) as ydl:
        info = ydl.sanitize_info(ydl.extract_info(url, download=False))
    video_id = "".join(ch for ch in str(info.get("id", "video")) if ch.isalnum() or ch in "-_")
    target = out / f"{video_id or 'video'}.info.json"
    target.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def download(url: str) -> None:
    """Download the video with yt-dlp into ``OUTPUT_DIR`` (sanitised file names)."""
    _check_url(url)
    out = _output_dir()
    template = str(out / "%(id)s.%(ext)s")
    params = _ydl_options({"outtmpl": {"default": template}, "paths": {}})
    with ytdlp_params.open_ydl(params, url=url) as ydl:
        code = ydl.download([url])
    if code:
        raise AgentError(f"yt-dlp could not download {url}")
