"""The agent: heartbeat, leadership, claiming tasks and running callbacks on them.

Threads: the caller's thread claims and finishes tasks (and runs callbacks when
``CONCURRENCY`` is 1; a pool runs them otherwise); a heartbeat thread renews every lease this
agent holds in one write per interval; a leader thread expands sources while this agent leads.
"""

from __future__ import annotations

import importlib
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Any

import gspread

from agent.config import Config
from agent.coordination.batch import WriteBatch
from agent.coordination.leadership import LeaderElection
from agent.coordination.lease import LeaseState
from agent.coordination.queue import Claim, Outcome, QueueTab
from agent.coordination.rows import QueueRow
from agent.coordination.sizing import ClaimSizer
from agent.coordination.workers import WorkerRegistry
from agent.errors import AgentError, ConfigError, RefusedUrlError, SheetsError
from agent.logs import redact
from agent.schema import (
    SOURCES,
    SOURCES_DLQ,
    SOURCES_HISTORY,
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
    WorkerStatus,
)
from agent.sheets.gateway import SheetsGateway
from agent.sources.task_urls import check_task_url

log = logging.getLogger(__name__)

Callback = Callable[[str], object]
MAX_RETRY_DELAY_S = 300.0
MAX_OUTAGE_PAUSE_S = 60.0


def load_handler(spec: str) -> Callback:
    """Import ``module:function``; a :class:`ConfigError` naming TASK_HANDLER when it fails."""
    module_name, _, function_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, function_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError("TASK_HANDLER", f"cannot load {spec!r} ({exc})") from None
    if not callable(handler):
        raise ConfigError("TASK_HANDLER", f"{spec!r} is not callable")
    return handler  # type: ignore[no-any-return]


class _Outage:
    """Pauses while the Sheets API keeps failing: 2 s, doubling up to a minute; logged."""

    def __init__(self) -> None:
        self.pause_s = 0.0
        self.since = 0.0

    def pause(self, exc: Exception) -> float:
        """The pause after one more failed cycle (and a warning saying so)."""
        if not self.pause_s:
            self.since = time.monotonic()
        self.pause_s = min(MAX_OUTAGE_PAUSE_S, max(2.0, self.pause_s * 2))
        log.warning(
            "Sheets API unavailable for %.0f s (%s); trying again in %.0f s",
            time.monotonic() - self.since,
            exc,
            self.pause_s,
        )
        return self.pause_s

    def over(self) -> None:
        """A cycle went through: say so once, and reset."""
        if self.pause_s:
            log.info("Sheets API reachable again after %.0f s", time.monotonic() - self.since)
            self.pause_s = 0.0


def retry_delay_s(attempts: int) -> float:
    """Backoff before a failed task may be claimed again: 5 s, 10 s, 20 s ... up to 5 min."""
    return float(min(MAX_RETRY_DELAY_S, 5.0 * 2 ** max(attempts - 1, 0)))


