"""Moving finished rows to History (DONE) or the DLQ (FAILED), each appended once.

The owner of the rows whose append may have landed although it failed: a retry checks the
target tab by ID before appending them again. An append whose answer was lost is not checked
at once: Google may apply a write after the client gave up on it (the emulator's ``late``
fault lands 3 s later), so a read made at once would miss it and a second append would land
beside it. Its rows wait :data:`SETTLE_S`, then one read tells which are there
(:meth:`Mover.settle`); until then their queue rows keep their finished lease.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.clock import utc_iso
from agent.coordination.lease import LeaseState
from agent.coordination.queue.lookup import ids_in_tail
from agent.coordination.queue.model import ClaimOutcome
from agent.errors import AmbiguousWriteError, SheetsError
from agent.schema import ColumnMap, TabSpec, fit_cell
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2_000
#: How long an append of unknown fate is left to land before it is checked.
SETTLE_S = 10.0
Row = list[str | None]


@dataclass
class _Unsure:
    """Rows of an append whose answer was lost, and when to check for them."""

    due: float
    target: TabSpec
    rows: list[Row]
    outcomes: list[ClaimOutcome]


class Mover:
    """Appends History / DLQ rows for outcomes, never twice for the same row ID."""

    def __init__(
        self,
        gateway: SheetsGateway,
        history: TabSpec,
        dlq: TabSpec,
        maps: Callable[[str], ColumnMap],
    ) -> None:
        self.gateway = gateway
        self.history, self.dlq = history, dlq
        self._maps = maps
        self._half_moved: set[str] = set()  # row IDs whose History/DLQ append may have landed
        self._unsure: list[_Unsure] = []
        self._lock = threading.Lock()
        self._monotonic = time.monotonic

    def move(self, terminal: Sequence[ClaimOutcome], now: float) -> list[ClaimOutcome]:
        """Append the History / DLQ rows of ``terminal`` (rows whose lease is now terminal).

        Returns the outcomes whose rows are in History / DLQ now; those of an append whose
        answer was lost come back from :meth:`settle` once checked.
        """
        try:
            unsure = {id(o) for o in self._append(terminal, now)}
        except Exception:
            with self._lock:  # part may have landed: a retry checks History/DLQ first
                self._half_moved.update(o.claim.row_id for o in terminal)
            raise
        done = [o for o in terminal if id(o) not in unsure]
        with self._lock:
            self._half_moved.difference_update(o.claim.row_id for o in done)
        return done

    @property
    def unsettled(self) -> bool:
        """Whether appends of unknown fate wait to be checked."""
        with self._lock:
            return bool(self._unsure)

    def settle(self, *, wait: bool = False) -> list[ClaimOutcome]:
        """Check the appends of unknown fate that are due (all of them, after waiting for the
        last to be due, with ``wait``); append what is missing. Returns the outcomes settled."""
        with self._lock:
            now = self._monotonic()
            due = [u for u in self._unsure if wait or u.due <= now]
            self._unsure = [u for u in self._unsure if u not in due]
        if wait and due:
            time.sleep(max(0.0, max(u.due for u in due) - self._monotonic()))
        settled: list[ClaimOutcome] = []
        for index, item in enumerate(due):
            try:
                present = self.ids_in(item.target, [o.claim.row_id for o in item.outcomes])
                pairs = zip(item.rows, item.outcomes, strict=True)
                missing = [(r, o) for r, o in pairs if o.claim.row_id not in present]
                still = (
                    self._append_once(item.target, [r for r, _ in missing], [o for _, o in missing])
                    if missing
                    else []
                )
            except SheetsError as exc:  # checked again with a later cycle
                with self._lock:
                    self._unsure.extend(due[index:])
                log.warning("could not check appends of unknown fate yet: %s", exc)
                break
            kept = {id(o) for o in still}
            settled += [o for o in item.outcomes if id(o) not in kept]
        with self._lock:
            self._half_moved.difference_update(o.claim.row_id for o in settled)
        return settled

    def ids_in(self, target: TabSpec, row_ids: Sequence[str]) -> set[str]:
        """Which of ``row_ids`` appear in ``target``'s ID column (reads the column's tail)."""
        return ids_in_tail(self.gateway, target.title, self._maps(target.title).col("id"), row_ids)

    def _append(self, terminal: Sequence[ClaimOutcome], now: float) -> list[ClaimOutcome]:
        to_append = self._not_yet_appended(terminal)
        done = [o for o in to_append if o.state is LeaseState.DONE]
        failed = [o for o in to_append if o.state is LeaseState.FAILED]
        unsure: list[ClaimOutcome] = []
        if done:
            unsure += self._append_once(self.history, [self._row(o, now) for o in done], done)
        if failed:
            unsure += self._append_once(self.dlq, [self._row(o, now) for o in failed], failed)
        return unsure

    def _not_yet_appended(self, outcomes: Sequence[ClaimOutcome]) -> list[ClaimOutcome]:
        """Drop recovered rows whose History/DLQ row the dead finisher already appended."""
        with self._lock:
            unsure = self._half_moved & {o.claim.row_id for o in outcomes}

        def checked(outcome: ClaimOutcome) -> bool:
            return outcome.recovered or outcome.claim.row_id in unsure

        recovered = [o for o in outcomes if checked(o)]
        if not recovered:
            return list(outcomes)
        present: set[str] = set()
        for target, state in ((self.history, LeaseState.DONE), (self.dlq, LeaseState.FAILED)):
            ids = [o.claim.row_id for o in recovered if o.state is state]
            if ids:
                present |= self.ids_in(target, ids)
        return [o for o in outcomes if not (checked(o) and o.claim.row_id in present)]

    def _row(self, outcome: ClaimOutcome, now: float) -> Row:
        target = self.history if outcome.state is LeaseState.DONE else self.dlq
        cmap = self._maps(target.title)
        lease = outcome.claim.lease
        values = {
            k: v for k, v in outcome.claim.record.items() if k in cmap.index or k in cmap.user_index
        }
        values.pop("lease", None)
        values.update(
            {
                "status": outcome.state.value,
                "claimed_at": outcome.claim.record.get("claimed_at")
                or utc_iso(lease.stamp_epoch_s),
                "completed_at": utc_iso(now),
                "worker": lease.owner_name,
                "attempts": str(lease.attempts),
            }
        )
        if outcome.state is LeaseState.FAILED:
            values["error"] = fit_cell(outcome.error or "unknown error", MAX_ERROR_CHARS)
        values.update(outcome.extra)
        return cmap.row_from(
            {k: fit_cell(v) for k, v in values.items() if k in cmap.index or k in cmap.user_index}
        )

    def _append_once(
        self, target: TabSpec, rows: list[Row], outcomes: Sequence[ClaimOutcome]
    ) -> list[ClaimOutcome]:
        """Append rows; returns the outcomes whose append's answer was lost (to settle later)."""
        try:
            self.gateway.append(target.title, rows)
        except AmbiguousWriteError:
            with self._lock:
                self._half_moved.update(o.claim.row_id for o in outcomes)
                due = self._monotonic() + SETTLE_S
                self._unsure.append(_Unsure(due, target, list(rows), list(outcomes)))
            return list(outcomes)
        return []
