"""Finding rows by content: the ID column's tail, and the lease of each ID among the ID and
Lease columns read whole (:meth:`agent.coordination.queue.layout.TabLayout.id_lease_pairs`)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.sheets.a1 import column_range
from agent.sheets.gateway import SheetsGateway


def ids_in_tail(
    gateway: SheetsGateway, title: str, id_col: int, row_ids: Sequence[str], tail: int = 5_000
) -> set[str]:
    """Which of ``row_ids`` the ID column of tab ``title`` holds in (about) its last ``tail``
    rows: where an append from a moment ago would be (one read)."""
    info = gateway.tab(title)
    first = max(2, info.row_count - tail - len(row_ids))
    (values,) = gateway.read([column_range(title, id_col, first)])
    return {row[0] for row in values if row} & set(row_ids)


def leases_of(pairs: Sequence[tuple[str, str]], row_ids: Sequence[str]) -> dict[str, str]:
    """The lease text of each of ``row_ids`` in ``pairs`` (ID and Lease of every row, in sheet
    order). Of two rows of one ID the lower one holding a lease wins: a copy without one (a
    row shifted by a column insert) is nobody's claim."""
    wanted = set(row_ids)
    found: dict[str, str] = {}
    for row_id, lease in pairs:
        if row_id in wanted and (lease.strip() or row_id not in found):
            found[row_id] = lease
    return found
