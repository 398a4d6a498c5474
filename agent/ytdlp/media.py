"""The ``subtitles`` and ``audio`` handlers: captions or the audio track, into OUTPUT_DIR.

Both return the paths they wrote (a list, which lands in the History ``Result`` column, one
path a line). Both use :func:`agent.ytdlp.params.handler_params` (JS runtime, cookies,
``YTDLP_OPTIONS``) and name files ``<id>.<lang>.<ext>`` / ``<id>.<ext>`` below OUTPUT_DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.errors import AgentError
from agent.ytdlp import params as ytdlp_params
from agent.ytdlp.options import subtitle_params
from agent.ytdlp.runtime import find_ffmpeg

#: Seconds before each caption download unless YTDLP_OPTIONS sets ``sleep_subtitles``: the
#: value of yt-dlp's ``-t sleep`` preset (YouTube rate-limits caption requests).
SUBTITLE_SLEEP_S = 5.0


def _extract(
    url: str, params: dict[str, Any], settings: ytdlp_params.HandlerSettings
) -> dict[str, Any]:
    with ytdlp_params.open_ydl(params, settings, url=url) as ydl:
        info = ydl.extract_info(url, download=True)
    if not isinstance(info, dict):
        raise AgentError(f"yt-dlp returned nothing for {url}")
    return info


def subtitles(url: str) -> list[Path]:
    """Write the video's manual and automatic captions in ``SUB_LANGS``; return their paths.

    No video is downloaded. A video without captions in those languages fails the attempt.
    """
    settings = ytdlp_params.current()
    out = ytdlp_params.output_dir(settings)
    extra: dict[str, Any] = {
        "skip_download": True,
        "ignore_no_formats_error": True,  # captions only: no playable format is needed
        "outtmpl": {"default": str(out / "%(id)s.%(ext)s")},
        "paths": {},
        **subtitle_params(settings.sub_langs, settings.options.subtitle_format),
    }
    if settings.options.sleep_subtitles is None:
        extra["sleep_interval_subtitles"] = SUBTITLE_SLEEP_S
    params = ytdlp_params.handler_params(settings, extra)
    params.pop("format", None)  # no media is fetched
    params.pop("postprocessors", None)
    info = _extract(ytdlp_params.check_url(url), params, settings)
    written = [
        Path(sub["filepath"])
        for sub in (info.get("requested_subtitles") or {}).values()
        if isinstance(sub, dict) and sub.get("filepath")
    ]
    if not written:
        langs = ",".join(settings.sub_langs)
        raise AgentError(f"no captions in {langs} for {url} (SUB_LANGS)")
    return sorted(written)


def audio(url: str) -> list[Path]:
    """Download the best audio-only format; convert it when ``audio_format`` is set.

    Converting needs ffmpeg; without it an ``audio_format`` fails the attempt with that reason.
    """
    settings = ytdlp_params.current()
    out = ytdlp_params.output_dir(settings)
    extra: dict[str, Any] = {
        "outtmpl": {"default": str(out / "%(id)s.%(ext)s")},
        "paths": {},
    }
    params = ytdlp_params.handler_params(settings, extra)
    if not settings.options.format:
        params["format"] = "bestaudio/best"
    if settings.options.audio_format and find_ffmpeg().ffmpeg is None:
        raise AgentError("YTDLP_OPTIONS audio_format needs ffmpeg, which is not installed")
    info = _extract(ytdlp_params.check_url(url), params, settings)
    written = [
        Path(item["filepath"])
        for item in info.get("requested_downloads") or []
        if isinstance(item, dict) and item.get("filepath")
    ]
    if not written:
        raise AgentError(f"yt-dlp wrote no audio for {url}")
    return written
