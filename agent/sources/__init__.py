"""Sources: URL recognition, expansion into videos with yt-dlp, and the dedup index.

Pure logic plus yt-dlp: nothing here talks to Sheets. The leader calls
:func:`expand_source` on a claimed source and :class:`DedupIndex` to drop known videos.
"""

from agent.sources.dedup import DedupIndex
from agent.sources.expand import expand_source
from agent.sources.failures import ExpansionError, classify_failure
from agent.sources.model import Expansion, VideoEntry
from agent.sources.options import ExpandOptions
from agent.sources.urls import SourceRef, classify_url, video_key

__all__ = [
    "DedupIndex",
    "ExpandOptions",
    "Expansion",
    "ExpansionError",
    "SourceRef",
    "VideoEntry",
    "classify_failure",
    "classify_url",
    "expand_source",
    "video_key",
]
