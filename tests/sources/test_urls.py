"""URL recognition against the shared fixture file, policy ``any``, and video keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from yt_dlp.utils import smuggle_url

from agent.errors import InvalidUrlError, SourceError
from agent.sources.urls import MAX_URL_LENGTH, classify_url, normalise_url, video_key

FIXTURE = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "source_urls.json").read_text("utf-8")
)
VID = "dQw4w9WgXcQ"
PL = "PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf"


def test_fixture_limit_matches_code() -> None:
    assert FIXTURE["max_length"] == MAX_URL_LENGTH


@pytest.mark.parametrize("case", FIXTURE["accepted"], ids=lambda c: c["url"].strip()[:60])
def test_accepted_examples(case: dict[str, Any]) -> None:
    ref = classify_url(case["url"])
    assert ref.kind == case["kind"]
    assert ref.playlist_id == case.get("playlist_id")
    assert ref.video_id == case.get("video_id")
    assert ref.url == ref.url.strip() and ref.url.startswith("https://www.youtube.com/")


@pytest.mark.parametrize(
    "case", FIXTURE["rejected"], ids=lambda c: f"{c['reason']}:{c['url'][:40]}"
)
def test_rejected_examples(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidUrlError) as info:
        classify_url(case["url"])
    assert info.value.code == case["reason"]
    assert isinstance(info.value, SourceError) and not info.value.retry_later


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (f"https://m.youtube.com/watch?v={VID}&t=42s", f"https://www.youtube.com/watch?v={VID}"),
        (f"https://youtu.be/{VID}?si=x", f"https://www.youtube.com/watch?v={VID}"),
        (f"https://www.youtube.com/shorts/{VID}", f"https://www.youtube.com/watch?v={VID}"),
        (
            f"https://www.youtube.com/watch?v={VID}&list={PL}&index=3",
            f"https://www.youtube.com/playlist?list={PL}",
        ),
        (f"https://youtu.be/{VID}?list={PL}", f"https://www.youtube.com/playlist?list={PL}"),
        (
            f"https://www.youtube.com/embed/videoseries?list={PL}",
            f"https://www.youtube.com/playlist?list={PL}",
        ),
        ("https://m.youtube.com/@Handle/Videos", "https://www.youtube.com/@Handle/videos"),
        ("https://www.youtube.com/@handle/?x=1", "https://www.youtube.com/@handle"),
        ("https://music.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw", None),
    ],
)
def test_canonical_urls(url: str, canonical: str | None) -> None:
    ref = classify_url(url)
    expected = canonical or "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert ref.url == expected


def test_list_is_ignored_on_video_paths_and_trailing_dots_on_hosts() -> None:
    assert classify_url(f"https://www.youtube.com/shorts/{VID}?list={PL}").kind == "video"
    assert classify_url(f"https://www.youtube.com/embed/{VID}?list={PL}").kind == "video"
    assert classify_url(f"https://www.youtube.com./watch?v={VID}").video_id == VID
    assert classify_url(f"https://www.youtube.com/watch?list={PL}").playlist_id == PL
    assert classify_url("https://www.youtube.com/@caf%C3%A9").kind == "channel"


def test_channel_tabs_are_recorded() -> None:
    assert classify_url("https://www.youtube.com/@h/shorts").channel_tab == "shorts"
    assert classify_url("https://www.youtube.com/c/Name/streams").channel_tab == "streams"
    assert classify_url("https://www.youtube.com/@h").channel_tab is None


def test_mix_playlists_keep_their_video() -> None:
    ref = classify_url(f"https://www.youtube.com/watch?v={VID}&list=RD{VID}")
    assert ref.kind == "playlist"
    assert ref.url == f"https://www.youtube.com/watch?v={VID}&list=RD{VID}"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://www.youtube.com/@handle/community", "unsupported_path"),
        ("https://www.youtube.com/@handle/featured", "unsupported_path"),
        ("https://www.youtube.com/@h\u00e9/videos", "unsupported_path"),
        ("https://www.youtube.com/e/dQw4w9WgXcQ", "unsupported_path"),
        ("https://www.youtube.com/embed/videoseries", "unsupported_path"),
        (f"https://www.youtube.com/watch?v=short&list={PL}", "bad_video_id"),
        (f"https://www.youtube.com/watch?v=&list={PL}", "bad_video_id"),
        (f"https://youtu.be/abc?list={PL}", "bad_video_id"),
        ("javascript: alert(1)", "not_url"),
        ("https://www.youtube.com/@handle/videos/extra", "unsupported_path"),
        ("https://www.youtube.com/channel/notachannelid", "unsupported_path"),
        ("https://www.youtube.com/watch", "unsupported_path"),
        ("https://www.youtube.com/watch?list=bad!", "unsupported_path"),
        ("https://youtu.be/", "unsupported_path"),
        ("https://www.youtube-nocookie.com/watch?v=dQw4w9WgXcQ", "unsupported_path"),
        ("https://user@www.youtube.com/watch?v=dQw4w9WgXcQ", "unsupported_host"),
        ("https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ", "unsupported_host"),
        ("https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ", "unsupported_host"),
        ("https://www.you tube.com/watch?v=dQw4w9WgXcQ", "not_url"),
        ("https://", "not_url"),
        ("http://[::1", "not_url"),
        ("JavaScript:alert(1)", "bad_scheme"),
        ("https://www.youtube.com/playlist?list=PL" + "x" * 63, "unsupported_path"),
        ("https://x.example/" + "a" * MAX_URL_LENGTH, "too_long"),
    ],
)
def test_more_rejections(url: str, code: str) -> None:
    with pytest.raises(InvalidUrlError) as info:
        classify_url(url)
    assert info.value.code == code


def test_length_limit_is_inclusive_and_checked_after_trimming() -> None:
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&x="
    url += "a" * (MAX_URL_LENGTH - len(url))
    assert classify_url(f"  {url}\n").kind == "video"


@pytest.mark.parametrize(
    "url",
    [
        "https://vimeo.com/123456",
        "http://127.0.0.1:8000/feed.xml",
        "https://www.youtube.com/feed/trending",
        "https://youtu.be/abc",
    ],
)
def test_policy_any_admits_every_http_url(url: str) -> None:
    ref = classify_url(url, policy="any")
    assert ref.kind == "other"
    assert ref.url == normalise_url(url)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("javascript:alert(1)", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("data:text/html,<b>x</b>", "bad_scheme"),
        ("not a url", "not_url"),
        ("", "empty"),
    ],
)
def test_policy_any_still_rejects_other_schemes(url: str, code: str) -> None:
    with pytest.raises(InvalidUrlError) as info:
        classify_url(url, policy="any")
    assert info.value.code == code


def test_policy_any_still_recognises_youtube() -> None:
    ref = classify_url(f"https://youtu.be/{VID}", policy="any")
    assert (ref.kind, ref.video_id) == ("video", VID)


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={VID}",
        f"http://youtube.com/watch?feature=share&v={VID}",
        f"https://youtu.be/{VID}?si=xyz",
        f"https://www.youtube.com/shorts/{VID}",
        f"https://www.youtube.com/live/{VID}?feature=share",
        f"https://www.youtube.com/embed/{VID}",
        f"https://www.youtube-nocookie.com/embed/{VID}?rel=0",
        f"https://www.youtube.com/v/{VID}",
        f"https://www.youtube.com/watch?v={VID}&list={PL}",
        f"https://yewtu.be/watch?v={VID}",
        smuggle_url(f"https://www.youtube.com/watch?v={VID}", {"force_videoid": "g1"}),
        smuggle_url(f"https://youtu.be/{VID}", {"a": 1}),
    ],
)
def test_video_key_of_every_youtube_form(url: str) -> None:
    assert video_key(url) == VID


def test_video_key_of_entries() -> None:
    assert video_key({"_type": "url", "ie_key": "Youtube", "id": VID, "url": "x"}) == VID
    embed = {"_type": "url", "ie_key": "Youtube", "url": f"https://www.youtube.com/embed/{VID}"}
    assert video_key(embed) == VID
    rss = {"_type": "url_transparent", "url": smuggle_url(f"https://youtu.be/{VID}", {"a": 1})}
    assert video_key(rss) == VID
    assert video_key({"_type": "url", "url": "https://example.com/v/1#frag"}) == (
        "url:https://example.com/v/1"
    )
    assert video_key({"id": "42", "extractor_key": "Vimeo"}) == "vimeo:42"
    assert video_key({"title": "nothing"}) is None


def test_video_key_of_non_youtube_urls_is_stable() -> None:
    assert video_key("HTTP://Example.COM:80/a?b=1#x") == "url:http://example.com/a?b=1"
    assert video_key("https://example.com:8443/a") == "url:https://example.com:8443/a"
    assert video_key("https://www.youtube.com/playlist?list=" + PL) is None
    assert video_key("not a url") is None
    assert video_key("") is None
    assert video_key(None) is None
