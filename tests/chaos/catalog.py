"""The chaos scenario's sources: YouTube-shaped playlists served offline, built from settings.

Agents are separate processes, so they rebuild the same catalog from the environment:
``SOURCE_EXTRACTORS=tests.chaos.catalog:extractors`` with ``CHAOS_SEED``, ``CHAOS_SOURCES``,
``CHAOS_VIDEOS`` (per source) and ``CHAOS_LATE`` (sources the person appends during the run).
Everything is derived from those numbers, so the runner knows every task that must exist.

Neighbouring playlists share videos (dedup must queue them once), one playlist is "removed"
(it must go to Sources DLQ), and titles include formulas, HTML, emoji and a 60,000-character
title (stored as text, the long one truncated with a marker).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from agent.runtime.feed import task_id_for
from agent.sources.synthetic import Catalog, SyntheticYoutubeIE, flat_video, synthetic_id

#: Each playlist repeats this many videos of the one before it.
SHARED_WITH_PREVIOUS = 3
#: Titles a careless or hostile uploader might choose; one in every few videos gets one.
HOSTILE_TITLES = (
    '=IMPORTXML("http://x","//a")',
    "+SUM(1,2)",
    "-1+1",
    "@mention",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "🎬 emoji ✓ — ação",
    "x" * 60_000,
)
REMOVED_MESSAGE = "The playlist does not exist."


@dataclass(frozen=True)
class ChaosCatalog:
    """What the scenario serves and therefore expects."""

    seed: int
    sources: int
    videos: int
    late: int

    def playlist_id(self, index: int) -> str:
        """The id of playlist ``index`` (``sources`` first, then the late ones)."""
        return f"PLchaos{self.seed}x{index:03d}"

    def url(self, index: int) -> str:
        """The playlist URL of source ``index``."""
        return f"https://www.youtube.com/playlist?list={self.playlist_id(index)}"

    @property
    def removed_url(self) -> str:
        """A playlist that does not exist any more: it must end in Sources DLQ."""
        return f"https://www.youtube.com/playlist?list=PLchaos{self.seed}removed"

    def initial_urls(self) -> list[str]:
        """The sources added before the agents start (the removed one included)."""
        return [self.url(i) for i in range(self.sources)] + [self.removed_url]

    def late_urls(self) -> list[str]:
        """The sources the person appends while the agents run."""
        return [self.url(self.sources + i) for i in range(self.late)]

    def video_ids(self, index: int) -> list[str]:
        """The video ids of playlist ``index``, in order (some shared with ``index - 1``)."""
        own = [synthetic_id(f"chaos-{self.seed}-{index}-{j}") for j in range(self.videos)]
        if index == 0:
            return own
        previous = [synthetic_id(f"chaos-{self.seed}-{index - 1}-{j}") for j in range(self.videos)]
        return previous[-SHARED_WITH_PREVIOUS:] + own[SHARED_WITH_PREVIOUS:]

    def entries(self, index: int) -> list[dict[str, Any]]:
        """Flat entries of playlist ``index``."""
        out = []
        for j, video_id in enumerate(self.video_ids(index)):
            title = (
                HOSTILE_TITLES[(index + j) % len(HOSTILE_TITLES)]
                if j % 7 == 3
                else f"chaos video {index}-{j}"
            )
            out.append(flat_video(video_id, title, duration=float(30 + j)))
        return out

    def build(self) -> Catalog:
        """The catalog :class:`SyntheticYoutubeIE` serves."""
        catalog = Catalog()
        for index in range(self.sources + self.late):
            title = f"Chaos list {index}"
            catalog.add_playlist(self.playlist_id(index), title, self.entries(index))
        catalog.fail(self.removed_url, REMOVED_MESSAGE)
        return catalog

    def index_of(self, url: str) -> int | None:
        """Which playlist ``url`` is (None for the removed one or an unknown URL)."""
        for index in range(self.sources + self.late):
            if url.strip() == self.url(index):
                return index
        return None

    def task_ids(self, urls: list[str]) -> set[str]:
        """The task IDs that the sources ``urls`` must produce (each video once)."""
        ids: set[str] = set()
        for url in urls:
            index = self.index_of(url)
            if index is not None:
                ids.update(task_id_for(v) for v in self.video_ids(index))
        return ids

    def environment(self) -> dict[str, str]:
        """The settings an agent process needs to rebuild this catalog."""
        return {
            "SOURCE_EXTRACTORS": "tests.chaos.catalog:extractors",
            "CHAOS_SEED": str(self.seed),
            "CHAOS_SOURCES": str(self.sources),
            "CHAOS_VIDEOS": str(self.videos),
            "CHAOS_LATE": str(self.late),
        }

    @classmethod
    def from_environment(cls) -> ChaosCatalog:
        """The catalog an agent process was told to serve."""
        return cls(
            seed=int(os.environ.get("CHAOS_SEED", "1")),
            sources=int(os.environ.get("CHAOS_SOURCES", "3")),
            videos=int(os.environ.get("CHAOS_VIDEOS", "20")),
            late=int(os.environ.get("CHAOS_LATE", "1")),
        )


def extractors() -> list[SyntheticYoutubeIE]:
    """``SOURCE_EXTRACTORS`` entry point: the scenario's playlists, rebuilt from the environment."""
    return [SyntheticYoutubeIE(ChaosCatalog.from_environment().build())]
