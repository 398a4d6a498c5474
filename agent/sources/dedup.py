"""The dedup index: every video key already queued, done or dead-lettered, kept small.

Keys are read incrementally per tab: :meth:`DedupIndex.next_row` says where to read from,
:meth:`DedupIndex.feed` takes what was read. The read starts one row early, on the last key
already seen (the *anchor*): if that row no longer holds that key, rows above it were removed or
inserted (rotation of History, a person deleting rows), the tab is marked for a full re-read and
``feed`` returns False. Keys are never dropped: a key that left a tab (rotated to an archive)
stays a duplicate.

Memory: YouTube ids (11 characters of base64url, the last one carrying 4 bits) pack losslessly
into 64-bit integers, kept in a sorted ``array('Q')`` plus a small set of recent additions that
is merged in geometrically; other keys (``url:…``) live in a plain set. 100,000 YouTube keys take
about 1 MB instead of ~10 MB for a set of strings.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {ch: i for i, ch in enumerate(_ALPHABET)}
_MIN_MERGE = 4096


def pack_video_id(key: str) -> int | None:
    """The 64-bit integer of a YouTube video id, or None when ``key`` is not one."""
    if len(key) != 11:
        return None
    value = 0
    for ch in key[:10]:
        digit = _VALUE.get(ch)
        if digit is None:
            return None
        value = (value << 6) | digit
    last = _VALUE.get(key[10])
    if last is None or last & 3:
        return None  # real ids end in one of 16 characters (4 bits)
    return (value << 4) | (last >> 2)


@dataclass
class _TabState:
    next_row: int
    anchor_row: int | None = None
    anchor_key: str | None = None


class DedupIndex:
    """An in-memory set of video keys, fed incrementally per tab.

    ``first_row`` is the first data row of every tab (row 1 holds the headers).
    """

    def __init__(self, first_row: int = 2) -> None:
        self.first_row = first_row
        self._packed = array("Q")
        self._recent: set[int] = set()
        self._other: set[str] = set()
        self._tabs: dict[str, _TabState] = {}
        self.rereads = 0  # how many times a tab had to be read again from the top

    # ------------------------------------------------------------------ the set
    def add(self, key: str) -> bool:
        """Add ``key``; True when it was new. Empty keys are ignored."""
        key = key.strip() if isinstance(key, str) else ""
        if not key:
            return False
        packed = pack_video_id(key)
        if packed is None:
            if key in self._other:
                return False
            self._other.add(key)
            return True
        if packed in self._recent or self._in_packed(packed):
            return False
        self._recent.add(packed)
        if len(self._recent) >= max(_MIN_MERGE, len(self._packed) // 8):
            self._merge()
        return True

    def update(self, keys: Iterable[str]) -> int:
        """Add many keys; returns how many were new."""
        return sum(1 for key in keys if self.add(key))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        key = key.strip()
        packed = pack_video_id(key)
        if packed is None:
            return key in self._other
        return packed in self._recent or self._in_packed(packed)

    def __len__(self) -> int:
        return len(self._packed) + len(self._recent) + len(self._other)

    def _in_packed(self, packed: int) -> bool:
        i = bisect_left(self._packed, packed)
        return i < len(self._packed) and self._packed[i] == packed

    def _merge(self) -> None:
        merged = array("Q", heapq.merge(self._packed, sorted(self._recent)))
        self._packed = merged
        self._recent = set()

    # ------------------------------------------------------------------ per-tab reading
    def next_row(self, tab: str) -> int:
        """The row to read ``tab`` from next: the anchor row (last key seen), else the top."""
        state = self._tabs.get(tab)
        if state is None:
            return self.first_row
        return state.anchor_row if state.anchor_row is not None else state.next_row

    def feed(self, tab: str, first_row: int, keys: Sequence[str | None]) -> bool:
        """Take the keys read from ``tab`` starting at ``first_row`` (one per row, "" if blank).

        Every key is added. Returns False when the overlap check failed (rows above the anchor
        moved): the tab is then reset so that the next :meth:`next_row` is the top, and the
        caller should read it again now.
        """
        for key in keys:
            if key:
                self.add(key)
        state = self._tabs.setdefault(tab, _TabState(next_row=self.first_row))
        if not self._overlap_holds(state, first_row, keys):
            self.reset_tab(tab)
            self.rereads += 1
            return False
        end = first_row + len(keys)
        state.next_row = max(end, state.next_row) if first_row <= state.next_row else end
        for offset in range(len(keys) - 1, -1, -1):
            key = keys[offset]
            if key and key.strip():
                state.anchor_row, state.anchor_key = first_row + offset, key.strip()
                break
        return True

    @staticmethod
    def _overlap_holds(state: _TabState, first_row: int, keys: Sequence[str | None]) -> bool:
        if state.anchor_row is None or first_row > state.anchor_row:
            return True  # nothing to compare (first read, or the caller skipped the anchor)
        offset = state.anchor_row - first_row
        if offset >= len(keys):
            return False  # the tab ends above the anchor: rows were removed
        found = keys[offset]
        return (found or "").strip() == state.anchor_key

    def shift(self, tab: str, delta: int) -> None:
        """Tell the index that rows of ``tab`` moved by ``delta`` (e.g. -1000 after removing
        1,000 rows at the top), so the next read stays incremental."""
        state = self._tabs.get(tab)
        if state is None:
            return
        state.next_row = max(self.first_row, state.next_row + delta)
        if state.anchor_row is not None:
            state.anchor_row += delta
            if state.anchor_row < self.first_row:
                state.anchor_row = state.anchor_key = None

    def reset_tab(self, tab: str) -> None:
        """Read ``tab`` again from the top next time (its keys stay in the index)."""
        self._tabs[tab] = _TabState(next_row=self.first_row)

    # ------------------------------------------------------------------ measuring
    def approx_bytes(self) -> int:
        """Bytes held by the index's containers and keys (``sys.getsizeof`` based)."""
        size = sys.getsizeof(self) + sys.getsizeof(self.__dict__)
        size += sys.getsizeof(self._packed)
        size += sys.getsizeof(self._recent) + sum(sys.getsizeof(v) for v in self._recent)
        size += sys.getsizeof(self._other) + sum(sys.getsizeof(k) for k in self._other)
        size += sys.getsizeof(self._tabs)
        size += sum(sys.getsizeof(t) + sys.getsizeof(s) for t, s in self._tabs.items())
        return size
