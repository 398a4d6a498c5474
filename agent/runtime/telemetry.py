"""What the running agent reports: metrics as things happen, webhook events when they matter.

The loop, the heartbeat and the leader call the ``on_*`` hooks of one :class:`Telemetry`
(each a few counter updates, never I/O); notifications go through the background
:class:`~agent.observe.notify.Notifier`. Events (docs/operations.md):

* ``dlq_growth``: the DLQ tabs grew by ``NOTIFY_DLQ_THRESHOLD`` rows or more since the last
  notice (counted by the leader, :mod:`agent.runtime.depths`);
* ``fleet_cooldown``: the fleet backs off (:meth:`Telemetry.cooldown`, for the YouTube side);
* ``workers_stale``: every ACTIVE worker's heartbeat is older than the stale limit (once,
  until one is fresh again);
* ``source_finished``: a source was expanded into tasks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from agent.clock import parse_utc_iso, utc_iso
from agent.config import Config
from agent.coordination.leadership import LeaderElection
from agent.coordination.queue import Claim
from agent.logs import redact
from agent.observe.metrics import AgentMetrics
from agent.observe.notify import Event, Notifier
from agent.runtime.control import FleetControl
from agent.schema import STALE_HEARTBEAT_SECONDS, WORKERS, FleetState, WorkerStatus
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import column_map, records
from agent.tasks.failures import classify_task_failure

log = logging.getLogger(__name__)

#: A heartbeat later than this many intervals after the previous one counts as late.
LATE_FACTOR = 2.0


def error_class(exc: BaseException) -> str:
    """The error class of a failed task, as the ``Error Class`` column has it
    (:func:`~agent.tasks.failures.classify_task_failure`: ``refused``, ``bot_check``,
    ``callback`` for the callback's own exception ...)."""
    return classify_task_failure(exc).error_class.value


class Telemetry:
    """Metrics and notifications of one agent."""

    def __init__(self, config: Config, *, notifier: Notifier | None = None) -> None:
        self.config = config
        self.metrics = AgentMetrics()
        if notifier is None and config.notify_url is not None:
            notifier = Notifier(
                config.notify_url.get_secret_value(),
                origin={"worker": config.worker_name, "spreadsheet_id": config.spreadsheet_id},
                on_outcome=self._count_notification,
            )
        self.notifier = notifier
        #: Whether the leader counts queue depths (for the metrics, or the DLQ notice).
        self.wants_depths = notifier is not None
        self.depths: dict[str, dict[str, int]] = {}
        self._dlq_baseline: int | None = None
        self._stale_noticed = False
        self._last_beat: float | None = None

    def bind(self, gateway: SheetsGateway, election: LeaderElection, fleet: FleetControl) -> None:
        """Read the scrape-time figures from the agent's parts."""
        sources = self.metrics.sources
        sources.api_calls = lambda: gateway.stats.snapshot()
        sources.leader_term = election.current_term
        sources.fleet_state = lambda: fleet.state.value
        sources.fleet_states = tuple(s.value for s in FleetState)
        sources.depths = lambda: self.depths if election.is_leader() else {}

    # ------------------------------------------------------------------ hooks
    def on_task_end(self, result: str, exc: BaseException | None, started: float) -> None:
        """A task ended: ``done``, ``failed`` (for good) or ``retried`` (given back)."""
        self.metrics.callback_seconds.observe(max(0.0, time.monotonic() - started))
        self.metrics.tasks.labels(result, "" if exc is None else error_class(exc)).inc()

    def on_renewals(self, *held: Mapping[str, Claim], interval_s: float) -> None:
        """A heartbeat went through carrying the renewal of every claim in ``held``; those
        now marked lost had lapsed (another agent took them over)."""
        now = time.monotonic()
        if self._last_beat is not None and now - self._last_beat > LATE_FACTOR * interval_s:
            self.metrics.late.inc()
        self._last_beat = now
        claims = [claim for group in held for claim in group.values()]
        lost = sum(1 for claim in claims if claim.lost)
        self.metrics.renewals.inc(len(claims) - lost)
        self.metrics.lapses.inc(lost)

    def on_workers_read(self, values: Sequence[Sequence[str]], now: float | None = None) -> None:
        """From a heartbeat's read of Workers: notice when every ACTIVE worker is stale."""
        if not values or self.notifier is None:
            return
        now = time.time() if now is None else now
        ages: dict[str, float] = {}
        for rec in records(column_map(WORKERS, values, require=False), values[1:]):
            if rec.get("status", "").strip() != WorkerStatus.ACTIVE.value:
                continue
            beat = parse_utc_iso(rec.get("last_heartbeat", ""))
            ages[rec.get("worker_name", "")] = float("inf") if beat is None else now - beat
        every_stale = bool(ages) and min(ages.values()) > STALE_HEARTBEAT_SECONDS
        if every_stale and not self._stale_noticed:
            freshest = min(ages.values())
            self._notify(
                "workers_stale",
                f"every worker is stale: {len(ages)} ACTIVE, none heard from in "
                f"{STALE_HEARTBEAT_SECONDS} s",
                {
                    "workers": sorted(ages),
                    "freshest_heartbeat_age_s": None if freshest == float("inf") else freshest,
                    "stale_after_s": STALE_HEARTBEAT_SECONDS,
                },
            )
        self._stale_noticed = every_stale

    def on_depths(self, depths: Mapping[str, Mapping[str, int]], dlq_tabs: Sequence[str]) -> None:
        """The leader counted the queues: export them; notice a DLQ that grew too much."""
        self.depths = {tab: dict(by_state) for tab, by_state in depths.items()}
        dlq = {tab: sum(self.depths.get(tab, {}).values()) for tab in dlq_tabs}
        total = sum(dlq.values())
        if self._dlq_baseline is None or total < self._dlq_baseline:
            self._dlq_baseline = total  # first count, or rows were requeued or removed
            return
        grown = total - self._dlq_baseline
        threshold = self.config.notify_dlq_threshold
        if grown >= threshold:
            self._dlq_baseline = total
            self._notify(
                "dlq_growth",
                f"the DLQ grew by {grown} row(s) to {total}",
                {"rows": dlq, "total": total, "grown_by": grown, "threshold": threshold},
            )

    def on_source_finished(
        self, source_id: str, url: str, name: str, video_count: int, tasks_added: int
    ) -> None:
        """The leader expanded a source into tasks."""
        self._notify(
            "source_finished",
            f"source {name or url} finished: {video_count} video(s), {tasks_added} new task(s)",
            {
                "source_id": source_id,
                "url": redact(url),
                "name": name,
                "video_count": video_count,
                "tasks_added": tasks_added,
            },
        )

    def cooldown(self, reason: str, seconds: float, *, scope: str = "fleet") -> None:
        """The fleet (or ``scope``) backs off for ``seconds``: tell the operators.

        For the code that decides a cool-down (YouTube's "not a bot" answers, 429s).
        """
        until = utc_iso(time.time() + seconds)
        self._notify(
            "fleet_cooldown",
            f"{scope} cool-down for {seconds:.0f} s: {reason}",
            {"reason": redact(reason), "seconds": seconds, "until": until, "scope": scope},
        )

    def close(self) -> None:
        """Post the notifications still queued (bounded), then stop."""
        if self.notifier is not None:
            self.notifier.close()

    # ------------------------------------------------------------------ inside
    def _notify(self, kind: str, text: str, details: Mapping[str, Any]) -> None:
        if self.notifier is None:
            return
        log.info("notify %s: %s", kind, text)
        self.notifier.send(Event(kind, text, details))

    def _count_notification(self, kind: str, outcome: str) -> None:
        self.metrics.notifications.labels(kind, outcome).inc()
