"""The dedup index: set semantics, incremental reads per tab, shift detection, memory."""

from __future__ import annotations

import pytest

from agent.sources.dedup import DedupIndex, pack_video_id
from agent.sources.synthetic import synthetic_id
from tests.sources.bench import build_index

IDS = [synthetic_id(i) for i in range(50)]


def test_set_semantics() -> None:
    index = DedupIndex()
    assert index.add("dQw4w9WgXcQ")
    assert not index.add("dQw4w9WgXcQ")
    assert index.add("url:https://example.com/a")
    assert index.add("odd_id_zzzz")  # 11 characters but not packable (last char): kept as text
    assert not index.add("")
    assert "dQw4w9WgXcQ" in index and " dQw4w9WgXcQ " in index
    assert "url:https://example.com/a" in index and "odd_id_zzzz" in index
    assert "9bZkp7q19f0" not in index and 42 not in index
    assert len(index) == 3
    assert index.update(IDS + IDS) == len(IDS)


def test_packing_is_lossless_for_real_ids() -> None:
    packed = {pack_video_id(i) for i in IDS}
    assert None not in packed and len(packed) == len(IDS)
    assert all(0 <= p < 2**64 for p in packed if p is not None)
    assert pack_video_id("dQw4w9WgXcQ") != pack_video_id("dQw4w9WgXcA")
    assert pack_video_id("short") is None and pack_video_id("bad!chars!!") is None


def test_many_keys_survive_merges() -> None:
    index = build_index(20_000)
    assert len(index) == 20_000
    assert all(synthetic_id(f"bench{i}") in index for i in range(0, 20_000, 97))
    assert synthetic_id("absent") not in index


def test_incremental_reads_per_tab() -> None:
    index = DedupIndex()
    assert index.next_row("Tasks") == 2
    assert index.feed("Tasks", 2, IDS[:5])  # rows 2..6
    assert index.next_row("Tasks") == 6  # the last row read, read again as the overlap check
    assert index.feed("Tasks", 6, [IDS[4], IDS[5], IDS[6]])
    assert index.next_row("Tasks") == 8
    assert index.next_row("Tasks History") == 2  # tabs are independent
    assert index.feed("Tasks", 8, [IDS[6]])  # nothing new
    assert index.next_row("Tasks") == 8
    assert len(index) == 7


def test_blank_rows_keep_the_anchor_on_the_last_key() -> None:
    index = DedupIndex()
    assert index.feed("Tasks", 2, [IDS[0], "", None, IDS[1], ""])
    assert index.next_row("Tasks") == 5
    assert index.feed("Tasks", 5, [IDS[1], "", IDS[2]])
    assert index.next_row("Tasks") == 7


def test_rows_removed_from_the_top_ask_for_a_reread_and_keep_keys() -> None:
    index = DedupIndex()
    assert index.feed("Tasks History", 2, IDS[:10])  # rows 2..11, anchor IDS[9] at row 11
    # Rotation moved the first 6 rows away; 2 rows were appended: rows 2..7 now hold IDS[6:12].
    tab_now = IDS[6:12]
    start = index.next_row("Tasks History")
    assert start == 11
    read = tab_now[start - 2 :]  # rows 11.. do not exist any more
    assert not index.feed("Tasks History", start, read)
    assert index.rereads == 1
    assert index.next_row("Tasks History") == 2  # read it all again
    assert all(k in index for k in IDS[:10])  # rotated keys stay duplicates
    assert index.feed("Tasks History", 2, tab_now)
    assert IDS[11] in index
    assert index.next_row("Tasks History") == 7


def test_rows_inserted_above_are_detected() -> None:
    index = DedupIndex()
    assert index.feed("Tasks", 2, IDS[:3])  # anchor IDS[2] at row 4
    tab_now = [IDS[40], *IDS[:3], IDS[3]]  # someone inserted a row at the top
    assert not index.feed("Tasks", 4, tab_now[2:])  # row 4 now holds IDS[1]
    assert index.feed("Tasks", 2, tab_now)
    assert IDS[3] in index and IDS[40] in index


def test_shift_keeps_reads_incremental_after_own_rotation() -> None:
    index = DedupIndex()
    assert index.feed("Tasks History", 2, IDS[:10])  # anchor at row 11
    index.shift("Tasks History", -6)  # we removed 6 rows at the top ourselves
    assert index.next_row("Tasks History") == 5
    assert index.feed("Tasks History", 5, [IDS[9], IDS[10]])
    index.shift("Tasks History", -100)
    assert index.next_row("Tasks History") == 2
    index.shift("unknown tab", 5)
    assert index.next_row("unknown tab") == 2


def test_skipping_the_overlap_row_is_trusted() -> None:
    index = DedupIndex()
    assert index.feed("Tasks", 2, IDS[:3])
    assert index.feed("Tasks", 5, IDS[3:5])
    assert index.next_row("Tasks") == 6


def test_memory_of_100k_keys_is_small() -> None:
    index = build_index(100_000)
    assert len(index) == 100_000
    size = index.approx_bytes()
    assert size < 30 * 1024 * 1024  # the requirement; in practice about 1 MB
    assert size < 4 * 1024 * 1024


@pytest.mark.parametrize("count", [0, 1, 4095, 4096, 4097])
def test_sizes_around_the_merge_threshold(count: int) -> None:
    index = build_index(count)
    assert len(index) == count
    if count:
        assert synthetic_id(f"bench{count - 1}") in index
