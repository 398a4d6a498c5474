"""The heartbeat: one read and one write per interval for the worker row, every lease this
agent holds, and leadership.

It owns the registry of held claims and the lock that guards them: whoever adds or drops a
claim (the loop, the leader's duties, the stop sequence) does it under :attr:`Holdings.lock`,
so a renewal never races a finish or a release of the same row.

Its requests are lease-critical: they may take the token that the pacing keeps back from
polls and claims (:func:`agent.sheets.pacing.critical`). From each read of the Workers tab it
counts the live agents on its own account and re-times the agent for that fleet
(:mod:`agent.coordination.timing`): its share of the account's quota, the heartbeat interval,
and the lease length written into claims and leadership.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence

from agent.coordination.batch import WriteBatch
from agent.coordination.leadership import LeaderElection
from agent.coordination.queue import Claim, QueueTab
from agent.coordination.timing import FleetTiming, Settings, fleet_timing
from agent.coordination.workers import WorkerRegistry
from agent.errors import AgentError, SheetsError
from agent.runtime.control import FleetControl
from agent.runtime.cooling import FleetCooldown
from agent.runtime.telemetry import Telemetry
from agent.schema import WorkerStatus
from agent.sheets.client import PacedHTTPClient
from agent.sheets.gateway import SheetsGateway
from agent.sheets.pacing import critical

log = logging.getLogger(__name__)


class Holdings:
    """The claims this agent holds (renews and works on), by row ID, and their lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tasks: dict[str, Claim] = {}
        self.sources: dict[str, Claim] = {}
        #: Task claims whose callback runs right now (a claim of one may be re-won, never rerun).
        self.running: dict[str, Claim] = {}

    def any(self) -> bool:
        """Whether any claim is held."""
        return bool(self.tasks or self.sources)

    def drop_lost(self) -> None:
        """Forget the claims whose lease another agent now has (call under the lock)."""
        for held in (self.tasks, self.sources):
            for row_id in [k for k, c in held.items() if c.lost]:
                held.pop(row_id, None)


class Heartbeat:
    """Sends heartbeats (with every renewal) on its own thread until told to stop.

    It owns the :class:`Holdings` and tells the queue tabs which rows are still held.
    """

    def __init__(
        self,
        gateway: SheetsGateway,
        registry: WorkerRegistry,
        election: LeaderElection,
        queues: tuple[QueueTab, QueueTab],
        stopping: threading.Event,
        settings: Settings,
    ) -> None:
        self.gateway = gateway
        self.registry = registry
        self.election = election
        self.tasks, self.sources = queues
        self.holdings = Holdings()
        self.tasks.holds = lambda row_id: row_id in self.holdings.tasks
        self.sources.holds = lambda row_id: row_id in self.holdings.sources
        self.settings = settings
        self.timing: FleetTiming = fleet_timing(settings, 1)
        self._stopping = stopping  # the agent's: once set, leadership is only renewed, not taken
        #: Whether leadership is still wanted while stopping (the leader's duties still run).
        self.keep_leading: Callable[[], bool] = lambda: False
        self.last_monotonic = 0.0
        #: Active agents seen by the last heartbeat (the claim window is sized by it).
        self.active_workers = 1
        self._full_rates: dict[str, float] = {}
        #: The fleet's cool-down: published in this agent's row, read from every row.
        self.cooldown = FleetCooldown()
        registry.cooldown_until = self.cooldown.published
        self._apply_timing()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fleet = FleetControl()  # read from the election's range: no read of its own
        self.telemetry: Telemetry | None = None  # set by build_context

    def start(self) -> None:
        """Start the heartbeat thread (after the first :meth:`send`)."""
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Send no more heartbeats (the thread ends at its next wake-up)."""
        self._stop.set()

    def join(self, timeout_s: float) -> None:
        """Wait for the thread to end."""
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    @property
    def interval_s(self) -> float:
        """Seconds between heartbeats, for the fleet last seen."""
        return self.timing.heartbeat_s

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.send()
            except AgentError as exc:
                log.warning("heartbeat failed: %s", exc)
            except Exception:  # the heartbeat must outlive any one bad cycle
                log.exception("heartbeat crashed; retrying next interval")

    def send(self, status: WorkerStatus = WorkerStatus.ACTIVE) -> None:
        """One read and one write: worker row, every lease renewal, leadership."""
        with critical():
            workers, leader = self.gateway.read(
                [self.registry.read_range(), self.election.header_range()]
            )
            self.fleet.observe(leader)
            if self.telemetry is not None:
                self.telemetry.on_workers_read(workers)
            self._retime(workers)
            self.cooldown.observe(self.registry.published_cooldown(workers))
            with self.holdings.lock:
                batch = WriteBatch()
                if not self.registry.plan(workers, batch, status):
                    self._restore_row(status)
                self._note_active_workers(workers)
                self.tasks.renew_requests(list(self.holdings.tasks.values()), batch)
                self.sources.renew_requests(list(self.holdings.sources.values()), batch)
                stopping = self._stopping.is_set()
                if not stopping or self.keep_leading():
                    self.election.plan(leader, batch, renew_only=stopping)
                batch.flush(self.gateway)
                if self.telemetry is not None:
                    held = (self.holdings.tasks, self.holdings.sources)
                    self.telemetry.on_renewals(*held, interval_s=self.interval_s)
                self.holdings.drop_lost()
        self.last_monotonic = time.monotonic()

    def _restore_row(self, status: WorkerStatus) -> None:
        """Append this worker's row again; a refusal (a protected tab) never stops renewals."""
        try:
            self.registry.restore_row(status)
        except SheetsError as exc:
            log.warning("cannot restore this worker's row in 'Workers': %s", exc)

    def _note_active_workers(self, workers: Sequence[Sequence[str]]) -> None:
        self.active_workers = max(1, self.registry.active_count(workers))

    def _retime(self, workers: Sequence[Sequence[str]]) -> None:
        """Re-time the agent for the live agents on its account (from this heartbeat's read)."""
        # Live: a heartbeat within three of the slowest intervals this fleet size allows.
        max_age = 3 * max(self.timing.heartbeat_s, self.settings.heartbeat_s) + 60
        agents = self.registry.census(workers, max_age, time.time())
        if agents == self.timing.agents:
            return
        was_stretched = self.timing.stretched
        self.timing = fleet_timing(self.settings, agents)
        self._apply_timing()
        warning = self.timing.warning(self.settings)
        if warning:
            log.warning("%s", warning)
        elif was_stretched:
            log.info("%d agents on this account: configured leases fit again", agents)

    def _apply_timing(self) -> None:
        timing = self.timing
        http = self.gateway.client.http_client
        if isinstance(http, PacedHTTPClient):
            if not self._full_rates:  # what the client was built for: never exceeded
                self._full_rates = {k: b.per_minute for k, b in http.buckets.items()}
            for kind, share in (
                ("read", timing.read_per_minute),
                ("write", timing.write_per_minute),
            ):
                http.buckets[kind].resize(min(share, self._full_rates[kind]))
        stretched = timing.lease_s > self.settings.lease_s
        self.tasks.set_lease_ttl(math.ceil(timing.lease_s) if stretched else 0)
        self.sources.set_lease_ttl(math.ceil(timing.lease_s) if stretched else 0)
        leader_stretched = timing.leader_lease_s > self.settings.leader_lease_s
        self.election.ttl_s = math.ceil(timing.leader_lease_s) if leader_stretched else 0
