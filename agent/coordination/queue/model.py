"""What the queue hands out and gets back: claims, how they ended, what a cycle achieved."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.coordination.lease import Lease, LeaseState


@dataclass
class Claim:
    """A row this agent holds: the lease value it last wrote, and the row's cells as read."""

    row_id: str
    lease: Lease
    record: dict[str, str]
    claimed_monotonic: float = field(default_factory=time.monotonic)
    lost: bool = False


@dataclass(frozen=True)
class ClaimOutcome:
    """How a claim ended: DONE, or FAILED with an error; ``extra`` columns for History/DLQ."""

    claim: Claim
    state: LeaseState
    error: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: The row was already DONE/FAILED when this cycle began: its finisher (another agent that
    #: died, or this one in a cycle that failed half-way) may have appended it already.
    recovered: bool = False


@dataclass
class Cycle:
    """What one claim cycle achieved."""

    won: list[Claim] = field(default_factory=list)
    orphans: list[ClaimOutcome] = field(default_factory=list)
    moved: list[ClaimOutcome] = field(default_factory=list)
    lost: int = 0  # claims another agent won first


@dataclass
class Problem:
    """A row the agent refused to act on, for reports and ``orc status``."""

    tab: str
    row_number: int
    row_id: str
    reason: str
