"""A1 notation: parsing Google's range strings and printing them back the way Google does.

Pure functions, no spreadsheet state. Indexes are zero-based and half-open, like ``GridRange``;
``None`` means unbounded on that side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENDPOINT = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]{1,9})?$")
_CELLISH_TITLE = re.compile(r"^(?:[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[0-9].*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Bounds:
    """A rectangle in a sheet: rows ``r0..r1`` and columns ``c0..c1`` (end exclusive)."""

    r0: int
    r1: int | None
    c0: int
    c1: int | None

    def clamp(self, rows: int, cols: int) -> Box:
        """These bounds limited to a grid of ``rows`` x ``cols`` (unbounded ends go to the edge)."""
        r1 = rows if self.r1 is None else min(self.r1, rows)
        c1 = cols if self.c1 is None else min(self.c1, cols)
        return Box(self.r0, max(r1, self.r0), self.c0, max(c1, self.c0))


@dataclass(frozen=True)
class Box:
    """A bounded rectangle (end exclusive)."""

    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def height(self) -> int:
        """Rows covered."""
        return self.r1 - self.r0

    @property
    def width(self) -> int:
        """Columns covered."""
        return self.c1 - self.c0


@dataclass(frozen=True)
class ParsedRange:
    """What a range string names: a sheet title (or none) and cells, or a bare word."""

    title: str | None
    bounds: Bounds | None
    word: str | None  # a bare token: a sheet title, a named range or (if it parses) cells


def col_letters(index: int) -> str:
    """``0`` -> ``A``, ``26`` -> ``AA``."""
    letters = ""
    n = index + 1
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """``A`` -> ``0``, ``AA`` -> ``26`` (case-insensitive)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def quote_title(title: str) -> str:
    """A sheet title as Google prints it in ranges: quoted only when it has to be."""
    if _PLAIN_TITLE.match(title) and not _CELLISH_TITLE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def cell_ref(row: int, col: int) -> str:
    """``(0, 0)`` -> ``A1``."""
    return f"{col_letters(col)}{row + 1}"


def format_box(title: str, box: Box) -> str:
    """``Sheet1!A1:B2``, or ``Sheet1!B1`` for a single cell (Google's normal form)."""
    start = cell_ref(box.r0, box.c0)
    if box.height <= 1 and box.width <= 1:
        return f"{quote_title(title)}!{start}"
    end = cell_ref(max(box.r1 - 1, box.r0), max(box.c1 - 1, box.c0))
    return f"{quote_title(title)}!{start}:{end}"


def _endpoint(text: str) -> tuple[int | None, int | None] | None:
    match = _ENDPOINT.match(text)
    if not match or not (match.group(1) or match.group(2)):
        return None
    col = col_index(match.group(1)) if match.group(1) else None
    row = int(match.group(2)) - 1 if match.group(2) else None
    if row is not None and row < 0:
        return None
    return col, row


def parse_cells(text: str) -> Bounds | None:
    """Cells in A1 notation (``A1``, ``A1:B2``, ``A:C``, ``2:5``, ``A2:2``, ``B4:A1``) or None."""
    parts = text.split(":")
    if len(parts) == 1:
        point = _endpoint(parts[0])
        if point is None:
            return None
        col, row = point
        if col is None or row is None:
            return None
        return Bounds(row, row + 1, col, col + 1)
    if len(parts) != 2:
        return None
    start, end = _endpoint(parts[0]), _endpoint(parts[1])
    if start is None or end is None:
        return None
    (sc, sr), (ec, er) = start, end
    col_only = (sc is not None and sr is None, ec is not None and er is None)
    row_only = (sc is None and sr is not None, ec is None and er is not None)
    if (col_only[0] and row_only[1]) or (row_only[0] and col_only[1]):
        return None  # "A:2" and "1:B" mean nothing
    r0, r1 = _axis(sr, er)
    c0, c1 = _axis(sc, ec)
    return Bounds(r0, r1, c0, c1)


def _axis(start: int | None, end: int | None) -> tuple[int, int | None]:
    """Half-open bounds on one axis from inclusive endpoints, reordered when reversed."""
    if start is None and end is None:
        return 0, None
    if start is None:
        return 0, (end or 0) + 1
    if end is None:
        return start, None
    low, high = min(start, end), max(start, end)
    return low, high + 1


def split_title(text: str) -> tuple[str | None, str | None] | None:
    """``'My ''x'''!A1`` -> ``("My 'x'", "A1")``; ``Sheet1`` -> ``(None, "Sheet1")``; or None."""
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(title), None
                if rest.startswith("!"):
                    return "".join(title), rest[1:]
                return None
            title.append(ch)
            i += 1
        return None
    if "!" in text:
        sheet, cells = text.rsplit("!", 1)
        return sheet, cells
    return None, text


def parse_range(text: str) -> ParsedRange | None:
    """Parse a range string into its parts; None when it cannot be a range at all."""
    split = split_title(text.strip())
    if split is None:
        return None
    title, rest = split
    if title is not None:
        if rest is None or rest == "":
            return ParsedRange(title, None, None) if rest is None else None
        bounds = parse_cells(rest)
        return ParsedRange(title, bounds, None if bounds else rest)
    if rest is None or rest == "":
        return None
    return ParsedRange(None, parse_cells(rest), rest)
