"""How fast each agent may talk to Google, given how many agents share its account.

Google's per-minute quotas (60 reads, 60 writes) belong to the account, not to the machine: ten
agents on one service account share one budget. From the number of live agents of its own
account (as the Workers tab shows them) each agent derives

* its share of the read and write budgets (what its token buckets are sized to);
* its heartbeat interval: one read and one write per heartbeat (the worker row, every lease
  renewal and leadership in one call), using at most half of its share, so that claims, finishes
  and polls keep the other half;
* the lease it writes into every claim: several heartbeats long, so that a few late or refused
  renewals never let a live holder's lease lapse;
* its idle poll interval, from the other half of the read share.

Nothing here does I/O; the numbers are documented in docs/protocol.md.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The share of the account's budget the fleet plans to use (the rest absorbs people's edits
#: through the same account, `orc status`, and timing noise).
FLEET_SHARE = 0.9
#: The part of an agent's share that heartbeats (and the renewals riding on them) may use.
HEARTBEAT_SHARE = 0.5
#: The part of the read share left for idle polls of the queue.
POLL_SHARE = 0.4
#: A lease lasts this many heartbeats at least.
HEARTBEATS_PER_LEASE = 4


@dataclass(frozen=True)
class Settings:
    """The configured values (upper bounds on speed, lower bounds on the intervals)."""

    heartbeat_s: float
    lease_s: float
    leader_lease_s: float
    poll_s: float
    read_per_minute: int
    write_per_minute: int


@dataclass(frozen=True)
class FleetTiming:
    """The intervals and budget shares one agent uses for a fleet of ``agents`` on its account."""

    agents: int
    read_per_minute: float
    write_per_minute: float
    heartbeat_s: float
    lease_s: float
    leader_lease_s: float
    poll_s: float
    #: The configured leases were too short for this fleet and were lengthened.
    stretched: bool

    def warning(self, settings: Settings) -> str | None:
        """A sentence for the log and `orc status` when the configuration does not fit."""
        if not self.stretched:
            return None
        return (
            f"{self.agents} agents share one account's {settings.write_per_minute} writes a "
            f"minute: each renews its leases every {self.heartbeat_s:.0f} s, so leases are "
            f"{self.lease_s:.0f} s (LEASE_SECONDS={settings.lease_s:g}) and leadership "
            f"{self.leader_lease_s:.0f} s (LEADER_LEASE_SECONDS={settings.leader_lease_s:g}); "
            "raise them, or split the fleet over more service accounts"
        )


def fleet_timing(settings: Settings, agents: int) -> FleetTiming:
    """The timing for ``agents`` live agents (this one included) on one account."""
    n = max(1, agents)
    reads = settings.read_per_minute * FLEET_SHARE / n
    writes = settings.write_per_minute * FLEET_SHARE / n
    # One read and one write per heartbeat, within HEARTBEAT_SHARE of each share.
    heartbeat_floor = 60.0 / (HEARTBEAT_SHARE * min(reads, writes))
    heartbeat = max(settings.heartbeat_s, heartbeat_floor)
    lease_floor = HEARTBEATS_PER_LEASE * heartbeat
    lease = max(settings.lease_s, lease_floor)
    leader_lease = max(settings.leader_lease_s, lease_floor)
    poll = max(settings.poll_s, 60.0 / (POLL_SHARE * reads))
    return FleetTiming(
        agents=n,
        read_per_minute=reads,
        write_per_minute=writes,
        heartbeat_s=heartbeat,
        lease_s=lease,
        leader_lease_s=leader_lease,
        poll_s=poll,
        stretched=lease > settings.lease_s or leader_lease > settings.leader_lease_s,
    )
