"""What an expansion produces: one :class:`VideoEntry` per video, in an :class:`Expansion`."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.sources.urls import SourceRef

#: Reasons counted in :attr:`Expansion.skipped`.
SKIP_REASONS: tuple[str, ...] = (
    "private",  # "[Private video]" placeholders, availability "private"
    "deleted",  # "[Deleted video]"
    "unavailable",  # "[Unavailable video]", empty entries
    "members_only",  # availability "subscriber_only"
    "premium_only",  # availability "premium_only"
    "needs_auth",  # availability "needs_auth"
    "upcoming",  # scheduled streams and premieres: nothing to process yet
    "shorts",  # INCLUDE_SHORTS=false
    "streams",  # INCLUDE_STREAMS=false
    "title_filter",  # TITLE_REGEX did not match (or the entry has no title)
    "duration_filter",  # shorter than Min Duration or longer than Max Duration (per source)
    "duplicate",  # the same video twice in this source
    "max_entries",  # beyond MAX_ENTRIES_PER_SOURCE
    "no_key",  # an entry with no recognisable video
    "nested_playlist",  # a reference to another playlist (not followed)
)


@dataclass(frozen=True)
class VideoEntry:
    """One video of a source.

    ``video_key`` is the dedup key (the 11-character id for YouTube); ``url`` the canonical watch
    URL for YouTube, else the entry's own URL; ``title`` the literal title ("" when unknown),
    capped at a cell's 50,000 characters; ``tab`` the channel tab it came from, if any.
    """

    video_key: str
    url: str
    title: str
    duration_s: float | None = None
    tab: str | None = None


@dataclass
class Expansion:
    """The result of expanding one source.

    ``title`` names the source (playlist title, channel name); ``entries`` are the videos kept,
    in source order, each once; ``skipped`` counts what was left out, by reason (see
    :data:`SKIP_REASONS`); ``total_seen`` counts every entry yt-dlp listed.
    """

    source: SourceRef
    title: str
    entries: list[VideoEntry] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    total_seen: int = 0

    @property
    def video_count(self) -> int:
        """How many videos the source yields (the Sources tab's Video Count)."""
        return len(self.entries)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count ``count`` entries left out for ``reason``."""
        self.skipped[reason] = self.skipped.get(reason, 0) + count
