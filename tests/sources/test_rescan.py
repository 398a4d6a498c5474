"""Rescans stop after K known videos in a row: a channel that grows between rescans."""

from __future__ import annotations

from agent.sources import expand_source
from agent.sources.dedup import DedupIndex
from agent.sources.rescan import RESCAN_STOP_AFTER_KNOWN
from agent.sources.synthetic import Catalog, SyntheticChannel, flat_video, synthetic_id
from tests.sources.helpers import synthetic_options

UC = "UC" + "growinggrowinggrowing1"


def uploads(start: int, count: int) -> list[dict[str, object]]:
    """``count`` videos numbered from ``start``, newest first (as a tab lists them)."""
    return [
        flat_video(synthetic_id(f"up{i}"), f"Upload {i}", duration=100 + i)
        for i in reversed(range(start, start + count))
    ]


def test_a_growing_channel_is_rescanned_from_the_top(catalog: Catalog) -> None:
    catalog.page_size = 30
    chan = SyntheticChannel("Growing", UC, {"videos": uploads(0, 300), "shorts": uploads(900, 40)})
    root = catalog.add_channel("@growing", chan)
    index = DedupIndex()

    first = expand_source(root, synthetic_options(catalog))
    assert first.video_count == 340
    assert len(catalog.pages) == 10 + 2  # every page of both tabs
    index.update(e.video_key for e in first.entries)

    chan.tabs["videos"] = uploads(300, 5) + chan.tabs["videos"]  # five new uploads on top
    catalog.pages.clear()
    rescan = synthetic_options(catalog, known=index.__contains__, stop_after_known=10)
    second = expand_source(root, rescan)
    new = [e.video_key for e in second.entries if e.video_key not in index]
    assert new == [synthetic_id(f"up{i}") for i in reversed(range(300, 305))]
    assert len(catalog.pages) == 2  # one page of videos, one of shorts
    assert second.total_seen == (5 + 10) + 10  # stopped after 10 known in each tab
    assert second.title == "Growing"


def test_a_rescan_reads_on_while_videos_are_new(catalog: Catalog) -> None:
    catalog.page_size = 30
    url = catalog.add_playlist("PLgrow0001", "Grows", uploads(0, 100))
    index = DedupIndex()
    index.update(e.video_key for e in expand_source(url, synthetic_options(catalog)).entries)
    catalog.playlists["PLgrow0001"] = ("Grows", uploads(100, 45) + uploads(0, 100))
    catalog.pages.clear()
    options = synthetic_options(catalog, known=index.__contains__, stop_after_known=5)
    rescan = expand_source(url, options)
    assert len([e for e in rescan.entries if e.video_key not in index]) == 45
    assert len(catalog.pages) == 2  # 45 new + 5 known = 50 entries: two pages of 30
    assert rescan.title == "Grows"


def test_without_known_videos_the_whole_list_is_read(catalog: Catalog) -> None:
    catalog.page_size = 30
    url = catalog.add_playlist("PLgrow0002", "All new", uploads(0, 70))
    options = synthetic_options(
        catalog, known=DedupIndex().__contains__, stop_after_known=RESCAN_STOP_AFTER_KNOWN
    )
    expansion = expand_source(url, options)
    assert expansion.video_count == 70
    assert len(catalog.pages) == 3


def test_duration_filters(catalog: Catalog) -> None:
    entries = [
        flat_video(synthetic_id("d1"), "short", duration=30),
        flat_video(synthetic_id("d2"), "mid", duration=300),
        flat_video(synthetic_id("d3"), "long", duration=7200),
        flat_video(synthetic_id("d4"), "unknown"),
    ]
    url = catalog.add_playlist("PLdur0001", "Durations", entries)
    options = synthetic_options(catalog, min_duration_s=60, max_duration_s=3600)
    expansion = expand_source(url, options)
    assert [e.title for e in expansion.entries] == ["mid", "unknown"]
    assert expansion.skipped == {"duration_filter": 2}
