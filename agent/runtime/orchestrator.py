"""The agent: heartbeat, leadership, claiming tasks and running callbacks on them.

Threads: the caller's thread claims and finishes tasks (and runs callbacks when
``CONCURRENCY`` is 1; a pool runs them otherwise); a heartbeat thread renews every lease this
agent holds in one write per interval; a leader thread expands sources while this agent leads.
Nothing touches the network before :meth:`Orchestrator.start` (or ``with``).
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType

import gspread

from agent.config import Config
from agent.coordination.leadership import LeaderElection
from agent.coordination.queue import Claim, ClaimOutcome, QueueTab
from agent.errors import SheetsError
from agent.runtime.context import AgentContext, build_context
from agent.runtime.handler import Callback
from agent.runtime.heartbeat import Heartbeat
from agent.runtime.leader import LeaderDuties
from agent.runtime.pauses import Outage
from agent.runtime.stop import StopSequence
from agent.runtime.tasks import TaskRunner
from agent.schema import WorkerStatus


@dataclass
class _Parts:
    """The components of a started agent."""

    ctx: AgentContext
    heartbeat: Heartbeat
    runner: TaskRunner
    leader: LeaderDuties
    stop: StopSequence


class Orchestrator:
    """One agent. Use as a context manager; closing it shuts down gracefully.

    ``start()`` (or entering ``with``) opens the spreadsheet, registers the worker, sends the
    first heartbeat and starts the heartbeat and leader threads; the task methods start the
    agent on first use when that has not happened yet.
    """

    def __init__(self, config: Config, *, client: gspread.Client | None = None) -> None:
        self.config = config
        self.session = secrets.token_hex(4)
        self.owner = f"{config.worker_name}#{self.session}"
        self._client = client
        self._stop = threading.Event()
        self._parts: _Parts | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Orchestrator:
        """Connect and start the heartbeat and leader threads (once; later calls do nothing)."""
        self._ensure_started()
        return self

    def _ensure_started(self) -> _Parts:
        with self._lock:
            if self._parts is None:
                self._parts = self._start()
            return self._parts

    def _start(self) -> _Parts:
        ctx, heartbeat = build_context(self.config, self.owner, self._stop, self._client)
        ctx.tasks.load()
        ctx.sources.load()
        ctx.registry.register()
        heartbeat.send()
        heartbeat.start()
        runner = TaskRunner(ctx, heartbeat)
        leader = LeaderDuties(ctx)
        runner.invoker.sources = lambda: leader.feed.sources_seen  # the Task's source URL, name
        heartbeat.keep_leading = leader.running  # while stopping: renew until its duty ends
        leader.start()
        return _Parts(ctx, heartbeat, runner, leader, StopSequence(ctx, heartbeat, runner, leader))

    def __enter__(self) -> Orchestrator:
        return self.start()

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
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Stop claiming new work; running callbacks finish (the first SIGINT/SIGTERM)."""
        if self._parts is None:
            self._stop.set()
        else:
            self._parts.stop.request()

    def close(self) -> None:
        """Finish gracefully: give back unstarted claims, go INACTIVE, release leadership."""
        if self._parts is None:
            self._stop.set()  # never started: nothing to give back
        else:
            self._parts.stop.close()

    def abort(self) -> None:
        """Give back every claim (running ones too) at once: the second signal."""
        if self._parts is None:
            self._stop.set()
        else:
            self._parts.stop.abort()

    # ------------------------------------------------------------------ parts
    @property
    def context(self) -> AgentContext:
        """What the agent's components share (starts the agent if needed)."""
        return self._ensure_started().ctx

    @property
    def tasks(self) -> QueueTab:
        """The Tasks queue."""
        return self.context.tasks

    @property
    def sources(self) -> QueueTab:
        """The Sources queue."""
        return self.context.sources

    @property
    def election(self) -> LeaderElection:
        """This agent's view of the leader election."""
        return self.context.election

    @property
    def leader(self) -> LeaderDuties:
        """The leader's duties (acting only while this agent leads)."""
        return self._ensure_started().leader

    @property
    def worker_id(self) -> str:
        """This worker's UUID in the Workers tab."""
        return self.context.registry.worker_id

    @property
    def last_heartbeat_monotonic(self) -> float:
        """When the last heartbeat went through (``time.monotonic``)."""
        return self._ensure_started().heartbeat.last_monotonic

    # ------------------------------------------------------------------ tasks
    def send_heartbeat(self, status: WorkerStatus = WorkerStatus.ACTIVE) -> None:
        """One read and one write: worker row, every lease renewal, leadership."""
        self._ensure_started().heartbeat.send(status)

    def execute(self, claim: Claim, callback: Callback) -> ClaimOutcome | None:
        """Run ``callback`` on the claim's URL; an outcome to finish, or None if retried later."""
        return self._ensure_started().runner.execute(claim, callback)

    def process_next_task(self, callback: Callback) -> bool:
        """Claim one task, run ``callback`` on its URL, record the result; False if no work."""
        runner = self._ensure_started().runner
        if self.stopping:
            return False
        claim = runner.next_claim()
        if claim is None:
            return False
        outcome = runner.execute(claim, callback)
        if outcome is not None:
            runner.finish([outcome])
        return True

    def run(self, callback: Callback, *, burst: bool = False) -> None:
        """Process tasks until stopped (or, with ``burst``, until no work is left).

        Finished tasks are recorded with the next claim (one write for both) or, when no
        claim is due, as soon as a batch of them is waiting or nothing is running. When the
        Sheets API stays unavailable past the client's retries, the loop pauses and goes on.
        """
        runner = self._ensure_started().runner
        concurrency = self.config.concurrency
        pool = ThreadPoolExecutor(concurrency, thread_name_prefix="task")
        running: dict[Future[ClaimOutcome | None], Claim] = {}
        done: list[ClaimOutcome] = []
        outage = Outage()
        try:
            while True:
                try:
                    if not self.stopping and len(running) < concurrency:
                        claim = runner.next_claim(done)
                        if claim is not None:
                            running[pool.submit(runner.execute, claim, callback)] = claim
                            outage.over()
                            continue
                    if running:
                        timeout = max(0.05, runner.claim_not_before - time.monotonic())
                        finished, _ = wait(
                            list(running), timeout=min(timeout, 1.0), return_when=FIRST_COMPLETED
                        )
                        for future in finished:
                            running.pop(future)
                            outcome = future.result()
                            if outcome is not None:
                                done.append(outcome)
                        if len(done) >= runner.sizer.size and runner.buffer:
                            # No claim is due soon to carry them: record them on their own.
                            runner.finish(done)
                            done = []
                        continue
                    runner.finish(done)
                    done = []
                    outage.over()
                    if self.stopping or (burst and runner.no_work_left()):
                        return
                    self._stop.wait(max(0.05, runner.claim_not_before - time.monotonic()))
                except SheetsError as exc:
                    # Retries are spent (the API is down, or quota stays exhausted): keep every
                    # claim and unrecorded outcome, pause, and try again. When stopping, give
                    # up instead: the leases expire and other agents take the work over.
                    if not exc.retryable or self.stopping:
                        raise
                    self._stop.wait(outage.pause(exc))
        finally:
            pool.shutdown(wait=True)
            runner.finish(done)

    def no_work_left(self) -> bool:
        """Whether Tasks and Sources hold no row this agent could ever act on."""
        return self._ensure_started().runner.no_work_left()
