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
from typing import Any, Protocol

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.errors import AgentError, ConfigError, RefusedUrlError
from agent.net.guard import AddressGuard
from agent.net.refusals import find_refusal
from agent.ytdlp.options import YtdlpOptions
from agent.ytdlp.runtime import js_runtime_params


class HandlerConfig(Protocol):
    """What :meth:`HandlerSettings.from_config` reads (:class:`agent.config.Config` has it;
    named structurally so that ``agent.config``, which validates ``YTDLP_OPTIONS`` with this
    package, is not imported back)."""

    @property
    def output_dir(self) -> Path: ...

    @property
    def cookies_file(self) -> Path | None: ...

    @property
    def ytdlp_options(self) -> str | None: ...

    @property
    def sub_langs(self) -> str: ...

    @property
    def url_guard(self) -> AddressGuard: ...


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
    #: The addresses yt-dlp may connect to (``ALLOW_PRIVATE_URLS``); public ones only by default.
    guard: AddressGuard = field(default_factory=AddressGuard)

    @classmethod
    def from_config(cls, config: HandlerConfig) -> HandlerSettings:
        """The handler settings of an agent's configuration."""
        return cls(
            output_dir=config.output_dir,
            cookies_file=config.cookies_file,
            options=YtdlpOptions.parse(config.ytdlp_options),
            sub_langs=split_langs(config.sub_langs),
            guard=config.url_guard,
        )

    @classmethod
    def from_env(cls) -> HandlerSettings:
        """Read ``OUTPUT_DIR``, ``COOKIES_FILE``, ``YTDLP_OPTIONS``, ``SUB_LANGS``,
        ``ALLOW_PRIVATE_URLS``."""
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
            guard=AddressGuard.from_setting(env.allow_private_urls),
        )


class _Env(BaseSettings):
    """The handler variables alone (no WORKER_NAME or SPREADSHEET_ID needed)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    output_dir: Path = Path("downloads")
    cookies_file: Path | None = None
    ytdlp_options: str | None = None
    sub_langs: str = Field(default="en", min_length=1)
    allow_private_urls: str | None = None


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
def open_ydl(
    params: dict[str, Any], settings: HandlerSettings | None = None, *, url: str = ""
) -> Iterator[Any]:
    """A guarded ``YoutubeDL`` on ``params`` (:func:`agent.net.ydl.build_ydl`, with the guard of
    ``settings``, else of the installed settings).

    The guard's refusal comes out as :class:`~agent.errors.RefusedUrlError` (for ``url``); any
    other exception leaving the block carries yt-dlp's warnings as its attribute
    ``ytdlp_warnings`` (a tuple of strings), where
    :func:`agent.tasks.failures.classify_task_failure` reads them.
    """
    from agent.net.ydl import build_ydl

    guard = (settings or current()).guard
    logger = params.get("logger")
    try:
        with build_ydl(params, guard) as ydl:
            yield ydl
    except Exception as exc:
        refusal = find_refusal(exc)
        if refusal is not None:
            raise RefusedUrlError(url[:200] or refusal.url, refusal.reason) from exc
        if isinstance(logger, RecordingLogger) and logger.warnings:
            setattr(exc, WARNINGS_ATTR, tuple(logger.warnings))
        raise
