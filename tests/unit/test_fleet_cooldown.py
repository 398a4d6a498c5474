"""The fleet's cool-down as this agent keeps it: own pauses, the fleet's, and what is believed."""

from __future__ import annotations

from agent.runtime.cooling import MAX_BELIEVED_S, FleetCooldown
from agent.tasks.failures import ErrorClass


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_push_backs_grow_and_a_success_starts_over() -> None:
    clock = Clock()
    cooling = FleetCooldown(first_pause_s=10.0, clock=clock)
    first = cooling.push_back(ErrorClass.BOT_CHECK)
    second = cooling.push_back(ErrorClass.BOT_CHECK)
    assert 7.5 <= first <= 12.5 and 15.0 <= second <= 25.0  # doubled, jittered by 25 %
    assert cooling.published() == cooling.own_until > clock.now
    assert cooling.remaining_s() > 0
    cooling.success()
    assert 7.5 <= cooling.push_back(ErrorClass.RATE_LIMITED) <= 12.5


def test_the_fleets_pause_counts_and_ends() -> None:
    clock = Clock()
    cooling = FleetCooldown(clock=clock)
    assert cooling.remaining_s() == 0 and cooling.published() == 0
    cooling.observe(clock.now + 30)
    assert cooling.remaining_s() == 30
    assert cooling.published() == 0, "another agent's pause is not republished"
    clock.now += 31
    assert cooling.remaining_s() == 0


def test_a_published_end_too_far_away_is_not_believed() -> None:
    clock = Clock()
    cooling = FleetCooldown(clock=clock)
    cooling.observe(clock.now + MAX_BELIEVED_S + 60)
    assert cooling.remaining_s() == 0


def test_class_defaults_apply_without_a_setting() -> None:
    cooling = FleetCooldown(clock=Clock())
    assert 450.0 <= cooling.push_back(ErrorClass.BOT_CHECK) <= 750.0  # 600 s +- 25 %
