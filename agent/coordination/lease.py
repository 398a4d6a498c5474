"""The lease cell: the one cell of a row that the agents compare-and-set.

Format ``STATE|id|attempts|owner|stamp``:

* ``PENDING|<id>|<attempts>|-|<not-before epoch s>`` waits in a queue tab (0 = now);
* ``CLAIMED|<id>|<attempts>|<worker>#<session>|<claimed epoch s>.<renewals>`` is held;
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

    def encode(self) -> str:
        """The cell text."""
        return LEASE_SEPARATOR.join(
            (self.state.value, self.row_id, str(self.attempts), self.owner, self.stamp)
        )

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

    def claimed_by(self, owner: str, now_s: float | None = None) -> Lease:
        """This row claimed by ``owner``: one more attempt, a fresh stamp."""
        now = int(now_s if now_s is not None else time.time())
        return Lease(LeaseState.CLAIMED, self.row_id, self.attempts + 1, owner, f"{now}.0")

    def renewed(self) -> Lease:
        """The same claim with the renewal counter bumped (so observers see it live)."""
        claimed, _, count = self.stamp.partition(".")
        next_count = int(count) + 1 if count.isdigit() else 1
        return replace(self, stamp=f"{claimed}.{next_count}")

    def finished(self, state: LeaseState, now_s: float | None = None) -> Lease:
        """This claim turned terminal (DONE or FAILED) by its owner."""
        now = int(now_s if now_s is not None else time.time())
        return replace(self, state=state, stamp=str(now))

    def released(self, not_before_s: float = 0.0, *, refund: bool = False) -> Lease:
        """Back to PENDING, claimable after ``not_before_s``; ``refund`` un-counts this attempt."""
        attempts = max(self.attempts - 1, 0) if refund else self.attempts
        return Lease(LeaseState.PENDING, self.row_id, attempts, "-", str(int(not_before_s)))


class LeaseParseError(ValueError):
    """A lease cell that does not follow the format (garbage pasted by hand, say)."""


def parse_lease(text: str) -> Lease:
    """Parse a lease cell; raise :class:`LeaseParseError` naming what is wrong."""
    parts = text.strip().split(LEASE_SEPARATOR)
    if len(parts) != 5:
        raise LeaseParseError(f"expected 5 fields separated by '|', got {len(parts)}")
    state_text, row_id, attempts_text, owner, stamp = parts
    try:
        state = LeaseState(state_text)
    except ValueError:
        raise LeaseParseError(f"unknown state {state_text!r}") from None
    if not row_id:
        raise LeaseParseError("empty row id")
    if not attempts_text.isdigit():
        raise LeaseParseError(f"attempts {attempts_text!r} is not a number")
    return Lease(state, row_id, int(attempts_text), owner or "-", stamp or "0")


def pending(row_id: str, attempts: int = 0) -> Lease:
    """A fresh PENDING lease for ``row_id``."""
    return Lease(LeaseState.PENDING, row_id, attempts)
