"""The heartbeat: one read and one write per interval for the worker row, every lease this
agent holds, and leadership.

It owns the registry of held claims and the lock that guards them: whoever adds or drops a
claim (the loop, the leader's duties, the stop sequence) does it under :attr:`Holdings.lock`,
so a renewal never races a finish or a release of the same row.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from agent.coordination.batch import WriteBatch
from agent.coordination.leadership import LeaderElection
from agent.coordination.queue import Claim, QueueTab
from agent.coordination.workers import WorkerRegistry
from agent.errors import AgentError
from agent.runtime.control import FleetControl
from agent.runtime.telemetry import Telemetry
from agent.schema import WorkerStatus
from agent.sheets.gateway import SheetsGateway

log = logging.getLogger(__name__)


class Holdings:
    """The claims this agent holds (renews and works on), by row ID, and their lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tasks: dict[str, Claim] = {}
        self.sources: dict[str, Claim] = {}

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
        interval_s: float,
    ) -> None:
        self.gateway = gateway
        self.registry = registry
        self.election = election
        self.tasks, self.sources = queues
        self.holdings = Holdings()
        self.tasks.holds = lambda row_id: row_id in self.holdings.tasks
        self.sources.holds = lambda row_id: row_id in self.holdings.sources
        self.interval_s = interval_s
        self._stopping = stopping  # the agent's: leadership is not renewed once it is set
        self.last_monotonic = 0.0
        #: Active agents seen by the last heartbeat (the claim window is sized by it).
        self.active_workers = 1
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
        workers, leader = self.gateway.read(
            [self.registry.read_range(), self.election.header_range()]
        )
        self.fleet.observe(leader)
        if self.telemetry is not None:
            self.telemetry.on_workers_read(workers)
        with self.holdings.lock:
            batch = WriteBatch()
            if not self.registry.plan(workers, batch, status):
                self.registry.restore_row(status)
            self._note_active_workers(workers)
            self.tasks.renew_requests(list(self.holdings.tasks.values()), batch)
            self.sources.renew_requests(list(self.holdings.sources.values()), batch)
            if not self._stopping.is_set():
                self.election.plan(leader, batch)
            batch.flush(self.gateway)
            if self.telemetry is not None:
                held = (self.holdings.tasks, self.holdings.sources)
                self.telemetry.on_renewals(*held, interval_s=self.interval_s)
            self.holdings.drop_lost()
        self.last_monotonic = time.monotonic()

    def _note_active_workers(self, workers: Sequence[Sequence[str]]) -> None:
        self.active_workers = max(1, self.registry.active_count(workers))
