"""The stop sequence, in one place: what the first signal, closing, and the second signal do.

* :meth:`StopSequence.request` (the first SIGINT/SIGTERM): claim no more work; the running
  callbacks finish, and the heartbeat goes on renewing their leases until the last one ends,
  however long that takes (a download longer than the lease is never taken over by another
  agent meanwhile). Leadership is handed back as soon as the leader's current duty ends,
  rather than left to lapse.
* :meth:`StopSequence.close`: after the loop has returned, give back unstarted claims, tidy the
  Tasks tab, release leadership, stop the heartbeat and mark the worker ``INACTIVE``.
* :meth:`StopSequence.abort` (the second signal): give back every claim at once.
"""

from __future__ import annotations

import logging
import threading

from agent.errors import AgentError
from agent.runtime.context import AgentContext
from agent.runtime.heartbeat import Heartbeat
from agent.runtime.leader import LeaderDuties
from agent.runtime.tasks import TaskRunner
from agent.schema import WorkerStatus

log = logging.getLogger(__name__)

HEARTBEAT_JOIN_S = 5.0


class StopSequence:
    """Stops one started agent; every step runs at most once."""

    def __init__(
        self, ctx: AgentContext, heartbeat: Heartbeat, runner: TaskRunner, leader: LeaderDuties
    ) -> None:
        self.ctx = ctx
        self.heartbeat = heartbeat
        self.runner = runner
        self.leader = leader
        self._closed = False

    def request(self) -> None:
        """Stop claiming new work; running callbacks finish while their leases are renewed."""
        if self.ctx.stop.is_set():
            return
        self.ctx.stop.set()
        threading.Thread(target=self._resign, name="resign", daemon=True).start()

    def _resign(self) -> None:
        """Release leadership once the leader's duties have returned (a background step)."""
        self.leader.join(timeout_s=self.ctx.config.leader_lease_seconds)
        with self.ctx.holdings.lock:
            try:
                self.ctx.election.release()
            except AgentError as exc:  # it lapses instead; the next leader waits it out
                log.warning("could not release leadership: %s", exc)

    def close(self) -> None:
        """Finish gracefully: give back unstarted claims, go INACTIVE, release leadership."""
        if self._closed:
            return
        self._closed = True
        ctx = self.ctx
        self.request()
        self.heartbeat.stop()  # every callback has ended: nothing is left to renew
        self.leader.join(timeout_s=ctx.config.lease_seconds)
        self.runner.release_buffer()
        with ctx.holdings.lock:
            try:
                ctx.tasks.settle_moves()  # appends of unknown fate: checked, not repeated
                ctx.tasks.flush_tombstones()
                if ctx.election.is_leader():
                    ctx.tasks.compact()
                elif ctx.tasks.tombstones_written:
                    # When the whole fleet stops, the leader may have made its last pass
                    # before this agent's last rows became tombstones: remove them now.
                    ctx.tasks.remove_tombstones()
            except AgentError as exc:  # leftovers are harmless; the next leader removes them
                log.warning("could not tidy the Tasks tab on the way out: %s", exc)
            ctx.election.release()
        self.heartbeat.join(timeout_s=HEARTBEAT_JOIN_S)
        ctx.registry.write_now(WorkerStatus.INACTIVE)
        ctx.telemetry.close()  # post the notifications still queued (bounded)

    def abort(self) -> None:
        """Give back every claim (running ones too) at once: the second signal."""
        ctx = self.ctx
        self.request()
        self.heartbeat.stop()
        held = ctx.holdings
        with held.lock:
            ctx.tasks.release(list(held.tasks.values()))
            ctx.sources.release(list(held.sources.values()), refund=True)
            held.tasks.clear()
            held.sources.clear()
            ctx.election.release()
