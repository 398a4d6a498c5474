"""Token buckets that keep one agent, and the fleet that shares its account, inside the quotas.

Google counts the per-minute quotas per account: every agent signed in with one service account
draws on the same 60 reads and 60 writes a minute. Each agent's bucket is therefore resized to
its share of the account's budget (:meth:`TokenBucket.resize`) as the fleet it sees grows or
shrinks. Requests made in a :func:`critical` block (heartbeats and lease renewals) may use the
last token; every other request leaves it for them, so polls and claims never starve renewals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lane = threading.local()

#: Tokens that ordinary requests leave in the bucket for critical ones.
CRITICAL_RESERVE = 1.0


@contextmanager
def critical() -> Iterator[None]:
    """Requests this thread makes inside the block are lease-critical (heartbeat, renewals)."""
    previous = getattr(_lane, "critical", False)
    _lane.critical = True
    try:
        yield
    finally:
        _lane.critical = previous


def is_critical() -> bool:
    """Whether the calling thread is inside a :func:`critical` block."""
    return bool(getattr(_lane, "critical", False))


class TokenBucket:
    """A thread-safe token bucket with a reserve for lease-critical requests.

    Sized so that no sliding 60-second window holds more than ``per_minute`` requests:
    a burst of ``capacity`` plus ``rate * 60`` stays under the quota with a small margin.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        margin: float = 0.95,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._penalty_until = 0.0
        self._last = clock()
        self._set_rate(per_minute)
        self._tokens = self.capacity

    def _set_rate(self, per_minute: float) -> None:
        self.per_minute = per_minute
        # Room for one ordinary request above the critical reserve, however small the share.
        self.capacity = max(CRITICAL_RESERVE + 1.0, per_minute / 10)
        self.rate_per_s = max(per_minute * self.margin - self.capacity, per_minute * 0.75) / 60.0

    def resize(self, per_minute: float) -> None:
        """Change the rate (this agent's share of its account's quota); tokens are kept."""
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        with self._lock:
            self._refill(self._clock())
            self._set_rate(per_minute)
            self._tokens = min(self._tokens, self.capacity)

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate_per_s)
        self._last = now

    def acquire(self, *, critical: bool | None = None) -> float:
        """Take one token, sleeping until one is free; return the seconds waited.

        ``critical`` defaults to whether the calling thread is in a :func:`critical` block.
        """
        floor = 1.0 if (is_critical() if critical is None else critical) else 1.0 + CRITICAL_RESERVE
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                hold = self._penalty_until - now
                if hold <= 0 and self._tokens >= floor - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return waited
                need = max(hold, (floor - self._tokens) / self.rate_per_s, 0.001)
            self._sleep(min(need, 1.0))  # re-check: a resize may shorten the wait
            waited += min(need, 1.0)

    def penalise(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (after a 429) and empty the bucket."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens = 0.0
            self._penalty_until = max(self._penalty_until, now + seconds)
