"""The checks of ``orc doctor``: what yt-dlp has to work with on this machine, and one URL.

Each check returns a :class:`Check`: ``ok``, ``warn`` (works, but something is off) or
``fail`` (YouTube downloads will not work as configured). Nothing here prints a cookie, a
proxy address or any other secret: only counts, names and versions.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from agent.ytdlp import runtime
from agent.ytdlp.params import HandlerSettings, handler_params, open_ydl

Level = Literal["ok", "warn", "fail"]
#: A yt-dlp older than this is reported: YouTube changes often and fixes ship in new releases.
STALE_AFTER_DAYS = 60


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    level: Level
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The check as JSON-able data."""
        return asdict(self)


def printable(text: str, limit: int = 200) -> str:
    """``text`` without control characters (a title could carry terminal escapes)."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def check_ytdlp(today: dt.date | None = None) -> Check:
    """yt-dlp's version and age."""
    version = runtime.ytdlp_version()
    age = version.age_days(today)
    if age is None:
        return Check("yt-dlp", "warn", f"{version.version} (release date unknown)")
    detail = f"{version.version} ({age} days old)"
    if age > STALE_AFTER_DAYS:
        hint = "update it: pip install -U 'yt-dlp[default]'"
        return Check("yt-dlp", "warn", f"{detail}; YouTube changes often, {hint}")
    return Check("yt-dlp", "ok", detail)


def check_ejs() -> Check:
    """yt-dlp-ejs, the challenge solver scripts YouTube needs."""
    version = runtime.ytdlp_version().ejs_version
    if version is None:
        return Check("yt-dlp-ejs", "fail", "missing; install yt-dlp[default] (or yt-dlp-ejs)")
    return Check("yt-dlp-ejs", "ok", version)


def check_js_runtime() -> Check:
    """The JavaScript runtime yt-dlp will run the EJS scripts in."""
    found = runtime.find_js_runtime()
    if found is None:
        hint = "install the youtube extra (Deno from PyPI) or put deno on PATH"
        return Check("JS runtime", "fail", f"none found; {hint}")
    where = "found by yt-dlp" if found.via == "yt-dlp lookup" else "from the deno package"
    detail = f"{found.name} {found.version} at {found.path} ({where})"
    if not found.supported:
        return Check("JS runtime", "fail", f"{detail}: too old for yt-dlp")
    return Check("JS runtime", "ok", detail)


def check_ffmpeg(settings: HandlerSettings) -> Check:
    """ffmpeg: merging separate video and audio, converting audio."""
    found = runtime.find_ffmpeg()
    if found.ffmpeg is None:
        if settings.options.audio_format:
            return Check("ffmpeg", "fail", "not found, but YTDLP_OPTIONS sets audio_format")
        return Check(
            "ffmpeg", "warn", "not found: no merging of video and audio, no audio conversion"
        )
    probe = "with ffprobe" if found.ffprobe else "without ffprobe"
    return Check(
        "ffmpeg", "ok", f"{found.version or 'unknown version'} at {found.ffmpeg} ({probe})"
    )


def check_cookies(path: Path | None) -> Check:
    """Whether ``COOKIES_FILE`` can be read as a Netscape cookies file (values never shown)."""
    if path is None:
        return Check("cookies", "ok", "COOKIES_FILE not set (public videos only)")
    from yt_dlp.cookies import YoutubeDLCookieJar

    if not path.is_file():
        return Check("cookies", "fail", f"COOKIES_FILE {path} does not exist or is not a file")
    if not os.access(path, os.R_OK):
        return Check("cookies", "fail", f"COOKIES_FILE {path} cannot be read by this user")
    jar = YoutubeDLCookieJar(str(path))
    try:
        jar.load()
    except Exception as exc:  # any parse problem of a user's file: report it, do not crash
        return Check(
            "cookies", "fail", f"COOKIES_FILE {path} is not a Netscape cookies file: {exc}"
        )
    names = [c.domain for c in jar]
    youtube = sum(1 for d in names if d.lstrip(".").endswith(("youtube.com", "google.com")))
    detail = f"COOKIES_FILE {path}: {len(names)} cookies, {youtube} for youtube.com/google.com"
    if path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
        return Check("cookies", "warn", f"{detail}; readable by other users: chmod 600 {path}")
    if not youtube:
        return Check("cookies", "warn", f"{detail}; none would reach YouTube")
    return Check("cookies", "ok", detail)


def check_options(settings: HandlerSettings) -> Check:
    """Which ``YTDLP_OPTIONS`` are set (names only: a proxy may hold a password)."""
    names = sorted(settings.options.model_dump(exclude_defaults=True))
    langs = ",".join(settings.sub_langs)
    shown = ", ".join(names) if names else "none"
    return Check("options", "ok", f"YTDLP_OPTIONS: {shown}; SUB_LANGS: {langs}")


def dry_extraction(
    url: str,
    settings: HandlerSettings,
    describe: Callable[[BaseException], str] = str,
    extra: dict[str, Any] | None = None,
) -> Check:
    """Extract ``url`` fully without downloading; report what yt-dlp found or why it failed.

    ``describe`` turns a failure into its text (``orc doctor``: ``"class: reason"``).
    """
    extra = {"skip_download": True, "simulate": True, **(extra or {})}
    params = handler_params(settings, extra, media=False)
    try:
        with open_ydl(params, settings, url=url) as ydl:
            info = ydl.extract_info(url, download=False)
    except Exception as exc:  # everything yt-dlp raises is the answer here
        return Check("extraction", "fail", printable(describe(exc), 500))
    if not isinstance(info, dict):
        return Check("extraction", "fail", "yt-dlp returned nothing")
    formats = info.get("formats") or []
    parts = [
        f"{info.get('title') or '(no title)'}",
        f"id {info.get('id')}",
        f"extractor {info.get('extractor_key') or info.get('extractor')}",
    ]
    if info.get("duration"):
        parts.append(f"{info['duration']:.0f} s")
    parts.append(f"{len(formats)} formats")
    return Check("extraction", "ok", printable(", ".join(parts), 500))


def run_checks(settings: HandlerSettings, url: str | None = None, **kwargs: Any) -> list[Check]:
    """Every check, then the dry extraction of ``url`` when given."""
    checks = [
        check_ytdlp(),
        check_ejs(),
        check_js_runtime(),
        check_ffmpeg(settings),
        check_cookies(settings.cookies_file),
        check_options(settings),
    ]
    if url:
        checks.append(dry_extraction(url, settings, **kwargs))
    return checks
