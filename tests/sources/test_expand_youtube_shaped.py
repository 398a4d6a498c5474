"""YouTube-shaped flat results, served by a yt-dlp InfoExtractor and processed by yt-dlp."""

from __future__ import annotations

from typing import Any

import pytest

from agent.errors import InvalidUrlError
from agent.sources import ExpansionError, expand_source
from agent.sources.synthetic import (
    Catalog,
    SyntheticChannel,
    SyntheticYoutubeIE,
    flat_video,
    synthetic_id,
)
from agent.sources.ytdlp import WINDOW_SLACK, extract_flat, open_session
from tests.sources.helpers import synthetic_options

V = [synthetic_id(i) for i in range(40)]
UC = "UC" + "abcdefghijklmnopqrstuv"
FORMULA = '=IMPORTXML("http://x","//a")'
HTML_TITLE = "<img src=x onerror=alert(1)>"


def channel(tabs: dict[str, list[dict[str, Any]]]) -> SyntheticChannel:
    return SyntheticChannel(name="Synth Channel", channel_id=UC, tabs=tabs)


def full_channel() -> SyntheticChannel:
    return channel(
        {
            "videos": [
                flat_video(V[0], "First", duration=60),
                flat_video(V[1], "[Private video]"),
                flat_video(V[2], "Second", duration=125.5),
            ],
            "shorts": [flat_video(V[3], "A short", shorts=True), flat_video(V[0], "First again")],
            "streams": [
                flat_video(V[4], "Past stream", live_status="was_live", duration=3600),
                flat_video(V[5], "Next week", live_status="is_upcoming"),
            ],
        }
    )


def test_playlist_entries_placeholders_and_duplicates(catalog: Catalog) -> None:
    url = catalog.add_playlist(
        "PLsynthetic0001",
        "A playlist",
        [
            flat_video(V[0], FORMULA, duration=212),
            flat_video(V[1], "[Private video]"),
            flat_video(V[2], "[Deleted video]"),
            flat_video(V[3], "Members", availability="subscriber_only"),
            flat_video(V[4], "Premium", availability="premium_only"),
            flat_video(V[5], "Auth", availability="needs_auth"),
            flat_video(V[6], "Unlisted is fine", availability="unlisted"),
            flat_video(V[7], HTML_TITLE, availability="public"),
            flat_video(V[0], "Again"),
        ],
    )
    expansion = expand_source(url, synthetic_options(catalog))
    assert expansion.title == "A playlist"
    assert [(e.video_key, e.title, e.duration_s) for e in expansion.entries] == [
        (V[0], FORMULA, 212.0),
        (V[6], "Unlisted is fine", None),
        (V[7], HTML_TITLE, None),
    ]
    assert expansion.entries[0].url == f"https://www.youtube.com/watch?v={V[0]}"
    assert expansion.skipped == {
        "private": 1,
        "deleted": 1,
        "members_only": 1,
        "premium_only": 1,
        "needs_auth": 1,
        "duplicate": 1,
    }
    assert expansion.total_seen == 9
    assert expansion.video_count == 3


def test_watch_url_with_list_is_the_playlist(catalog: Catalog) -> None:
    catalog.add_playlist(
        "PLsynthetic0002", "Listed", [flat_video(V[8], "a"), flat_video(V[9], "b")]
    )
    url = f"https://www.youtube.com/watch?v={V[30]}&list=PLsynthetic0002&index=2"
    expansion = expand_source(url, synthetic_options(catalog))
    assert [e.video_key for e in expansion.entries] == [V[8], V[9]]
    assert expansion.source.kind == "playlist"
    assert catalog.requests == ["https://www.youtube.com/playlist?list=PLsynthetic0002"]


def test_channel_root_is_flattened_over_its_tabs(catalog: Catalog) -> None:
    root = catalog.add_channel("@synth", full_channel())
    expansion = expand_source(root, synthetic_options(catalog))
    assert expansion.title == "Synth Channel"
    assert [(e.video_key, e.tab) for e in expansion.entries] == [
        (V[0], "videos"),
        (V[2], "videos"),
        (V[4], "streams"),
        (V[3], "shorts"),
    ]
    assert expansion.skipped == {"private": 1, "duplicate": 1, "upcoming": 1}
    assert expansion.total_seen == 7
    assert catalog.requests == [root]  # one extraction: yt-dlp's root handling


