"""One account's quota shared by a fleet: shares, heartbeat, lease and poll intervals."""

from __future__ import annotations

import pytest

from agent.coordination.timing import HEARTBEATS_PER_LEASE, Settings, fleet_timing

DEFAULTS = Settings(
    heartbeat_s=30,
    lease_s=120,
    leader_lease_s=300,
    poll_s=5,
    read_per_minute=60,
    write_per_minute=60,
)


@pytest.mark.parametrize("agents", [1, 2, 5, 13, 14, 20, 50, 200])
def test_the_fleet_stays_inside_the_accounts_quota(agents: int) -> None:
    timing = fleet_timing(DEFAULTS, agents)
    assert timing.read_per_minute * agents <= 60 and timing.write_per_minute * agents <= 60
    heartbeat_writes = agents * 60 / timing.heartbeat_s  # one write per heartbeat
    assert heartbeat_writes <= 0.5 * 60, "heartbeats leave half of the writes to the work"
    idle_reads = agents * (60 / timing.heartbeat_s + 60 / timing.poll_s)
    assert idle_reads <= 60
    assert timing.lease_s >= HEARTBEATS_PER_LEASE * timing.heartbeat_s
    assert timing.leader_lease_s >= HEARTBEATS_PER_LEASE * timing.heartbeat_s


def test_the_defaults_fit_a_small_fleet_and_stretch_for_a_large_one() -> None:
    small = fleet_timing(DEFAULTS, 13)
    assert (small.heartbeat_s, small.lease_s, small.stretched) == (30, 120, False)
    assert small.warning(DEFAULTS) is None
    large = fleet_timing(DEFAULTS, 20)
    assert large.stretched and large.lease_s > 120
    message = large.warning(DEFAULTS)
    assert message is not None
    assert "20 agents" in message and "LEASE_SECONDS=120" in message


def test_configured_intervals_are_lower_bounds() -> None:
    slow = Settings(
        heartbeat_s=90,
        lease_s=600,
        leader_lease_s=900,
        poll_s=30,
        read_per_minute=60,
        write_per_minute=60,
    )
    timing = fleet_timing(slow, 3)
    assert (timing.heartbeat_s, timing.lease_s, timing.leader_lease_s, timing.poll_s) == (
        90,
        600,
        900,
        30,
    )


def test_no_agents_seen_counts_as_this_one() -> None:
    assert fleet_timing(DEFAULTS, 0) == fleet_timing(DEFAULTS, 1)
