"""A queue tab (Tasks or Sources) with its History and DLQ: claim, renew, finish, release.

Every decision rests on the lease cell, changed only by compare-and-set (``findReplace`` on the
lease column, pattern = exact old value, which contains the row's ID). Row numbers are used
for two things only, both harmless when rows shift (see docs/protocol.md): choosing which
window of rows to read, and rewriting the display columns (Status, Claimed At, Worker,
Attempts) from the lease in the same cycle they were read.

Moving a finished row takes three steps: CAS to DONE/FAILED (fences a worker that lost its
lease), append to History/DLQ, then a tombstone (ID and lease cells set to their header text
by CAS) removed by ``deleteDuplicates`` on those two columns, which deletes rows by content.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.clock import utc_iso
from agent.coordination.batch import WriteBatch
from agent.coordination.cas import (
    cas_request,
    delete_duplicates_request,
    occurrences,
    set_cell_request,
)
from agent.coordination.lease import Lease, LeaseState
from agent.coordination.observer import LeaseObserver
from agent.coordination.rows import QueueRow, parse_rows
from agent.schema import ColumnMap, Status, TabSpec, fit_cell
from agent.sheets.a1 import column_range, quote_title, rows_range
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)

#: Display columns rewritten from the lease, and how.
DISPLAY_KEYS = ("status", "claimed_at", "worker", "attempts")
MAX_ERROR_CHARS = 2_000


@dataclass
class Claim:
    """A row this agent holds: the lease value it last wrote, and the row's cells as read."""

    row_id: str
    lease: Lease
    record: dict[str, str]
    claimed_monotonic: float = field(default_factory=time.monotonic)
    lost: bool = False


