"""Deterministic fault injection for Sheets API requests.

With probability ``rate`` per request (one draw from a seeded RNG, in arrival order) a fault is
picked uniformly among those that apply: any request can get a 429 (Google's quota body), a 500,
a 503 or a slow answer (a pause, then the normal answer); a write can also be applied and then
lose its answer, either by a cut connection or by a 503 sent after applying.
"""

from __future__ import annotations

import random
import threading

HTTP_429 = "http_429"
HTTP_500 = "http_500"
HTTP_503 = "http_503"
SLOW = "slow"
LOST_CUT = "lost_cut"
LOST_503 = "lost_503"

READ_FAULTS = (HTTP_429, HTTP_500, HTTP_503, SLOW)
WRITE_FAULTS = (*READ_FAULTS, LOST_CUT, LOST_503)
BEFORE = frozenset({HTTP_429, HTTP_500, HTTP_503})
AFTER = frozenset({LOST_CUT, LOST_503})


class Faults:
    """A seeded fault picker; reconfigurable at run time."""

    def __init__(self, rate: float = 0.0, seed: int | None = None, slow_ms: int = 1000) -> None:
        self._lock = threading.Lock()
        self.rate = 0.0
        self.seed: int | None = None
        self.slow_ms = slow_ms
        self._rng = random.Random(seed)
        self.configure(rate=rate)
        self.set_seed(seed)

    def configure(self, *, rate: float | None = None, slow_ms: int | None = None) -> None:
        """Change the rate or the slow pause."""
        with self._lock:
            if rate is not None:
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("fault_rate must be between 0 and 1")
                self.rate = float(rate)
            if slow_ms is not None:
                if slow_ms < 0:
                    raise ValueError("slow_ms must be >= 0")
                self.slow_ms = int(slow_ms)

    def set_seed(self, seed: int | None) -> None:
        """Seed the sequence (None: unpredictable) and restart it."""
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)

    def reseed(self) -> None:
        """Restart the sequence from the configured seed (after a reset)."""
        with self._lock:
            self._rng = random.Random(self.seed)

    def draw(self, write: bool) -> str | None:
        """The fault for the next request, or None."""
        with self._lock:
            if self.rate <= 0.0:
                return None
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(WRITE_FAULTS if write else READ_FAULTS)
