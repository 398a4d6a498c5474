"""Tombstones: how a moved row leaves its queue tab by content, never by row number.

A row that reached History or the DLQ gets its Lease cell set to the Lease header's text (one
compare-and-set from the exact finished lease); a removal (:mod:`.compaction`) then deletes the
rows that hold exactly what was read of them. The ID cell is never touched: a tombstone that
lands late can only ever change the one finished lease it names, never a row queued again under
the same ID (see docs/protocol.md §5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from agent.coordination.batch import WriteBatch
from agent.coordination.cas import cas_request
from agent.coordination.observer import LeaseObserver
from agent.coordination.queue.compaction import Removal, Stone, removal_requests
from agent.schema import ColumnMap, TabSpec
from agent.sheets.gateway import SheetsGateway

#: Plans the removal of the tombstones in the last read, given those the batch writes first.
Planner = Callable[[list[Stone]], Removal | None]


class Tombstones:
    """The owner of the tombstones still to write, and of those sent in a batch of unknown fate."""

    def __init__(
        self,
        gateway: SheetsGateway,
        spec: TabSpec,
        cmap: Callable[[], ColumnMap],
        observer: LeaseObserver,
        pairs: Callable[[], list[Stone]],
    ) -> None:
        self.gateway = gateway
        self.spec = spec
        self._cmap = cmap
        self._observer = observer
        self._pairs = pairs  # (ID, Lease) of every row of the tab, read now
        self.written = 0  # rows this agent turned into tombstones (confirmed)
        self._pending: list[Stone] = []
        self._unverified: set[Stone] = set()  # sent in a batch of unknown fate
        self._lock = threading.Lock()

    @property
    def waiting(self) -> bool:
        """Whether moved rows are waiting to be removed."""
        with self._lock:
            return bool(self._pending)

    def bury(self, stones: list[Stone]) -> None:
        """Queue tombstones for rows just moved to History / DLQ."""
        with self._lock:
            self._pending.extend(stones)

    @property
    def pending(self) -> set[Stone]:
        """The tombstones still to write."""
        with self._lock:
            return set(self._pending)

    def add_to(self, batch: WriteBatch, *, plan: Planner | None) -> None:
        """Add the pending tombstones (and, with ``plan``, the removal that follows them).

        They stay pending until a reply confirms the batch was applied. After a batch of
        unknown fate the lease cells are read back first, and only tombstones whose row still
        holds the finished lease are repeated (sending one again is harmless, since it matches
        only that exact lease, but the read tells which landed).
        """
        self._verify()
        with self._lock:
            stones = list(self._pending)
        if not stones:
            return
        cmap = self._cmap()
        sheet_id = self.gateway.tab(self.spec.title).sheet_id
        lease_header = self.spec.column("lease").header(cmap.language)
        lease_col = cmap.col("lease")
        for _, lease_text in stones:  # Lease and rightwards: the lease names the row's ID
            batch.add(cas_request(sheet_id, lease_col, lease_text, lease_header, to_end=True))

        def on_reply(reply: dict[str, Any] | None) -> None:
            if reply is None:
                with self._lock:
                    self._unverified.update(stones)
                return
            self._drop(set(stones))

        batch.handlers[-1] = on_reply  # the last tombstone CAS tells the batch was applied
        removal = plan(stones) if plan is not None else None
        if removal is not None:
            self.add_removal(batch, removal)

    def add_removal(self, batch: WriteBatch, removal: Removal) -> None:
        """Add the requests of ``removal`` to ``batch``.

        They are housekeeping: a tab that refuses writes drops all of them together (they
        name one tab), and the claims and renewals of the batch go on without them.
        """
        sheet_id = self.gateway.tab(self.spec.title).sheet_id
        for request in removal_requests(sheet_id, removal):
            batch.add(request, display=True)

    def flush(self, *, plan: Planner | None) -> None:
        """Write the pending tombstones now (normally they ride along with the next claim)."""
        batch = WriteBatch()
        self.add_to(batch, plan=plan)
        batch.flush(self.gateway)

    def remove(self, removal: Removal) -> None:
        """A removal alone, for an agent leaving when the leader may be gone.

        An ambiguous answer is fine: removing tombstones is harmless to repeat or to miss
        (readers skip them; the next leader's compaction removes what is left).
        """
        batch = WriteBatch()
        self.add_removal(batch, removal)
        batch.flush(self.gateway)

    def _drop(self, stones: set[Stone]) -> None:
        with self._lock:
            self.written += len(stones)
            self._pending = [t for t in self._pending if t not in stones]
            self._unverified -= stones
        for row_id, _ in stones:
            self._observer.forget(row_id)

    def _verify(self) -> None:
        """Settle tombstones sent in an ambiguous batch: drop those that landed (one read)."""
        with self._lock:
            unverified = set(self._unverified)
        if not unverified:
            return
        still_finished = unverified & set(self._pairs())
        self._drop(unverified - still_finished)
        with self._lock:
            self._unverified -= still_finished  # not applied: send them again, as new