@dataclass(frozen=True)
class Outcome:
    """How a claim ended: DONE, or FAILED with an error; ``extra`` columns for History/DLQ."""

    claim: Claim
    state: LeaseState
    error: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: The row was already DONE/FAILED when this cycle began: its finisher (another agent that
    #: died, or this one in a cycle that failed half-way) may have appended it already.
    recovered: bool = False


@dataclass
class Cycle:
    """What one claim cycle achieved."""

    won: list[Claim] = field(default_factory=list)
    orphans: list[Outcome] = field(default_factory=list)
    moved: list[Outcome] = field(default_factory=list)
    lost: int = 0  # claims another agent won first


@dataclass
class Problem:
    """A row the agent refused to act on, for reports and ``orc status``."""

    tab: str
    row_number: int
    row_id: str
    reason: str


def ids_in_tail(
    gateway: SheetsGateway, title: str, id_col: int, row_ids: Sequence[str], tail: int = 5_000
) -> set[str]:
    """Which of ``row_ids`` the ID column of tab ``title`` holds in (about) its last ``tail``
    rows: where an append from a moment ago would be (one read)."""
    info = gateway.tab(title)
    first = max(2, info.row_count - tail - len(row_ids))
    (values,) = gateway.read([column_range(title, id_col, first)])
    return {row[0] for row in values if row} & set(row_ids)


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
        self.owner = owner
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.observer = observer or LeaseObserver()
        self.window_rows = window_rows
        #: Whether this agent removes tombstoned rows and rewrites display cells of this tab
        #: itself. Only the leader does (Sources always; Tasks in its compaction pass), so no
        #: agent deletes rows between another's read and its positional display write.
        self.compacts = compacts
        #: Rows with neither ID nor lease (typed by hand) in the last window read. While there
        #: are any, a tab that protects them is not compacted: ``deleteDuplicates`` would take
        #: two such rows for copies of each other.
        self.raw_rows: list[QueueRow] = []
        self.protect_raw_rows = protect_raw_rows
        self.tombstones_seen = 0
        self.tombstones_written = 0  # rows this agent turned into tombstones (confirmed)
        self.wall_clock = wall_clock
        #: Whether this agent still holds (works on and renews) the row with this ID. A row
        #: leased to this agent's own session that it no longer holds (a step that failed
        #: half-way dropped it) is taken over like anyone else's once the lease has expired;
        #: the default keeps every own row.
        self.holds: Callable[[str], bool] = lambda row_id: True
        self.maps: dict[str, ColumnMap] = {}
        self.cursor = 2
        self.known_end = 2  # the first row past the data, as last seen
        self.problems: dict[str, Problem] = {}
        self._tombstones: list[tuple[str, str]] = []  # (row id, lease text)
        self._unverified: set[tuple[str, str]] = set()  # sent in a batch of unknown fate
        self._half_moved: set[str] = set()  # row IDs whose History/DLQ append may have landed
        self._expected: dict[str, str] = {}  # lease values written by an ambiguous call
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- schema
    def load(self) -> None:
        """Read the header rows of the three tabs (one call) and check every needed column."""
        specs = (self.spec, self.history, self.dlq)
        for spec in specs:
            self.gateway.tab(spec.title)
        headers = self.gateway.read([f"{quote_title(s.title)}!1:1" for s in specs])
        for spec, rows in zip(specs, headers, strict=True):
            cmap = ColumnMap(spec, rows[0] if rows else [])
            cmap.require()
            self.maps[spec.title] = cmap

    @property
    def cmap(self) -> ColumnMap:
        """The queue tab's column map."""
        return self.maps[self.spec.title]

    def _header(self, key: str) -> str:
        return self.spec.column(key).header(self.cmap.language)

    # ----------------------------------------------------------------- reading
    def read_window(self, first_row: int, count: int) -> tuple[list[QueueRow], bool]:
        """Rows ``first_row``.. (``count`` of them); also whether the tab ended inside."""
        rng = rows_range(self.spec.title, first_row, first_row + count - 1, self.cmap.width)
        (values,) = self.gateway.read([rng])
        rows = parse_rows(self.cmap, first_row, values)
        for row in rows:
            if row.problem:
                self._report(row)
        self.tombstones_seen = self._count_tombstones(values)
        return rows, len(values) < count

    def _count_tombstones(self, values: Sequence[Sequence[str]]) -> int:
        id_col, lease_col = self.cmap.col("id"), self.cmap.col("lease")
        id_header, lease_header = self._header("id"), self._header("lease")
        return sum(
            1
            for row in values
            if id_col < len(row)
            and lease_col < len(row)
            and row[id_col] == id_header
            and row[lease_col] == lease_header
        )

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

    def _next_window(self) -> list[QueueRow]:
        rows, at_end = self.read_window(self.cursor, self.window_rows)
        self.raw_rows = [r for r in rows if not r.row_id and not r.lease_text]
        if at_end:
            self.known_end = max(self.cursor + len(rows), 2)
            self.cursor = 2
        else:
            self.known_end = max(self.known_end, self.cursor + self.window_rows)
            self.cursor += self.window_rows
        return rows

    def _spread_out(self) -> None:
        """After losing claims to other agents, read a random window next time."""
        if self.known_end > 2 + self.window_rows:
            self.cursor = random.randrange(2, self.known_end - self.window_rows // 2)

    # ----------------------------------------------------------------- claiming
    def claim(self, limit: int, finishing: Sequence[Outcome] = ()) -> Cycle:
        """One cycle: finish ``finishing`` and claim up to ``limit`` rows in a single write.

        Reads the next window (only when ``limit`` > 0), then one ``batchUpdate`` carries the
        DONE/FAILED compare-and-sets of ``finishing``, the claims, the display fixes and the
        tombstones of rows moved earlier; then History/DLQ rows are appended for the rows that
        turned terminal. Besides the claims won, the cycle returns rows this agent must finish
        itself: leases that expired too often (now FAILED) and orphaned DONE/FAILED rows.
        """
        now = self.wall_clock()
        rows = self._next_window() if limit > 0 else []
        plans = self._plan(rows, limit) if limit > 0 else []
        cycle = Cycle()
        batch = WriteBatch()
        unknown: dict[str, Callable[[bool], None]] = {}  # row id -> resolver(won)
        for outcome in finishing:
            if not outcome.claim.lost:
                self._add_terminal(outcome, now, batch, cycle, unknown)
        for row, new, why in plans:
            self._add_claim(row, new, why, batch, cycle, unknown)
        if self.compacts:
            self._project(rows, {row.row_id: new for row, new, _ in plans}, batch)
        self._add_tombstones(batch)
        if not batch.flush(self.gateway) and unknown:
            self._resolve(unknown)
        if cycle.lost:
            self._spread_out()
        if cycle.moved:
            try:
                self._move(cycle.moved, now)
            except Exception:
                with self._lock:  # part may have landed: a retry checks History/DLQ first
                    self._half_moved.update(o.claim.row_id for o in cycle.moved)
                raise
            if self._half_moved:
                with self._lock:
                    self._half_moved.difference_update(o.claim.row_id for o in cycle.moved)
        return cycle

    def _add_claim(
        self,
        row: QueueRow,
        new: Lease,
        why: str,
        batch: WriteBatch,
        cycle: Cycle,
        unknown: dict[str, Callable[[bool], None]],
    ) -> None:
        def settle(won: bool) -> None:
            if won:
                self._won(row, new, why, cycle)
            else:
                cycle.lost += 1

        def on_reply(reply: dict[str, Any] | None) -> None:
            if reply is None:
                unknown[row.row_id] = settle
                self._expected[row.row_id] = new.encode()
            else:
                settle(occurrences(reply) >= 1)

        batch.add(self._cas(row.lease_text, new.encode()), on_reply)

    def _add_terminal(
        self,
        outcome: Outcome,
        now: float,
        batch: WriteBatch,
        cycle: Cycle,
        unknown: dict[str, Callable[[bool], None]],
    ) -> None:
        lease = outcome.claim.lease
        if lease.state is outcome.state:
            cycle.moved.append(outcome)  # already terminal (an orphan, or a retry)
            return
        new = lease.finished(outcome.state, now)

        def settle(won: bool) -> None:
            if won:
                outcome.claim.lease = new
                cycle.moved.append(outcome)
            else:
                outcome.claim.lost = True
                log.warning("%s %s: lease lost before finishing", self.spec.title, lease.row_id)

        def on_reply(reply: dict[str, Any] | None) -> None:
            if reply is None:
                unknown[lease.row_id] = settle
                self._expected[lease.row_id] = new.encode()
            else:
                settle(occurrences(reply) >= 1)

        batch.add(self._cas(lease.encode(), new.encode()), on_reply)

    def _resolve(self, unknown: dict[str, Callable[[bool], None]]) -> None:
        """After an ambiguous write: read the lease cells back and settle each CAS."""
        current = self.locate(list(unknown))
        for row_id, settle in unknown.items():
            settle(current.get(row_id) == self._expected.pop(row_id, None))

    def _won(self, row: QueueRow, new: Lease, why: str, cycle: Cycle) -> None:
        claim = Claim(row.row_id, new, row.record(self.cmap))
        if new.state is LeaseState.CLAIMED:
            cycle.won.append(claim)
        else:
            error = why or claim.record.get("error", "") or "finished by a worker that stopped"
            was_terminal = row.lease is not None and row.lease.state is not LeaseState.CLAIMED
            cycle.orphans.append(Outcome(claim, new.state, error, recovered=was_terminal))

    def _plan(self, rows: Sequence[QueueRow], limit: int) -> list[tuple[QueueRow, Lease, str]]:
        """Which rows to take and the lease each gets; random order spreads agents apart."""
        now = self.wall_clock()
        fresh: list[tuple[QueueRow, Lease, str]] = []
        expired: list[tuple[QueueRow, Lease, str]] = []
        moves: list[tuple[QueueRow, Lease, str]] = []
        for row in rows:
            lease = row.lease
            if lease is None:
                continue
            age = self.observer.observe(row.row_id, row.lease_text)
            if lease.state is LeaseState.PENDING:
                if lease.not_before_s <= now:
                    fresh.append((row, self._claimed(lease), ""))
            elif age >= self.lease_s and (lease.owner != self.owner or not self.holds(row.row_id)):
                plan = self._takeover(row, lease)
                (expired if plan[1].state is LeaseState.CLAIMED else moves).append(plan)
        random.shuffle(fresh)
        return moves + (expired + fresh)[:limit]

    def _claimed(self, lease: Lease) -> Lease:
        return lease.claimed_by(self.owner, self.wall_clock())

    def _takeover(self, row: QueueRow, lease: Lease) -> tuple[QueueRow, Lease, str]:
        now = self.wall_clock()
        if lease.state is LeaseState.CLAIMED:
            if lease.attempts >= self.max_attempts:
                reason = (
                    f"lease expired {lease.attempts} times (last holder {lease.owner_name!r} "
                    f"stopped renewing); MAX_ATTEMPTS={self.max_attempts}"
                )
                failed = Lease(LeaseState.FAILED, lease.row_id, lease.attempts, self.owner)
                return row, failed.finished(LeaseState.FAILED, now), reason
            return row, self._claimed(lease), ""
        # DONE / FAILED left behind by a worker that died before moving the row.
        moved = Lease(lease.state, lease.row_id, lease.attempts, self.owner, lease.stamp)
        return row, moved, ""

    def _cas(self, old: str, new: str) -> dict[str, Any]:
        info = self.gateway.tab(self.spec.title)
        return cas_request(info.sheet_id, self.cmap.col("lease"), old, new)

    # ----------------------------------------------------------------- display
    def _project(
        self, rows: Sequence[QueueRow], planned: dict[str, Lease], batch: WriteBatch
    ) -> None:
        """Rewrite display columns that disagree with the lease (positional, cosmetic)."""
        sheet_id = self.gateway.tab(self.spec.title).sheet_id
        for row in rows:
            lease = planned.get(row.row_id, row.lease)
            if lease is None:
                continue
            wanted = self.display_of(lease)
            for key, text in wanted.items():
                if key in self.cmap.index and row.value(self.cmap, key) != text:
                    batch.add(
                        set_cell_request(sheet_id, row.row_number - 1, self.cmap.col(key), text)
                    )

    def display_of(self, lease: Lease) -> dict[str, str]:
        """The display columns a row with ``lease`` should show."""
        held = lease.state is not LeaseState.PENDING
        status = Status(lease.state.value).value
        return {
            "status": status,
            "claimed_at": utc_iso(lease.stamp_epoch_s) if held and lease.stamp_epoch_s else "",
            "worker": lease.owner_name if held else "",
            "attempts": str(lease.attempts),
        }

    # ----------------------------------------------------------------- holding
    def renew_requests(self, claims: Sequence[Claim], batch: WriteBatch) -> None:
        """Add a renewal CAS for each claim to ``batch`` (sent with the heartbeat)."""
        for claim in claims:
            if claim.lost:
                continue
            new = claim.lease.renewed()

            def on_reply(
                reply: dict[str, Any] | None, claim: Claim = claim, new: Lease = new
            ) -> None:
                if reply is None:
                    current = self.locate([claim.row_id]).get(claim.row_id)
                    won = current == new.encode()
                    if not won and current != claim.lease.encode():
                        claim.lost = True
                    elif won:
                        claim.lease = new
                elif occurrences(reply) >= 1:
                    claim.lease = new
                else:
                    claim.lost = True
                    log.warning("%s %s: lease lost", self.spec.title, claim.row_id)

            batch.add(self._cas(claim.lease.encode(), new.encode()), on_reply)

    def release(
        self, claims: Sequence[Claim], *, not_before_s: float = 0.0, refund: bool = False
    ) -> None:
        """Give claims back as PENDING (on shutdown, or to retry later); one call."""
        batch = WriteBatch()
        for claim in claims:
            if not claim.lost:
                new = claim.lease.released(not_before_s, refund=refund)
                batch.add(self._cas(claim.lease.encode(), new.encode()))
        batch.flush(self.gateway)

    # ----------------------------------------------------------------- finishing
    def finish(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Move finished claims to History / DLQ now (one write, then the appends).

        Claims whose lease was lost are dropped: their new owner will finish them. Returns the
        outcomes that were moved.
        """
        return self.claim(0, outcomes).moved

    def _move(self, terminal: Sequence[Outcome], now: float) -> None:
        """Append History/DLQ rows for rows now terminal, then queue their tombstones."""
        to_append = self._not_yet_appended(terminal)
        done = [o for o in to_append if o.state is LeaseState.DONE]
        failed = [o for o in to_append if o.state is LeaseState.FAILED]
        if done:
            self._append_once(self.history, [self._history_row(o, now) for o in done], done)
        if failed:
            self._append_once(self.dlq, [self._history_row(o, now) for o in failed], failed)
        with self._lock:
            self._tombstones.extend((o.claim.row_id, o.claim.lease.encode()) for o in terminal)

    def _not_yet_appended(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Drop recovered rows whose History/DLQ row the dead finisher already appended."""
        with self._lock:
            unsure = self._half_moved & {o.claim.row_id for o in outcomes}

        def checked(outcome: Outcome) -> bool:
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

    def _history_row(self, outcome: Outcome, now: float) -> list[str | None]:
        target = self.history if outcome.state is LeaseState.DONE else self.dlq
        cmap = self.maps[target.title]
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
        self, target: TabSpec, rows: list[list[str | None]], outcomes: Sequence[Outcome]
    ) -> None:
        """Append rows; after an ambiguous answer, append only those not found by ID."""
        from agent.errors import AmbiguousWriteError

        try:
            self.gateway.append(target.title, rows)
        except AmbiguousWriteError:
            present = self.ids_in(target, [o.claim.row_id for o in outcomes])
            missing = [
                r for r, o in zip(rows, outcomes, strict=True) if o.claim.row_id not in present
            ]
            if missing:
                self.gateway.append(target.title, missing)

    def ids_in(self, target: TabSpec, row_ids: Sequence[str]) -> set[str]:
        """Which of ``row_ids`` appear in ``target``'s ID column (reads the column's tail)."""
        return ids_in_tail(self.gateway, target.title, self.maps[target.title].col("id"), row_ids)

    # ----------------------------------------------------------------- compaction
    def _add_tombstones(self, batch: WriteBatch) -> None:
        """Add the pending tombstones (and, for a compacting tab, ``deleteDuplicates``).

        They stay pending until a reply confirms the batch was applied. After a batch of
        unknown fate they are not simply sent again: the ID half of a tombstone matches *any*
        row with that ID, and once the first try did land, a requeue may have queued the same
        ID again as a new row. So the lease cells are read back first, and only tombstones
        whose row still holds the finished lease are repeated.
        """
        self._verify_tombstones()
        with self._lock:
            stones = list(self._tombstones)
        if not stones:
            return
        info = self.gateway.tab(self.spec.title)
        id_col, lease_col = self.cmap.col("id"), self.cmap.col("lease")
        for row_id, lease_text in stones:
            batch.add(cas_request(info.sheet_id, id_col, row_id, self._header("id")))
            batch.add(cas_request(info.sheet_id, lease_col, lease_text, self._header("lease")))

        def on_reply(reply: dict[str, Any] | None) -> None:
            if reply is None:
                with self._lock:
                    self._unverified.update(stones)
                return
            self._drop_tombstones(set(stones))

        batch.handlers[-1] = on_reply  # the last tombstone CAS tells the batch was applied
        if self.compacts and not (self.protect_raw_rows and self.raw_rows):
            batch.add(delete_duplicates_request(info.sheet_id, [id_col, lease_col]))

    def _drop_tombstones(self, stones: set[tuple[str, str]]) -> None:
        with self._lock:
            self.tombstones_written += len(stones)
            self._tombstones = [t for t in self._tombstones if t not in stones]
            self._unverified -= stones
        for row_id, _ in stones:
            self.observer.forget(row_id)

    def _verify_tombstones(self) -> None:
        """Settle tombstones sent in an ambiguous batch: drop those that landed (one read)."""
        with self._lock:
            unverified = set(self._unverified)
        if not unverified:
            return
        still_finished = self.rows_holding(unverified)
        self._drop_tombstones(unverified - still_finished)
        with self._lock:
            self._unverified -= still_finished  # not applied: send them again, as new

    def rows_holding(self, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (row ID, lease text) pairs some row of the tab holds right now (one read)."""
        return pairs & set(self._id_lease_pairs())

    def compact(self, count: int = 500, *, project: bool = True) -> int:
        """Leader's pass: fix display cells of the top rows and remove tombstones (one write).

        The display cells are written by position from the read made just before, in the same
        batch as the only row deletion agents ever make, so no agent shifts rows in between.
        Returns the tombstones seen in the rows read.
        """
        rows, _ = self.read_window(2, count)
        batch = WriteBatch()
        if project:
            self._project(rows, {}, batch)
        if self.tombstones_seen:
            info = self.gateway.tab(self.spec.title)
            id_col, lease_col = self.cmap.col("id"), self.cmap.col("lease")
            batch.add(delete_duplicates_request(info.sheet_id, [id_col, lease_col]))
        batch.flush(self.gateway)
        return self.tombstones_seen

    def remove_tombstones(self) -> None:
        """``deleteDuplicates`` alone, for an agent leaving when the leader may be gone.

        An ambiguous answer is fine: removing tombstones is harmless to repeat or to miss
        (readers skip them; the next leader's compaction removes what is left).
        """
        info = self.gateway.tab(self.spec.title)
        id_col, lease_col = self.cmap.col("id"), self.cmap.col("lease")
        batch = WriteBatch()
        batch.add(delete_duplicates_request(info.sheet_id, [id_col, lease_col]))
        batch.flush(self.gateway)

    def flush_tombstones(self) -> None:
        """Remove moved rows now (normally they ride along with the next claim)."""
        batch = WriteBatch()
        self._add_tombstones(batch)
        batch.flush(self.gateway)

    @property
    def has_tombstones(self) -> bool:
        """Whether moved rows are waiting to be removed."""
        with self._lock:
            return bool(self._tombstones)

    def locate(self, row_ids: Sequence[str]) -> dict[str, str]:
        """The current lease text of each row in ``row_ids`` that is still in the tab."""
        wanted = set(row_ids)
        return {row_id: lease for row_id, lease in self._id_lease_pairs() if row_id in wanted}

    def _id_lease_pairs(self) -> list[tuple[str, str]]:
        """(ID, Lease) of every row below the header, in sheet order (one ``batchGet``)."""
        id_col, lease_col = self.cmap.col("id"), self.cmap.col("lease")
        ids, leases = self.gateway.read(
            [
                column_range(self.spec.title, id_col, 2),
                column_range(self.spec.title, lease_col, 2),
            ]
        )
        return [
            (
                id_row[0] if id_row else "",
                leases[i][0] if i < len(leases) and leases[i] else "",
            )
            for i, id_row in enumerate(ids)
        ]
