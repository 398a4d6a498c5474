"""``SOURCE_EXTRACTORS`` for the demo agents: the demo's YouTube channel, served offline.

The leader asks yt-dlp to expand ``https://www.youtube.com/@orc-demo``; this extractor, tried
before yt-dlp's own, answers with what YouTube's would (a playlist of tab playlists with flat
entries), so channel expansion, Shorts and private placeholders run with no network.
"""

from __future__ import annotations

from agent.demo.catalog import (
    CHANNEL_NAME,
    CHANNEL_PRIVATE,
    CHANNEL_SHORTS,
    CHANNEL_URL,
    CHANNEL_VIDEOS,
)
from agent.sources.synthetic import Catalog, SyntheticChannel, SyntheticYoutubeIE, flat_video

CHANNEL_ID = "UCorcdemo000000000000000"  # 24 characters, as YouTube's


def demo_catalog() -> Catalog:
    """The synthetic catalog: one channel with a Videos and a Shorts tab."""
    videos = [
        flat_video(v.video_id, v.title, duration=95.0 + 30 * i)
        for i, v in enumerate(CHANNEL_VIDEOS)
    ]
    videos.insert(1, flat_video(CHANNEL_PRIVATE.video_id, CHANNEL_PRIVATE.title))
    shorts = [flat_video(v.video_id, v.title, duration=45.0, shorts=True) for v in CHANNEL_SHORTS]
    channel = SyntheticChannel(
        name=CHANNEL_NAME, channel_id=CHANNEL_ID, tabs={"videos": videos, "shorts": shorts}
    )
    catalog = Catalog()
    catalog.add_channel(CHANNEL_URL.removeprefix("https://www.youtube.com/"), channel)
    return catalog


def extractors() -> list[SyntheticYoutubeIE]:
    """The entry point named by ``SOURCE_EXTRACTORS=agent.demo.extractors:extractors``."""
    return [SyntheticYoutubeIE(demo_catalog())]
