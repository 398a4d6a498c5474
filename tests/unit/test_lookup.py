"""The lease of each ID among the ID and Lease columns, when one ID sits in several rows."""

from __future__ import annotations

from agent.coordination.queue.lookup import leases_of

CLAIM = "CLAIMED|t1|1|a#1|1796000000.4"


def test_a_copy_without_a_lease_never_hides_the_claim_wherever_it_sits() -> None:
    # A row shifted by a column insert keeps the task's ID but holds no lease.
    assert leases_of([("t1", ""), ("t1", CLAIM)], ["t1"]) == {"t1": CLAIM}
    assert leases_of([("t1", CLAIM), ("t1", " ")], ["t1"]) == {"t1": CLAIM}


def test_only_the_asked_ids_and_a_lone_blank_lease_is_reported_blank() -> None:
    pairs = [("t1", CLAIM), ("t2", ""), ("t3", "PENDING|t3|0|-|0")]
    assert leases_of(pairs, ["t2", "t9"]) == {"t2": ""}


def test_of_two_leased_copies_the_lower_one_wins() -> None:
    other = "CLAIMED|t1|2|b#1|1796000100.0"
    assert leases_of([("t1", CLAIM), ("t1", other)], ["t1"]) == {"t1": other}
