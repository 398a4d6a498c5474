"""Moving finished rows to History (DONE) or the DLQ (FAILED), each appended once.

The owner of the rows whose append may have landed although it failed: a retry checks the
target tab by ID before appending them again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from agent.clock import utc_iso
from agent.coordination.lease import LeaseState
from agent.coordination.queue.lookup import ids_in_tail
from agent.coordination.queue.model import ClaimOutcome
from agent.errors import AmbiguousWriteError
from agent.schema import ColumnMap, TabSpec, fit_cell
from agent.sheets.gateway import SheetsGateway

MAX_ERROR_CHARS = 2_000


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
        self._lock = threading.Lock()

    def move(self, terminal: Sequence[ClaimOutcome], now: float) -> None:
        """Append the History / DLQ rows of ``terminal`` (rows whose lease is now terminal)."""
        try:
            self._append(terminal, now)
        except Exception:
            with self._lock:  # part may have landed: a retry checks History/DLQ first
                self._half_moved.update(o.claim.row_id for o in terminal)
            raise
        with self._lock:
            self._half_moved.difference_update(o.claim.row_id for o in terminal)

    def ids_in(self, target: TabSpec, row_ids: Sequence[str]) -> set[str]:
        """Which of ``row_ids`` appear in ``target``'s ID column (reads the column's tail)."""
        return ids_in_tail(self.gateway, target.title, self._maps(target.title).col("id"), row_ids)

    def _append(self, terminal: Sequence[ClaimOutcome], now: float) -> None:
        to_append = self._not_yet_appended(terminal)
        done = [o for o in to_append if o.state is LeaseState.DONE]
        failed = [o for o in to_append if o.state is LeaseState.FAILED]
        if done:
            self._append_once(self.history, [self._row(o, now) for o in done], done)
        if failed:
            self._append_once(self.dlq, [self._row(o, now) for o in failed], failed)

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

    def _row(self, outcome: ClaimOutcome, now: float) -> list[str | None]:
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
        self, target: TabSpec, rows: list[list[str | None]], outcomes: Sequence[ClaimOutcome]
    ) -> None:
        """Append rows; after an ambiguous answer, append only those not found by ID."""
        try:
            self.gateway.append(target.title, rows)
        except AmbiguousWriteError:
            present = self.ids_in(target, [o.claim.row_id for o in outcomes])
            missing = [
                r for r, o in zip(rows, outcomes, strict=True) if o.claim.row_id not in present
            ]
            if missing:
                self.gateway.append(target.title, missing)
