"""ExpandOptions: built from Config, validated, turned into yt-dlp parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import Config
from agent.errors import ConfigError
from agent.sources import ExpandOptions
from agent.sources.ytdlp import WINDOW_SLACK, fetch_window, ytdlp_params


def config(**fields: object) -> Config:
    return Config.load(
        worker_name="w1", spreadsheet_id="sheet", sheets_emulator_host="127.0.0.1:8085", **fields
    )


def test_from_config_copies_every_setting(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    options = ExpandOptions.from_config(
        config(
            channel_tabs="Videos, streams",
            max_entries_per_source=7,
            include_shorts=False,
            include_streams=True,
            title_regex="^Ep",
            ytdlp_sleep_requests=1.5,
            cookies_file=str(cookies),
            source_url_policy="any",
            request_timeout_seconds=12,
        )
    )
    assert options.channel_tabs == ("videos", "streams")
    assert (options.max_entries, options.include_shorts, options.include_streams) == (
        7,
        False,
        True,
    )
    assert options.title_regex == "^Ep"
    assert options.sleep_interval_requests == 1.5
    assert options.cookies_file == cookies
    assert options.policy == "any"
    assert options.socket_timeout == 12


def test_from_config_defaults_and_overrides() -> None:
    options = ExpandOptions.from_config(config(), max_entries=3)
    assert options.channel_tabs == ("videos", "shorts", "streams")
    assert options.policy == "youtube"
    assert options.max_entries == 3
    assert options.wanted_tabs == ("videos", "shorts", "streams")


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(ConfigError) as info:
        ExpandOptions.from_config(config(channel_tabs="videos,community"))
    assert info.value.variable == "CHANNEL_TABS"
    with pytest.raises(ConfigError) as info:
        ExpandOptions(title_regex="(")
    assert info.value.variable == "TITLE_REGEX"
    with pytest.raises(ConfigError):
        ExpandOptions(max_entries=-1)


def test_wanted_tabs_follow_the_include_flags() -> None:
    assert ExpandOptions(include_shorts=False).wanted_tabs == ("videos", "streams")
    assert ExpandOptions(include_streams=False, channel_tabs=("streams",)).wanted_tabs == ()


def test_ytdlp_params(tmp_path: Path) -> None:
    params = ytdlp_params(
        ExpandOptions(
            sleep_interval_requests=0.75,
            cookies_file=tmp_path / "c.txt",
            max_entries=10,
            ytdlp_params={"socket_timeout": 3},
        )
    )
    assert params["extract_flat"] is True
    assert params["skip_download"] and params["quiet"] and not params["ignoreerrors"]
    assert params["sleep_interval_requests"] == 0.75
    assert params["cookiefile"] == str(tmp_path / "c.txt")
    assert params["playlistend"] == 10 + WINDOW_SLACK
    assert params["socket_timeout"] == 3
    assert "cookiefile" not in ytdlp_params(ExpandOptions())
    assert "playlistend" not in ytdlp_params(ExpandOptions())


def test_a_title_filter_reads_everything() -> None:
    assert fetch_window(ExpandOptions(max_entries=5, title_regex="x")) is None
    assert fetch_window(ExpandOptions(max_entries=5)) == 5 + WINDOW_SLACK
    assert fetch_window(ExpandOptions()) is None
