"""A queue tab (Tasks or Sources) with its History and DLQ: claim, renew, finish, release.

Every decision rests on the lease cell, changed only by compare-and-set (``findReplace`` from
the Lease column rightwards, with a pattern that names the row's ID: the exact old value, any
waiting copy of a task, or this session's claim renewed any number of times; §1). Row
numbers are used for three things only, all harmless when rows shift (see docs/protocol.md):
choosing which window of rows to read, rewriting the display columns (Status, Claimed At,
Worker, Attempts) from the lease in the cycle they were read, and deleting the rows a removal
inserted earlier in its own batch (:mod:`.compaction`).

Moving a finished row: CAS to DONE/FAILED, append to History/DLQ, then a tombstone.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from agent.coordination.batch import REFUSED_STATUS, WriteBatch
from agent.coordination.cas import exact_pattern, occurrences, pattern_cas_request
from agent.coordination.lease import Lease, LeaseState, lease_or_none
from agent.coordination.observer import LeaseObserver
from agent.coordination.queue.display import project
from agent.coordination.queue.hidden import FilterWatch
from agent.coordination.queue.layout import TabLayout
from agent.coordination.queue.lookup import leases_of
from agent.coordination.queue.model import Claim, ClaimOutcome, Cycle, Problem
from agent.coordination.queue.moves import SETTLE_S, Mover
from agent.coordination.queue.plan import (
    ADOPT,
    MERGE,
    ClaimPolicy,
    PlannedClaim,
    own_claim_pattern,
    plan_claims,
    row_priority,
)
from agent.coordination.queue.refused import record_refused_move
from agent.coordination.queue.tombstones import Planner, Tombstones
from agent.coordination.queue.window import WindowReader
from agent.coordination.rows import QueueRow
from agent.errors import SheetsError
from agent.schema import ColumnMap, TabSpec
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)

Settle = Callable[[bool], None]


class QueueTab:
    """One queue tab and its History and DLQ tabs, seen by one agent."""

    def __init__(
        self,
        gateway: SheetsGateway,
        spec: TabSpec,
        history: TabSpec,
        dlq: TabSpec,
        *,
        owner: str,
        lease_s: float,
        max_attempts: int,
        observer: LeaseObserver | None = None,
        window_rows: int = 100,
        compacts: bool = False,
        protect_raw_rows: bool = False,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway = gateway
        self.spec, self.history, self.dlq = spec, history, dlq
        self.policy = ClaimPolicy(owner, lease_s, max_attempts)
        self.observer = observer if observer is not None else LeaseObserver()
        #: Whether this agent removes tombstoned rows and rewrites display cells of this tab
        #: itself. Only the leader does (Sources always; Tasks in its compaction pass), so no
        #: agent deletes rows between another's read and its positional display write.
        self.compacts = compacts
        #: While the last window held rows typed by hand (no ID, no lease), a tab that protects
        #: them is not compacted: two identical ones would go as copies of each other.
        self.protect_raw_rows = protect_raw_rows
        self.wall_clock = wall_clock
        #: Whether this agent still holds (works on and renews) the row with this ID. A row
        #: leased to this agent's own session that it no longer holds (a step that failed
        #: half-way dropped it) is taken over like anyone else's once the lease has expired;
        #: the default keeps every own row.
        self.holds: Callable[[str], bool] = lambda row_id: True
        #: Whether a lease is held by a deposed leader (Sources: taken over without waiting).
        self.deposed: Callable[[Lease], bool] = lambda lease: False
        self.layout = TabLayout(gateway, spec, (history, dlq))
        self.maps = self.layout.maps
        self.reader = WindowReader(
            gateway, spec, lambda: self.cmap, self.layout.relayout, window_rows, self._pairs
        )
        self.filters = FilterWatch(gateway, spec.title, self.observer)
        self.tombstones = Tombstones(gateway, spec, lambda: self.cmap, self.observer, self._pairs)
        self.mover = Mover(gateway, history, dlq, lambda title: self.maps[title])
        self._expected: dict[str, str] = {}  # lease values written by an ambiguous call
        self._unfinished: list[ClaimOutcome] = []  # finishes that matched a row hidden now

    # ----------------------------------------------------------------- schema
    def load(self) -> None:
        """Read the header rows of the three tabs (one call) and check every needed column."""
        self.layout.load()

    @property
    def cmap(self) -> ColumnMap:
        """The queue tab's column map (re-read whenever a read finds the header changed)."""
        return self.layout.cmap

    @property
    def owner(self) -> str:
        """This agent's session owner string, as lease cells hold it."""
        return self.policy.owner

    # ----------------------------------------------------------------- what reads saw
    @property
    def window_rows(self) -> int:
        """How many rows one claim cycle reads."""
        return self.reader.window_rows

    @window_rows.setter
    def window_rows(self, rows: int) -> None:
        self.reader.window_rows = rows

    @property
    def raw_rows(self) -> list[QueueRow]:
        """Rows with neither ID nor lease (typed by hand) in the last window read."""
        return self.reader.raw_rows

    @property
    def removable_tombstones(self) -> int:
        """Tombstones a removal could delete now, from the last read of the tab's top."""
        return self.reader.removable

    @property
    def problems(self) -> dict[str, Problem]:
        """Rows this agent refused to act on, keyed by content."""
        return self.reader.problems

    def read_window(self, first_row: int, count: int) -> tuple[list[QueueRow], bool]:
        """Rows ``first_row``.. (``count`` of them); also whether the tab ended inside."""
        return self.reader.read(first_row, count)

    # ----------------------------------------------------------------- claiming
    def claim(self, limit: int, finishing: Sequence[ClaimOutcome] = ()) -> Cycle:
        """One cycle: finish ``finishing`` and claim up to ``limit`` rows in a single write.

        Reads the next window (only when ``limit`` > 0), then one ``batchUpdate`` carries the
        DONE/FAILED compare-and-sets of ``finishing``, the claims, the display fixes and the
        tombstones of rows moved earlier; then History/DLQ rows are appended for the rows that
        turned terminal. Besides the claims won, the cycle returns rows this agent must finish
        itself: leases that expired too often (now FAILED) and orphaned DONE/FAILED rows.
        """
        now = self.wall_clock()
        finishing, self._unfinished = [*self._unfinished, *finishing], []
        rows = self.reader.next() if limit > 0 else []
        plans = self._plan(rows, limit, now) if limit > 0 else []
        cycle = Cycle()
        batch = WriteBatch()
        unknown: dict[str, Settle] = {}  # row id -> resolver(won)
        for outcome in finishing:
            if not outcome.claim.lost:
                self._add_terminal(outcome, now, batch, cycle, unknown)
        for plan in plans:
            self._add_claim(plan, batch, cycle, unknown)
        if self.compacts:
            sheet_id = self.gateway.tab(self.spec.title).sheet_id
            planned = {p.row.row_id: p.lease for p in plans if p.kind != MERGE}
            stoned = self.tombstones.pending  # left as read, so that the removal matches them
            shown = [r for r in rows if (r.row_id, r.lease_text) not in stoned]
            project(shown, planned, self.cmap, sheet_id, batch)
        self.tombstones.add_to(batch, plan=self._removal_plan() if limit > 0 else None)
        if not batch.flush(self.gateway) and unknown:
            self._resolve(unknown)
        if cycle.lost:
            self.reader.spread_out()
        settled = self.mover.settle() if self.mover.unsettled else []
        if cycle.moved:
            try:
                cycle.moved = self.mover.move(cycle.moved, now)
            except SheetsError as exc:
                if exc.status != REFUSED_STATUS:
                    raise
                # History or DLQ refuses this account (a protection): the rows stay finished
                # in the queue tab and move later, taken over like any orphan; nothing is lost.
                record_refused_move(self.gateway, cycle.moved, (self.history, self.dlq), exc)
                cycle.moved = []
        cycle.moved += settled
        self.tombstones.bury([(o.claim.row_id, o.claim.lease.encode()) for o in cycle.moved])
        return cycle

    def _plan(self, rows: Sequence[QueueRow], limit: int, now: float) -> list[PlannedClaim]:
        seen: set[str] = set()
        ages = []
        for row in rows:  # copies of one ID: only the first is observed (their texts differ)
            first = row.lease is not None and row.row_id not in seen
            seen.add(row.row_id)
            age = self.observer.observe(row.row_id, row.lease_text) if first else 0.0
            ages.append(math.inf if row.lease and first and self.deposed(row.lease) else age)
        ages = self.filters.screen(rows, ages, self.policy.lease_s)  # rows a filter hides
        cmap = self.cmap
        ranked = "priority" in cmap.index  # an optional column (see agent.schema.TASKS)
        return plan_claims(
            rows,
            limit,
            now,
            self.holds,
            policy=self.policy,
            ages=ages,
            priority=(lambda row: row_priority(row.value(cmap, "priority"))) if ranked else None,
        )

    def _add_claim(
        self, plan: PlannedClaim, batch: WriteBatch, cycle: Cycle, unknown: dict[str, Settle]
    ) -> None:
        row, new = plan.row, plan.lease
        if plan.kind == MERGE:  # copies made equal; nothing is won or lost
            batch.add(self._cas(plan.old_pattern, new.encode()))
            return

        def settle(won: bool) -> None:
            if won:
                self._won(plan, cycle)
                if plan.kind == ADOPT:
                    log.info(
                        "%s %s: own claim found after its answer was lost; adopted",
                        self.spec.title,
                        row.row_id,
                    )
            elif plan.kind != ADOPT:
                cycle.lost += 1

        self._add_cas(row.row_id, plan.old_pattern, new, settle, batch, unknown)

    def _add_terminal(
        self,
        outcome: ClaimOutcome,
        now: float,
        batch: WriteBatch,
        cycle: Cycle,
        unknown: dict[str, Settle],
    ) -> None:
        lease = outcome.claim.lease
        if lease.state is outcome.state:
            cycle.moved.append(outcome)  # already terminal (an orphan, or a retry)
            return
        new = lease.finished(outcome.state, now)
        claimed = lease.state is LeaseState.CLAIMED
        old = own_claim_pattern(lease) if claimed else exact_pattern(lease.encode())

        def settle(won: bool) -> None:
            if won:
                outcome.claim.lease = new
                cycle.moved.append(outcome)
            elif claimed and self._still_holds(outcome.claim):
                self._unfinished.append(outcome)  # hidden by a filter: finished again later
            else:
                outcome.claim.lost = True
                log.warning("%s %s: lease lost before finishing", self.spec.title, lease.row_id)

        self._add_cas(lease.row_id, old, new, settle, batch, unknown)

    def _add_cas(
        self,
        row_id: str,
        pattern: str,
        new: Lease,
        settle: Settle,
        batch: WriteBatch,
        unknown: dict[str, Settle],
    ) -> None:
        def on_reply(reply: dict[str, Any] | None) -> None:
            if reply is None:
                unknown[row_id] = settle
                self._expected[row_id] = new.encode()
            else:
                settle(occurrences(reply) >= 1)

        batch.add(self._cas(pattern, new.encode()), on_reply)

    def _resolve(self, unknown: dict[str, Settle]) -> None:
        """After an ambiguous write: read the lease cells back and settle each CAS."""
        current = self.locate(list(unknown))
        late: set[tuple[str, str]] = set()  # what may still land late: looked for again
        for row_id, settle in unknown.items():
            expected = self._expected.pop(row_id, "")
            settle(current.get(row_id) == expected)
            if current.get(row_id) != expected:
                late.add((row_id, expected))
        self.reader.revisit(SETTLE_S, late)

    def _won(self, plan: PlannedClaim, cycle: Cycle) -> None:
        row, new = plan.row, plan.lease
        claim = Claim(row.row_id, new, row.record(self.cmap))
        if new.state is LeaseState.CLAIMED:
            cycle.won.append(claim)
        else:
            error = (
                plan.reason or claim.record.get("error", "") or "finished by a worker that stopped"
            )
            was_terminal = row.lease is not None and row.lease.state is not LeaseState.CLAIMED
            cycle.orphans.append(ClaimOutcome(claim, new.state, error, recovered=was_terminal))

    def _cas(self, pattern: str, new: str) -> dict[str, Any]:
        """A compare-and-set from the Lease column rightwards (the pattern names the row's ID):
        a column inserted to its left since the last read is no miss; a deleted one is a
        harmless miss. Searching every column cost each CAS the whole tab."""
        info = self.gateway.tab(self.spec.title)
        return pattern_cas_request(info.sheet_id, self.cmap.col("lease"), pattern, new, to_end=True)

    # ----------------------------------------------------------------- holding
    def set_lease_ttl(self, ttl_s: int) -> None:
        """The lease length written into this agent's next claims and renewals."""
        self.policy = replace(self.policy, ttl_s=ttl_s)

    def renew_requests(self, claims: Sequence[Claim], batch: WriteBatch) -> None:
        """Add a renewal CAS for each claim to ``batch`` (sent with the heartbeat)."""
        for claim in claims:
            if claim.lost:
                continue
            new = claim.lease.renewed(ttl_s=self.policy.ttl_s or None)

            def on_reply(
                reply: dict[str, Any] | None, claim: Claim = claim, new: Lease = new
            ) -> None:
                if reply is None:
                    # It may land later: whatever the cell holds, if it is still this claim
                    # (renewed any number of times) the claim is kept, and the next renewal
                    # counts on from ``new`` so that the cell keeps changing.
                    current = lease_or_none(self.locate([claim.row_id]).get(claim.row_id, ""))
                    if current is not None and claim.lease.same_claim(current):
                        claim.lease = new
                    else:
                        claim.lost = True
                        log.warning("%s %s: lease lost", self.spec.title, claim.row_id)
                elif occurrences(reply) >= 1:
                    claim.lease = new
                elif not self._still_holds(claim):
                    claim.lost = True
                    log.warning("%s %s: lease lost", self.spec.title, claim.row_id)

            batch.add(self._cas(own_claim_pattern(claim.lease), new.encode()), on_reply)

    def _still_holds(self, claim: Claim) -> bool:
        """After a renewal matched nothing: whether the cell still holds this claim (one read).

        Google does not say whether ``findReplace`` sees rows a filter hides; where it does
        not, a renewal of a hidden row matches nothing although nobody took the row. The
        claim is kept then, and the next renewal tries again.
        """
        current = lease_or_none(self.locate([claim.row_id]).get(claim.row_id, ""))
        if current is None or not claim.lease.same_claim(current):
            return False
        log.info(
            "%s %s: renewal matched nothing but the claim is intact (a filter?)",
            self.spec.title,
            claim.row_id,
        )
        return True

    def release(
        self, claims: Sequence[Claim], *, not_before_s: float = 0.0, refund: bool = False
    ) -> None:
        """Give claims back as PENDING (on shutdown, or to retry later); one call."""
        batch = WriteBatch()
        for claim in claims:
            if not claim.lost:
                new = claim.lease.released(not_before_s, refund=refund)
                batch.add(self._cas(own_claim_pattern(claim.lease), new.encode()))
        batch.flush(self.gateway)

    # ----------------------------------------------------------------- finishing
    def finish(self, outcomes: Sequence[ClaimOutcome]) -> list[ClaimOutcome]:
        """Move finished claims to History / DLQ now (one write, then the appends).

        Claims whose lease was lost are dropped: their new owner will finish them. Returns the
        outcomes that were moved.
        """
        return self.claim(0, outcomes).moved

    def settle_moves(self) -> None:
        """Wait for the appends of unknown fate, check them, and tombstone their rows (stop)."""
        moved = self.mover.settle(wait=True)
        self.tombstones.bury([(o.claim.row_id, o.claim.lease.encode()) for o in moved])

    def ids_in(self, target: TabSpec, row_ids: Sequence[str]) -> set[str]:
        """Which of ``row_ids`` appear in ``target``'s ID column (reads the column's tail)."""
        return self.mover.ids_in(target, row_ids)

    # ----------------------------------------------------------------- compaction
    def compact(self, count: int = 500, *, project_display: bool = True) -> int:
        """Leader's pass: fix display cells of the top rows and remove tombstones (one write,
        after one read; only the leader deletes rows). Returns the tombstones it removes."""
        rows, _ = self.reader.read(2, count)
        batch = WriteBatch()
        if project_display:
            sheet_id = self.gateway.tab(self.spec.title).sheet_id
            project(rows, {}, self.cmap, sheet_id, batch)
        removal = self.reader.removal()
        if removal is not None:
            self.tombstones.add_removal(batch, removal)
        batch.flush(self.gateway)
        return removal.tombstones if removal else 0

    def remove_tombstones(self, count: int = 1_000) -> None:
        """Remove tombstones now, for an agent leaving when the leader may be gone: one read of
        the top ``count`` rows (what to copy, and how far down), then one write."""
        self.reader.read(2, count)
        removal = self.reader.removal()
        if removal is not None:
            self.tombstones.remove(removal)

    def flush_tombstones(self, count: int = 1_000) -> None:
        """Write the pending tombstones now (normally they ride along with the next claim); a
        tab this agent compacts is read first (top ``count`` rows) and the batch removes them."""
        plan = None
        if self.compacts and self.tombstones.waiting:
            rows, _ = self.reader.read(2, count)
            plan = self._removal_plan([r for r in rows if not r.row_id and not r.lease_text])
        self.tombstones.flush(plan=plan)

    def _removal_plan(self, raw_rows: Sequence[QueueRow] | None = None) -> Planner | None:
        """How a batch after the last read removes tombstones (None: not now), given the rows
        typed by hand that it saw (the last window's by default)."""
        raw = self.raw_rows if raw_rows is None else raw_rows
        if not self.compacts or (self.protect_raw_rows and raw):
            return None
        return self.reader.removal

    @property
    def has_tombstones(self) -> bool:
        """Whether moved rows are waiting to be removed."""
        return self.tombstones.waiting

    @property
    def tombstones_written(self) -> int:
        """Rows this agent turned into tombstones (confirmed)."""
        return self.tombstones.written

    def locate(self, row_ids: Sequence[str]) -> dict[str, str]:
        """The current lease text of each row in ``row_ids`` that is still in the tab."""
        return leases_of(self._pairs(), row_ids)

    def _pairs(self) -> list[tuple[str, str]]:
        return self.layout.id_lease_pairs()
