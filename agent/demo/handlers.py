"""The callback the demo agents run: pretend to work on a video, and sometimes fail.

``simulate`` sleeps a little (``DEMO_TASK_SECONDS``, default 0.8, varied per video), then fails
deterministically for the videos :data:`agent.demo.catalog.BROKEN` names (every attempt: they
end in Tasks DLQ) and for the first attempt of :data:`agent.demo.catalog.FLAKY` (retried by
whichever agent claims them next; they end in Tasks History). First attempts are remembered
across agent processes by marker files in ``DEMO_STATE_DIR``; without it, flaky videos succeed.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from agent.demo.catalog import BROKEN, FLAKY
from agent.errors import AgentError

DEFAULT_TASK_SECONDS = 0.8


class SimulatedFailure(AgentError):
    """The failure the demo handler raises on purpose."""


def video_id_of(url: str) -> str:
    """The ``v=`` parameter of a watch URL (the demo's tasks all have that form), else ''."""
    values = parse_qs(urlsplit(url).query).get("v")
    return values[0] if values else ""


def task_seconds(video_id: str) -> float:
    """How long the demo pretends to work on ``video_id``: 50 % to 150 % of the setting."""
    base = float(os.environ.get("DEMO_TASK_SECONDS", DEFAULT_TASK_SECONDS) or 0)
    spread = int(hashlib.sha256(video_id.encode()).hexdigest()[:4], 16) / 0xFFFF
    return max(0.0, base * (0.5 + spread))


def _first_attempt(video_id: str) -> bool:
    """True exactly once per video and state directory, whichever process asks."""
    state = os.environ.get("DEMO_STATE_DIR")
    if not state:
        return False
    marker = Path(state) / f"attempted-{video_id}"
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def simulate(url: str) -> None:
    """Work on ``url`` for a moment; raise :class:`SimulatedFailure` for the demo's bad videos."""
    video_id = video_id_of(url)
    time.sleep(task_seconds(video_id))
    if video_id in BROKEN:
        raise SimulatedFailure(f"simulated: video {video_id} cannot be processed")
    if video_id in FLAKY and _first_attempt(video_id):
        raise SimulatedFailure(f"simulated: transient error on {video_id}, will be retried")
