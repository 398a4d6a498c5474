"""Token buckets that keep one agent inside Google's per-minute quotas."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """A thread-safe token bucket.

    Sized so that no sliding 60-second window holds more than ``per_minute`` requests:
    a burst of ``capacity`` plus ``rate * 60`` stays under the quota with a small margin.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        margin: float = 0.95,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = max(1.0, per_minute / 10)
        self.rate_per_s = max(per_minute * margin - self.capacity, 1.0) / 60.0
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()
        self._penalty_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate_per_s)
        self._last = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is free; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                hold = self._penalty_until - now
                if hold <= 0 and self._tokens >= 1.0 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return waited
                need = max(hold, (1.0 - self._tokens) / self.rate_per_s, 0.001)
            self._sleep(need)
            waited += need

    def penalise(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (after a 429) and empty the bucket."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens = 0.0
            self._penalty_until = max(self._penalty_until, now + seconds)
