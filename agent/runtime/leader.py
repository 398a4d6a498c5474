"""What only the leader does: adopt hand-typed sources, expand sources into tasks (through the
task feed), compact Tasks, and keep History in shape (through the rotation).

Every step that writes checks the leadership term it started in (the fencing token); a leader
that lost its lease stops before its next write.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid

from agent.clock import utc_iso
from agent.coordination.batch import WriteBatch
from agent.coordination.cas import set_cell_request
from agent.coordination.lease import Lease, LeaseState, pending
from agent.coordination.queue import Claim, ClaimOutcome
from agent.errors import AgentError, InvalidUrlError, SheetsError, SourceError
from agent.logs import redact
from agent.runtime.context import AgentContext
from agent.runtime.depths import DepthProbe
from agent.runtime.feed import TaskFeed
from agent.runtime.rotation import HistoryRotation
from agent.schema import Status, fit_cell
from agent.sources.expand import ExpandOptions, expand_source
from agent.sources.rescan import RESCAN_STOP_AFTER_KNOWN
from agent.sources.settings import SourceSettings, SourceSettingsError, parse_source_settings
from agent.sources.urls import classify_url

log = logging.getLogger(__name__)

RETRY_LATER_S = 300.0
RETRY_SOON_S = 5.0  # a source whose expansion failed on the Sheets side
COMPACT_BUSY_S = 2.0  # after a pass that removed rows
COMPACT_IDLE_S = 10.0
ACTIVE_CYCLE_S = 0.5  # the next leader cycle, when the last one found work


class LeaderDuties:
    """The leader's loop, run in its own thread while the agent runs."""

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self.options = ExpandOptions.from_config(ctx.config)
        self.feed = TaskFeed(ctx)
        self.rotation = HistoryRotation(ctx, self.feed)
        self.depths = DepthProbe(ctx, ctx.telemetry)
        self._next_compact = 0.0
        self._thread: threading.Thread | None = None
        ctx.sources.deposed = self._deposed

    def start(self) -> None:
        """Run :meth:`loop` on its own thread."""
        self._thread = threading.Thread(target=self.loop, name="leader", daemon=True)
        self._thread.start()

    def running(self) -> bool:
        """Whether the leader thread is still at work (it may finish a cycle after a stop)."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout_s: float) -> None:
        """Wait for the leader thread to end (it ends once the agent stops)."""
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def loop(self) -> None:
        """Act while leading, until the agent stops."""
        wait_s = ACTIVE_CYCLE_S
        while not self.ctx.stop.wait(wait_s):
            wait_s = self.ctx.config.poll_seconds
            term = self.ctx.election.current_term()
            if not term:
                continue
            try:
                if self.cycle(term):
                    wait_s = ACTIVE_CYCLE_S
            except AgentError as exc:
                log.warning("leader cycle failed: %s", exc)
            except Exception:  # the leader thread must outlive any one bad cycle
                log.exception("leader cycle crashed; retrying next cycle")
        self._last_heal()

    def _last_heal(self) -> None:
        """On the way out, heal History once more (a follower's History append that landed
        late, after its check, may have doubled a row since the last heal)."""
        term = self.ctx.election.current_term()
        if not term or not self.ctx.election.check_term(term):
            return
        try:
            self.rotation.heal_history()
        except AgentError as exc:  # the next leader heals it
            log.warning("could not heal History on the way out: %s", exc)

    def cycle(self, term: int) -> bool:
        """One round of leader work in ``term``; True when there was work (come back soon).

        When idle it costs one read of Sources and, every 10 s, one read of the top of Tasks.
        """
        ctx = self.ctx
        self.feed.begin_term(term)
        with ctx.holdings.lock:  # DRAIN and PAUSED: no new source is claimed
            cycle = ctx.sources.claim(1 if ctx.fleet.expands_sources() else 0)
            won = cycle.won
            for claim in won:
                ctx.holdings.sources[claim.row_id] = claim
        busy = bool(won or cycle.orphans)
        if self._raw_sources_seen():
            busy = self.adopt_raw_sources() > 0 or busy
        self._finish_sources(cycle.orphans)
        for claim in won:
            if ctx.stopping or not ctx.election.check_term(term):
                self._release([claim])
                continue
            self.expand(claim, term)
        if ctx.election.check_term(term) and time.monotonic() >= self._next_compact:
            removed = ctx.tasks.compact() > 0
            delay = COMPACT_BUSY_S if removed else COMPACT_IDLE_S
            self._next_compact = time.monotonic() + delay
        if self.rotation.due():
            self.rotation.run()
        self.depths.maybe_count(term)
        return busy

    def _deposed(self, lease: Lease) -> bool:
        """Whether a source's claim is held by a leader this agent has replaced.

        Only leaders claim sources, and a leader renews them in the batch that renews its
        leadership. So while this agent leads, another session's claim belongs to a deposed
        leader: dead, or fenced by its term (its next write is refused and it gives the
        source back). Waiting out that claim's lease would need one leader to watch it for
        a whole lease, which a fleet whose leaders keep dying may never have.
        """
        ctx = self.ctx
        if lease.state is not LeaseState.CLAIMED or lease.owner == ctx.owner:
            return False
        if not ctx.election.is_leader():
            return False
        log.info(
            "source %s: held by %r, who lost the leadership: it may be taken over at once",
            lease.row_id,
            lease.owner_name,
        )
        return True

    def _raw_sources_seen(self) -> bool:
        sources = self.ctx.sources
        return any(
            r.value(sources.cmap, "url").strip()
            and r.value(sources.cmap, "status").strip() != Status.INVALID.value
            for r in sources.raw_rows
        )

    # ------------------------------------------------------------------ sources
    def adopt_raw_sources(self) -> int:
        """Give an ID, PENDING and a lease to URLs typed into Sources without the add-on.

        Written by position from a read made just before; a row shifted in between can only
        make another source be expanded again, which the dedup index makes harmless.
        """
        sources = self.ctx.sources
        rows, _ = sources.read_window(2, 1000)
        raw = [
            r
            for r in rows
            if not r.row_id
            and not r.lease_text
            and r.value(sources.cmap, "url").strip()
            and r.value(sources.cmap, "status").strip() != Status.INVALID.value
        ]
        if not raw:
            return 0
        batch = WriteBatch()
        sheet_id = self.ctx.gateway.tab(sources.spec.title).sheet_id
        for row in raw:
            row_id = str(uuid.uuid4())
            cells = {
                "id": row_id,
                "status": Status.PENDING.value,
                "attempts": "0",
                "lease": pending(row_id).encode(),
            }
            for key, text in cells.items():
                column = sources.cmap.col(key)
                batch.add(set_cell_request(sheet_id, row.row_number - 1, column, text))
        batch.flush(self.ctx.gateway)
        log.info("adopted %d source row(s) typed by hand", len(raw))
        return len(raw)

    def expand(self, claim: Claim, term: int) -> None:
        """Expand one claimed source into tasks, then move it to History (or DLQ).

        If a step fails, the source is given back for another try in a few seconds: without
        using up an attempt when the Sheets API was only unavailable, else counting one, and
        after ``MAX_ATTEMPTS`` it goes to Sources DLQ with the error. When even that write
        fails, the claim is dropped so its lease expires and any agent, this one included,
        takes it over: a claim is never kept without being worked on.
        """
        try:
            self._expand(claim, term)
        except Exception as exc:
            if claim.row_id in self.ctx.holdings.sources:
                self._after_failure(claim, exc)
            raise

    def _after_failure(self, claim: Claim, exc: Exception) -> None:
        transient = isinstance(exc, SheetsError) and exc.retryable
        try:
            if not transient and claim.lease.attempts >= self.ctx.config.max_attempts:
                error = fit_cell(redact(f"{type(exc).__name__}: {exc}"), 1_000)
                self._finish_sources([ClaimOutcome(claim, LeaseState.FAILED, error)])
            else:
                soon = time.time() + RETRY_SOON_S
                self._release([claim], not_before_s=soon, refund=transient)
        except Exception as again:  # the lease expiring recovers it
            log.warning("source %s: could not give it back: %s", claim.row_id, again)

    def _expand(self, claim: Claim, term: int) -> None:
        url = claim.record.get("url", "").strip()
        try:
            ref = classify_url(url, self.ctx.config.source_url_policy)
        except InvalidUrlError as exc:
            invalid = {"status": "INVALID"}
            reason = f"invalid URL: {exc.reason}"
            self._finish_sources([ClaimOutcome(claim, LeaseState.FAILED, reason, invalid)])
            return
        try:
            settings = parse_source_settings(claim.record, self.ctx.sources.cmap.language)
        except SourceSettingsError as exc:  # a person's cell: the source waits in the DLQ
            self._finish_sources([ClaimOutcome(claim, LeaseState.FAILED, str(exc))])
            return
        try:
            expansion = expand_source(ref.url, self._options(claim, settings))
        except SourceError as exc:
            if exc.retry_later:
                pause = float(getattr(exc, "pause_s", 0.0) or RETRY_LATER_S)
                log.warning("source %s: %s; retrying in %.0f s", url, exc.reason, pause)
                self._release([claim], not_before_s=time.time() + pause)
            else:
                self._finish_sources([ClaimOutcome(claim, LeaseState.FAILED, exc.reason)])
            return
        added = self.feed.queue_tasks(
            claim, expansion, term, priority=settings.priority, handler=settings.handler
        )
        if added is None:
            self._release([claim])
            return
        extra = {
            "name": fit_cell(expansion.title or ""),
            "video_count": str(len(expansion.entries)),
        }
        rescan_hours = settings.rescan_after_h(self.ctx.config.rescan_hours)
        if rescan_hours > 0:
            self._keep_for_rescan(claim, extra, rescan_hours)
        else:
            self._finish_sources([ClaimOutcome(claim, LeaseState.DONE, "", extra)])
        self.ctx.registry.count(sources=1)
        self.ctx.telemetry.on_source_finished(
            claim.row_id, url, extra["name"], len(expansion.entries), added
        )
        log.info("source %s: %d video(s), %d new task(s)", url, len(expansion.entries), added)

    def _options(self, claim: Claim, settings: SourceSettings) -> ExpandOptions:
        """The global options with the source's own; a rescan stops at known videos.

        A source scanned before (its Completed At is set) is a rescan: reading each tab stops
        after ``RESCAN_STOP_AFTER_KNOWN`` videos in a row that the dedup index knows.
        """
        options = settings.apply(self.options)
        if claim.record.get("completed_at", "").strip():
            self.feed.refresh_index()
            options = dataclasses.replace(
                options,
                known=self.feed.index.__contains__,
                stop_after_known=RESCAN_STOP_AFTER_KNOWN,
            )
        return options

    def _keep_for_rescan(self, claim: Claim, extra: dict[str, str], hours: float) -> None:
        """Subscription mode: the source stays, PENDING again after ``hours`` (RESCAN_HOURS, or
        the source's own Rescan Hours).

        Its Name, Video Count and Completed At (the last scan) are display cells, written by
        position from a read made just before (see docs/protocol.md, row-number safety).
        """
        sources = self.ctx.sources
        rows, _ = sources.read_window(2, 1000)
        position = next((r.row_number for r in rows if r.row_id == claim.row_id), None)
        batch = WriteBatch()
        if position is not None:
            sheet_id = self.ctx.gateway.tab(sources.spec.title).sheet_id
            cells = {**extra, "completed_at": utc_iso()}
            for key, text in cells.items():
                column = sources.cmap.col(key)
                batch.add(set_cell_request(sheet_id, position - 1, column, text))
        with self.ctx.holdings.lock:
            batch.flush(self.ctx.gateway)
        rescan_at = time.time() + hours * 3600
        self._release([claim], not_before_s=rescan_at)

    def _finish_sources(self, outcomes: list[ClaimOutcome]) -> None:
        if not outcomes:
            return
        held = self.ctx.holdings
        with held.lock:
            try:
                self.ctx.sources.finish(outcomes)
            finally:  # finished, or dropped to be taken over once its lease expires
                for outcome in outcomes:
                    held.sources.pop(outcome.claim.row_id, None)
        # deleteDuplicates treats two blank rows as duplicates: never compact Sources while a
        # row typed by hand (no ID, no lease) is there; adopt it first, compact next cycle.
        if self.adopt_raw_sources() == 0:
            with held.lock:
                self.ctx.sources.flush_tombstones()

    def _release(
        self, claims: list[Claim], *, not_before_s: float = 0.0, refund: bool = True
    ) -> None:
        held = self.ctx.holdings
        with held.lock:
            try:
                self.ctx.sources.release(claims, not_before_s=not_before_s, refund=refund)
            finally:  # given back, or dropped to be taken over once its lease expires
                for claim in claims:
                    held.sources.pop(claim.row_id, None)
