"""How many tasks to claim in the next cycle: ``CLAIM_BATCH``, grown while it pays off.

Every claim cycle costs about two writes (the claim ``batchUpdate`` with the previous batch's
finish, then the History append), whatever the batch size. With short tasks and a deep queue,
small batches make an agent cycle every second and the fleet meets the per-project write quota
long before it runs out of work; with long tasks or a short queue, big batches only hoard work.

So the size starts at ``CLAIM_BATCH`` and doubles (up to ``CLAIM_BATCH_MAX``) after a claim
that came back full less than :data:`FAST_CYCLE_S` after the previous one; it halves (down to
``CLAIM_BATCH``) after a claim that came back less than half full (the queue is running dry, or
other agents took the rows) or more than :data:`SLOW_CYCLE_S` after the previous one (the tasks
are long). ``CLAIM_BATCH_MAX`` at or below ``CLAIM_BATCH`` keeps the size fixed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: A claim cycle sooner than this after the previous one means the batch is drained fast.
FAST_CYCLE_S = 5.0
#: A claim cycle later than this after the previous one means the tasks are long.
SLOW_CYCLE_S = 30.0


class ClaimSizer:
    """The batch size of the next claim, adapted to how fast batches are used up."""

    def __init__(
        self,
        minimum: int,
        maximum: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.size = self.minimum
        self._clock = clock
        self._last: float | None = None

    def claimed(self, asked: int, won: int) -> None:
        """Record one claim cycle that asked for ``asked`` rows and won ``won``."""
        now = self._clock()
        since = None if self._last is None else now - self._last
        self._last = now
        if asked <= 0:
            return
        if won < asked / 2 or (since is not None and since > SLOW_CYCLE_S):
            self.size = max(self.minimum, self.size // 2)
        elif won >= asked and since is not None and since < FAST_CYCLE_S:
            self.size = min(self.maximum, self.size * 2)
