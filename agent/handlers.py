"""Built-in callbacks: ``noop``, ``metadata`` (full info JSON) and ``download`` (to OUTPUT_DIR).

A callback receives one video URL. It may raise to fail the attempt. URLs come from the
spreadsheet, which anyone with edit access can change, so the handlers only pass them to
yt-dlp (never to a shell) and write only below OUTPUT_DIR under names yt-dlp sanitises. Their
yt-dlp sessions come from :func:`agent.net.ydl.build_ydl`, as the leader's do: no connection
reaches a private, loopback, link-local or metadata address unless ``ALLOW_PRIVATE_URLS`` holds
it; a refusal raises :class:`~agent.errors.RefusedUrlError` (dead-lettered at once).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.errors import AgentError, RefusedUrlError
from agent.net.guard import AddressGuard
from agent.net.refusals import find_refusal

ALLOWED_SCHEMES = ("http://", "https://")


def noop(url: str) -> None:
    """Do nothing (for tests and benchmarks)."""


def _output_dir() -> Path:
    path = Path(os.environ.get("OUTPUT_DIR", "downloads")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_url(url: str) -> None:
    if not url.lower().startswith(ALLOWED_SCHEMES):
        raise AgentError(f"refusing to fetch {url[:200]!r}: only http(s) URLs are handled")


def _ydl_options(extra: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "noplaylist": True,
        "restrictfilenames": True,
        "windowsfilenames": True,
    }
    options.update(extra)
    return options


@contextmanager
def _session(url: str, extra: dict[str, Any]) -> Iterator[Any]:
    """A guarded ``YoutubeDL``; the guard's refusal comes out as :class:`RefusedUrlError`."""
    from agent.net.ydl import build_ydl

    guard = AddressGuard.from_setting(os.environ.get("ALLOW_PRIVATE_URLS"))
    try:
        with build_ydl(_ydl_options(extra), guard) as ydl:
            yield ydl
    except Exception as exc:
        refusal = find_refusal(exc)
        if refusal is None:
            raise
        raise RefusedUrlError(url[:200], refusal.reason) from exc


def metadata(url: str) -> Path:
    """Write yt-dlp's full info JSON of the video to ``OUTPUT_DIR/<id>.info.json``."""
    _check_url(url)
    out = _output_dir()
    with _session(url, {"skip_download": True}) as ydl:
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
    with _session(url, {"outtmpl": {"default": template}, "paths": {}}) as ydl:
        code = ydl.download([url])
    if code:
        raise AgentError(f"yt-dlp could not download {url}")
