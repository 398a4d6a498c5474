"""Removing tombstones by what the rows hold, so that a stale column map can only remove less.

A tombstone is a row whose Lease cell holds the Lease header's text. The removal is one batch:

1. insert ``len(keepers) + 1`` rows under the header, and write into them an exact copy of
   each tombstone row as read (the last inserted row stays blank);
2. ``deleteDuplicates`` over whole rows, comparing every column, from the first copy down to
   the end of the read: each tombstone repeats its copy, each blank row the blank one, so both
   go; so does a row that repeats an earlier one in every cell (a copy of one task);
3. delete the inserted rows again (they are the first of their kind, so all are still there).

Nothing names a column by index: a person who inserts, moves or deletes columns between the
read and the write makes the copies differ from the rows they copied, and the batch then removes
only blank rows and exact copies, which stay blank and exact copies whatever happens to columns.
A row that repeats an earlier row in every cell and is not the agents' (two identical notes)
ends the range just above it. The keys compare text more loosely than Google can (case,
Unicode form, spaces), so a row this plan keeps is never a duplicate in Google's eyes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agent.coordination.lease import LeaseParseError, parse_lease
from agent.schema import ColumnMap

#: What a row is, as far as removing it goes.
TOMBSTONE, BLANK, LIVE, PERSONAL = "tombstone", "blank", "live", "personal"

Stone = tuple[str, str]  # (row id, lease text) of a row turned into a tombstone in the batch
Key = tuple[str, ...]


def row_kind(cmap: ColumnMap, cells: Sequence[object]) -> str:
    """TOMBSTONE, BLANK (no text at all), LIVE (a lease naming the row's own ID) or PERSONAL."""
    texts = [str(c) for c in cells]
    if not any(t.strip() for t in texts):
        return BLANK
    id_col, lease_col = cmap.col("id"), cmap.col("lease")
    lease = texts[lease_col] if lease_col < len(texts) else ""
    if lease == cmap.spec.column("lease").header(cmap.language):
        return TOMBSTONE
    row_id = texts[id_col].strip() if id_col < len(texts) else ""
    try:
        parsed = parse_lease(lease)
    except LeaseParseError:
        return PERSONAL
    return LIVE if parsed.row_id == row_id else PERSONAL


def row_key(cells: Sequence[object]) -> Key:
    """A row's text as ``deleteDuplicates`` could see it, or more loosely (never less)."""
    parts = [" ".join(unicodedata.normalize("NFKC", str(c)).casefold().split()) for c in cells]
    while parts and not parts[-1]:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class Removal:
    """One removal: the rows to copy under the header, and how far down it reaches."""

    keepers: tuple[tuple[str, ...], ...]
    #: 0-based, exclusive: the first row index of the tab (as read) left out of the range.
    end: int
    #: Tombstones the read says it removes (blank rows and copies go too, uncounted).
    tombstones: int


def plan_removal(
    cmap: ColumnMap,
    first_row: int,
    values: Sequence[Sequence[object]],
    count: int,
    stones: Iterable[Stone] = (),
) -> Removal | None:
    """The removal of the tombstones in a read of rows ``first_row``.. (``count`` asked for).

    ``stones`` are rows that a compare-and-set earlier in the same batch turns into tombstones
    (their Lease cell as read still holds the finished lease). Call it with ``first_row`` = 2.
    Returns None when nothing in the read would go.
    """
    turned = set(stones)
    id_col, lease_col = cmap.col("id"), cmap.col("lease")
    marker = cmap.spec.column("lease").header(cmap.language)
    rows: list[tuple[list[str], str]] = []
    for offset in range(min(count, len(values))):
        cells = [str(c) for c in values[offset]]
        pair = (_cell(cells, id_col).strip(), _cell(cells, lease_col))
        if pair in turned:
            cells += [""] * (lease_col + 1 - len(cells))
            cells[lease_col] = marker
        rows.append((cells, row_kind(cmap, cells)))
    tombstone_keys = {row_key(cells) for cells, kind in rows if kind == TOMBSTONE}
    seen: set[Key] = set()
    keepers: dict[Key, tuple[str, ...]] = {}
    end = first_row - 1 + len(rows)
    for offset, (cells, kind) in enumerate(rows):
        key = row_key(cells)
        goes = kind in (TOMBSTONE, BLANK) or key in seen or key in tombstone_keys
        if goes and kind == PERSONAL:  # a person's row repeating an earlier one: keep it
            end = first_row - 1 + offset
            break
        if kind == TOMBSTONE:
            keepers.setdefault(key, tuple(_trimmed(cells)))
        elif not goes:
            seen.add(key)
    if not keepers:
        return None
    return Removal(tuple(keepers.values()), end, _count(rows, end - first_row + 1))


def removal_requests(sheet_id: int, removal: Removal) -> list[dict[str, Any]]:
    """The three requests of one removal (see the module's docstring), in batch order."""
    copies = len(removal.keepers)
    inserted = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": copies + 1}
    rows = [{"values": [_cell_data(text) for text in keeper]} for keeper in removal.keepers]
    return [
        {"insertDimension": {"range": inserted, "inheritFromBefore": False}},
        {
            "updateCells": {
                "rows": rows,
                "fields": "userEnteredValue",
                "start": {"sheetId": sheet_id, "rowIndex": 1, "columnIndex": 0},
            }
        },
        {
            "deleteDuplicates": {
                "range": {
                    "sheetId": sheet_id,
                    "startRowIndex": 1,
                    "endRowIndex": removal.end + copies + 1,
                }
            }
        },
        {"deleteDimension": {"range": inserted}},
    ]


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _trimmed(cells: list[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return out


def _cell_data(text: str) -> dict[str, Any]:
    # A string value, never a formula; an empty cell stays empty (no value at all).
    return {"userEnteredValue": {"stringValue": text}} if text else {}


def _count(rows: Sequence[tuple[list[str], str]], upto: int) -> int:
    return sum(1 for _, kind in rows[: max(upto, 0)] if kind == TOMBSTONE)
