"""Reading a queue tab by windows of rows, with the cursor that walks through it.

Row numbers only choose which window to read next; nothing is written by them here.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence

from agent.coordination.queue.compaction import Removal, Stone, plan_removal
from agent.coordination.queue.model import Problem
from agent.coordination.rows import QueueRow, parse_rows
from agent.errors import SheetsError
from agent.schema import ColumnMap, TabSpec
from agent.sheets.a1 import column_range, quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import header_range

log = logging.getLogger(__name__)

#: How far below a blank window the Lease column is searched for more rows (one read).
LOOKAHEAD_ROWS = 5_000
#: After a search found nothing, the next one waits this long (an idle, empty tab).
LOOKAHEAD_EVERY_S = 30.0

#: Told the header row of every read; answers the column map to read it with.
Relayout = Callable[[Sequence[object]], ColumnMap]


class WindowReader:
    """The owner of the read position and of what the last read saw (problems, raw rows)."""

    def __init__(
        self,
        gateway: SheetsGateway,
        spec: TabSpec,
        cmap: Callable[[], ColumnMap],
        relayout: Relayout,
        window_rows: int,
        pairs: Callable[[], list[tuple[str, str]]] = list,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway = gateway
        self.spec = spec
        self._cmap = cmap
        self._relayout = relayout
        self._monotonic = monotonic
        self._pairs = pairs  # (ID, Lease) of every row, in sheet order (one read)
        self.window_rows = window_rows
        self.cursor = 2
        self.known_end = 2  # the first row past the data, as last seen
        #: Rows with neither ID nor lease (typed by hand) in the last window read.
        self.raw_rows: list[QueueRow] = []
        self.problems: dict[str, Problem] = {}
        #: The last read when it started at row 2 (the column map, the rows, how many were
        #: asked for): what a removal of tombstones is planned from. None after a lower read.
        self._top: tuple[ColumnMap, Sequence[Sequence[str]], int] | None = None
        self._searched_at: float | None = None  # monotonic time of a search that found nothing
        #: Lease cells written by a batch of unknown fate that the read-back did not see, and
        #: when to look for them again.
        self._revisit: tuple[set[tuple[str, str]], float] | None = None
        self._blank = False  # whether the last read held no text at all

    def read(self, first_row: int, count: int) -> tuple[list[QueueRow], bool]:
        """Rows ``first_row``.. (``count`` of them); also whether the tab ended inside.

        The header row comes in the same ``batchGet`` (no extra call): when a person moved
        columns, the rows are read with the new layout (see ``relayout``). Rows are read whole
        (every column), so a column inserted anywhere never hides Lease from the read.
        """
        title = quote_title(self.spec.title)
        header, values = self.gateway.read(
            [header_range(self.spec.title), f"{title}!{first_row}:{first_row + count - 1}"]
        )
        cmap = self._relayout(header[0] if header else [])
        rows = parse_rows(cmap, first_row, values)
        for row in rows:
            if row.problem:
                self._report(row)
        self._top = (cmap, values, count) if first_row == 2 else None
        self._blank = not any(any(str(c).strip() for c in row) for row in values)
        return rows, len(values) < count

    def removal(self, stones: Sequence[Stone] = ()) -> Removal | None:
        """The removal of the tombstones in the last read of the tab's top (None: nothing to
        remove, or the last read was lower down); ``stones`` turn into tombstones first."""
        if self._top is None:
            return None
        cmap, values, count = self._top
        return plan_removal(cmap, 2, values, count, stones)

    @property
    def removable(self) -> int:
        """Tombstones a removal planned from the last read would remove."""
        removal = self.removal()
        return removal.tombstones if removal else 0

    def next(self) -> list[QueueRow]:
        """The window at the cursor; the cursor moves on (back to the top at the end).

        A window with nothing in it may sit above more rows (a person inserted a block of blank
        rows): then one read of the Lease column below finds the next row, and the window is
        read there instead.
        """
        first = self._late_row()
        if first is not None:
            rows, _ = self.read(first, self.window_rows)  # the cursor stays where it was
            self.raw_rows = [r for r in rows if not r.row_id and not r.lease_text]
            return rows
        rows, at_end = self.read(self.cursor, self.window_rows)
        if self._blank:
            below = self._next_filled_row(self.cursor + self.window_rows)
            if below is not None:
                self.cursor = below
                rows, at_end = self.read(self.cursor, self.window_rows)
        self.raw_rows = [r for r in rows if not r.row_id and not r.lease_text]
        if at_end:
            self.known_end = max(self.cursor + len(rows), 2)
            self.cursor = 2
        else:
            self.known_end = max(self.known_end, self.cursor + self.window_rows)
            self.cursor += self.window_rows
        return rows

    def _next_filled_row(self, first_row: int) -> int | None:
        """The first row at or below ``first_row`` whose Lease cell holds text (one read), or
        None; a search that found nothing is not repeated for ``LOOKAHEAD_EVERY_S``."""
        now = self._monotonic()
        if self._searched_at is not None and now - self._searched_at < LOOKAHEAD_EVERY_S:
            return None
        self._searched_at = now
        # A range past the grid is refused (Google's 400 "exceeds grid limits"): stay inside
        # the grid as last seen (rows inserted since only make it taller).
        last = min(first_row + LOOKAHEAD_ROWS - 1, self.gateway.tab(self.spec.title).row_count)
        if last < first_row:
            return None
        lease_col = self._cmap().col("lease")
        try:
            (values,) = self.gateway.read(
                [column_range(self.spec.title, lease_col, first_row, last)]
            )
        except SheetsError as exc:  # the grid shrank since it was last seen: look again later
            log.info("%s: no search below row %d (%s)", self.spec.title, first_row, exc)
            self.gateway.refresh()
            return None
        for offset, row in enumerate(values):
            if row and str(row[0]).strip():
                self._searched_at = None
                return first_row + offset
        return None

    def revisit(self, after_s: float, pairs: set[tuple[str, str]]) -> None:
        """Look for ``pairs`` (row ID, lease text written) again in ``after_s``, and read the
        window where the first of them is then: a claim batch of unknown fate may land late,
        after its read-back, and the agent adopts its own claims only where it reads."""
        if pairs:
            self._revisit = (set(pairs), self._monotonic() + after_s)

    def _late_row(self) -> int | None:
        """The row where a late-landed write of :meth:`revisit` is now, when one is due and
        landed (one read of the ID and Lease columns); None otherwise."""
        if self._revisit is None or self._revisit[1] > self._monotonic():
            return None
        wanted, _ = self._revisit
        self._revisit = None
        rows = [2 + i for i, pair in enumerate(self._pairs()) if pair in wanted]
        return min(rows) if rows else None

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
