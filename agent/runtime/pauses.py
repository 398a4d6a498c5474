"""How long to wait: before a failed task is tried again, and while the Sheets API is down."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 300.0
MAX_OUTAGE_PAUSE_S = 60.0


def retry_delay_s(attempts: int) -> float:
    """Backoff before a failed task may be claimed again: 5 s, 10 s, 20 s ... up to 5 min."""
    return float(min(MAX_RETRY_DELAY_S, 5.0 * 2 ** max(attempts - 1, 0)))


class Outage:
    """Pauses while the Sheets API keeps failing: 2 s, doubling up to a minute; logged."""

    def __init__(self) -> None:
        self.pause_s = 0.0
        self.since = 0.0

    def pause(self, exc: Exception) -> float:
        """The pause after one more failed cycle (and a warning saying so)."""
        if not self.pause_s:
            self.since = time.monotonic()
        self.pause_s = min(MAX_OUTAGE_PAUSE_S, max(2.0, self.pause_s * 2))
        log.warning(
            "Sheets API unavailable for %.0f s (%s); trying again in %.0f s",
            time.monotonic() - self.since,
            exc,
            self.pause_s,
        )
        return self.pause_s

    def over(self) -> None:
        """A cycle went through: say so once, and reset."""
        if self.pause_s:
            log.info("Sheets API reachable again after %.0f s", time.monotonic() - self.since)
            self.pause_s = 0.0
