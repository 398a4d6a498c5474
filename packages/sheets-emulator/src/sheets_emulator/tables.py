"""Google's "table" detection for ``values.append``.

Observed behaviour (gspread's recordings): with a whole-sheet range and row 1 = ``x, "", y`` the
table is ``C1`` (the block holding the last value), with range ``A1`` it is ``A1``, and with an
empty anchor cell there is no table and data goes to the range's top-left cell. We model it as:

* the anchor is the range's cell itself when the range is one cell (no table if it is empty),
  otherwise the last value in the range (bottom-most row, then right-most column);
* the table is the anchor's *current region*: the smallest rectangle around it bordered by
  empty rows and columns (diagonal neighbours count), searched over the whole sheet (so a
  header-row range such as ``A1:D1`` appends after the whole table, as Google does).
"""

from __future__ import annotations

from sheets_emulator.a1 import Box
from sheets_emulator.model import Sheet


def _mask(sheet: Sheet, row: int) -> int:
    return sheet.rows[row].mask if 0 <= row < len(sheet.rows) else 0


def _window(lo: int, hi: int) -> int:
    """Bits ``lo..hi`` inclusive."""
    return ((1 << (hi - lo + 1)) - 1) << lo if hi >= lo else 0


def _anchor(sheet: Sheet, box: Box) -> tuple[int, int] | None:
    window = _window(box.c0, box.c1 - 1)
    for r in range(min(box.r1, len(sheet.rows)) - 1, box.r0 - 1, -1):
        bits = _mask(sheet, r) & window
        if bits:
            return r, bits.bit_length() - 1
    return None


def find_table(sheet: Sheet, box: Box) -> Box | None:
    """The table ``values.append`` appends after, or None when the range holds no values."""
    if box.height == 1 and box.width == 1:
        if not _mask(sheet, box.r0) >> box.c0 & 1:
            return None
        anchor: tuple[int, int] | None = (box.r0, box.c0)
    else:
        anchor = _anchor(sheet, box)
    if anchor is None:
        return None
    return current_region(sheet, anchor, Box(0, sheet.row_count, 0, sheet.col_count))


def current_region(sheet: Sheet, anchor: tuple[int, int], limits: Box) -> Box:
    """The rectangle around ``anchor`` bounded by empty rows and columns, within ``limits``."""
    rows = sheet.rows
    last = min(limits.r1, len(rows)) - 1  # rows past the materialised ones are empty
    top = bottom = anchor[0]
    left = right = anchor[1]
    union = 0
    seen_top, seen_bottom = top + 1, top - 1  # rows already folded into ``union``
    while True:
        changed = False
        window = _window(max(left - 1, limits.c0), min(right + 1, limits.c1 - 1))
        r = top - 1
        while r >= limits.r0 and r <= last and rows[r].mask & window:
            r -= 1
        if r + 1 < top:
            top, changed = r + 1, True
        r = bottom + 1
        while r <= last and rows[r].mask & window:
            r += 1
        if r - 1 > bottom:
            bottom, changed = r - 1, True
        lo, hi = max(top - 1, limits.r0), min(bottom + 1, last)
        for r in range(lo, min(seen_top, hi + 1)):
            union |= rows[r].mask
        for r in range(max(seen_bottom + 1, lo), hi + 1):
            union |= rows[r].mask
        seen_top, seen_bottom = min(seen_top, lo), max(seen_bottom, hi)
        while left - 1 >= limits.c0 and union >> (left - 1) & 1:
            left, changed = left - 1, True
        while right + 1 < limits.c1 and union >> (right + 1) & 1:
            right, changed = right + 1, True
        if not changed:
            return Box(top, bottom + 1, left, right + 1)
