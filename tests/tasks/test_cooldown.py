"""Cooldowns grow per strike, are capped, and are spread by jitter."""

from __future__ import annotations

import random

from agent.tasks.cooldown import COOLDOWNS, JITTER, cooldown_s
from agent.tasks.failures import ErrorClass


def test_cooldowns_grow_cap_and_spread() -> None:
    rng = random.Random(7)
    base, cap = COOLDOWNS[ErrorClass.RATE_LIMITED]
    first = [cooldown_s(ErrorClass.RATE_LIMITED, 1, rng) for _ in range(200)]
    assert all(base * (1 - JITTER) <= p <= base * (1 + JITTER) for p in first)
    assert len({round(p, 3) for p in first}) > 100  # spread, not one value
    no_jitter = [cooldown_s(ErrorClass.RATE_LIMITED, s, jitter=0) for s in range(1, 10)]
    assert no_jitter[:3] == [base, 2 * base, 4 * base]
    assert no_jitter[-1] == cap
    assert cooldown_s(ErrorClass.BOT_CHECK, 1, jitter=0) > base
    assert cooldown_s(ErrorClass.NETWORK, 3) == 0.0
    assert cooldown_s(ErrorClass.RATE_LIMITED, 0) == 0.0
