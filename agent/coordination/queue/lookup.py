"""Finding rows by content: the ID and Lease columns read whole, or the ID column's tail."""

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


def id_lease_pairs(
    gateway: SheetsGateway, title: str, id_col: int, lease_col: int
) -> list[tuple[str, str]]:
    """(ID, Lease) of every row below the header, in sheet order (one ``batchGet``)."""
    ids, leases = gateway.read([column_range(title, id_col, 2), column_range(title, lease_col, 2)])
    return [
        (
            id_row[0] if id_row else "",
            leases[i][0] if i < len(leases) and leases[i] else "",
        )
        for i, id_row in enumerate(ids)
    ]
