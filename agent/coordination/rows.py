"""Reading queue rows: parsing lease cells, spotting rows the agent must not act on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.coordination.lease import Lease, LeaseParseError, parse_lease
from agent.schema import ColumnMap


@dataclass(frozen=True)
class QueueRow:
    """One data row of a queue tab as read (its row number is a hint, never an address)."""

    row_number: int
    cells: tuple[str, ...]
    row_id: str
    lease_text: str
    lease: Lease | None
    problem: str | None = None

    def value(self, cmap: ColumnMap, key: str) -> str:
        """The cell under column ``key`` ('' when absent)."""
        position = cmap.index.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]

    def record(self, cmap: ColumnMap) -> dict[str, str]:
        """Every column of this row by key; user columns as ``user:<header>``."""
        record = {key: self.value(cmap, key) for key in cmap.index}
        for key, position in cmap.user_index.items():
            if position < len(self.cells) and self.cells[position]:
                record[key] = self.cells[position]
        return record


def parse_rows(cmap: ColumnMap, first_row: int, values: Sequence[Sequence[str]]) -> list[QueueRow]:
    """Turn raw values (first one at row ``first_row``) into rows; skip blank rows and tombstones.

    A row whose lease cannot be parsed, or whose lease names another row's ID, is kept with a
    ``problem`` so it can be reported; nothing acts on it.
    """
    id_col = cmap.col("id")
    lease_col = cmap.col("lease")
    lease_header = cmap.spec.column("lease").header(cmap.language)
    id_header = cmap.spec.column("id").header(cmap.language)
    rows: list[QueueRow] = []
    for offset, raw in enumerate(values):
        cells = tuple(str(c) for c in raw)
        if not any(c.strip() for c in cells):
            continue
        row_id = cells[id_col].strip() if id_col < len(cells) else ""
        lease_text = cells[lease_col].strip() if lease_col < len(cells) else ""
        if row_id == id_header or lease_text == lease_header:
            continue  # a tombstone waiting for deleteDuplicates
        lease, problem = _parse(row_id, lease_text)
        rows.append(QueueRow(first_row + offset, cells, row_id, lease_text, lease, problem))
    return rows


def _parse(row_id: str, lease_text: str) -> tuple[Lease | None, str | None]:
    if not row_id and not lease_text:
        return None, "no ID and no lease (added by hand?)"
    if not lease_text:
        return None, "no lease cell"
    try:
        lease = parse_lease(lease_text)
    except LeaseParseError as exc:
        return None, f"unreadable lease cell ({exc})"
    if lease.row_id != row_id:
        return None, f"lease belongs to row {lease.row_id!r}, not {row_id!r}"
    return lease, None
