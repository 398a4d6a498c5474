"""Settings of one expansion, built from :class:`agent.config.Config` or by hand in tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.errors import ConfigError
from agent.net.guard import AddressGuard
from agent.sources.urls import CHANNEL_TABS, Policy

if TYPE_CHECKING:
    from agent.config import Config


def load_extractors(spec: str) -> tuple[Any, ...]:
    """Call ``module:function`` (SOURCE_EXTRACTORS) and return the extractors it gives."""
    import importlib

    module_name, _, function_name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), function_name)
        return tuple(factory())
    except Exception as exc:  # an operator's setting: report it, whatever it raised
        raise ConfigError("SOURCE_EXTRACTORS", f"cannot load {spec!r} ({exc})") from None


@dataclass(frozen=True)
class ExpandOptions:
    """Filters and yt-dlp settings for :func:`agent.sources.expand.expand_source`.

    - ``max_entries``: keep at most this many videos per source (0 = no limit).
    - ``include_shorts`` / ``include_streams``: keep Shorts / live streams (and past streams).
    - ``title_regex``: keep only videos whose title matches (``re.search``).
    - ``channel_tabs``: the channel tabs a channel root expands over.
    - ``sleep_interval_requests``: seconds yt-dlp waits between its HTTP requests.
    - ``cookies_file``: a Netscape cookies file handed to yt-dlp.
    - ``policy``: ``youtube`` (YouTube URLs only) or ``any`` (whatever yt-dlp can expand).
    - ``extra_extractors``: yt-dlp InfoExtractor classes or instances tried *before* the built-in
      ones (tests and the demo serve YouTube-shaped results through them).
    - ``socket_timeout``: seconds before a silent connection counts as a transport error.
    - ``ytdlp_params``: further yt-dlp parameters, applied last.
    - ``min_duration_s`` / ``max_duration_s``: keep only videos this long (an entry whose
      duration yt-dlp does not list is kept).
    - ``known`` and ``stop_after_known``: a rescan; ``known(video_key)`` tells a video already
      queued, done or dead-lettered, and reading a playlist or tab stops after
      ``stop_after_known`` known videos in a row (0: read everything). See
      :mod:`agent.sources.rescan`.
    - ``url_guard``: the addresses yt-dlp may connect to (``ALLOW_PRIVATE_URLS``); by default
      none that is private, loopback, link-local or a metadata host.
    """

    max_entries: int = 0
    include_shorts: bool = True
    include_streams: bool = True
    title_regex: str | None = None
    channel_tabs: tuple[str, ...] = CHANNEL_TABS
    sleep_interval_requests: float = 0.0
    cookies_file: Path | None = None
    policy: Policy = "youtube"
    extra_extractors: tuple[Any, ...] = ()
    socket_timeout: float = 30.0
    ytdlp_params: Mapping[str, Any] = field(default_factory=dict)
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    known: Callable[[str], bool] | None = None
    stop_after_known: int = 0
    url_guard: AddressGuard = field(default_factory=AddressGuard)

    def __post_init__(self) -> None:
        if self.max_entries < 0:
            raise ConfigError("MAX_ENTRIES_PER_SOURCE", "must be 0 (no limit) or more")
        if self.stop_after_known < 0:
            raise ConfigError("stop_after_known", "must be 0 (read everything) or more")
        unknown = [t for t in self.channel_tabs if t not in CHANNEL_TABS]
        if unknown or not self.channel_tabs:
            raise ConfigError(
                "CHANNEL_TABS", f"must list some of {', '.join(CHANNEL_TABS)} (got {unknown})"
            )
        if self.title_regex:
            try:
                re.compile(self.title_regex)
            except re.error as exc:
                raise ConfigError(
                    "TITLE_REGEX", f"is not a valid regular expression ({exc})"
                ) from None

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> ExpandOptions:
        """The options a :class:`Config` describes; ``overrides`` replace single fields."""
        values: dict[str, Any] = {
            "max_entries": config.max_entries_per_source,
            "include_shorts": config.include_shorts,
            "include_streams": config.include_streams,
            "title_regex": config.title_regex,
            "channel_tabs": tuple(t.lower() for t in config.channel_tab_list),
            "sleep_interval_requests": config.ytdlp_sleep_requests,
            "cookies_file": config.cookies_file,
            "policy": config.source_url_policy,
            "socket_timeout": config.request_timeout_seconds,
            "url_guard": config.url_guard,
        }
        if config.source_extractors:
            values["extra_extractors"] = load_extractors(config.source_extractors)
        # YTDLP_OPTIONS' network options (proxy, extractor arguments, pacing) apply here too.
        from agent.ytdlp.options import YtdlpOptions

        values["ytdlp_params"] = YtdlpOptions.parse(config.ytdlp_options).to_params(media=False)
        values.update(overrides)
        return cls(**values)

    @property
    def rescanning(self) -> bool:
        """True when reading stops after ``stop_after_known`` known videos in a row."""
        return self.known is not None and self.stop_after_known > 0

    @property
    def wanted_tabs(self) -> tuple[str, ...]:
        """``channel_tabs`` without the tabs the include flags exclude."""
        excluded = {"shorts"} if not self.include_shorts else set()
        if not self.include_streams:
            excluded.add("streams")
        return tuple(t for t in self.channel_tabs if t not in excluded)
