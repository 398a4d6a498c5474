"""The claim plan as a pure function: rows, limit, time, holdings in; compare-and-sets out."""

from __future__ import annotations

import re
from typing import Any

from agent.coordination.lease import Lease, LeaseState, pending
from agent.coordination.queue.plan import (
    ADOPT,
    CLAIM,
    MERGE,
    ClaimPolicy,
    PlannedClaim,
    own_claim_pattern,
    plan_claims,
)
from agent.coordination.rows import QueueRow

NOW = 1_800_000_000.0
ME = "me#s1"
POLICY = ClaimPolicy(owner=ME, lease_s=60.0, max_attempts=3)


def _row(number: int, lease: Lease | None, row_id: str | None = None) -> QueueRow:
    rid = row_id if row_id is not None else (lease.row_id if lease else "")
    text = lease.encode() if lease else ""
    return QueueRow(number, (rid, text), rid, text, lease)


def _claimed(row_id: str, owner: str, attempts: int = 1) -> Lease:
    return Lease(LeaseState.CLAIMED, row_id, attempts, owner, f"{int(NOW) - 600}.3")


def _keep_order(items: list[Any]) -> None:
    """A shuffle that leaves the order alone, so results can be compared exactly."""


def _plan(
    rows: list[QueueRow], limit: int, ages: list[float], held: frozenset[str] = frozenset()
) -> list[PlannedClaim]:
    return plan_claims(
        rows, limit, NOW, held.__contains__, policy=POLICY, ages=ages, shuffle=_keep_order
    )


def test_pending_rows_are_claimed_up_to_the_limit_with_a_fresh_claim() -> None:
    rows = [_row(2 + i, pending(f"t{i}")) for i in range(5)]
    plans = _plan(rows, 3, [0.0] * 5)
    assert [p.row.row_id for p in plans] == ["t0", "t1", "t2"]
    lease = plans[0].lease
    assert (lease.state, lease.owner, lease.attempts) == (LeaseState.CLAIMED, ME, 1)
    assert lease.stamp == f"{int(NOW)}.0"
    assert all(p.reason == "" for p in plans)


def test_a_row_waiting_for_its_retry_time_and_a_row_without_lease_are_left() -> None:
    later = Lease(LeaseState.PENDING, "later", 1, "-", str(int(NOW) + 30))
    due = Lease(LeaseState.PENDING, "due", 1, "-", str(int(NOW) - 1))
    rows = [_row(2, later), _row(3, None, row_id=""), _row(4, due)]
    assert [p.row.row_id for p in _plan(rows, 10, [0.0, 0.0, 0.0])] == ["due"]


def test_another_agents_lease_is_taken_over_only_once_seen_unchanged_for_a_lease() -> None:
    rows = [_row(2, _claimed("a", "other#x")), _row(3, _claimed("b", "other#x"))]
    plans = _plan(rows, 10, [59.9, 60.0])
    assert [p.row.row_id for p in plans] == ["b"]
    assert plans[0].lease.owner == ME and plans[0].lease.attempts == 2


def test_own_lease_is_kept_while_held_and_adopted_at_once_when_not_held() -> None:
    """A claim of this session that it does not hold (its claim landed after the answer was
    lost, or a step dropped it) is taken back at once, not left to lapse for a whole lease."""
    rows = [_row(2, _claimed("mine", ME)), _row(3, _claimed("dropped", ME))]
    plans = _plan(rows, 10, [600.0, 0.0], held=frozenset({"mine"}))
    assert [(p.row.row_id, p.kind) for p in plans] == [("dropped", ADOPT)]
    adopted = plans[0].lease
    assert (adopted.owner, adopted.attempts, adopted.stamp) == (ME, 1, f"{int(NOW)}.0")
    renewed_meanwhile = _claimed("dropped", ME).renewed().renewed().encode()
    assert re.fullmatch(plans[0].old_pattern, renewed_meanwhile)
    assert not re.fullmatch(plans[0].old_pattern, _claimed("dropped", ME, attempts=2).encode())
    # A late release or renewal of the old claim no longer matches the adopted one.
    old_claim = own_claim_pattern(_claimed("dropped", ME))
    assert not re.fullmatch(old_claim, adopted.renewed().encode())


