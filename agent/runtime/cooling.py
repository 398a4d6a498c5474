"""The fleet's cool-down: this agent's pause after YouTube pushed back, and the fleet's.

When a task ends in a bot check or a rate limit (:attr:`TaskFailure.fleet_cooldown`), the
agent pauses claiming for :func:`~agent.tasks.cooldown.cooldown_s` (growing with the strikes in
a row, jittered) and publishes the pause's end in its Workers row (``Cooldown Until``). Every
heartbeat reads the whole Workers tab, so every agent sees the latest end there and pauses too
(:meth:`FleetCooldown.observe`), at no extra request. A success resets the strikes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from agent.tasks.cooldown import COOLDOWNS, cooldown_s
from agent.tasks.failures import ErrorClass

#: A published end further away than this is not believed (a typo, a skewed clock).
MAX_BELIEVED_S = 1.25 * max(cap for _, cap in COOLDOWNS.values())


class FleetCooldown:
    """Until when this agent does not claim tasks; thread-safe."""

    def __init__(self, first_pause_s: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        #: ``COOLDOWN_SECONDS``: the first pause of every class when > 0 (tests, small fleets).
        self.first_pause_s = first_pause_s
        self.clock = clock
        self.strikes = 0
        #: The end of this agent's own pause (epoch seconds), published in its Workers row.
        self.own_until = 0.0
        #: The latest end seen in the Workers tab (any agent's, this one's included).
        self.fleet_until = 0.0
        self._lock = threading.Lock()

    def push_back(self, error_class: ErrorClass) -> float:
        """One more push-back in a row: start (or extend) the pause; its length in seconds."""
        with self._lock:
            self.strikes += 1
            if self.first_pause_s > 0:
                base = COOLDOWNS.get(error_class, (1.0, 1.0))[0]
                pause = cooldown_s(error_class, self.strikes) * self.first_pause_s / base
            else:
                pause = cooldown_s(error_class, self.strikes)
            self.own_until = max(self.own_until, self.clock() + pause)
            return pause

    def success(self) -> None:
        """A task went through: the next push-back starts from the first pause again."""
        with self._lock:
            self.strikes = 0

    def observe(self, published_until: float) -> None:
        """The latest end published in the Workers tab (0 when none), from a heartbeat read."""
        now = self.clock()
        with self._lock:
            believed = published_until if published_until <= now + MAX_BELIEVED_S else 0.0
            self.fleet_until = believed

    def published(self) -> float:
        """The end to write in this agent's row (0: none, the cell is cleared)."""
        with self._lock:
            return self.own_until if self.own_until > self.clock() else 0.0

    def remaining_s(self) -> float:
        """Seconds until claiming may start again (0: not cooling)."""
        with self._lock:
            return max(0.0, max(self.own_until, self.fleet_until) - self.clock())