class Orchestrator:
    """One agent. Use as a context manager; closing it shuts down gracefully."""

    def __init__(self, config: Config, *, client: gspread.Client | None = None) -> None:
        self.config = config
        self.session = secrets.token_hex(4)
        self.owner = f"{config.worker_name}#{self.session}"
        self.gateway = (
            SheetsGateway(client, config.spreadsheet_id)
            if client is not None
            else SheetsGateway.from_config(config)
        )
        common: dict[str, Any] = {
            "owner": self.owner,
            "lease_s": config.lease_seconds,
            "max_attempts": config.max_attempts,
        }
        self.tasks = QueueTab(
            self.gateway,
            TASKS,
            TASKS_HISTORY,
            TASKS_DLQ,
            window_rows=max(50, 5 * config.claim_batch),  # sized again before each claim
            **common,
        )
        self.sources = QueueTab(
            self.gateway,
            SOURCES,
            SOURCES_HISTORY,
            SOURCES_DLQ,
            window_rows=1000,
            compacts=True,  # only the leader thread touches Sources
            protect_raw_rows=True,  # URLs typed by hand wait there for an ID
            **common,
        )
        self.registry = WorkerRegistry(self.gateway, config.worker_name)
        self.election = LeaderElection(self.gateway, self.owner, config.leader_lease_seconds)
        self.lease_lock = threading.RLock()
        self.held_tasks: dict[str, Claim] = {}
        self.held_sources: dict[str, Claim] = {}
        self.tasks.holds = lambda row_id: row_id in self.held_tasks
        self.sources.holds = lambda row_id: row_id in self.held_sources
        self._buffer: deque[Claim] = deque()
        self._stopping = threading.Event()
        self._closed = False
        self.last_heartbeat_monotonic = 0.0
        self._claim_not_before = 0.0
        self._claim_idle_s = 0.0
        self._active_workers = 1
        self.sizer = ClaimSizer(config.claim_batch, config.claim_batch_max)
        self._start()

    # ------------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        self.tasks.load()
        self.sources.load()
        self.worker_id = self.registry.register()
        self.send_heartbeat()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name="heartbeat", daemon=True
        )
        self._heartbeat_thread.start()
        from agent.leader import LeaderDuties

        self.leader = LeaderDuties(self)
        self._leader_thread = threading.Thread(target=self.leader.loop, name="leader", daemon=True)
        self._leader_thread.start()

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def stopping(self) -> bool:
        """Whether shutdown has begun."""
        return self._stopping.is_set()

    def request_stop(self) -> None:
        """Stop claiming new work; running callbacks finish (the first SIGINT/SIGTERM)."""
        self._stopping.set()

    def close(self) -> None:
        """Finish gracefully: give back unstarted claims, go INACTIVE, release leadership."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._leader_thread.join(timeout=self.config.lease_seconds)
        self._release_buffer()
        with self.lease_lock:
            try:
                self.tasks.flush_tombstones()
                if self.election.is_leader():
                    self.tasks.compact()
                elif self.tasks.tombstones_written:
                    # When the whole fleet stops, the leader may have made its last pass
                    # before this agent's last rows became tombstones: remove them now.
                    self.tasks.remove_tombstones()
            except AgentError as exc:  # leftovers are harmless; the next leader removes them
                log.warning("could not tidy the Tasks tab on the way out: %s", exc)
            self.election.release()
        self._heartbeat_thread.join(timeout=5)
        self.registry.write_now(WorkerStatus.INACTIVE)

    def abort(self) -> None:
        """Give back every claim (running ones too) at once: the second signal."""
        self._stopping.set()
        with self.lease_lock:
            self.tasks.release(list(self.held_tasks.values()))
            self.sources.release(list(self.held_sources.values()), refund=True)
            self.held_tasks.clear()
            self.held_sources.clear()
            self.election.release()

    def _release_buffer(self) -> None:
        claims = list(self._buffer)
        self._buffer.clear()
        if claims:
            with self.lease_lock:
                self.tasks.release(claims, refund=True)
                for claim in claims:
                    self.held_tasks.pop(claim.row_id, None)

    # ------------------------------------------------------------------ heartbeat
    def _heartbeat_loop(self) -> None:
        interval = self.config.heartbeat_seconds
        while not self._stopping.wait(interval):
            try:
                self.send_heartbeat()
            except AgentError as exc:
                log.warning("heartbeat failed: %s", exc)
            except Exception:  # the heartbeat must outlive any one bad cycle
                log.exception("heartbeat crashed; retrying next interval")

    def send_heartbeat(self, status: WorkerStatus = WorkerStatus.ACTIVE) -> None:
        """One read and one write: worker row, every lease renewal, leadership."""
        workers, leader = self.gateway.read(
            [self.registry.read_range(), self.election.header_range()]
        )
        with self.lease_lock:
            batch = WriteBatch()
            if not self.registry.plan(workers, batch, status):
                self.registry.restore_row(status)
            self._note_active_workers(workers)
            self.tasks.renew_requests(list(self.held_tasks.values()), batch)
            self.sources.renew_requests(list(self.held_sources.values()), batch)
            if not self._stopping.is_set():
                self.election.plan(leader, batch)
            batch.flush(self.gateway)
            self._drop_lost()
        self.last_heartbeat_monotonic = time.monotonic()

    def _note_active_workers(self, workers: Sequence[Sequence[str]]) -> None:
        """Remember how many agents are active (the claim window is sized by it)."""
        self._active_workers = max(1, self.registry.active_count(workers))

    def _window_rows(self, batch: int) -> int:
        """A window wide enough for every active agent to find its own batch in it."""
        return min(2_000, max(50, 5 * batch, 2 * batch * self._active_workers))

    def _drop_lost(self) -> None:
        for held in (self.held_tasks, self.held_sources):
            for row_id in [k for k, c in held.items() if c.lost]:
                held.pop(row_id, None)

    # ------------------------------------------------------------------ tasks
    def _cycle(self, want: int, finishing: Sequence[Outcome] = ()) -> int:
        """Finish ``finishing`` and claim up to ``want`` tasks in one write; return claims won."""
        with self.lease_lock:
            cycle = self.tasks.claim(max(want, 0), finishing)
            for claim in cycle.won:
                self.held_tasks[claim.row_id] = claim
            for outcome in finishing:
                self.held_tasks.pop(outcome.claim.row_id, None)
        self.registry.count(tasks=sum(1 for o in cycle.moved if o.claim.lease.owner == self.owner))
        if cycle.orphans:
            self._finish(cycle.orphans)
        self._buffer.extend(cycle.won)
        return len(cycle.won)

    def _next_claim(self, finishing: list[Outcome] | None = None) -> Claim | None:
        """The next buffered claim; claims a new batch (carrying ``finishing``) when empty."""
        if not self._buffer and time.monotonic() >= self._claim_not_before:
            batch = self.sizer.size
            self.tasks.window_rows = self._window_rows(batch)
            won = self._cycle(batch, finishing or [])
            self.sizer.claimed(batch, won)
            if finishing:
                finishing.clear()
            if not won:
                self._claim_idle_s = min(self.config.poll_seconds, max(self._claim_idle_s * 2, 0.2))
                self._claim_not_before = time.monotonic() + self._claim_idle_s
            else:
                self._claim_idle_s = 0.0
        while self._buffer:
            claim = self._buffer.popleft()
            if not claim.lost:
                return claim
        return None

    def execute(self, claim: Claim, callback: Callback) -> Outcome | None:
        """Run ``callback`` on the claim's URL; an outcome to finish, or None if retried later."""
        url = claim.record.get("url", "")
        try:
            check_task_url(url, claim.record.get("video_key", ""), self.config.source_url_policy)
            callback(url)
        except Exception as exc:  # a callback may raise anything
            error = redact(f"{type(exc).__name__}: {exc}")  # it goes into the sheet
            log.warning(
                "task %s failed (attempt %d): %s", claim.row_id, claim.lease.attempts, error
            )
            # A refused URL (agent.net's guard, or the row check) is never retried.
            if claim.lease.attempts >= self.config.max_attempts or isinstance(exc, RefusedUrlError):
                return Outcome(claim, LeaseState.FAILED, error)
            with self.lease_lock:
                try:
                    self.tasks.release(
                        [claim], not_before_s=time.time() + retry_delay_s(claim.lease.attempts)
                    )
                finally:  # given back, or dropped to be taken over once its lease expires
                    self.held_tasks.pop(claim.row_id, None)
            return None
        return Outcome(claim, LeaseState.DONE)

    def _finish(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            self._cycle(0, outcomes)

    def process_next_task(self, callback: Callback) -> bool:
        """Claim one task, run ``callback`` on its URL, record the result; False if no work."""
        if self.stopping:
            return False
        claim = self._next_claim()
        if claim is None:
            return False
        outcome = self.execute(claim, callback)
        if outcome is not None:
            self._finish([outcome])
        return True

    def run(self, callback: Callback, *, burst: bool = False) -> None:
        """Process tasks until stopped (or, with ``burst``, until no work is left).

        Finished tasks are recorded with the next claim (one write for both) or, when no
        claim is due, as soon as a batch of them is waiting or nothing is running. When the
        Sheets API stays unavailable past the client's retries, the loop pauses and goes on.
        """
        pool = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="task")
        running: dict[Future[Outcome | None], Claim] = {}
        done: list[Outcome] = []
        outage = _Outage()
        try:
            while True:
                try:
                    if not self.stopping and len(running) < self.config.concurrency:
                        claim = self._next_claim(done)
                        if claim is not None:
                            running[pool.submit(self.execute, claim, callback)] = claim
                            outage.over()
                            continue
                    if running:
                        timeout = max(0.05, self._claim_not_before - time.monotonic())
                        finished, _ = wait(
                            list(running), timeout=min(timeout, 1.0), return_when=FIRST_COMPLETED
                        )
                        for future in finished:
                            running.pop(future)
                            outcome = future.result()
                            if outcome is not None:
                                done.append(outcome)
                        if len(done) >= self.sizer.size and self._buffer:
                            # No claim is due soon to carry them: record them on their own.
                            self._finish(done)
                            done = []
                        continue
                    self._finish(done)
                    done = []
                    outage.over()
                    if self.stopping or (burst and self.no_work_left()):
                        return
                    self._stopping.wait(max(0.05, self._claim_not_before - time.monotonic()))
                except SheetsError as exc:
                    # Retries are spent (the API is down, or quota stays exhausted): keep every
                    # claim and unrecorded outcome, pause, and try again. When stopping, give
                    # up instead: the leases expire and other agents take the work over.
                    if not exc.retryable or self.stopping:
                        raise
                    self._stopping.wait(outage.pause(exc))
        finally:
            pool.shutdown(wait=True)
            self._finish(done)

    def no_work_left(self) -> bool:
        """Whether Tasks and Sources hold no row this agent could ever act on."""
        if self._buffer or self.held_tasks or self.held_sources:
            return False
        with self.lease_lock:
            if self.tasks.has_tombstones:
                self.tasks.flush_tombstones()
        tasks, _ = self.tasks.read_window(2, 1000)
        if self.tasks.tombstones_seen:  # the leader may be gone: leave the tab clean
            self.tasks.remove_tombstones()
            return False
        sources, _ = self.sources.read_window(2, 1000)
        later = time.time() + self.config.poll_seconds

        def waiting(row: QueueRow) -> bool:  # a source kept for a rescan hours from now
            return row.lease is not None and row.lease.not_before_s > later

        return not any(r.lease for r in tasks) and not any(
            r.lease and not waiting(r) for r in sources
        )