def test_channel_without_shorts_reads_the_wanted_tabs_only(catalog: Catalog) -> None:
    root = catalog.add_channel("channel/" + UC, full_channel())
    expansion = expand_source(root, synthetic_options(catalog, include_shorts=False))
    assert [e.video_key for e in expansion.entries] == [V[0], V[2], V[4]]
    assert catalog.requests == [f"{root}/videos", f"{root}/streams"]
    assert expansion.title == "Synth Channel"


def test_streams_excluded(catalog: Catalog) -> None:
    root = catalog.add_channel("@synth", full_channel())
    expansion = expand_source(root, synthetic_options(catalog, include_streams=False))
    assert [e.video_key for e in expansion.entries] == [V[0], V[2], V[3]]


def test_root_expansion_also_filters_by_entry(catalog: Catalog) -> None:
    chan = channel(
        {
            "videos": [
                flat_video(V[0], "Normal"),
                flat_video(V[1], "Short in videos", shorts=True),
                flat_video(V[2], "Live now", live_status="is_live"),
            ],
            "shorts": [flat_video(V[3], "Short", shorts=True)],
        }
    )
    root = catalog.add_channel("@mixed", chan)
    options = synthetic_options(catalog, channel_tabs=("videos",), include_streams=False)
    expansion = expand_source(root, options)
    assert [e.video_key for e in expansion.entries] == [V[0], V[1]]
    assert expansion.skipped == {"streams": 1}
    options = synthetic_options(catalog, include_shorts=False, include_streams=False)
    expansion = expand_source(root, options)
    assert [e.video_key for e in expansion.entries] == [V[0]]
    assert expansion.skipped == {"shorts": 1, "streams": 1}


def test_missing_tabs_are_fine_while_one_exists(catalog: Catalog) -> None:
    root = catalog.add_channel("@onlyshorts", channel({"shorts": [flat_video(V[3], "S")]}))
    options = synthetic_options(catalog, channel_tabs=("videos", "shorts"))
    expansion = expand_source(root, options)
    assert [e.video_key for e in expansion.entries] == [V[3]]


def test_no_requested_tab_is_a_dead_letter(catalog: Catalog) -> None:
    root = catalog.add_channel("@onlyshorts", channel({"shorts": [flat_video(V[3], "S")]}))
    options = synthetic_options(catalog, channel_tabs=("videos", "streams"))
    with pytest.raises(ExpansionError) as info:
        expand_source(root, options)
    assert not info.value.retry_later
    assert "This channel does not have a videos tab" in info.value.reason
    assert "This channel does not have a streams tab" in info.value.reason


def test_explicit_missing_tab_is_a_dead_letter(catalog: Catalog) -> None:
    root = catalog.add_channel("@novideos", channel({"shorts": [flat_video(V[3], "S")]}))
    with pytest.raises(ExpansionError) as info:
        expand_source(f"{root}/streams", synthetic_options(catalog))
    assert not info.value.retry_later
    assert info.value.reason.endswith("This channel does not have a streams tab")


def test_explicit_tab_url(catalog: Catalog) -> None:
    root = catalog.add_channel("@synth", full_channel())
    expansion = expand_source(f"{root}/shorts", synthetic_options(catalog))
    assert [(e.video_key, e.tab) for e in expansion.entries] == [(V[3], "shorts"), (V[0], "shorts")]
    assert expansion.title == "Synth Channel"


def test_unknown_channel_and_missing_playlist_are_dead_letters(catalog: Catalog) -> None:
    for url in (
        "https://www.youtube.com/@nobody",
        "https://www.youtube.com/playlist?list=PLdoesnotexist",
    ):
        with pytest.raises(ExpansionError) as info:
            expand_source(url, synthetic_options(catalog))
        assert not info.value.retry_later
    assert "The playlist does not exist." in info.value.reason


def test_private_only_playlist_means_no_videos_found(catalog: Catalog) -> None:
    url = catalog.add_playlist("PLprivate0001", "Hidden", [flat_video(V[0], "[Private video]")])
    with pytest.raises(ExpansionError) as info:
        expand_source(url, synthetic_options(catalog))
    assert info.value.reason == "no videos found (1 private)"
    assert not info.value.retry_later


