"""Where a queue tab's columns are now: the layout read at start, and again whenever a read
finds the header row changed (a person inserted, moved or deleted a column while agents run).

The header row rides along with the reads that need the layout (a claim window, the ID and
Lease columns), in the same ``batchGet``, so watching it costs no extra call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from agent.errors import SchemaError
from agent.schema import ColumnMap, TabSpec
from agent.sheets.a1 import column_range
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import header_range, read_maps

log = logging.getLogger(__name__)


def shape(cmap: ColumnMap) -> tuple[object, ...]:
    """What of a column map a change of columns changes (known and user columns, width)."""
    return (sorted(cmap.index.items()), sorted(cmap.user_index.items()), cmap.width)


class TabLayout:
    """The owner of the column maps of a queue tab and its History and DLQ tabs."""

    def __init__(self, gateway: SheetsGateway, spec: TabSpec, others: Sequence[TabSpec]) -> None:
        self.gateway = gateway
        self.spec = spec
        self.others = tuple(others)
        self.maps: dict[str, ColumnMap] = {}
        #: Times a read found the queue tab's columns moved and the layout was taken from it.
        self.changes = 0
        self._refused: str | None = None  # the last header refused (logged once)

    def load(self) -> None:
        """Read the header rows of every tab (one call) and check every needed column."""
        specs = (self.spec, *self.others)
        for spec in specs:
            self.gateway.tab(spec.title)
        for spec, cmap in zip(specs, read_maps(self.gateway, specs), strict=True):
            self.maps[spec.title] = cmap

    @property
    def cmap(self) -> ColumnMap:
        """The queue tab's column map."""
        return self.maps[self.spec.title]

    def relayout(self, header: Sequence[object]) -> ColumnMap:
        """The column map for rows read with ``header`` (the tab's header row, read with them).

        A header that lacks a needed column (renamed or deleted by hand) is refused, logged
        once, and the last good layout is kept: nothing is written by a guess.
        """
        current = self.cmap
        try:
            fresh = ColumnMap(self.spec, [str(c) for c in header])
            fresh.require()
        except SchemaError as exc:
            if self._refused != str(exc):
                log.warning("%s; keeping the columns as last read", exc)
                self._refused = str(exc)
            return current
        self._refused = None
        if shape(fresh) != shape(current):
            moved = sorted(k for k, i in fresh.index.items() if current.index.get(k) != i)
            log.warning(
                "%s: the columns changed (moved: %s); reading by the new header row",
                self.spec.title,
                ", ".join(moved) or "user columns only",
            )
            self.maps[self.spec.title] = fresh
            self.changes += 1
        return self.cmap

    def fresh(self) -> ColumnMap:
        """The queue tab's column map as its header row is now (one read): for a write that
        places values by column, such as an append, made right after it."""
        (header,) = self.gateway.read([header_range(self.spec.title)])
        return self.relayout(header[0] if header else [])

    def id_lease_pairs(self) -> list[tuple[str, str]]:
        """(ID, Lease) of every row below the header, in sheet order (one ``batchGet``; one
        more when the header read with them shows the columns moved)."""
        for _ in range(2):
            cmap = self.cmap
            id_col, lease_col = cmap.col("id"), cmap.col("lease")
            title = self.spec.title
            header, ids, leases = self.gateway.read(
                [
                    header_range(title),
                    column_range(title, id_col, 2),
                    column_range(title, lease_col, 2),
                ]
            )
            fresh = self.relayout(header[0] if header else [])
            if (fresh.col("id"), fresh.col("lease")) == (id_col, lease_col):
                break
        return [
            (
                id_row[0] if id_row else "",
                leases[i][0] if i < len(leases) and leases[i] else "",
            )
            for i, id_row in enumerate(ids)
        ]
