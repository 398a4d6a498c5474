"""The YouTube-shaped sources the hostile-input tests serve offline (``SOURCE_EXTRACTORS``).

Deterministic and built on each call, so an agent in this process or in another one sees the
same catalog: a good playlist whose titles are hostile or odd, a private playlist, a removed
one, and a channel that has no videos.
"""

from __future__ import annotations

from agent.schema import MAX_CELL_CHARS
from agent.sources.synthetic import (
    Catalog,
    SyntheticChannel,
    SyntheticYoutubeIE,
    flat_video,
    synthetic_id,
)

GOOD = "https://www.youtube.com/playlist?list=PLhostileGood01"
PRIVATE = "https://www.youtube.com/playlist?list=PLhostilePrivate1"
REMOVED = "https://www.youtube.com/playlist?list=PLhostileRemoved1"
EMPTY_CHANNEL = "https://www.youtube.com/@hostile-empty"
#: A playlist with a title that is not valid Unicode text (a lone surrogate, as ``json.loads``
#: gives for ``"\\ud800"`` in a page's JSON): it cannot be encoded as UTF-8 as it is.
BROKEN_TEXT = "https://www.youtube.com/playlist?list=PLhostileBrokenText"
LONE_SURROGATE_TITLE = "half a pair \udcff here"

#: Titles that must reach the sheet (and History) exactly as they are, or cut with a marker.
TITLES: dict[str, str] = {
    "formula_eq": "=1+1",
    "formula_plus": "+1+1",
    "formula_minus": "-1+1",
    "formula_at": "@SUM(1,2)",
    "formula_import": '=IMPORTXML("http://x","//a")',
    "html": "<img src=x onerror=alert(1)>",
    "script": "<script>alert('x')</script>",
    "rich_markup": "[bold red]not markup[/bold red]",
    "emoji": "🎬 👨‍👩‍👧 🇵🇹 ✓",
    "scripts": "ação — 日本語 — العربية — Ελληνικά",
    "combining": "e\u0301 a\u0308 \u200b zero-width",
    "replacement_char": "bad byte \ufffd here",
    "huge": "y" * (MAX_CELL_CHARS + 10_000),
}


def video_of(label: str) -> str:
    """The video id that carries the title ``TITLES[label]``."""
    return synthetic_id(f"hostile-{label}")


def build() -> Catalog:
    """The catalog."""
    catalog = Catalog()
    entries = [flat_video(video_of(label), title) for label, title in TITLES.items()]
    catalog.add_playlist("PLhostileGood01", "Good <b>list</b> =1+1", entries)
    catalog.add_playlist(
        "PLhostileBrokenText",
        "Broken text",
        [
            flat_video(synthetic_id("hostile-plain"), "plain title"),
            flat_video(synthetic_id("hostile-surrogate"), LONE_SURROGATE_TITLE),
        ],
    )
    catalog.fail(PRIVATE, "This playlist is private")
    catalog.fail(REMOVED, "The playlist does not exist.")
    catalog.add_channel(
        "@hostile-empty",
        SyntheticChannel("Empty channel", "UChostileEmpty00000000000", {"videos": []}),
    )
    return catalog


def extractors() -> list[SyntheticYoutubeIE]:
    """``SOURCE_EXTRACTORS`` entry point."""
    return [SyntheticYoutubeIE(build())]
