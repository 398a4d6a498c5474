"""Lease expiry judged on the local monotonic clock, never on anybody's wall clock.

An observer remembers when it first saw each exact lease value. A holder renews by changing the
value, so a value that this agent has seen unchanged for longer than the lease is dead, however
far apart the machines' wall clocks are (the scheme of Kubernetes' client-go leader election).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LeaseObserver:
    """First-seen times of lease values, keyed by the row they belong to."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 200_000):
        self._clock = clock
        self._seen: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    @property
    def clock(self) -> Callable[[], float]:
        """The monotonic clock the ages are measured on."""
        return self._clock

    def observe(self, key: str, value: str) -> float:
        """Record ``value`` for ``key``; return for how long it has been seen unchanged."""
        now = self._clock()
        with self._lock:
            previous = self._seen.get(key)
            if previous is None or previous[0] != value:
                if len(self._seen) >= self._max_entries:
                    self._evict_oldest()
                self._seen[key] = (value, now)
                return 0.0
            return now - previous[1]

    def forget(self, key: str) -> None:
        """Drop what is known of ``key`` (its row left the tab)."""
        with self._lock:
            self._seen.pop(key, None)

    def _evict_oldest(self) -> None:
        oldest = sorted(self._seen.items(), key=lambda item: item[1][1])
        for key, _ in oldest[: max(1, len(oldest) // 10)]:
            del self._seen[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)
