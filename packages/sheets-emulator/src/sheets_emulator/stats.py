"""Request counters behind ``GET /_emulator/stats``."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters of API requests (control endpoints are not counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.started = time.time()
            self.total = 0
            self.by_method: Counter[str] = Counter()
            self.by_kind: Counter[str] = Counter()
            self.by_method_kind: dict[str, Counter[str]] = {}
            self.by_endpoint: Counter[str] = Counter()
            self.by_status: Counter[str] = Counter()
            self.users: dict[str, Counter[str]] = {}
            self.accounts: dict[str, Counter[str]] = {}
            self.late_applied = 0
            self.quota_rejected: Counter[str] = Counter()
            self.sent_429 = 0
            self.faults: Counter[str] = Counter()

    def request(self, method: str, kind: str, endpoint: str, user: str, account: str) -> None:
        """Count one API request under its client label (``user``) and its quota account."""
        with self._lock:
            self.total += 1
            self.by_method[method] += 1
            self.by_kind[kind] += 1
            self.by_method_kind.setdefault(method, Counter())[kind] += 1
            self.by_endpoint[endpoint] += 1
            self.users.setdefault(user, Counter())[kind] += 1
            self.accounts.setdefault(account, Counter())[kind] += 1

    def status(self, code: int) -> None:
        """Count one answer by HTTP status (0 for a cut connection)."""
        with self._lock:
            self.by_status[str(code)] += 1
            if code == 429:
                self.sent_429 += 1

    def quota(self, kind: str, scope: str) -> None:
        """Count one request refused by the quota."""
        with self._lock:
            self.quota_rejected[f"{kind}_per_{scope}"] += 1

    def fault(self, kind: str) -> None:
        """Count one injected fault."""
        with self._lock:
            self.faults[kind] += 1

    def late_landed(self) -> None:
        """Count one late write applied."""
        with self._lock:
            self.late_applied += 1

    def snapshot(self) -> dict[str, Any]:
        """Every counter as JSON-ready data."""
        with self._lock:
            return {
                "uptime_s": round(time.time() - self.started, 3),
                "requests": {
                    "total": self.total,
                    "by_method": dict(self.by_method),
                    "by_kind": dict(self.by_kind),
                    "by_method_kind": {m: dict(c) for m, c in self.by_method_kind.items()},
                    "by_endpoint": dict(self.by_endpoint),
                },
                "users": {
                    u: {"read": c["read"], "write": c["write"], "drive": c["drive"]}
                    for u, c in self.users.items()
                },
                "accounts": {
                    a: {"read": c["read"], "write": c["write"], "drive": c["drive"]}
                    for a, c in self.accounts.items()
                },
                "responses": {"by_status": dict(self.by_status)},
                "http_429_sent": self.sent_429,
                "quota": {
                    "rejected": sum(self.quota_rejected.values()),
                    "by_limit": dict(self.quota_rejected),
                },
                "faults": {"total": sum(self.faults.values()), "by_kind": dict(self.faults)},
                "late_writes": {"applied": self.late_applied},
            }
