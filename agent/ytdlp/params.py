"""What every handler's ``YoutubeDL`` gets: cookies, ``YTDLP_OPTIONS``, the JS runtime.

:class:`HandlerSettings` holds the settings the handlers use. The agent builds them from its
:class:`~agent.config.Config` (:meth:`HandlerSettings.from_config`) and installs them with
:func:`configure` at start; a handler called on its own (a script, a test) reads the same
variables from the environment (and ``.env``) the first time it needs them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.errors import AgentError, ConfigError
from agent.ytdlp.options import YtdlpOptions
from agent.ytdlp.runtime import js_runtime_params

if TYPE_CHECKING:
    from agent.config import Config

_log = logging.getLogger("agent.ytdlp")
#: Warnings kept per ``YoutubeDL`` (the last ones explain a failure).
KEPT_WARNINGS = 20
#: The attribute :func:`open_ydl` sets on an exception: yt-dlp's warnings before it.
WARNINGS_ATTR = "ytdlp_warnings"


class RecordingLogger:
    """yt-dlp's logger: output to :mod:`logging`, warnings also kept for classification.

    yt-dlp reports some causes only as warnings: when YouTube answers 429 to every request,
    the error is "Failed to extract any player response" and the 429s are in the warnings.
    """

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def debug(self, msg: str) -> None:
        _log.debug("%s", msg)

    def info(self, msg: str) -> None:
        _log.debug("%s", msg)

    def warning(self, msg: str) -> None:
        self.warnings.append(msg)
        del self.warnings[:-KEPT_WARNINGS]
        _log.info("%s", msg)

    def error(self, msg: str) -> None:
        _log.debug("%s", msg)  # the exception carries it


#: Parameters every handler starts from: quiet, one video, file names safe on every system.
BASE_PARAMS: dict[str, Any] = {
    "quiet": True,
    "no_warnings": True,
    "noprogress": True,
    "noplaylist": True,
    "restrictfilenames": True,
    "windowsfilenames": True,
    "color": {"stdout": "no_color", "stderr": "no_color"},
}


def split_langs(text: str) -> tuple[str, ...]:
    """``SUB_LANGS`` (comma-separated, yt-dlp's syntax: ``en.*``, ``all``, ``-live_chat``)."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class HandlerSettings:
    """The settings of the built-in handlers."""

    output_dir: Path = Path("downloads")
    cookies_file: Path | None = None
    options: YtdlpOptions = field(default_factory=YtdlpOptions)
    sub_langs: tuple[str, ...] = ("en",)
    #: Further ``YoutubeDL`` parameters, applied after ``YTDLP_OPTIONS`` (not read from the
    #: environment: for programs and tests that route yt-dlp somewhere, e.g. a local proxy).
    extra_params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> HandlerSettings:
        """The handler settings of an agent's configuration."""
        return cls(
            output_dir=config.output_dir,
            cookies_file=config.cookies_file,
            options=YtdlpOptions.parse(config.ytdlp_options),
            sub_langs=split_langs(config.sub_langs),
        )

    @classmethod
    def from_env(cls) -> HandlerSettings:
        """Read ``OUTPUT_DIR``, ``COOKIES_FILE``, ``YTDLP_OPTIONS``, ``SUB_LANGS``."""
        try:
            env = _Env()
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first.get("loc", ("setting",))[0]).upper()
            raise ConfigError(name, str(first.get("msg", "invalid value"))) from None
        return cls(
            output_dir=env.output_dir,
            cookies_file=env.cookies_file,
            options=YtdlpOptions.parse(env.ytdlp_options),
            sub_langs=split_langs(env.sub_langs),
        )


class _Env(BaseSettings):
    """The handler variables alone (no WORKER_NAME or SPREADSHEET_ID needed)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    output_dir: Path = Path("downloads")
    cookies_file: Path | None = None
    ytdlp_options: str | None = None
    sub_langs: str = Field(default="en", min_length=1)


_lock = threading.Lock()
_current: HandlerSettings | None = None


def configure(settings: HandlerSettings | None) -> None:
    """Install the settings the handlers use (``None``: read the environment each time)."""
    global _current
    with _lock:
        _current = settings


def current() -> HandlerSettings:
    """The installed settings; without :func:`configure`, read from the environment each time."""
    with _lock:
        installed = _current
    return installed if installed is not None else HandlerSettings.from_env()


#: The only URLs the handlers hand to yt-dlp (never ``file:``, ``data:`` or option-like text).
ALLOWED_SCHEMES = ("http://", "https://")


def check_url(url: object) -> str:
    """``url`` when it is an http(s) URL; an :class:`AgentError` naming it otherwise."""
    if not isinstance(url, str) or not url.lower().startswith(ALLOWED_SCHEMES):
        shown = str(url)[:200]
        raise AgentError(f"refusing to fetch {shown!r}: only http(s) URLs are handled")
    return url


def output_dir(settings: HandlerSettings) -> Path:
    """``OUTPUT_DIR`` resolved and created."""
    path = settings.output_dir.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def handler_params(
    settings: HandlerSettings, extra: dict[str, Any] | None = None, *, media: bool = True
) -> dict[str, Any]:
    """``YoutubeDL`` parameters: base, JS runtime, cookies, ``YTDLP_OPTIONS``,
    ``settings.extra_params``, then ``extra``.

    ``media=False`` leaves out the media options of ``YTDLP_OPTIONS`` (format, conversion,
    captions: ``metadata`` and ``orc doctor`` fetch no media) and keeps the others.
    """
    params: dict[str, Any] = dict(BASE_PARAMS)
    params["logger"] = RecordingLogger()
    params.update(js_runtime_params())
    if settings.cookies_file is not None:
        params["cookiefile"] = str(settings.cookies_file)
    params.update(settings.options.to_params(settings.sub_langs, media=media))
    params.update(settings.extra_params)
    params.update(extra or {})
    return params


@contextmanager
def open_ydl(params: dict[str, Any]) -> Iterator[Any]:
    """A ``YoutubeDL`` on ``params``; an exception leaving it carries yt-dlp's warnings.

    The warnings are set as the attribute ``ytdlp_warnings`` (a tuple of strings) of the
    exception, where :func:`agent.tasks.failures.classify_task_failure` reads them.
    """
    import yt_dlp

    logger = params.get("logger")
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            yield ydl
    except Exception as exc:
        if isinstance(logger, RecordingLogger) and logger.warnings:
            setattr(exc, WARNINGS_ATTR, tuple(logger.warnings))
        raise
