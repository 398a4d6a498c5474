"""Claiming tasks and recording how they ended: the buffer of claims won but not started.

Finished tasks ride along with the next claim (one ``batchUpdate`` for both); a batch of claims
is sized by :class:`~agent.coordination.sizing.ClaimSizer` and read from a window wide enough
for every active agent.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence

from agent.coordination.lease import LeaseState
from agent.coordination.queue import Claim, ClaimOutcome
from agent.coordination.rows import QueueRow
from agent.coordination.sizing import ClaimSizer
from agent.logs import redact
from agent.runtime.choice import HandlerChoice, HandlerRefusedError, handler_cell
from agent.runtime.context import AgentContext
from agent.runtime.handler import Callback
from agent.runtime.heartbeat import Heartbeat
from agent.runtime.invoker import Invoker
from agent.runtime.pauses import MAX_RETRY_DELAY_S, retry_delay_s
from agent.sources.task_urls import check_task_url
from agent.tasks import (
    Disposition,
    ErrorClass,
    TaskFailure,
    classify_task_failure,
    result_cells,
)

log = logging.getLogger(__name__)


class TaskRunner:
    """The owner of the claim buffer and of the claim pacing (idle back-off, batch size)."""

    def __init__(self, ctx: AgentContext, heartbeat: Heartbeat) -> None:
        self.ctx = ctx
        self.heartbeat = heartbeat
        self.buffer: deque[Claim] = deque()
        self.claim_not_before = 0.0
        self._claim_idle_s = 0.0
        self.sizer = ClaimSizer(ctx.config.claim_batch, ctx.config.claim_batch_max)
        self.invoker = Invoker(ctx.config)
        self.choice = HandlerChoice()
        heartbeat.cooldown.first_pause_s = ctx.config.cooldown_seconds

    def window_rows(self, batch: int) -> int:
        """A window wide enough for every active agent to find its own batch in it."""
        active = self.heartbeat.active_workers
        return min(2_000, max(50, 5 * batch, 2 * batch * active))

    def cycle(self, want: int, finishing: Sequence[ClaimOutcome] = ()) -> int:
        """Finish ``finishing`` and claim up to ``want`` tasks in one write; return claims won."""
        ctx = self.ctx
        held = ctx.holdings
        with held.lock:
            cycle = ctx.tasks.claim(max(want, 0), finishing)
            for outcome in finishing:
                held.tasks.pop(outcome.claim.row_id, None)
            fresh = []
            for claim in cycle.won:
                running = held.running.get(claim.row_id)
                if running is not None:
                    # This agent's own claim of a task it is running, adopted back after a
                    # renewal was judged lost: the running callback keeps it, it is not rerun.
                    running.lease, running.lost = claim.lease, False
                    held.tasks[claim.row_id] = running
                    continue
                held.tasks[claim.row_id] = claim
                fresh.append(claim)
            cycle.won = fresh
        ctx.registry.count(tasks=sum(1 for o in cycle.moved if o.claim.lease.owner == ctx.owner))
        if cycle.orphans:
            self.finish(cycle.orphans)
        self.buffer.extend(cycle.won)
        return len(cycle.won)

    def next_claim(self, finishing: list[ClaimOutcome] | None = None) -> Claim | None:
        """The next buffered claim; claims a new batch (carrying ``finishing``) when empty."""
        if not self.ctx.fleet.claims_tasks():  # PAUSED: nothing new starts
            self._hold_off(finishing)
            return None
        cooling_s = self.heartbeat.cooldown.remaining_s()
        if cooling_s > 0:  # the fleet cools down: claim nothing, start nothing won
            self.release_buffer()
            # Look again after the next heartbeat read: the pause may be lifted or extended.
            wake_s = min(cooling_s, self.heartbeat.interval_s)
            self.claim_not_before = max(self.claim_not_before, time.monotonic() + wake_s)
            return None
        if not self.buffer and time.monotonic() >= self.claim_not_before:
            batch = self.sizer.size
            self.ctx.tasks.window_rows = self.window_rows(batch)
            won = self.cycle(batch, finishing or [])
            self.sizer.claimed(batch, won)
            if finishing:
                finishing.clear()
            if not won:
                poll_s = self.heartbeat.timing.poll_s  # the share of reads an idle agent has
                self._claim_idle_s = min(poll_s, max(self._claim_idle_s * 2, 0.2))
                self.claim_not_before = time.monotonic() + self._claim_idle_s
            else:
                self._claim_idle_s = 0.0
        while self.buffer:
            claim = self.buffer.popleft()
            if not claim.lost:
                return claim
        return None

    def _hold_off(self, finishing: list[ClaimOutcome] | None) -> None:
        """While PAUSED: record what finished, give back unstarted claims, wait a poll."""
        if finishing:
            self.finish(list(finishing))
            finishing.clear()
        self.release_buffer()
        self.claim_not_before = time.monotonic() + self.ctx.config.poll_seconds

    def execute(self, claim: Claim, callback: Callback) -> ClaimOutcome | None:
        """Run ``callback`` on the claim's task; an outcome to finish, or None if retried later.

        What the callback returns goes to the History row (:func:`result_cells`); a failure is
        classified (:func:`classify_task_failure`) and dead-lettered, given back without an
        attempt (cooling the fleet down after a bot check or rate limit) or retried.
        """
        task = self.invoker.task_of(claim)
        started = time.monotonic()
        held = self.ctx.holdings
        with held.lock:
            held.running[claim.row_id] = claim
        try:
            check_task_url(task.url, task.video_key, self.ctx.config.source_url_policy)
            chosen = self.choice.pick(handler_cell(claim.record), callback)
            result = self.invoker.run(chosen, task)
        except Exception as exc:  # a callback may raise anything
            with held.lock:
                held.running.pop(claim.row_id, None)
            outcome = self._failed(claim, exc)
            self.ctx.telemetry.on_task_end("failed" if outcome else "retried", exc, started)
            return outcome
        with held.lock:
            held.running.pop(claim.row_id, None)
        self.heartbeat.cooldown.success()
        self.ctx.telemetry.on_task_end("done", None, started)
        history = self.ctx.tasks.maps.get(self.ctx.tasks.history.title)
        extra = result_cells(result, history.extra if history is not None else ())
        return ClaimOutcome(claim, LeaseState.DONE, extra=extra)

    def _failed(self, claim: Claim, exc: Exception) -> ClaimOutcome | None:
        failure = classify_task_failure(exc)
        if isinstance(exc, HandlerRefusedError):  # a Handler cell never runs: not retried
            failure = TaskFailure(ErrorClass.REFUSED, str(exc))
        plain = failure.error_class in (ErrorClass.CALLBACK, ErrorClass.REFUSED)
        error = redact(f"{type(exc).__name__}: {exc}" if plain else failure.reason)
        attempts = claim.lease.attempts
        log.warning(
            "task %s failed (attempt %d, %s): %s",
            claim.row_id,
            attempts,
            failure.error_class.value,
            error,
        )
        classified = {"error_class": failure.error_class.value}
        disposition = failure.disposition
        if disposition is Disposition.DEAD_LETTER or (
            disposition is Disposition.RETRY and attempts >= self.ctx.config.max_attempts
        ):
            return ClaimOutcome(claim, LeaseState.FAILED, error, classified)
        if disposition is Disposition.RELEASE:
            if failure.fleet_cooldown:
                pause = self.heartbeat.cooldown.push_back(failure.error_class)
                self.ctx.telemetry.cooldown(failure.error_class.value, pause)
                log.warning(
                    "YouTube pushed back (%s): pausing claims for %.0f s",
                    failure.error_class.value,
                    pause,
                )
            else:
                pause = MAX_RETRY_DELAY_S  # e.g. an upcoming premiere: look again later
            self._give_back(claim, time.time() + pause, refund=True)
        else:
            self._give_back(claim, time.time() + retry_delay_s(attempts), refund=False)
        return None

    def _give_back(self, claim: Claim, not_before_s: float, *, refund: bool) -> None:
        held = self.ctx.holdings
        with held.lock:
            try:
                self.ctx.tasks.release([claim], not_before_s=not_before_s, refund=refund)
            finally:  # given back, or dropped to be taken over once its lease expires
                held.tasks.pop(claim.row_id, None)

    def finish(self, outcomes: list[ClaimOutcome]) -> None:
        """Record ``outcomes`` now (one write, then the History / DLQ appends)."""
        if outcomes:
            self.cycle(0, outcomes)

    def release_buffer(self) -> None:
        """Give back the claims won but not started (shutdown)."""
        claims = list(self.buffer)
        self.buffer.clear()
        if claims:
            held = self.ctx.holdings
            with held.lock:
                try:
                    self.ctx.tasks.release(claims, refund=True)
                finally:  # given back, or dropped to be taken over once its lease expires
                    for claim in claims:
                        held.tasks.pop(claim.row_id, None)

    def no_work_left(self) -> bool:
        """Whether Tasks and Sources hold no row this agent could ever act on."""
        ctx = self.ctx
        if self.buffer or ctx.holdings.any():
            return False
        with ctx.holdings.lock:
            if ctx.tasks.has_tombstones:
                ctx.tasks.flush_tombstones()
        tasks, _ = ctx.tasks.read_window(2, 1000)
        # The leader may be gone: leave the tab clean (of the tombstones it is safe to remove;
        # those below a person's row wait, see docs/protocol.md §5).
        if ctx.tasks.removable_tombstones:
            ctx.tasks.remove_tombstones()
            return False
        sources, _ = ctx.sources.read_window(2, 1000)
        later = time.time() + ctx.config.poll_seconds

        def waiting(row: QueueRow) -> bool:  # a source kept for a rescan hours from now
            return row.lease is not None and row.lease.not_before_s > later

        if not ctx.fleet.expands_sources():  # DRAIN (or PAUSED): sources are not worked on
            return not any(r.lease for r in tasks)
        return not any(r.lease for r in tasks) and not any(
            r.lease and not waiting(r) for r in sources
        )