def test_a_pending_row_is_claimed_whatever_its_attempts_and_not_before_became() -> None:
    (plan,) = _plan([_row(2, pending("t0"))], 10, [0.0])
    assert plan.kind == CLAIM
    assert re.fullmatch(plan.old_pattern, "PENDING|t0|0|-|0")
    assert re.fullmatch(plan.old_pattern, "PENDING|t0|4|-|1800000100")
    assert not re.fullmatch(plan.old_pattern, "PENDING|t01|0|-|0")
    assert not re.fullmatch(plan.old_pattern, _claimed("t0", "other#x").encode())


def test_copies_of_one_task_are_claimed_once_counting_the_most_attempts() -> None:
    rows = [_row(2, pending("t0")), _row(3, pending("t1")), _row(4, pending("t0", attempts=2))]
    plans = _plan(rows, 10, [0.0, 0.0, 0.0])
    assert [(p.row.row_number, p.lease.attempts) for p in plans] == [(2, 3), (3, 1)]


def test_identical_copies_are_one_claim() -> None:
    rows = [_row(2, pending("t0")), _row(3, pending("t0"))]
    assert [p.row.row_number for p in _plan(rows, 10, [0.0, 0.0])] == [2]


def test_a_waiting_copy_of_a_claimed_task_is_merged_into_the_claim_never_claimed() -> None:
    held_elsewhere = _claimed("t0", "other#x")
    rows = [_row(2, pending("t0", attempts=1)), _row(3, held_elsewhere)]
    (plan,) = _plan(rows, 10, [0.0, 0.0])
    assert (plan.kind, plan.row.row_number, plan.lease) == (MERGE, 2, held_elsewhere)
    assert re.fullmatch(plan.old_pattern, "PENDING|t0|1|-|0")
    assert not re.fullmatch(plan.old_pattern, held_elsewhere.encode())


def test_a_waiting_copy_of_a_finished_task_is_merged_into_it() -> None:
    done = Lease(LeaseState.DONE, "t0", 1, "other#x", "1700000000")
    rows = [_row(2, done), _row(3, pending("t0"))]
    (plan,) = _plan(rows, 10, [0.0, 0.0])
    assert (plan.kind, plan.lease) == (MERGE, done)


def test_a_lease_expired_max_attempts_times_fails_with_the_reason_and_is_not_capped() -> None:
    worn = _claimed("worn", "gone#z", attempts=3)
    rows = [_row(2, pending("p1")), _row(3, worn), _row(4, pending("p2"))]
    plans = _plan(rows, 1, [0.0, 120.0, 0.0])
    assert [p.row.row_id for p in plans] == ["worn", "p1"], "moves first, then the limit"
    failed = plans[0]
    assert failed.lease.state is LeaseState.FAILED and failed.lease.owner == ME
    assert failed.lease.stamp == str(int(NOW))
    assert "expired 3 times" in failed.reason and "'gone'" in failed.reason
    assert "MAX_ATTEMPTS=3" in failed.reason


def test_an_orphaned_done_row_is_moved_on_keeping_its_stamp() -> None:
    done = Lease(LeaseState.DONE, "d", 1, "dead#q", "1700000000")
    plans = _plan([_row(2, done)], 0, [61.0])
    assert len(plans) == 1
    moved = plans[0].lease
    assert (moved.state, moved.owner, moved.stamp) == (LeaseState.DONE, ME, "1700000000")


def test_expired_claims_come_before_fresh_ones_and_only_fresh_ones_are_shuffled() -> None:
    rows = [_row(2, pending("f1")), _row(3, pending("f2")), _row(4, _claimed("e", "o#1"))]
    shuffled: list[list[str]] = []

    def reverse(items: list[Any]) -> None:
        shuffled.append([p.row.row_id for p in items])
        items.reverse()

    plans = plan_claims(
        rows, 2, NOW, lambda _: True, policy=POLICY, ages=[0.0, 0.0, 90.0], shuffle=reverse
    )
    assert shuffled == [["f1", "f2"]]
    assert [p.row.row_id for p in plans] == ["e", "f2"]
