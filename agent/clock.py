"""Wall-clock timestamps as the spreadsheet shows them: ISO 8601 UTC to the second."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def utc_iso(epoch_s: float | None = None) -> str:
    """``epoch_s`` (default now) as ``2026-11-29T10:04:05Z``."""
    moment = datetime.fromtimestamp(time.time() if epoch_s is None else epoch_s, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc_iso(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 UTC timestamp, or None when ``text`` is not one."""
    try:
        moment = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc).timestamp()
