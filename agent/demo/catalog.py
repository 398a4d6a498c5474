"""The demo's videos and sources: pure data shared by the site, the handler and the checks.

Three pages on the local site list YouTube videos the way real pages do: two HTML pages of
``<iframe src="https://www.youtube.com/embed/ID">`` embeds and an RSS 2.0 feed whose items link
to watch URLs (in several forms). The pages share a few videos, so dedup has work to do. One
item's title is a spreadsheet formula and one is HTML: both must end up in the sheet as text.
A YouTube channel (its Videos and Shorts tabs, one private video among them) is answered
offline by :mod:`agent.demo.extractors` in the shapes yt-dlp's YouTube extractor produces. A
single-video YouTube URL (expanded from its id, with no request) and one malformed URL, as a
person might type it, complete the sources.

Video ids are derived from fixed seeds, so every run has the same ids, and the same videos fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agent.sources.synthetic import synthetic_id

FORMULA_TITLE = '=IMPORTXML("http://x","//a")'
HTML_TITLE = "<img src=x onerror=alert(1)>"
#: Typed without a scheme: the leader rejects it and moves it to Sources DLQ as INVALID.
INVALID_SOURCE = "www.youtube.com/watch?v=typed-by-hand"

PageKind = Literal["embeds", "rss"]


@dataclass(frozen=True)
class Video:
    """One demo video: its 11-character id, the title its page gives, and the link form used."""

    video_id: str
    title: str
    link: Literal["watch", "short", "shorts"] = "watch"

    @property
    def url(self) -> str:
        """The link the page carries (RSS items use several forms)."""
        if self.link == "short":
            return f"https://youtu.be/{self.video_id}"
        if self.link == "shorts":
            return f"https://www.youtube.com/shorts/{self.video_id}"
        return f"https://www.youtube.com/watch?v={self.video_id}"


@dataclass(frozen=True)
class Page:
    """A page of the local site: where it is served, its title, its kind and its videos."""

    path: str
    title: str
    kind: PageKind
    videos: tuple[Video, ...]


def _videos(first: int, titles: tuple[str, ...]) -> tuple[Video, ...]:
    return tuple(
        Video(synthetic_id(f"orc-demo-{first + i}"), title) for i, title in enumerate(titles)
    )


KITCHEN = _videos(
    0,
    (
        "Knife skills in five minutes",
        "Sourdough, day one",
        "The perfect omelette",
        "Stock from scraps",
        "Pickling anything",
        "Fresh pasta by hand",
        "Street food of Lisbon",
        "A week of one-pot dinners",
    ),
)
TRAVEL = _videos(
    100,
    (
        "Night train to Porto",
        "Hiking the Levadas",
        "Azores on a budget",
        "Packing light",
        "Twelve hours in Madrid",
    ),
)
PICKS = (
    Video(synthetic_id("orc-demo-200"), FORMULA_TITLE),
    Video(synthetic_id("orc-demo-201"), HTML_TITLE, "short"),
    Video(synthetic_id("orc-demo-202"), "Tiny houses, big ideas", "shorts"),
    Video(synthetic_id("orc-demo-203"), "How trains find their way"),
    Video(synthetic_id("orc-demo-204"), "Café culture, explained", "short"),
    Video(synthetic_id("orc-demo-205"), "Why bridges sing"),
)
SINGLE = Video(synthetic_id("orc-demo-300"), "")

#: A YouTube channel served offline (see :mod:`agent.demo.extractors`).
CHANNEL_URL = "https://www.youtube.com/@orc-demo"
CHANNEL_NAME = "orc demo channel"
CHANNEL_VIDEOS = _videos(400, ("Welcome to the channel", "Behind the scenes", "Q&A, part one"))
CHANNEL_SHORTS = _videos(500, ("60 seconds of rain", "One-minute bread"))
#: Listed by the channel as "[Private video]": skipped, never queued.
CHANNEL_PRIVATE = Video(synthetic_id("orc-demo-450"), "[Private video]")

PAGES: tuple[Page, ...] = (
    Page("/kitchen.html", "Kitchen basics", "embeds", KITCHEN),
    # Shares two videos with the kitchen page: they are queued once.
    Page("/travel.html", "Travel diaries", "embeds", (*KITCHEN[6:8], *TRAVEL)),
    # Repeats a kitchen video under another link form: queued once too.
    Page("/picks.xml", "Weekly picks", "rss", (*PICKS, Video(KITCHEN[2].video_id, "Omelette!"))),
)

#: Videos whose every attempt fails: they end in Tasks DLQ.
BROKEN: frozenset[str] = frozenset({KITCHEN[4].video_id, TRAVEL[3].video_id})
#: Videos whose first attempt fails: retried by some agent, they end in Tasks History.
FLAKY: frozenset[str] = frozenset({KITCHEN[1].video_id, PICKS[3].video_id})


def expected_video_ids() -> frozenset[str]:
    """Every distinct video the valid sources list: one task each."""
    ids = {video.video_id for page in PAGES for video in page.videos}
    ids.update(video.video_id for video in (*CHANNEL_VIDEOS, *CHANNEL_SHORTS, SINGLE))
    return frozenset(ids)


def source_urls(base_url: str) -> list[str]:
    """The valid sources, for a site served at ``base_url`` (no trailing slash)."""
    return [base_url + page.path for page in PAGES] + [CHANNEL_URL, SINGLE.url]


def all_source_urls(base_url: str) -> list[str]:
    """The valid sources, then the invalid one."""
    return [*source_urls(base_url), INVALID_SOURCE]
