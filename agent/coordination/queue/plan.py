"""The claim plan: which rows of a window to take, and the lease each one gets.

A pure function of the rows read, the limit, the time, what this agent holds and how long each
lease has been seen unchanged; no I/O, so it is unit-tested without a spreadsheet.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from agent.coordination.cas import any_pending_pattern, any_renewal_pattern, exact_pattern
from agent.coordination.lease import Lease, LeaseState
from agent.coordination.rows import QueueRow

#: Kinds of planned compare-and-set: take the row, make a copy equal to its dominant row,
#: or take back a claim of this session that landed after its answer was lost.
CLAIM, MERGE, ADOPT = "claim", "merge", "adopt"


@dataclass(frozen=True)
class ClaimPolicy:
    """Who claims, and the rules a claim follows."""

    owner: str
    lease_s: float
    max_attempts: int
    #: The lease length written into this agent's claims (0: none, observers use their own).
    ttl_s: int = 0


class PlannedClaim(NamedTuple):
    """One compare-and-set to send: the row, its new lease, and why (for a FAILED takeover).

    ``pattern`` is the whole-cell regex the lease cell must match ('' = exactly the lease
    read); ``kind`` is :data:`CLAIM`, :data:`MERGE` or :data:`ADOPT`.
    """

    row: QueueRow
    lease: Lease
    reason: str
    pattern: str = ""
    kind: str = CLAIM

    @property
    def old_pattern(self) -> str:
        """The pattern to send: ``pattern``, or the exact lease text read."""
        return self.pattern or exact_pattern(self.row.lease_text)


def own_claim_pattern(lease: Lease) -> str:
    """Matches ``lease`` (a CLAIMED lease of this session) renewed any number of times."""
    claimed = lease.stamp.partition(".")[0]
    state = lease.state.value
    return any_renewal_pattern(state, lease.row_id, lease.attempts, lease.owner, claimed)


def plan_claims(
    rows: Sequence[QueueRow],
    limit: int,
    now: float,
    holds: Callable[[str], bool],
    *,
    policy: ClaimPolicy,
    ages: Sequence[float],
    shuffle: Callable[[list[Any]], None] = random.shuffle,
) -> list[PlannedClaim]:
    """The claims to try: merges of copies first, then moves of orphaned DONE/FAILED rows.

    ``ages[i]`` is how long ``rows[i]``'s lease has been seen unchanged on this agent's monotonic
    clock; a lease older than ``policy.lease_s`` (or the longer length its holder wrote into
    it) is expired. A PENDING row is claimed with
    :func:`~agent.coordination.cas.any_pending_pattern`, so one compare-and-set takes every
    waiting copy of the task. When one ID sits in several rows and one of them is not PENDING
    (claimed, or finished), its PENDING copies are merged into it instead: set to its exact
    lease, so that nobody claims them and the next compaction removes them. A row leased to
    this agent's own session that ``holds(row_id)`` says is not held (its claim landed after
    the answer was lost) is adopted at once. Fresh rows are shuffled (random order spreads
    agents apart) and the claims capped at ``limit``; merges, moves and adoptions never are.
    """
    fresh: list[PlannedClaim] = []
    expired: list[PlannedClaim] = []
    moves: list[PlannedClaim] = []
    copies = group_copies(rows)
    seen: set[str] = set()
    for row, age in zip(rows, ages, strict=True):
        lease = row.lease
        if lease is None or row.row_id in seen:
            continue  # a later copy of an ID: planned with the first
        seen.add(row.row_id)
        group = copies.get(row.row_id, [row])
        merge = merge_plan(group)
        if merge is not None:
            moves.append(merge)
            continue
        if lease.state is LeaseState.PENDING:
            ready = all(r.lease is not None and r.lease.not_before_s <= now for r in group)
            if ready:
                most = max(group, key=lambda r: r.lease.attempts if r.lease else 0)
                assert most.lease is not None
                new = most.lease.claimed_by(policy.owner, now, policy.ttl_s)
                fresh.append(PlannedClaim(row, new, "", any_pending_pattern(row.row_id)))
        elif lease.owner == policy.owner and lease.state is LeaseState.CLAIMED:
            if not holds(row.row_id):
                new = adopted(lease, now)
                moves.append(PlannedClaim(row, new, "", own_claim_pattern(lease), ADOPT))
        elif age >= lease.expires_after_s(policy.lease_s) and (
            lease.owner != policy.owner or not holds(row.row_id)
        ):
            plan = takeover(row, lease, now, policy)
            (expired if plan.lease.state is LeaseState.CLAIMED else moves).append(plan)
    shuffle(fresh)
    return moves + (expired + fresh)[:limit]


def adopted(lease: Lease, now: float) -> Lease:
    """``lease`` (this session's claim, not held) taken back as a new claim, attempts kept.

    The claimed time changes, so a late write of the old claim (a release or a renewal whose
    answer was lost) no longer matches it and cannot undo the adoption.
    """
    stamp = max(int(now), int(lease.stamp_epoch_s) + 1)
    return replace(lease, stamp=f"{stamp}.0")


def group_copies(rows: Sequence[QueueRow]) -> dict[str, list[QueueRow]]:
    """Rows that share an ID with another row, by ID, in sheet order; identical copies (same
    lease text) count as one, since every compare-and-set changes them alike."""
    by_id: dict[str, list[QueueRow]] = {}
    for row in rows:
        if row.lease is not None:
            by_id.setdefault(row.row_id, []).append(row)
    groups: dict[str, list[QueueRow]] = {}
    for row_id, group in by_id.items():
        distinct: list[QueueRow] = []
        for row in group:
            if all(row.lease_text != other.lease_text for other in distinct):
                distinct.append(row)
        if len(distinct) > 1:
            groups[row_id] = distinct
    return groups


def merge_plan(group: Sequence[QueueRow]) -> PlannedClaim | None:
    """For copies of one ID: set its PENDING copies to the dominant (first non-PENDING) lease."""
    dominant = next(
        (r for r in group if r.lease is not None and r.lease.state is not LeaseState.PENDING), None
    )
    if dominant is None or dominant.lease is None:
        return None
    if not any(r.lease is not None and r.lease.state is LeaseState.PENDING for r in group):
        return None
    pending_copy = next(r for r in group if r.lease and r.lease.state is LeaseState.PENDING)
    return PlannedClaim(
        pending_copy, dominant.lease, "", any_pending_pattern(dominant.row_id), MERGE
    )


def takeover(row: QueueRow, lease: Lease, now: float, policy: ClaimPolicy) -> PlannedClaim:
    """The plan for a row whose lease expired: claim it, fail it, or move it on."""
    if lease.state is LeaseState.CLAIMED:
        if lease.attempts >= policy.max_attempts:
            reason = (
                f"lease expired {lease.attempts} times (last holder {lease.owner_name!r} "
                f"stopped renewing); MAX_ATTEMPTS={policy.max_attempts}"
            )
            failed = Lease(LeaseState.FAILED, lease.row_id, lease.attempts, policy.owner)
            return PlannedClaim(row, failed.finished(LeaseState.FAILED, now), reason)
        return PlannedClaim(row, lease.claimed_by(policy.owner, now, policy.ttl_s), "")
    # DONE / FAILED left behind by a worker that died before moving the row.
    moved = Lease(lease.state, lease.row_id, lease.attempts, policy.owner, lease.stamp)
    return PlannedClaim(row, moved, "")
