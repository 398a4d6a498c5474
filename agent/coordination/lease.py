"""The lease cell: the one cell of a row that the agents compare-and-set.

Format ``STATE|id|attempts|owner|stamp``:

* ``PENDING|<id>|<attempts>|-|<not-before epoch s>`` waits in a queue tab (0 = now);
* ``CLAIMED|<id>|<attempts>|<worker>#<session>|<claimed epoch s>.<renewals>[|<ttl s>]`` is
  held; the optional sixth field is the lease's length that the holder promises to renew
  within (it grows with the fleet on one account, see :mod:`agent.coordination.timing`), and
  observers wait at least that long before they take the row over;
* ``DONE|<id>|<attempts>|<worker>#<session>|<completed epoch s>`` and ``FAILED|...`` are
  terminal and wait to be moved to History / DLQ.

The row's ID inside the cell makes every value unique to its row, so a compare-and-set on the
whole column addresses the row wherever it has moved. Every renewal changes the stamp, so an
observer can tell a live lease (its value changes) from a dead one (it does not).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from enum import Enum

from agent.schema import LEASE_SEPARATOR

#: A lease length written by hand cannot hold a row for longer than a day.
MAX_TTL_S = 86_400


class LeaseState(str, Enum):
    """States of a queued row as its lease cell records them."""

    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Lease:
    """A parsed lease cell."""

    state: LeaseState
    row_id: str
    attempts: int = 0
    owner: str = "-"
    stamp: str = "0"
    #: The holder's promised lease length in seconds (CLAIMED only; 0 = the observer's own).
    ttl_s: int = 0

    def encode(self) -> str:
        """The cell text."""
        fields = [self.state.value, self.row_id, str(self.attempts), self.owner, self.stamp]
        if self.ttl_s and self.state is LeaseState.CLAIMED:
            fields.append(str(self.ttl_s))
        return LEASE_SEPARATOR.join(fields)

    def expires_after_s(self, own_lease_s: float) -> float:
        """How long an observer waits, unchanged, before it may take this lease over."""
        return max(own_lease_s, float(self.ttl_s))

    @property
    def owner_name(self) -> str:
        """The worker name part of the owner ('' when nobody owns it)."""
        return "" if self.owner == "-" else self.owner.split("#", 1)[0]

    @property
    def not_before_s(self) -> float:
        """For PENDING: the wall-clock time before which nobody should claim it."""
        try:
            return float(self.stamp) if self.state is LeaseState.PENDING else 0.0
        except ValueError:
            return 0.0

    @property
    def stamp_epoch_s(self) -> float:
        """The epoch seconds in the stamp (claim or completion time); 0 when unreadable."""
        try:
            return float(self.stamp.split(".", 1)[0])
        except ValueError:
            return 0.0

    def claimed_by(self, owner: str, now_s: float | None = None, ttl_s: int = 0) -> Lease:
        """This row claimed by ``owner``: one more attempt, a fresh stamp."""
        now = int(now_s if now_s is not None else time.time())
        return Lease(LeaseState.CLAIMED, self.row_id, self.attempts + 1, owner, f"{now}.0", ttl_s)

    def renewed(self, ttl_s: int | None = None) -> Lease:
        """The same claim with the renewal counter bumped (so observers see it live)."""
        claimed, _, count = self.stamp.partition(".")
        next_count = int(count) + 1 if count.isdigit() else 1
        ttl = self.ttl_s if ttl_s is None else ttl_s
        return replace(self, stamp=f"{claimed}.{next_count}", ttl_s=ttl)

    def same_claim(self, other: Lease) -> bool:
        """Whether ``other`` is this claim, renewed any number of times (or not at all)."""
        return (
            self.state is other.state is LeaseState.CLAIMED
            and (self.row_id, self.attempts, self.owner)
            == (other.row_id, other.attempts, other.owner)
            and self.stamp.partition(".")[0] == other.stamp.partition(".")[0]
        )

    def finished(self, state: LeaseState, now_s: float | None = None) -> Lease:
        """This claim turned terminal (DONE or FAILED) by its owner."""
        now = int(now_s if now_s is not None else time.time())
        return replace(self, state=state, stamp=str(now), ttl_s=0)

    def released(self, not_before_s: float = 0.0, *, refund: bool = False) -> Lease:
        """Back to PENDING, claimable after ``not_before_s``; ``refund`` un-counts this attempt."""
        attempts = max(self.attempts - 1, 0) if refund else self.attempts
        return Lease(LeaseState.PENDING, self.row_id, attempts, "-", str(int(not_before_s)))


class LeaseParseError(ValueError):
    """A lease cell that does not follow the format (garbage pasted by hand, say)."""


def parse_lease(text: str) -> Lease:
    """Parse a lease cell; raise :class:`LeaseParseError` naming what is wrong."""
    parts = text.strip().split(LEASE_SEPARATOR)
    if len(parts) not in (5, 6):
        raise LeaseParseError(f"expected 5 fields separated by '|', got {len(parts)}")
    state_text, row_id, attempts_text, owner, stamp = parts[:5]
    ttl_text = parts[5] if len(parts) == 6 else "0"
    if not ttl_text.isdigit():
        raise LeaseParseError(f"lease length {ttl_text!r} is not a number of seconds")
    try:
        state = LeaseState(state_text)
    except ValueError:
        raise LeaseParseError(f"unknown state {state_text!r}") from None
    if not row_id:
        raise LeaseParseError("empty row id")
    if not attempts_text.isdigit():
        raise LeaseParseError(f"attempts {attempts_text!r} is not a number")
    ttl = min(int(ttl_text), MAX_TTL_S) if state is LeaseState.CLAIMED else 0
    return Lease(state, row_id, int(attempts_text), owner or "-", stamp or "0", ttl)


def lease_or_none(text: str) -> Lease | None:
    """The lease in a cell, or None when the cell holds none."""
    try:
        return parse_lease(text)
    except LeaseParseError:
        return None


def pending(row_id: str, attempts: int = 0) -> Lease:
    """A fresh PENDING lease for ``row_id``."""
    return Lease(LeaseState.PENDING, row_id, attempts)
