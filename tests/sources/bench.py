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
from agent.sources.synthetic import Catalog, SyntheticYoutubeIE, flat_video, synthetic_id


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


if __name__ == "__main__":
    main()
