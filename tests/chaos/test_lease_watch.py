"""The chaos monitor's judge of takeovers (no I/O): what is a lapse of a live holder."""

from __future__ import annotations

from tests.chaos.leases import LeaseWatch


def _watch(dead: dict[str, float] | None = None) -> LeaseWatch:
    deaths = dead or {}
    return LeaseWatch(dead_at=lambda name, since: deaths.get(name), default_lease_s=30)


def test_a_live_holder_silent_for_a_lease_then_taken_over_is_a_lapse() -> None:
    watch = _watch()
    watch.see(0, ["CLAIMED|t1|1|a#1|1000.0"])
    watch.see(40, ["CLAIMED|t1|2|b#1|1040.0"])
    assert len(watch.lapses) == 1 and "a#1" in watch.lapses[0]


def test_a_dead_holders_claim_taken_over_is_no_lapse() -> None:
    watch = _watch({"a": 10.0})
    watch.see(0, ["CLAIMED|t1|1|a#1|1000.0"])
    watch.see(40, ["CLAIMED|t1|2|b#1|1040.0"])
    assert watch.lapses == [] and watch.takeovers_of_dead == 1


def test_a_requeued_task_claimed_again_is_no_takeover() -> None:
    """Found by the full chaos run: a private video failed at once, went to the DLQ, was
    requeued by the person and claimed by another agent, all between two polls; the monitor
    took the new claim (attempt 1 again) for a takeover of the old one."""
    watch = _watch()
    watch.see(0, ["CLAIMED|t1|1|a#1|1000.0"])
    watch.see(73, ["CLAIMED|t1|1|b#1|1073.0"])
    assert watch.lapses == []
