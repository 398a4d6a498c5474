"""The handlers with real yt-dlp's YouTube extractor and real Deno, against the local site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent import handlers
from agent.errors import AgentError
from agent.ytdlp.options import YtdlpOptions
from agent.ytdlp.params import HandlerSettings, configure
from tests.ytdlp.youtube_site import (
    LOOPBACK_GUARD,
    N_CHALLENGE,
    VID_DEFAULT,
    FakeYoutube,
    Video,
)

WATCH = f"https://www.youtube.com/watch?v={VID_DEFAULT}"
VTT = "WEBVTT\n\n00:00.000 --> 00:01.000\n{}\n"
COOKIES = "# Netscape HTTP Cookie File\n.youtube.com\tTRUE\t/\tTRUE\t2147483647\tSID\tabc\n"


def install(youtube: FakeYoutube, output_dir: Path, **fields: Any) -> None:
    settings = HandlerSettings(
        output_dir=output_dir, extra_params=youtube.params(), guard=LOOPBACK_GUARD, **fields
    )
    configure(settings)


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    configure(None)


def test_audio_downloads_the_audio_format_with_the_challenge_solved(
    youtube: FakeYoutube, output_dir: Path
) -> None:
    youtube.videos[VID_DEFAULT] = Video(title="Song")
    install(youtube, output_dir)
    paths = handlers.audio(WATCH)
    assert paths == [output_dir.resolve() / f"{VID_DEFAULT}.m4a"]
    assert paths[0].stat().st_size == 4096
    # yt-dlp ran the player's n function in Deno (yt-dlp-ejs) before fetching the media.
    assert [q["n"] for q in youtube.media_queries] == [[N_CHALLENGE[::-1]]]


def test_subtitles_writes_the_wanted_languages_only(youtube: FakeYoutube, output_dir: Path) -> None:
    youtube.videos[VID_DEFAULT] = Video(
        captions={"en": VTT.format("hello"), "pt": VTT.format("olá")}
    )
    options = YtdlpOptions(sleep_subtitles=0, subtitle_format="vtt")
    install(youtube, output_dir, sub_langs=("pt",), options=options)
    paths = handlers.subtitles(WATCH)
    assert [p.name for p in paths] == [f"{VID_DEFAULT}.pt.vtt"]
    assert "olá" in paths[0].read_text(encoding="utf-8")
    assert not any("videoplayback" in r for r in youtube.requests)  # no media fetched


def test_subtitles_without_the_language_fails_naming_sub_langs(
    youtube: FakeYoutube, output_dir: Path
) -> None:
    youtube.videos[VID_DEFAULT] = Video(captions={"en": VTT.format("hello")})
    install(youtube, output_dir, sub_langs=("de",), options=YtdlpOptions(sleep_subtitles=0))
    with pytest.raises(AgentError, match="SUB_LANGS"):
        handlers.subtitles(WATCH)


def test_cookies_and_extractor_args_reach_youtube(
    youtube: FakeYoutube, output_dir: Path, tmp_path: Path
) -> None:
    youtube.videos[VID_DEFAULT] = Video()
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES, encoding="utf-8")
    options = YtdlpOptions.parse('{"extractor_args": {"youtube": {"player_client": "tv_samsung"}}}')
    install(youtube, output_dir, cookies_file=cookies, options=options)
    handlers.metadata(WATCH)
    assert youtube.cookies and all("SID=abc" in c for c in youtube.cookies)
    assert set(youtube.player_clients) == {"TVHTML5"}


def test_handlers_read_the_environment_when_not_configured(
    youtube: FakeYoutube, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YTDLP_OPTIONS", '{"format": "nothing-matches-this"}')
    settings = HandlerSettings.from_env()
    assert settings.options.format == "nothing-matches-this"
    assert settings.output_dir == output_dir
