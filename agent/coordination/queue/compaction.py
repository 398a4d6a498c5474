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
:func:`plan_copies` plans the removal of any rows as read; Tasks History's heal and rotation
use it too (:mod:`agent.coordination.history_removal`).
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
    #: 0-based, exclusive: the first row index of the tab (as read) left out of the range;
    #: None: the range reaches the end of the grid (History: see history_removal).
    end: int | None
    #: Rows the read says it removes by their copies (tombstones, in a queue tab); blank rows
    #: and exact copies of earlier rows go too, uncounted.
    tombstones: int


@dataclass(frozen=True)
class Candidate:
    """A row as read, for :func:`plan_copies`."""

    #: 0-based row index in the tab (row 2 is index 1).
    index: int
    cells: Sequence[str]
    #: Whether the removal is to remove this row (by a copy of it).
    doomed: bool
    #: Whether the row may also go as an exact copy of an earlier row (the agents' rows).
    ours: bool


def plan_copies(rows: Iterable[Candidate], end: int) -> Removal | None:
    """The removal of the doomed rows among ``rows`` (in tab order), reaching at most to row
    index ``end`` (0-based, exclusive: the end of the read).

    Walks the rows as ``deleteDuplicates`` would and ends the range just above the first row
    that would go but is not ``ours``. Rows of the range that ``rows`` leaves out must be known
    to differ from every other row (a History row whose ID no other row holds). Returns None
    when no doomed row is in the range.
    """
    listed = list(rows)
    doomed_keys = {row_key(row.cells) for row in listed if row.doomed}
    seen: set[Key] = set()
    keepers: dict[Key, tuple[str, ...]] = {}
    count = 0
    for row in listed:
        if row.index >= end:
            break
        key = row_key(row.cells)
        goes = row.doomed or not key or key in seen or key in doomed_keys
        if goes and key and not row.ours:  # a person's row repeating an earlier one: keep it
            end = row.index
            break
        if row.doomed:
            keepers.setdefault(key, tuple(_trimmed(row.cells)))
            count += 1
        elif not goes:
            seen.add(key)
    if not keepers:
        return None
    return Removal(tuple(keepers.values()), end, count)


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
    rows: list[Candidate] = []
    for offset in range(min(count, len(values))):
        cells = [str(c) for c in values[offset]]
        pair = (_cell(cells, id_col).strip(), _cell(cells, lease_col))
        if pair in turned:
            cells += [""] * (lease_col + 1 - len(cells))
            cells[lease_col] = marker
        kind = row_kind(cmap, cells)
        rows.append(Candidate(first_row - 1 + offset, cells, kind == TOMBSTONE, kind != PERSONAL))
    return plan_copies(rows, first_row - 1 + len(rows))


def removal_requests(sheet_id: int, removal: Removal) -> list[dict[str, Any]]:
    """The requests of one removal (see the module's docstring), in batch order."""
    copies = len(removal.keepers)
    inserted = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": copies + 1}
    rows = [{"values": [_cell_data(text) for text in keeper]} for keeper in removal.keepers]
    span = {"sheetId": sheet_id, "startRowIndex": 1}
    if removal.end is not None:
        span["endRowIndex"] = removal.end + copies + 1
    write = {
        "updateCells": {
            "rows": rows,
            "fields": "userEnteredValue",
            "start": {"sheetId": sheet_id, "rowIndex": 1, "columnIndex": 0},
        }
    }
    dedup = {"deleteDuplicates": {"range": span}}
    if not rows:  # no copies: only blank rows and exact copies of earlier rows go
        return [dedup]
    return [
        {"insertDimension": {"range": inserted, "inheritFromBefore": False}},
        write,
        dedup,
        {"deleteDimension": {"range": inserted}},
    ]


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _trimmed(cells: Sequence[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return out


def _cell_data(text: str) -> dict[str, Any]:
    # A string value, never a formula; an empty cell stays empty (no value at all).
    return {"userEnteredValue": {"stringValue": text}} if text else {}
