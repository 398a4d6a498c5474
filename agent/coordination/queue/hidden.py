"""Rows a basic filter hides: their lease cells may be out of every compare-and-set's reach.

Google does not document whether ``findReplace`` sees rows that a basic filter hides (the
emulator offers both). Where it does not, the holder of a hidden row cannot renew it, and an
observer counts that lease as unchanged and takes the row over the moment it shows again,
while its holder may still run the task. So before it takes rows over, an agent asks which of
them are hidden now (one read before each takeover, filter or not: a person may set one at
any moment, and a "no filter" remembered for a while let one takeover through in the full
chaos run) and starts their lease clocks afresh: once a row shows again, its holder's next
renewal lands well inside a new lease length, and a dead holder's row is taken over one
lease length later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from agent.coordination.lease import LeaseState
from agent.coordination.observer import LeaseObserver
from agent.coordination.rows import QueueRow
from agent.errors import SheetsError
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)


class FilterWatch:
    """Restarts the lease clocks of rows that a basic filter hides from compare-and-sets."""

    def __init__(
        self,
        gateway: SheetsGateway,
        title: str,
        observer: LeaseObserver,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway = gateway
        self.title = title
        self.observer = observer
        self._monotonic = monotonic

    def screen(self, rows: Sequence[QueueRow], ages: list[float], lease_s: float) -> list[float]:
        """``ages`` with 0 for the rows that look expired but are hidden by a filter now."""
        due = [
            i
            for i, (row, age) in enumerate(zip(rows, ages, strict=True))
            if row.lease is not None
            and row.lease.state is LeaseState.CLAIMED
            and age >= row.lease.expires_after_s(lease_s)
        ]
        if not due:
            return ages
        numbers = [rows[i].row_number for i in due]
        try:
            hidden = self.gateway.rows_hidden(self.title, min(numbers), max(numbers))
        except SheetsError as exc:  # cannot tell: take nothing over this time
            log.info(
                "%s: which rows a filter hides is unknown (%s); no takeover now", self.title, exc
            )
            return [0.0 if i in due else age for i, age in enumerate(ages)]
        if hidden is None:  # no basic filter
            return ages
        out = list(ages)
        for i in due:
            row = rows[i]
            if row.row_number in hidden:
                log.info(
                    "%s %s: its lease looks expired, but a filter hides the row: not taken over",
                    self.title,
                    row.row_id,
                )
                self.observer.forget(row.row_id)
                self.observer.observe(row.row_id, row.lease_text)
                out[i] = 0.0
        return out
