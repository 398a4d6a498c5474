"""Growing, jittered pauses after YouTube pushes back (bot check, rate limit): pure.

:func:`cooldown_s` is the pause after the ``strike``-th consecutive push-back: ``base``
doubled per strike, capped, then spread by ±``jitter`` (so a fleet that was blocked together
does not come back together). The loop writes the end of the pause to its Workers row, where
every agent's heartbeat read sees it, so the whole fleet cools down; a success resets the
strikes. Bases follow what is known of YouTube: a 429 clears in minutes; the bot check and
"try again later" block an IP or account "for up to an hour" (yt-dlp's wiki).
"""

from __future__ import annotations

import random

from agent.tasks.failures import ErrorClass

#: (first pause, longest pause) in seconds, per class.
COOLDOWNS: dict[ErrorClass, tuple[float, float]] = {
    ErrorClass.RATE_LIMITED: (120.0, 3600.0),
    ErrorClass.BOT_CHECK: (600.0, 7200.0),
}
JITTER = 0.25


def cooldown_s(
    error_class: ErrorClass, strike: int, rng: random.Random | None = None, jitter: float = JITTER
) -> float:
    """Seconds to pause after the ``strike``-th push-back in a row (0 for other classes)."""
    if error_class not in COOLDOWNS or strike < 1:
        return 0.0
    base, cap = COOLDOWNS[error_class]
    raw = min(cap, base * 2.0 ** min(strike - 1, 30))
    spread = float((rng or random).uniform(-jitter, jitter))
    return float(raw * (1.0 + spread))
