"""Fault injection for Sheets API requests: random (seeded) and armed on purpose.

Random: with probability ``rate`` per request (one draw from a seeded RNG, in arrival order) a
fault is picked uniformly among the configured kinds that apply: any request can get a 429
(Google's quota body), a 500, a 503 or a slow answer (a pause, then the normal answer); a write
can also be applied and lose its answer (a cut connection, or a 503 sent after applying), or be
*late*: answered with a 503 at once and applied ``late_ms`` later.

Armed: :meth:`Faults.arm` takes ``{"kind", "match": {"method", "path", "body", "account"},
"times", "delay_ms", "answer"}``; the next ``times`` requests that match (every given field;
``path`` and ``body`` as substrings) get that fault, whatever the rate. Armed faults are checked
first, in arming order; what fired is kept for :meth:`Faults.listing`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HTTP_429 = "http_429"
HTTP_500 = "http_500"
HTTP_503 = "http_503"
SLOW = "slow"
LOST_CUT = "lost_cut"
LOST_503 = "lost_503"
LATE = "late"

READ_FAULTS = (HTTP_429, HTTP_500, HTTP_503, SLOW)
WRITE_ONLY = (LOST_CUT, LOST_503, LATE)
ALL_KINDS = (*READ_FAULTS, *WRITE_ONLY)
BEFORE = frozenset({HTTP_429, HTTP_500, HTTP_503})
AFTER = frozenset({LOST_CUT, LOST_503})
#: How a late write is answered: a 503 at once, a cut connection, or no answer until it lands.
LATE_ANSWERS = ("error", "cut", "timeout")
_MATCH_KEYS = ("method", "path", "body", "account")
_FIRED_KEPT = 1000


@dataclass(frozen=True)
class Fault:
    """The fault one request gets."""

    kind: str
    delay_ms: int
    answer: str = "error"
    armed_id: int | None = None


@dataclass
class Armed:
    """A fault armed on purpose, waiting for matching requests."""

    id: int
    kind: str
    match: dict[str, str]
    times: int
    delay_ms: int | None
    answer: str
    fired: int = 0

    def matches(self, write: bool, method: str, path: str, body: str, account: str) -> bool:
        """Whether a request is one this fault is aimed at."""
        if self.kind in WRITE_ONLY and not write:
            return False
        want = self.match
        if "method" in want and want["method"].upper() != method.upper():
            return False
        if "path" in want and want["path"] not in path:
            return False
        if "body" in want and want["body"] not in body:
            return False
        return "account" not in want or want["account"] == account

    def as_json(self) -> dict[str, Any]:
        """The armed fault as the control API shows it."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "match": dict(self.match)}
        out.update({"times": self.times, "fired": self.fired, "answer": self.answer})
        if self.delay_ms is not None:
            out["delay_ms"] = self.delay_ms
        return out


@dataclass
class _State:
    armed: list[Armed] = field(default_factory=list)
    fired: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1


