"""Finding rows by content: the ID column's tail (the ID and Lease columns read whole are
:meth:`agent.coordination.queue.layout.TabLayout.id_lease_pairs`)."""

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
