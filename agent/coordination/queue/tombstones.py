"""Tombstones: how a moved row leaves its queue tab by content, never by row number.

A row that reached History or the DLQ gets its Lease cell set to the Lease header's text (one
compare-and-set from the exact finished lease); ``deleteDuplicates`` on the Lease column then
removes every such row, the header row being the first of the duplicates. The ID cell is never
touched: a tombstone that lands late can only ever change the one finished lease it names, never
a row queued again under the same ID (see docs/protocol.md §5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from agent.coordination.batch import WriteBatch
from agent.coordination.cas import cas_request, delete_duplicates_request
from agent.coordination.observer import LeaseObserver
from agent.schema import ColumnMap, TabSpec
from agent.sheets.gateway import SheetsGateway

Stone = tuple[str, str]  # (row id, lease text)


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

    def add_to(self, batch: WriteBatch, *, end: int | None) -> None:
        """Add the pending tombstones (and, with ``end``, a ``deleteDuplicates`` above it).

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
        if end is not None:
            batch.add(self.delete_request(end))

    def delete_request(self, end: int | None) -> dict[str, Any]:
        """The ``deleteDuplicates`` that removes the tombstones above row index ``end``.

        ``end`` comes from :func:`~agent.coordination.queue.compaction.safe_dedup_end` on a read
        of the top of the tab made just before: no person's row lies above it.
        """
        cmap = self._cmap()
        sheet_id = self.gateway.tab(self.spec.title).sheet_id
        return delete_duplicates_request(sheet_id, [cmap.col("lease")], end)

    def flush(self, *, end: int | None) -> None:
        """Write the pending tombstones now (normally they ride along with the next claim)."""
        batch = WriteBatch()
        self.add_to(batch, end=end)
        batch.flush(self.gateway)

    def remove(self, end: int | None) -> None:
        """``deleteDuplicates`` alone, for an agent leaving when the leader may be gone.

        An ambiguous answer is fine: removing tombstones is harmless to repeat or to miss
        (readers skip them; the next leader's compaction removes what is left).
        """
        batch = WriteBatch()
        batch.add(self.delete_request(end))
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
