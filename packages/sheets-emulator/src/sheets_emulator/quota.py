"""Google's per-minute Sheets quotas: per user and per project, reads and writes counted apart.

A rolling window (60 s by default) of accepted requests per (kind, user) and per kind for the
project; a request that would exceed either limit is refused with Google's 429 body and a
``Retry-After`` header (seconds until the oldest counted request leaves the window). Refused
requests are not counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sheets_emulator.errors import ApiError

PROJECT_NUMBER = "000000000000"
_METRIC = {"read": "Read requests", "write": "Write requests"}


class Quota:
    """Rolling-window request counters with Google's limits."""

    def __init__(
        self,
        per_user: int = 60,
        per_project: int = 300,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_user = per_user
        self.per_project = per_project
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._users: dict[tuple[str, str], deque[float]] = {}
        self._project: dict[tuple[str, str], deque[float]] = {}

    def reset(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._users.clear()
            self._project.clear()

    def _trim(self, window: deque[float], now: float) -> None:
        edge = now - self.window_s
        while window and window[0] <= edge:
            window.popleft()

    def admit(self, kind: str, user: str, project_id: str = "default") -> ApiError | None:
        """Count a ``read`` or ``write`` request, or return the 429 to send instead.

        ``project_id`` is the quota project the request is charged to: each project has its
        own per-project window.
        """
        now = self._clock()
        with self._lock:
            mine = self._users.setdefault((kind, user), deque())
            project = self._project.setdefault((kind, project_id), deque())
            self._trim(mine, now)
            self._trim(project, now)
            if len(mine) >= self.per_user:
                return quota_error(kind, "user", self.per_user, self._wait(mine, now))
            if len(project) >= self.per_project:
                return quota_error(kind, "project", self.per_project, self._wait(project, now))
            mine.append(now)
            project.append(now)
            return None

    def _wait(self, window: deque[float], now: float) -> float:
        return max(window[0] + self.window_s - now, 0.0) if window else 0.0

    def usage(self) -> dict[str, object]:
        """Requests in the current window: per kind (all projects), per project and per user."""
        now = self._clock()
        with self._lock:
            for window in [*self._users.values(), *self._project.values()]:
                self._trim(window, now)
            totals: dict[str, int] = {}
            for (kind, _), window in self._project.items():
                totals[kind] = totals.get(kind, 0) + len(window)
            return {
                "project": totals,
                "projects": {f"{p}:{k}": len(v) for (k, p), v in self._project.items() if v},
                "users": {f"{u}:{k}": len(v) for (k, u), v in self._users.items() if v},
            }


def quota_error(kind: str, scope: str, limit: int, retry_after_s: float) -> ApiError:
    """Google's 429 for the ``read``/``write`` quota per ``user`` or per ``project``."""
    metric = _METRIC.get(kind, "Write requests")
    limit_name = f"{metric} per minute" + (" per user" if scope == "user" else "")
    limit_id = (
        metric.title().replace(" ", "")
        + "PerMinute"
        + ("PerUser" if scope == "user" else "PerProject")
    )
    message = (
        f"Quota exceeded for quota metric '{metric}' and limit '{limit_name}' of service "
        f"'sheets.googleapis.com' for consumer 'project_number:{PROJECT_NUMBER}'."
    )
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "service": "sheets.googleapis.com",
                "consumer": f"projects/{PROJECT_NUMBER}",
                "quota_metric": f"sheets.googleapis.com/{kind}_requests",
                "quota_limit": limit_id,
                "quota_limit_value": str(limit),
                "quota_location": "global",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quota#requesting_higher_quota",
                }
            ],
        },
    ]
    retry = str(max(1, math.ceil(retry_after_s)))
    return ApiError(429, message, details=details, headers={"Retry-After": retry})
