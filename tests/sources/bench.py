"""Benchmark helpers for the sources package (not tests: they print figures, assert nothing).

``python -m tests.sources.bench`` prints the dedup index's memory for 100,000 keys and the time
to expand synthetic playlists of 100, 1,000 and 5,000 entries through yt-dlp.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from typing import Any

from agent.sources import DedupIndex, ExpandOptions, expand_source
from agent.sources.rescan import RESCAN_STOP_AFTER_KNOWN
from agent.sources.synthetic import (
    Catalog,
    SyntheticChannel,
    SyntheticYoutubeIE,
    flat_video,
    synthetic_id,
)

#: Entries per page of a YouTube channel tab (each page is one request).
PAGE_SIZE = 30


def build_index(count: int) -> DedupIndex:
    """An index holding ``count`` distinct synthetic YouTube ids."""
    index = DedupIndex()
    for i in range(count):
        index.add(synthetic_id(f"bench{i}"))
    return index


def dedup_memory(count: int = 100_000) -> dict[str, Any]:
    """Memory of a :class:`DedupIndex` of ``count`` keys, two ways, with a set of str beside."""
    keys = [synthetic_id(f"bench{i}") for i in range(count)]
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    index = DedupIndex()
    index.update(keys)
    build_s = time.perf_counter() - started
    traced, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    hits = sum(1 for k in keys[::10] if k in index)
    lookup_us = (time.perf_counter() - started) / max(1, len(keys[::10])) * 1e6
    tracemalloc.start()
    as_strings = {k[:5] + k[5:] for k in keys}  # fresh str objects, as read from a sheet
    plain, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del as_strings
    return {
        "keys": len(index),
        "approx_bytes": index.approx_bytes(),
        "traced_bytes": traced,
        "set_of_str_bytes": plain,
        "build_s": round(build_s, 3),
        "lookup_us": round(lookup_us, 2),
        "hits": hits,
    }


def expansion_speed(size: int) -> dict[str, Any]:
    """Time to expand a synthetic playlist of ``size`` flat entries through yt-dlp."""
    catalog = Catalog()
    entries = [
        flat_video(synthetic_id(f"pl{size}-{i}"), f"Video {i}", duration=i) for i in range(size)
    ]
    url = catalog.add_playlist(f"PLbench{size:08d}", f"Bench {size}", entries)
    options = ExpandOptions(extra_extractors=(SyntheticYoutubeIE(catalog),))
    started = time.perf_counter()
    expansion = expand_source(url, options)
    return {
        "entries": len(expansion.entries),
        "seconds": round(time.perf_counter() - started, 3),
        "extractions": len(catalog.requests),
    }


def rescan_requests(
    size: int, new: int, stop_after: int = RESCAN_STOP_AFTER_KNOWN
) -> dict[str, Any]:
    """Pages a channel's videos tab costs: full read, then a rescan after ``new`` uploads.

    The tab is served 30 entries a page, newest first, as YouTube does; a page is a request.
    """
    catalog = Catalog(page_size=PAGE_SIZE)
    videos = [flat_video(synthetic_id(f"rs{size}-{i}"), f"v{i}", duration=60) for i in range(size)]
    channel = SyntheticChannel("Bench", "UC" + "benchbenchbenchbench01", {"videos": videos})
    root = catalog.add_channel("@bench", channel) + "/videos"
    options = ExpandOptions(extra_extractors=(SyntheticYoutubeIE(catalog),))
    index = DedupIndex()
    index.update(e.video_key for e in expand_source(root, options).entries)
    full_pages = len(catalog.pages)
    fresh = [flat_video(synthetic_id(f"rs{size}-new{i}"), f"n{i}") for i in range(new)]
    channel.tabs["videos"] = fresh + videos
    catalog.pages.clear()
    rescan = ExpandOptions(
        extra_extractors=(SyntheticYoutubeIE(catalog),),
        known=index.__contains__,
        stop_after_known=stop_after,
    )
    found = [e for e in expand_source(root, rescan).entries if e.video_key not in index]
    rescan_pages = len(catalog.pages)
    catalog.pages.clear()
    expand_source(root, options)
    return {
        "videos": size,
        "new": new,
        "found": len(found),
        "stop_after_known": stop_after,
        "full_pages": full_pages,
        "rescan_pages": rescan_pages,
        "rescan_without_stop_pages": len(catalog.pages),
    }


def main() -> None:
    """Print the figures."""
    memory = dedup_memory()
    print("dedup index, 100,000 keys:")
    for name, value in memory.items():
        print(f"  {name:>17}: {value:,}" if isinstance(value, int) else f"  {name:>17}: {value}")
    for size in (100, 1_000, 5_000):
        figures = expansion_speed(size)
        print(
            f"expand playlist of {size:>5,}: {figures['entries']:>5,} entries in "
            f"{figures['seconds']:.3f} s, {figures['extractions']} extraction(s)"
        )
    for size, new in ((300, 0), (300, 5), (3_000, 5), (3_000, 40)):
        r = rescan_requests(size, new)
        print(
            f"rescan of a {size:>5,}-video tab, {new:>2} new: {r['rescan_pages']} page(s) "
            f"(found {r['found']}; without the stop {r['rescan_without_stop_pages']}, "
            f"first read {r['full_pages']})"
        )


if __name__ == "__main__":
    main()
