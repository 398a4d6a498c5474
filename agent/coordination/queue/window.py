"""Reading a queue tab by windows of rows, with the cursor that walks through it.

Row numbers only choose which window to read next; nothing is written by them here.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence

from agent.coordination.queue.model import Problem
from agent.coordination.rows import QueueRow, parse_rows
from agent.schema import ColumnMap, TabSpec
from agent.sheets.a1 import rows_range
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)


class WindowReader:
    """The owner of the read position and of what the last read saw (problems, raw rows)."""

    def __init__(
        self,
        gateway: SheetsGateway,
        spec: TabSpec,
        cmap: Callable[[], ColumnMap],
        window_rows: int,
    ) -> None:
        self.gateway = gateway
        self.spec = spec
        self._cmap = cmap
        self.window_rows = window_rows
        self.cursor = 2
        self.known_end = 2  # the first row past the data, as last seen
        #: Rows with neither ID nor lease (typed by hand) in the last window read.
        self.raw_rows: list[QueueRow] = []
        self.tombstones_seen = 0
        self.problems: dict[str, Problem] = {}

    def read(self, first_row: int, count: int) -> tuple[list[QueueRow], bool]:
        """Rows ``first_row``.. (``count`` of them); also whether the tab ended inside."""
        cmap = self._cmap()
        rng = rows_range(self.spec.title, first_row, first_row + count - 1, cmap.width)
        (values,) = self.gateway.read([rng])
        rows = parse_rows(cmap, first_row, values)
        for row in rows:
            if row.problem:
                self._report(row)
        self.tombstones_seen = count_tombstones(cmap, values)
        return rows, len(values) < count

    def next(self) -> list[QueueRow]:
        """The window at the cursor; the cursor moves on (back to the top at the end)."""
        rows, at_end = self.read(self.cursor, self.window_rows)
        self.raw_rows = [r for r in rows if not r.row_id and not r.lease_text]
        if at_end:
            self.known_end = max(self.cursor + len(rows), 2)
            self.cursor = 2
        else:
            self.known_end = max(self.known_end, self.cursor + self.window_rows)
            self.cursor += self.window_rows
        return rows

    def spread_out(self) -> None:
        """After losing claims to other agents, read a random window next time."""
        if self.known_end > 2 + self.window_rows:
            self.cursor = random.randrange(2, self.known_end - self.window_rows // 2)

    def _report(self, row: QueueRow) -> None:
        # Keyed by content, not row number: a row that inserts or sorts move is reported once.
        key = row.row_id or "\x1f".join(row.cells)
        if key not in self.problems:
            log.warning(
                "%s row %d (ID %r): %s; left alone",
                self.spec.title,
                row.row_number,
                row.row_id,
                row.problem,
            )
        self.problems[key] = Problem(self.spec.title, row.row_number, row.row_id, row.problem or "")


def count_tombstones(cmap: ColumnMap, values: Sequence[Sequence[str]]) -> int:
    """How many rows of ``values`` are tombstones (ID and Lease cells hold their headers)."""
    id_col, lease_col = cmap.col("id"), cmap.col("lease")
    id_header = cmap.spec.column("id").header(cmap.language)
    lease_header = cmap.spec.column("lease").header(cmap.language)
    return sum(
        1
        for row in values
        if id_col < len(row)
        and lease_col < len(row)
        and row[id_col] == id_header
        and row[lease_col] == lease_header
    )
