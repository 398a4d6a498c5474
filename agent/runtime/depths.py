"""The leader's count of the queues, for the metrics and the DLQ notice.

Only while someone wants it (a metrics port, or ``NOTIFY_URL``), only on the leader, and at
most once per :func:`interval_s`: one ``values:batchGet`` of four single columns (the Lease
column of Tasks and Sources, the ID column of both DLQ tabs). History tabs, which grow without
end, are never read here.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from agent.config import Config
from agent.coordination.lease import LeaseParseError, LeaseState, parse_lease
from agent.runtime.context import AgentContext
from agent.runtime.telemetry import Telemetry
from agent.schema import SOURCES_DLQ, TASKS_DLQ, TabSpec
from agent.sheets.a1 import column_range

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 1.0
MAX_INTERVAL_S = 30.0


def interval_s(config: Config) -> float:
    """How often the leader counts: its heartbeat interval, between 1 s and 30 s."""
    return min(MAX_INTERVAL_S, max(MIN_INTERVAL_S, config.heartbeat_seconds))


class DepthProbe:
    """Counts rows by lease state in the queue tabs and rows in the DLQ tabs."""

    def __init__(self, ctx: AgentContext, telemetry: Telemetry) -> None:
        self.ctx = ctx
        self.telemetry = telemetry
        self._next = 0.0

    def maybe_count(self, term: int) -> bool:
        """Count now if it is wanted and due and ``term`` still leads; True if it counted."""
        if not self.telemetry.wants_depths or time.monotonic() < self._next:
            return False
        if not self.ctx.election.check_term(term):
            return False
        self._next = time.monotonic() + interval_s(self.ctx.config)
        self.count()
        return True

    def count(self) -> dict[str, dict[str, int]]:
        """One read; the rows of each tab by state (DLQ rows count as ``FAILED``)."""
        ctx = self.ctx
        queues = (ctx.tasks, ctx.sources)
        dlqs: list[tuple[TabSpec, int]] = []
        for queue, spec in ((ctx.tasks, TASKS_DLQ), (ctx.sources, SOURCES_DLQ)):
            cmap = queue.maps.get(spec.title)
            if cmap is not None and "id" in cmap.index:
                dlqs.append((spec, cmap.col("id")))
        ranges = [column_range(q.spec.title, q.cmap.col("lease"), 2) for q in queues]
        ranges += [column_range(spec.title, col, 2) for spec, col in dlqs]
        replies = ctx.gateway.read(ranges)
        depths: dict[str, dict[str, int]] = {}
        for queue, values in zip(queues, replies[: len(queues)], strict=True):
            states: Counter[str] = Counter({s.value: 0 for s in LeaseState})
            for row in values:
                text = str(row[0]).strip() if row else ""
                if not text:
                    continue
                try:
                    states[parse_lease(text).state.value] += 1
                except LeaseParseError:
                    states["UNREADABLE"] += 1
            depths[queue.spec.title] = dict(states)
        for (spec, _), values in zip(dlqs, replies[len(queues) :], strict=True):
            depths[spec.title] = {"FAILED": sum(1 for r in values if r and str(r[0]).strip())}
        self.telemetry.on_depths(depths, [spec.title for spec, _ in dlqs])
        return depths
