"""Rows a basic filter hides: their lease cells may be out of every compare-and-set's reach.

Google does not document whether ``findReplace`` sees rows that a basic filter hides (the
emulator offers both). Where it does not, the holder of a hidden row cannot renew it, and an
observer counts that lease as unchanged and takes the row over the moment it shows again,
while its holder may still run the task. So before it takes rows over, an agent asks which of
them are hidden now (one read before each takeover, filter or not: a person may set one at
any moment, and a "no filter" remembered for a while let one takeover through in the full
chaos run) and starts their lease clocks afresh.

Asking once is not enough: a filter cleared a moment before the question leaves no trace, and
the row's holder has had no chance yet to renew (the full chaos run: a row hidden for 70 s,
shown, and taken over 3 s later while its holder was retrying its finish). So a row that
looks expired is taken over only when it has been seen shown, with the same lease, at two
such checks half a lease length apart: time enough for a live holder's renewal, or its
finish, to land once the row shows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

from agent.coordination.lease import LeaseState
from agent.coordination.observer import LeaseObserver
from agent.coordination.rows import QueueRow
from agent.errors import SheetsError
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)

#: Rows remembered as shown at their first check (a bound; forgetting one only delays it).
MAX_SHOWN = 50_000


class FilterWatch:
    """Restarts the lease clocks of rows that a basic filter hides from compare-and-sets."""

    def __init__(
        self,
        gateway: SheetsGateway,
        title: str,
        observer: LeaseObserver,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.gateway = gateway
        self.title = title
        self.observer = observer
        self._monotonic = monotonic or observer.clock
        #: Rows that looked expired and were shown: row ID -> (lease text, when first seen so).
        self._shown: dict[str, tuple[str, float]] = {}

    def screen(self, rows: Sequence[QueueRow], ages: list[float], lease_s: float) -> list[float]:
        """``ages`` with 0 for the rows that look expired but are hidden by a filter now, or
        have not yet been seen shown at two checks half a lease apart."""
        now = self._monotonic()
        out = list(ages)
        due = []
        for i, (row, age) in enumerate(zip(rows, ages, strict=True)):
            lease = row.lease
            if lease is None or lease.state is not LeaseState.CLAIMED:
                continue
            if age < lease.expires_after_s(lease_s) or age == math.inf:
                continue  # live, or its holder is known to be gone (a deposed leader's source)
            shown = self._shown.get(row.row_id)
            if shown and shown[0] == row.lease_text and now - shown[1] < self._wait(row, lease_s):
                out[i] = 0.0  # shown at the first check: wait for the second (no read now)
            else:
                due.append(i)
        if not due:
            return out
        numbers = [rows[i].row_number for i in due]
        try:
            hidden = self.gateway.rows_hidden(self.title, min(numbers), max(numbers))
        except SheetsError as exc:  # cannot tell: take nothing over this time
            log.info(
                "%s: which rows a filter hides is unknown (%s); no takeover now", self.title, exc
            )
            return [0.0 if i in due else age for i, age in enumerate(out)]
        if len(self._shown) > MAX_SHOWN:
            self._shown.clear()
        for i in due:
            row = rows[i]
            if hidden is not None and row.row_number in hidden:
                log.info(
                    "%s %s: its lease looks expired, but a filter hides the row: not taken over",
                    self.title,
                    row.row_id,
                )
                self._shown.pop(row.row_id, None)
                self.observer.forget(row.row_id)
                self.observer.observe(row.row_id, row.lease_text)
                out[i] = 0.0
            elif self._shown.get(row.row_id, ("", 0.0))[0] != row.lease_text:
                self._shown[row.row_id] = (row.lease_text, now)  # the first check
                out[i] = 0.0
            else:
                del self._shown[row.row_id]  # shown at both checks: taken over now
        return out

    @staticmethod
    def _wait(row: QueueRow, lease_s: float) -> float:
        """How long after the first check the second one comes: half the row's lease."""
        return row.lease.expires_after_s(lease_s) / 2 if row.lease else 0.0
