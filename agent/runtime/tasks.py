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
from agent.errors import RefusedUrlError
from agent.logs import redact
from agent.runtime.context import AgentContext
from agent.runtime.handler import Callback
from agent.runtime.heartbeat import Heartbeat
from agent.runtime.pauses import retry_delay_s
from agent.sources.task_urls import check_task_url

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
            for claim in cycle.won:
                held.tasks[claim.row_id] = claim
            for outcome in finishing:
                held.tasks.pop(outcome.claim.row_id, None)
        ctx.registry.count(tasks=sum(1 for o in cycle.moved if o.claim.lease.owner == ctx.owner))
        if cycle.orphans:
            self.finish(cycle.orphans)
        self.buffer.extend(cycle.won)
        return len(cycle.won)

    def next_claim(self, finishing: list[ClaimOutcome] | None = None) -> Claim | None:
        """The next buffered claim; claims a new batch (carrying ``finishing``) when empty."""
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

    def execute(self, claim: Claim, callback: Callback) -> ClaimOutcome | None:
        """Run ``callback`` on the claim's URL; an outcome to finish, or None if retried later."""
        url = claim.record.get("url", "")
        try:
            check_task_url(
                url, claim.record.get("video_key", ""), self.ctx.config.source_url_policy
            )
            callback(url)
        except Exception as exc:  # a callback may raise anything
            error = redact(f"{type(exc).__name__}: {exc}")  # it goes into the sheet
            log.warning(
                "task %s failed (attempt %d): %s", claim.row_id, claim.lease.attempts, error
            )
            # A refused URL (agent.net's guard, or the row check) is never retried.
            if claim.lease.attempts >= self.ctx.config.max_attempts or isinstance(
                exc, RefusedUrlError
            ):
                return ClaimOutcome(claim, LeaseState.FAILED, error)
            held = self.ctx.holdings
            with held.lock:
                try:
                    self.ctx.tasks.release(
                        [claim], not_before_s=time.time() + retry_delay_s(claim.lease.attempts)
                    )
                finally:  # given back, or dropped to be taken over once its lease expires
                    held.tasks.pop(claim.row_id, None)
            return None
        return ClaimOutcome(claim, LeaseState.DONE)

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
                self.ctx.tasks.release(claims, refund=True)
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

        return not any(r.lease for r in tasks) and not any(
            r.lease and not waiting(r) for r in sources
        )
