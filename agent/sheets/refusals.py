"""Writes that Google refuses for good (a protected tab, a deleted tab, a bad range).

A ``batchUpdate`` is applied whole or not at all, so one refused request takes every other
request of its batch down with it. The agent therefore tags the requests that only display
state (the Workers row, Status and Worker cells, the leader's display) apart from the ones that
carry a lease, and when a mixed batch is refused it sends the lease-critical part again on its
own (:mod:`agent.coordination.batch`). This module remembers which tabs refuse display writes,
so they are left out for a while instead of costing a refused request every heartbeat, and says
why in one log line: the tab and the protection, found in one metadata read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: How long display writes to a refusing tab are skipped before they are tried again.
RETRY_AFTER_S = 300.0


@dataclass(frozen=True)
class Refusal:
    """A tab this agent cannot write, and why."""

    title: str
    sheet_id: int
    reason: str
    since: float


def sheet_ids_of(request: dict[str, Any]) -> set[int]:
    """Every ``sheetId`` a ``batchUpdate`` request names (its ranges, starts, properties)."""
    found: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "sheetId" and isinstance(value, int):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(request)
    return found


def describe_protections(metadata: Mapping[str, Any]) -> dict[int, str]:
    """For each tab with a protection this account may not edit: a sentence naming it.

    ``metadata`` is a ``spreadsheets.get`` answer with ``sheets.properties`` and
    ``sheets.protectedRanges`` (Google reports ``requestingUserCanEdit`` per protection).
    Warning-only protections never refuse API writes, so they are not listed.
    """
    out: dict[int, str] = {}
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        sheet_id = int(props.get("sheetId", 0))
        for protected in sheet.get("protectedRanges", []):
            if protected.get("warningOnly") or protected.get("requestingUserCanEdit"):
                continue
            what = protected.get("description") or "no description"
            scope = "the whole tab" if _whole_sheet(protected.get("range", {})) else "a range"
            out[sheet_id] = (
                f"protected range {protected.get('protectedRangeId', '?')} ({what!r}, {scope}) "
                "does not list this agent's account among its editors"
            )
            break
    return out


def _whole_sheet(grid: dict[str, Any]) -> bool:
    return not any(k in grid for k in ("startRowIndex", "endRowIndex", "startColumnIndex"))


class RefusedWrites:
    """Tabs whose display writes are refused, shared by everything that writes for one agent."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_sheet: dict[int, Refusal] = {}

    def blocked(self, sheet_ids: Iterable[int]) -> bool:
        """Whether any of ``sheet_ids`` refuses writes now (display writes to it are skipped)."""
        now = self._clock()
        with self._lock:
            for sheet_id in sheet_ids:
                refusal = self._by_sheet.get(sheet_id)
                if refusal is not None and now - refusal.since < RETRY_AFTER_S:
                    return True
        return False

    def record(self, title: str, sheet_id: int, reason: str, *, what: str) -> None:
        """Remember a refusing tab; log once per tab and reason."""
        with self._lock:
            previous = self._by_sheet.get(sheet_id)
            self._by_sheet[sheet_id] = Refusal(title, sheet_id, reason, self._clock())
        if previous is None or previous.reason != reason:
            log.warning("writes to '%s' refused: %s; %s", title, reason, what)

    def cleared(self, sheet_ids: Iterable[int]) -> None:
        """Forget refusals of tabs a write just reached."""
        with self._lock:
            for sheet_id in sheet_ids:
                refusal = self._by_sheet.pop(sheet_id, None)
                if refusal is not None:
                    log.info("writes to '%s' go through again", refusal.title)

    def current(self) -> list[Refusal]:
        """The tabs refusing writes (for status reports)."""
        with self._lock:
            return sorted(self._by_sheet.values(), key=lambda r: r.title)
