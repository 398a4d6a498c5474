"""The claim plan: which rows of a window to take, and the lease each one gets.

A pure function of the rows read, the limit, the time, what this agent holds and how long each
lease has been seen unchanged; no I/O, so it is unit-tested without a spreadsheet.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from agent.coordination.lease import Lease, LeaseState
from agent.coordination.rows import QueueRow


@dataclass(frozen=True)
class ClaimPolicy:
    """Who claims, and the rules a claim follows."""

    owner: str
    lease_s: float
    max_attempts: int
    #: The lease length written into this agent's claims (0: none, observers use their own).
    ttl_s: int = 0


class PlannedClaim(NamedTuple):
    """One compare-and-set to send: the row, its new lease, and why (for a FAILED takeover)."""

    row: QueueRow
    lease: Lease
    reason: str


def plan_claims(
    rows: Sequence[QueueRow],
    limit: int,
    now: float,
    holds: Callable[[str], bool],
    *,
    policy: ClaimPolicy,
    ages: Sequence[float],
    shuffle: Callable[[list[Any]], None] = random.shuffle,
    priority: Callable[[QueueRow], int] | None = None,
) -> list[PlannedClaim]:
    """The claims to try, moves of orphaned DONE/FAILED rows first.

    ``ages[i]`` is how long ``rows[i]``'s lease has been seen unchanged on this agent's monotonic
    clock; a lease older than ``policy.lease_s`` (or the longer length its holder wrote into
    it) is expired. A row leased to this agent's own
    session is taken over only when ``holds(row_id)`` says it is no longer held. Fresh rows are
    shuffled (random order spreads agents apart), then, with ``priority``, ordered by it, highest
    first (the shuffle still spreads agents over rows of equal priority), and the claims capped
    at ``limit``; moves are never capped.
    """
    fresh: list[PlannedClaim] = []
    expired: list[PlannedClaim] = []
    moves: list[PlannedClaim] = []
    for row, age in zip(rows, ages, strict=True):
        lease = row.lease
        if lease is None:
            continue
        if lease.state is LeaseState.PENDING:
            if lease.not_before_s <= now:
                fresh.append(
                    PlannedClaim(row, lease.claimed_by(policy.owner, now, policy.ttl_s), "")
                )
        elif age >= lease.expires_after_s(policy.lease_s) and (
            lease.owner != policy.owner or not holds(row.row_id)
        ):
            plan = takeover(row, lease, now, policy)
            (expired if plan.lease.state is LeaseState.CLAIMED else moves).append(plan)
    shuffle(fresh)
    if priority is not None:
        fresh.sort(key=lambda plan: -priority(plan.row))  # stable: equal ranks stay shuffled
    return moves + (expired + fresh)[:limit]


def row_priority(text: str) -> int:
    """A ``Priority`` cell as a rank (blank or unreadable: 0)."""
    try:
        return int(float(text.strip()))
    except ValueError:
        return 0


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
