"""Prometheus metrics of one agent (``orc run --metrics-port P``), with ``prometheus-client``.

Each agent has its own :class:`~prometheus_client.CollectorRegistry`, so agents built in one
process (tests, the demo) never mix their figures. Counters and the histogram are updated as
things happen; the Sheets API calls, the leader term, the fleet state and the queue depths are
read when Prometheus scrapes, from the sources passed in (no extra API call is ever made for a
scrape).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

#: Callback durations, from a metadata read to a long download (seconds).
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
PURPOSES = ("read", "write", "drive")


class _Sources:
    """Where the scrape-time figures come from (set by the runtime once the agent starts)."""

    def __init__(self) -> None:
        self.api_calls: Callable[[], Mapping[str, int]] = dict
        self.leader_term: Callable[[], int] = lambda: 0
        self.fleet_state: Callable[[], str] = lambda: "RUNNING"
        self.fleet_states: tuple[str, ...] = ("RUNNING", "PAUSED", "DRAIN")
        #: ``{tab: {state: rows}}`` from the leader's last count; empty unless leading.
        self.depths: Callable[[], Mapping[str, Mapping[str, int]]] = dict


class _ScrapeCollector(Collector):
    def __init__(self, sources: _Sources) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        calls = CounterMetricFamily(
            "orc_sheets_api_calls",
            "Sheets API replies by purpose (the quota: read, write, drive), HTTP status (or "
            "transport_error) and component (heartbeat, leader, tasks, other).",
            labels=["purpose", "status", "component"],
        )
        too_many = CounterMetricFamily(
            "orc_sheets_api_429", "Sheets API replies 429 (quota exhausted), every purpose."
        )
        total_429 = 0
        for key, count in sorted(self.sources.api_calls().items()):
            parts = key.split(".")
            if len(parts) != 3 or parts[0] not in PURPOSES:
                continue
            purpose, status, component = parts
            status = status.removeprefix("http_")
            calls.add_metric([purpose, status, component], count)
            if status == "429":
                total_429 += count
        too_many.add_metric([], total_429)
        yield calls
        yield too_many
        term = self.sources.leader_term()
        yield GaugeMetricFamily(
            "orc_leader_term", "The leadership term this agent leads in (0: not leader).", term
        )
        yield GaugeMetricFamily("orc_is_leader", "1 while this agent leads.", 1 if term else 0)
        state = self.sources.fleet_state()
        fleet = GaugeMetricFamily(
            "orc_fleet_state", "The fleet control setting this agent acts on.", labels=["state"]
        )
        for name in self.sources.fleet_states:
            fleet.add_metric([name], 1 if name == state else 0)
        yield fleet
        depths = GaugeMetricFamily(
            "orc_queue_rows",
            "Rows of each queue and DLQ tab by lease state, counted by the leader.",
            labels=["tab", "state"],
        )
        for tab, by_state in sorted(self.sources.depths().items()):
            for lease_state, rows in sorted(by_state.items()):
                depths.add_metric([tab, lease_state], rows)
        yield depths


class AgentMetrics:
    """Every metric of one agent, in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.sources = _Sources()
        self.tasks = Counter(
            "orc_tasks",
            "Tasks ended by this agent: result done, failed (for good) or retried, by error class.",
            ["result", "error_class"],
            registry=self.registry,
        )
        self.callback_seconds = Histogram(
            "orc_callback_duration_seconds",
            "Time the task callback ran (the URL check included).",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.renewals = Counter(
            "orc_lease_renewals",
            "Leases renewed by a heartbeat that went through.",
            registry=self.registry,
        )
        self.late = Counter(
            "orc_lease_renewals_late",
            "Heartbeats that came more than twice the interval after the previous one.",
            registry=self.registry,
        )
        self.lapses = Counter(
            "orc_lease_lapses",
            "Leases this agent held and lost (they expired and another agent took them over).",
            registry=self.registry,
        )
        self.notifications = Counter(
            "orc_notifications",
            "Webhook notifications (NOTIFY_URL) by event and outcome.",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.registry.register(_ScrapeCollector(self.sources))

    def serve(self, port: int, host: str = "0.0.0.0") -> MetricsServer:  # noqa: S104
        """Serve ``/metrics`` on ``host:port`` (port 0: any free port) in a daemon thread."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)
        return MetricsServer(server, thread)


class MetricsServer:
    """A running ``/metrics`` endpoint."""

    def __init__(self, server: WSGIServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
