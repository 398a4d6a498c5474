"""Two agents whose wall clocks differ by minutes never both act as leader.

Both elections run against the emulator through the real gspread client; time is driven by
hand: a shared monotonic clock (each agent's own, advancing at the same rate) and wall clocks
that disagree by ten minutes. One agent then freezes (stops renewing) for a while.
"""

from __future__ import annotations

import random

from agent.coordination.batch import WriteBatch
from agent.coordination.leadership import LeaderElection
from agent.sheets.gateway import SheetsGateway

LEASE_S = 30.0


class Clock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _beat(election: LeaderElection, sheet: SheetsGateway) -> None:
    (values,) = sheet.read([election.header_range()])
    batch = WriteBatch()
    election.plan(values, batch)
    batch.flush(sheet)


def test_skewed_wall_clocks_never_give_two_leaders(sheet: SheetsGateway) -> None:
    mono = Clock()
    wall_a = Clock(1_800_000_000.0)
    wall_b = Clock(1_800_000_000.0 - 600)  # ten minutes behind
    a = LeaderElection(sheet, "a#1", LEASE_S, monotonic=mono, wall_clock=wall_a)
    b = LeaderElection(sheet, "b#1", LEASE_S, monotonic=mono, wall_clock=wall_b)
    rng = random.Random(7)
    frozen_until = {"a": 0.0, "b": 0.0}
    leaders_seen = set()
    for step in range(400):
        mono.now += rng.uniform(1.0, 6.0)
        wall_a.now += 3.0
        wall_b.now += 3.0
        if step in (60, 220):
            frozen_until["a" if step == 60 else "b"] = mono.now + 3 * LEASE_S  # a long GC pause
        for name, election in rng.sample([("a", a), ("b", b)], 2):
            if mono.now >= frozen_until[name]:
                _beat(election, sheet)
            assert not (a.is_leader() and b.is_leader()), f"two leaders at step {step}"
        if a.is_leader():
            leaders_seen.add("a")
        if b.is_leader():
            leaders_seen.add("b")
    assert leaders_seen == {"a", "b"}, "leadership never moved during the freezes"
    terms = sorted(a.terms_won + b.terms_won)
    assert terms == sorted(set(terms)), "a term was won twice"
    assert len(terms) >= 2


def test_release_hands_over_at_once(sheet: SheetsGateway) -> None:
    mono = Clock()
    a = LeaderElection(sheet, "a#1", LEASE_S, monotonic=mono)
    b = LeaderElection(sheet, "b#1", LEASE_S, monotonic=mono)
    _beat(a, sheet)
    assert a.is_leader()
    _beat(b, sheet)
    assert not b.is_leader()
    a.release()
    assert not a.is_leader()
    mono.now += 1
    _beat(b, sheet)
    assert b.is_leader() and b.term == a.terms_won[-1] + 1
