"""``YTDLP_OPTIONS``: a JSON object of yt-dlp options for the handlers, validated at start.

Only the options listed in :class:`YtdlpOptions` are accepted, each checked for its type and
range; a bad one stops the agent with a :class:`~agent.errors.ConfigError` naming
``YTDLP_OPTIONS`` and the option, e.g. ``YTDLP_OPTIONS: option 'rate_limit': ...``.
:meth:`YtdlpOptions.to_params` maps them to ``YoutubeDL`` parameters (the names of yt-dlp's
``YoutubeDL`` docstring; the command-line flag each stands for is given below).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.errors import ConfigError

AudioFormat = Literal["best", "aac", "alac", "flac", "m4a", "mp3", "opus", "vorbis", "wav"]
_PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")


class YtdlpOptions(BaseModel):
    """The yt-dlp options a fleet may set (all optional).

    - ``format`` (``-f``): yt-dlp's format selector, e.g. ``"bv*[height<=720]+ba/b"``;
    - ``audio_only``: pick ``bestaudio/best`` when ``format`` is not given;
    - ``audio_format`` (``-x --audio-format``): convert the audio with ffmpeg;
    - ``subtitles`` (``--write-subs --write-auto-subs``): also write captions in ``SUB_LANGS``;
    - ``subtitle_format`` (``--sub-format``), e.g. ``"vtt"`` or ``"srt/best"``;
    - ``rate_limit`` (``-r``): bytes per second, a number or ``"500K"``, ``"2M"``;
    - ``sleep_interval`` / ``max_sleep_interval`` (``--sleep-interval``, ``--max-sleep-interval``):
      seconds before each download, random between the two;
    - ``sleep_requests`` (``--sleep-requests``): seconds between extraction requests;
    - ``sleep_subtitles`` (``--sleep-subtitles``): seconds before each subtitle download;
    - ``proxy`` (``--proxy``): ``http://``, ``https://`` or ``socks5://`` URL;
    - ``extractor_args`` (``--extractor-args``): per extractor, e.g.
      ``{"youtube": {"po_token": ["web.gvs+TOKEN"], "player_client": ["web"]}}``;
    - ``retries`` / ``fragment_retries`` (``-R``, ``--fragment-retries``);
    - ``concurrent_fragments`` (``-N``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str | None = Field(default=None, min_length=1, max_length=1000)
    audio_only: bool = False
    audio_format: AudioFormat | None = None
    subtitles: bool = False
    subtitle_format: str | None = Field(default=None, min_length=1, max_length=100)
    rate_limit: int | None = Field(default=None, gt=0)
    sleep_interval: float | None = Field(default=None, ge=0, le=3600)
    max_sleep_interval: float | None = Field(default=None, ge=0, le=3600)
    sleep_requests: float | None = Field(default=None, ge=0, le=600)
    sleep_subtitles: float | None = Field(default=None, ge=0, le=600)
    proxy: str | None = None
    extractor_args: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    retries: int | None = Field(default=None, ge=0, le=100)
    fragment_retries: int | None = Field(default=None, ge=0, le=100)
    concurrent_fragments: int | None = Field(default=None, ge=1, le=32)

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _bytes(cls, value: object) -> object:
        if isinstance(value, str):
            from yt_dlp.utils import parse_bytes

            parsed = parse_bytes(value.strip())
            if parsed is None:
                raise ValueError(f"{value!r} is not a byte rate such as 500K or 2M")
            return parsed
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme.lower() not in _PROXY_SCHEMES or not parts.hostname:
            raise ValueError(f"must be a URL with one of the schemes {', '.join(_PROXY_SCHEMES)}")
        return value

    @field_validator("extractor_args", mode="before")
    @classmethod
    def _arg_lists(cls, value: object) -> object:
        """Accept ``"key": "v"`` as well as ``"key": ["v"]``, as yt-dlp's flag does."""
        if not isinstance(value, dict):
            return value
        out: dict[object, object] = {}
        for extractor, args in value.items():
            if isinstance(args, dict):
                args = {k: [v] if isinstance(v, str) else v for k, v in args.items()}
            out[extractor.lower() if isinstance(extractor, str) else extractor] = args
        return out

    @model_validator(mode="after")
    def _consistent(self) -> YtdlpOptions:
        if self.max_sleep_interval is not None and (
            self.sleep_interval is None or self.max_sleep_interval < self.sleep_interval
        ):
            raise ValueError("max_sleep_interval needs sleep_interval, and must not be less")
        return self

    @classmethod
    def parse(cls, text: str | None) -> YtdlpOptions:
        """Validate ``YTDLP_OPTIONS`` text; raise :class:`ConfigError` naming the option."""
        if text is None or not text.strip():
            return cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                "YTDLP_OPTIONS", f"is not valid JSON ({exc.msg} at {exc.pos})"
            ) from None
        if not isinstance(data, dict):
            raise ConfigError("YTDLP_OPTIONS", 'must be a JSON object, e.g. {"format": "b"}')
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise options_error(exc) from None

    def to_params(
        self, sub_langs: Sequence[str] = ("en",), *, media: bool = True
    ) -> dict[str, Any]:
        """The ``YoutubeDL`` parameters these options stand for (unset ones are left out).

        ``media=False`` leaves out what only matters when media is fetched (format, audio
        conversion, captions) and keeps the rest (proxy, pacing, extractor arguments...).
        """
        params: dict[str, Any] = {}
        fmt = self.format or ("bestaudio/best" if self.audio_only or self.audio_format else None)
        if fmt and media:
            params["format"] = fmt
        if self.audio_format and media:
            params["postprocessors"] = [
                {"key": "FFmpegExtractAudio", "preferredcodec": self.audio_format}
            ]
        if self.subtitles and media:
            params.update(subtitle_params(sub_langs, self.subtitle_format))
        simple = {
            "ratelimit": self.rate_limit,
            "sleep_interval": self.sleep_interval,
            "max_sleep_interval": self.max_sleep_interval,
            "sleep_interval_requests": self.sleep_requests,
            "sleep_interval_subtitles": self.sleep_subtitles,
            "proxy": self.proxy,
            "retries": self.retries,
            "fragment_retries": self.fragment_retries,
            "concurrent_fragment_downloads": self.concurrent_fragments,
        }
        params.update({k: v for k, v in simple.items() if v is not None})
        if self.extractor_args:
            params["extractor_args"] = {k: dict(v) for k, v in self.extractor_args.items()}
        return params


def subtitle_params(sub_langs: Sequence[str], subtitle_format: str | None) -> dict[str, Any]:
    """Parameters that write manual and automatic captions in ``sub_langs``."""
    params: dict[str, Any] = {
        "writesubtitles": True,
        "writeautomaticsub": True,
        "subtitleslangs": list(sub_langs),
    }
    if subtitle_format:
        params["subtitlesformat"] = subtitle_format
    return params


def options_error(exc: ValidationError) -> ConfigError:
    """The first problem of a :class:`YtdlpOptions` validation, naming the option."""
    first = exc.errors()[0]
    location = [str(part) for part in first.get("loc", ())]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden" and location:
        known = ", ".join(YtdlpOptions.model_fields)
        return ConfigError("YTDLP_OPTIONS", f"unknown option {location[0]!r} (known: {known})")
    if location:
        return ConfigError("YTDLP_OPTIONS", f"option {'.'.join(location)!r}: {message}")
    return ConfigError("YTDLP_OPTIONS", message)