def test_filters_that_remove_everything_are_not_an_error(catalog: Catalog) -> None:
    url = catalog.add_playlist(
        "PLfilter0001", "F", [flat_video(V[0], "cats"), flat_video(V[1], "")]
    )
    expansion = expand_source(url, synthetic_options(catalog, title_regex="dogs"))
    assert expansion.entries == []
    assert expansion.skipped == {"title_filter": 2}


def test_title_regex_and_max_entries(catalog: Catalog) -> None:
    entries = [flat_video(V[i], f"Part {i}" if i % 2 else f"Extra {i}") for i in range(10)]
    url = catalog.add_playlist("PLfilter0002", "F", entries)
    expansion = expand_source(url, synthetic_options(catalog, title_regex=r"^Part", max_entries=3))
    assert [e.title for e in expansion.entries] == ["Part 1", "Part 3", "Part 5"]
    assert expansion.skipped == {"title_filter": 5, "max_entries": 2}


def test_max_entries_limits_what_ytdlp_reads(catalog: Catalog) -> None:
    big = [flat_video(synthetic_id(f"big{i}"), f"v{i}") for i in range(200)]
    url = catalog.add_playlist("PLbig0001", "Big", big)
    expansion = expand_source(url, synthetic_options(catalog, max_entries=5))
    assert len(expansion.entries) == 5
    assert expansion.total_seen == 5 + WINDOW_SLACK  # yt-dlp's playlistend stopped the rest
    assert expansion.skipped == {"max_entries": WINDOW_SLACK}


def test_max_entries_counts_over_all_channel_tabs(catalog: Catalog) -> None:
    root = catalog.add_channel("@synth", full_channel())
    expansion = expand_source(root, synthetic_options(catalog, max_entries=3))
    assert [e.video_key for e in expansion.entries] == [V[0], V[2], V[4]]
    assert expansion.skipped["max_entries"] == 1


def test_references_to_other_playlists_are_counted_not_followed(catalog: Catalog) -> None:
    ref = {
        "_type": "url",
        "ie_key": "YoutubeTab",
        "url": "https://www.youtube.com/playlist?list=PLnested0001",
        "title": "Nested",
    }
    url = catalog.add_playlist("PLouter0001", "Outer", [ref, flat_video(V[0], "x")])
    expansion = expand_source(url, synthetic_options(catalog))
    assert [e.video_key for e in expansion.entries] == [V[0]]
    assert expansion.skipped == {"nested_playlist": 1}
    assert len(catalog.requests) == 1


def test_single_video_needs_no_request(catalog: Catalog) -> None:
    expansion = expand_source(f"https://youtu.be/{V[0]}?si=x", synthetic_options(catalog))
    assert [(e.video_key, e.url) for e in expansion.entries] == [
        (V[0], f"https://www.youtube.com/watch?v={V[0]}")
    ]
    assert expansion.total_seen == 1
    assert catalog.requests == []


def test_invalid_url_is_rejected_before_ytdlp(catalog: Catalog) -> None:
    with pytest.raises(InvalidUrlError) as info:
        expand_source("https://www.youtube.com/feed/trending", synthetic_options(catalog))
    assert info.value.code == "unsupported_path"
    assert catalog.requests == []


def test_flat_entries_come_back_from_process_ie_result_unresolved(catalog: Catalog) -> None:
    url = catalog.add_playlist("PLraw0001", "Raw", [flat_video(V[0], "x", duration=5)])
    options = synthetic_options(catalog)
    with open_session(options) as ydl:
        info = extract_flat(ydl, url)
    assert info is not None
    assert info["_type"] == "playlist"
    assert info["playlist_count"] == 1
    assert info["extractor_key"] == "SyntheticYoutube"
    [entry] = info["entries"]
    assert (entry["_type"], entry["ie_key"], entry["id"]) == ("url", "Youtube", V[0])


def test_extractor_is_tried_before_the_builtin_ones(catalog: Catalog) -> None:
    url = catalog.add_playlist("PLorder0001", "Order", [flat_video(V[0], "x")])
    extractor = SyntheticYoutubeIE(catalog)
    expand_source(url, synthetic_options(catalog))
    assert catalog.requests == [url]
    assert extractor.ie_key() == "SyntheticYoutube"
