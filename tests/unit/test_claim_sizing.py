"""The claim batch size policy (pure logic: a clock is the only input besides the counts)."""

from __future__ import annotations

from agent.coordination.sizing import FAST_CYCLE_S, SLOW_CYCLE_S, ClaimSizer


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def drive(sizer: ClaimSizer, clock: Clock, cycles: list[tuple[float, float]]) -> list[int]:
    """Claim cycles given as (seconds since the previous one, share of the batch won)."""
    sizes = []
    for gap, share in cycles:
        clock.now += gap
        asked = sizer.size
        sizer.claimed(asked, int(asked * share))
        sizes.append(sizer.size)
    return sizes


def test_short_tasks_and_a_deep_queue_grow_the_batch_up_to_the_maximum() -> None:
    clock = Clock()
    sizer = ClaimSizer(10, 50, clock)
    assert sizer.size == 10
    assert drive(sizer, clock, [(1.0, 1.0)] * 5) == [10, 20, 40, 50, 50]


def test_a_queue_running_dry_or_long_tasks_shrink_it_back_to_the_minimum() -> None:
    clock = Clock()
    sizer = ClaimSizer(10, 50, clock)
    drive(sizer, clock, [(1.0, 1.0)] * 4)
    assert drive(sizer, clock, [(1.0, 0.3), (1.0, 0.3), (1.0, 0.3)]) == [25, 12, 10]
    drive(sizer, clock, [(1.0, 1.0)] * 4)
    assert sizer.size == 50
    assert drive(sizer, clock, [(SLOW_CYCLE_S + 1, 1.0)] * 3) == [25, 12, 10]


def test_in_between_it_holds_its_size() -> None:
    clock = Clock()
    sizer = ClaimSizer(10, 50, clock)
    drive(sizer, clock, [(1.0, 1.0)] * 2)
    assert sizer.size == 20
    steady = (FAST_CYCLE_S + 1, 1.0)  # full, but not fast: keep
    partly = (1.0, 0.6)  # fast, more than half full but not full: keep
    assert drive(sizer, clock, [steady, partly, steady]) == [20, 20, 20]


def test_a_maximum_at_or_below_the_minimum_keeps_the_batch_fixed() -> None:
    clock = Clock()
    for maximum in (1, 10):
        sizer = ClaimSizer(10, maximum, clock)
        assert drive(sizer, clock, [(0.1, 1.0)] * 5 + [(0.1, 0.0)] * 2) == [10] * 7


def test_the_first_cycle_has_no_previous_one_to_compare_with() -> None:
    clock = Clock()
    sizer = ClaimSizer(5, 50, clock)
    sizer.claimed(5, 5)  # full, but how fast is unknown yet
    assert sizer.size == 5