class Faults:
    """A seeded fault picker plus faults armed on purpose; reconfigurable at run time."""

    def __init__(self, rate: float = 0.0, seed: int | None = None, slow_ms: int = 1000) -> None:
        self._lock = threading.Lock()
        self.rate = 0.0
        self.seed: int | None = None
        self.slow_ms = slow_ms
        self.late_ms = 3000
        self.kinds: tuple[str, ...] = ALL_KINDS
        self._rng = random.Random(seed)
        self._state = _State()
        self.configure(rate=rate)
        self.set_seed(seed)

    def configure(
        self,
        *,
        rate: float | None = None,
        slow_ms: int | None = None,
        late_ms: int | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> None:
        """Change the rate, the slow pause, the late delay or the random mix."""
        with self._lock:
            if rate is not None:
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("fault_rate must be between 0 and 1")
                self.rate = float(rate)
            if slow_ms is not None:
                if slow_ms < 0:
                    raise ValueError("slow_ms must be >= 0")
                self.slow_ms = int(slow_ms)
            if late_ms is not None:
                self.late_ms = int(late_ms)
            if kinds is not None:
                self.kinds = tuple(k for k in ALL_KINDS if k in kinds)

    def set_seed(self, seed: int | None) -> None:
        """Seed the sequence (None: unpredictable) and restart it."""
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)

    def reseed(self) -> None:
        """Restart the sequence from the configured seed (after a reset)."""
        with self._lock:
            self._rng = random.Random(self.seed)

    # -- armed faults --------------------------------------------------------------------------

    def arm(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Arm a fault (see the module docstring); ValueError names what is wrong."""
        armed = _parse_spec(spec)
        with self._lock:
            armed.id = self._state.next_id
            self._state.next_id += 1
            self._state.armed.append(armed)
            return armed.as_json()

    def disarm(self, fault_id: int | None = None) -> int:
        """Disarm one fault (by id) or all; returns how many were disarmed."""
        with self._lock:
            before = len(self._state.armed)
            self._state.armed = [
                a for a in self._state.armed if fault_id is not None and a.id != fault_id
            ]
            return before - len(self._state.armed)

    def listing(self) -> dict[str, Any]:
        """What is armed and what fired (the newest 1000)."""
        with self._lock:
            return {
                "armed": [a.as_json() for a in self._state.armed],
                "fired": [dict(f) for f in self._state.fired],
            }

    def reset_armed(self) -> None:
        """Disarm everything and forget what fired."""
        with self._lock:
            self._state = _State()

    # -- drawing -------------------------------------------------------------------------------

    def draw(
        self, write: bool, method: str = "", path: str = "", body: bytes = b"", account: str = ""
    ) -> Fault | None:
        """The fault for the next request, or None."""
        with self._lock:
            if self._state.armed:
                text = body.decode("utf-8", "replace")
                for armed in self._state.armed:
                    if armed.matches(write, method, path, text, account):
                        return self._fire(armed, method, path, account)
            if self.rate <= 0.0 or self._rng.random() >= self.rate:
                return None
            choices = [k for k in self.kinds if write or k in READ_FAULTS]
            if not choices:
                return None
            kind = self._rng.choice(choices)
            return Fault(kind, self.late_ms if kind == LATE else self.slow_ms)

    def _fire(self, armed: Armed, method: str, path: str, account: str) -> Fault:
        armed.fired += 1
        armed.times -= 1
        if armed.times <= 0:
            self._state.armed.remove(armed)
        event = {"id": armed.id, "kind": armed.kind, "method": method, "path": path}
        event.update({"account": account, "at": round(time.time(), 3)})
        fired = self._state.fired
        fired.append(event)
        del fired[:-_FIRED_KEPT]
        default = self.late_ms if armed.kind == LATE else self.slow_ms
        delay = default if armed.delay_ms is None else armed.delay_ms
        return Fault(armed.kind, delay, armed.answer, armed.id)


def _parse_spec(spec: Mapping[str, Any]) -> Armed:
    unknown = set(spec) - {"kind", "match", "times", "delay_ms", "answer"}
    if unknown:
        raise ValueError(f"unknown field(s) in the fault: {', '.join(sorted(unknown))}")
    kind = spec.get("kind")
    if kind not in ALL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ALL_KINDS)} (got {kind!r})")
    match = spec.get("match") or {}
    if not isinstance(match, Mapping):
        raise ValueError("match must be an object")
    bad = set(match) - set(_MATCH_KEYS)
    if bad:
        raise ValueError(f"match takes {', '.join(_MATCH_KEYS)} (not {', '.join(sorted(bad))})")
    if not all(isinstance(v, str) for v in match.values()):
        raise ValueError("every match value must be a string")
    times = spec.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ValueError("times must be an integer >= 1")
    delay = spec.get("delay_ms")
    if delay is not None and (not isinstance(delay, int) or isinstance(delay, bool) or delay < 0):
        raise ValueError("delay_ms must be an integer >= 0")
    answer = spec.get("answer", "error")
    if answer not in LATE_ANSWERS:
        raise ValueError(f"answer must be one of {', '.join(LATE_ANSWERS)}")
    return Armed(0, str(kind), dict(match), times, delay, str(answer))
