"""What yt-dlp needs for YouTube, found on this machine: yt-dlp itself, yt-dlp-ejs, a JS runtime.

Since yt-dlp 2025.11.12 YouTube's player challenges are solved by the EJS scripts (the
``yt-dlp-ejs`` package, pulled in by ``yt-dlp[default]``) run in an external JavaScript runtime;
Deno is the one yt-dlp enables by default. yt-dlp looks for ``deno`` in the Python scripts
directory of the running interpreter (where ``pip``/``uv`` put the PyPI ``deno`` package's binary
in a virtual environment), then on ``PATH``. A ``pip install --user`` or ``--target`` puts the
binary elsewhere; :func:`js_runtime_params` then passes the path the ``deno`` package reports
through yt-dlp's ``js_runtimes`` parameter, so yt-dlp finds it anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

#: The runtime yt-dlp enables when ``js_runtimes`` is not given.
DEFAULT_RUNTIME = "deno"


@dataclass(frozen=True)
class JsRuntime:
    """A JavaScript runtime as yt-dlp sees it."""

    name: str
    path: str
    version: str
    supported: bool  # at least the version yt-dlp requires
    via: str  # "yt-dlp lookup" or "deno package"


@dataclass(frozen=True)
class YtdlpVersion:
    """yt-dlp's version; its releases are named by date, so the version tells its age."""

    version: str
    released: dt.date | None
    ejs_version: str | None  # None when yt-dlp-ejs is missing

    def age_days(self, today: dt.date | None = None) -> int | None:
        """Days since this release (None when the version is not a date)."""
        if self.released is None:
            return None
        return ((today or dt.datetime.now(dt.timezone.utc).date()) - self.released).days


def ytdlp_version() -> YtdlpVersion:
    """The installed yt-dlp, its release date and the yt-dlp-ejs version it will use."""
    from yt_dlp.version import __version__

    released: dt.date | None
    try:
        year, month, day = (int(part) for part in __version__.split(".")[:3])
        released = dt.date(year, month, day)
    except ValueError:
        released = None
    return YtdlpVersion(__version__, released, _ejs_version())


def _ejs_version() -> str | None:
    try:
        import yt_dlp_ejs  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    version = getattr(yt_dlp_ejs, "version", None)
    return str(version) if version else "unknown"


def deno_package_binary() -> str | None:
    """Where the PyPI ``deno`` package put its binary, or None when it is not installed."""
    try:
        from deno import find_deno_bin  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    try:
        return str(find_deno_bin())
    except FileNotFoundError:
        return None


def _probe(name: str, path: str | None) -> Any:
    """yt-dlp's own runtime object for ``name`` (``path`` None: yt-dlp's own lookup)."""
    from yt_dlp.utils._jsruntime import (
        BunJsRuntime,
        DenoJsRuntime,
        NodeJsRuntime,
        QuickJsRuntime,
    )

    classes = {
        "deno": DenoJsRuntime,
        "node": NodeJsRuntime,
        "bun": BunJsRuntime,
        "quickjs": QuickJsRuntime,
    }
    return classes[name](path).info


def find_js_runtime(name: str = DEFAULT_RUNTIME) -> JsRuntime | None:
    """The runtime ``name`` as yt-dlp would find it, else from the ``deno`` package."""
    info = _probe(name, None)
    via = "yt-dlp lookup"
    if info is None and name == "deno":
        path = deno_package_binary()
        if path is not None:
            info = _probe(name, path)
            via = "deno package"
    if info is None:
        return None
    return JsRuntime(info.name, info.path, info.version, bool(info.supported), via)


def js_runtime_params(runtime: JsRuntime | None = None) -> dict[str, Any]:
    """``YoutubeDL`` parameters that make yt-dlp use ``runtime`` (found when not given).

    Empty when yt-dlp finds Deno by itself (its default) or when there is none: yt-dlp then
    reports the missing runtime itself when a YouTube video needs it.
    """
    if runtime is None:
        runtime = find_js_runtime()
    if runtime is None or runtime.via == "yt-dlp lookup":
        return {}
    return {"js_runtimes": {runtime.name: {"path": runtime.path}}}


@dataclass(frozen=True)
class Ffmpeg:
    """ffmpeg and ffprobe as yt-dlp finds them (merging formats, extracting audio)."""

    ffmpeg: str | None
    ffprobe: str | None
    version: str | None


def find_ffmpeg(location: str | None = None) -> Ffmpeg:
    """ffmpeg as yt-dlp's post-processors find it (``ffmpeg_location``, else ``PATH``)."""
    from yt_dlp import YoutubeDL
    from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor

    params: dict[str, Any] = {"quiet": True, "no_warnings": True}
    if location:
        params["ffmpeg_location"] = location
    with YoutubeDL(params) as ydl:
        found = FFmpegPostProcessor(ydl)
        if not found.available:
            return Ffmpeg(None, None, None)
        probe = found.probe_executable if found.probe_available else None
        version = found._versions.get(found.basename)
        return Ffmpeg(found.executable, probe, str(version) if version else None)
