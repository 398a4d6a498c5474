"""YTDLP_OPTIONS: validated at start with the option named; mapped to yt-dlp's parameters."""

from __future__ import annotations

import pytest
import yt_dlp

from agent.config import Config
from agent.errors import ConfigError
from agent.ytdlp.options import YtdlpOptions
from agent.ytdlp.params import HandlerSettings, handler_params, split_langs

BASE = {"worker_name": "w", "spreadsheet_id": "s", "sheets_emulator_host": "127.0.0.1:1"}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('{"rate_limit": "fast"}', "option 'rate_limit'"),
        ('{"formt": "b"}', "unknown option 'formt'"),
        ('{"sleep_interval": -1}', "option 'sleep_interval'"),
        ('{"proxy": "ftp://proxy.example:21"}', "option 'proxy'"),
        ('{"max_sleep_interval": 3}', "max_sleep_interval needs sleep_interval"),
        ('{"extractor_args": {"youtube": {"po_token": 5}}}', "'extractor_args.youtube.po_token'"),
        ('{"audio_format": "mp5"}', "option 'audio_format'"),
        ("[1, 2]", "must be a JSON object"),
        ("{bad json", "is not valid JSON"),
    ],
)
def test_bad_options_stop_the_agent_naming_the_option(text: str, names: str) -> None:
    with pytest.raises(ConfigError) as info:
        Config.load(**BASE, ytdlp_options=text)
    assert info.value.variable == "YTDLP_OPTIONS"
    assert names in info.value.problem


def test_a_proxy_password_is_not_echoed_in_errors() -> None:
    with pytest.raises(ConfigError) as info:
        YtdlpOptions.parse('{"proxy": "ftp://user:hunter2@proxy.example"}')
    assert "hunter2" not in str(info.value)


def test_options_map_to_ytdlp_parameters() -> None:
    options = YtdlpOptions.parse(
        """{"audio_format": "mp3", "subtitles": true, "subtitle_format": "vtt",
            "rate_limit": "2M", "sleep_interval": 5, "max_sleep_interval": 10,
            "sleep_requests": 0.75, "sleep_subtitles": 5, "proxy": "socks5://127.0.0.1:9050",
            "extractor_args": {"YouTube": {"po_token": "web.gvs+TOKEN"}}, "retries": 3}"""
    )
    assert options.to_params(("en", "pt")) == {
        "format": "bestaudio/best",
        "postprocessors": [{"key": "FFmpegExtractAudio", "preferredcodec": "mp3"}],
        "writesubtitles": True,
        "writeautomaticsub": True,
        "subtitleslangs": ["en", "pt"],
        "subtitlesformat": "vtt",
        "ratelimit": 2 * 1024 * 1024,
        "sleep_interval": 5.0,
        "max_sleep_interval": 10.0,
        "sleep_interval_requests": 0.75,
        "sleep_interval_subtitles": 5.0,
        "proxy": "socks5://127.0.0.1:9050",
        "extractor_args": {"youtube": {"po_token": ["web.gvs+TOKEN"]}},
        "retries": 3,
    }
    assert "format" not in options.to_params(media=False)
    assert options.to_params(media=False)["proxy"] == "socks5://127.0.0.1:9050"


def test_ytdlp_accepts_the_parameters() -> None:
    options = YtdlpOptions.parse('{"format": "bv*[height<=720]+ba/b", "rate_limit": 500000}')
    settings = HandlerSettings(options=options, sub_langs=split_langs("en, pt ,"))
    params = handler_params(settings, {"skip_download": True})
    with yt_dlp.YoutubeDL(params) as ydl:  # yt-dlp validates format and rate on init
        assert ydl.params["format"] == "bv*[height<=720]+ba/b"
        assert ydl.params["ratelimit"] == 500000
    assert settings.sub_langs == ("en", "pt")


def test_config_fields_and_defaults() -> None:
    config = Config.load(**BASE)
    assert config.task_timeout_seconds == 0  # no limit unless asked (docs/youtube.md)
    assert config.sub_langs == "en"
    assert config.ytdlp_options is None
    with pytest.raises(ConfigError) as info:
        Config.load(**BASE, task_timeout_seconds=-1)
    assert info.value.variable == "TASK_TIMEOUT_SECONDS"
    settings = HandlerSettings.from_config(
        Config.load(**BASE, ytdlp_options='{"audio_only": true}', sub_langs="pt,en")
    )
    assert settings.options.audio_only and settings.sub_langs == ("pt", "en")


def test_expansion_uses_the_network_options_too() -> None:
    from agent.sources import ExpandOptions
    from agent.sources.ytdlp import ytdlp_params

    config = Config.load(
        **BASE,
        ytdlp_options='{"proxy": "http://127.0.0.1:3128", "format": "b", "sleep_requests": 2}',
    )
    params = ytdlp_params(ExpandOptions.from_config(config))
    assert params["proxy"] == "http://127.0.0.1:3128"
    assert params["sleep_interval_requests"] == 2.0  # YTDLP_OPTIONS wins over the default
    assert "format" not in params  # media options are the handlers' business
