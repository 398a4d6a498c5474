"""How far down a queue tab ``deleteDuplicates`` may reach without deleting a person's row.

Tombstones are rows whose Lease cell holds the Lease header's text; ``deleteDuplicates`` on the
Lease column removes every row whose Lease cell repeats an earlier row's in its range, the header
row first. That also removes a row whose Lease cell is blank when an earlier blank one is in
range, and a row whose Lease text copies an earlier row's. Such a row may be a person's (notes
in a row of their own, a task row cleared by hand but for a note): :func:`safe_dedup_end` ends
the range just above the first row that would be deleted and is not the agents' to delete.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.coordination.lease import LeaseParseError, parse_lease
from agent.schema import ColumnMap

#: What a row is, as far as removing it goes (its Lease text seen first in the range).
TOMBSTONE, BLANK, LIVE, PERSONAL = "tombstone", "blank", "live", "personal"


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


def deletable(kind: str, first_kind: str) -> bool:
    """Whether a row of ``kind`` may go as a copy of an earlier row of ``first_kind``."""
    if kind in (TOMBSTONE, BLANK):
        return True  # a moved row, or a row with nothing in it
    return kind == LIVE and first_kind == LIVE  # a copy of the same task: same ID, same lease


def safe_dedup_end(
    cmap: ColumnMap, first_row: int, values: Sequence[Sequence[object]], count: int
) -> int:
    """The ``endRowIndex`` (0-based, exclusive) for a ``deleteDuplicates`` from the header.

    ``values`` are rows ``first_row``.. (1-based; ``count`` rows were asked for, and rows past
    the end of ``values`` are blank). Rows above ``first_row`` other than the header must hold
    no Lease text that rows read here repeat: call it with ``first_row`` = 2. Rows below the
    read are unknown and left out, and so are the blank rows after the last one with text.
    """
    lease_col = cmap.col("lease")
    seen: dict[str, str] = {cmap.spec.column("lease").header(cmap.language): TOMBSTONE}
    for offset in range(count):
        cells = values[offset] if offset < len(values) else ()
        lease = str(cells[lease_col]) if lease_col < len(cells) else ""
        kind = row_kind(cmap, cells)
        first = seen.get(lease)
        if first is None:
            seen[lease] = kind
        elif not deletable(kind, first):
            return first_row - 1 + offset
    # Past the last row with text everything is blank: nothing to remove there, and a range
    # past the grid is refused (Google's 400 "exceeds grid limits").
    return first_row - 1 + min(count, len(values))
