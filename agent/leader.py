"""What only the leader does: adopt hand-typed sources, expand sources into tasks, heal History.

Every step that writes checks the leadership term it started in (the fencing token); a leader
that lost its lease stops before its next write. Task IDs are derived from the video key
(UUID v5), so the same video queued twice by two leaders gets the same ID and the queue's
duplicate removal keeps one.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from typing import TYPE_CHECKING, Any

from agent.clock import utc_iso
from agent.coordination.batch import WriteBatch
from agent.coordination.cas import (
    cas_request,
    delete_duplicates_request,
    java_regex_literal,
    set_cell_request,
)
from agent.coordination.lease import LeaseState, pending
from agent.coordination.queue import Claim, Outcome, ids_in_tail
from agent.errors import AgentError, InvalidUrlError, SheetsError, SourceError
from agent.logs import redact
from agent.schema import (
    TASKS,
    TASKS_ARCHIVE,
    TASKS_DLQ,
    TASKS_HISTORY,
    ColumnMap,
    Status,
    TabSpec,
    fit_cell,
)
from agent.sheets.a1 import column_range, quote_title, rows_range
from agent.sources.dedup import DedupIndex
from agent.sources.expand import ExpandOptions, Expansion, expand_source
from agent.sources.urls import classify_url

if TYPE_CHECKING:
    from agent.worker import Orchestrator

log = logging.getLogger(__name__)

TASK_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/yt-gsheet-orchestrator/task")
RETRY_LATER_S = 300.0
RETRY_SOON_S = 5.0  # a source whose expansion failed on the Sheets side
HEAL_EVERY_S = 300.0
COMPACT_BUSY_S = 2.0  # after a pass that removed rows
COMPACT_IDLE_S = 10.0
ACTIVE_CYCLE_S = 0.5  # the next leader cycle, when the last one found work
INDEXED_TABS = (TASKS, TASKS_HISTORY, TASKS_DLQ, TASKS_ARCHIVE)
ROTATE_CHUNK_ROWS = 5_000
ROTATE_IDS_PER_PATTERN = 400


def task_id_for(video_key: str) -> str:
    """The task ID of a video: the same key always gives the same UUID."""
    return str(uuid.uuid5(TASK_ID_NAMESPACE, video_key))


class LeaderDuties:
    """The leader's loop, run in its own thread by :class:`~agent.worker.Orchestrator`."""

    def __init__(self, orchestrator: Orchestrator) -> None:
        self.orc = orchestrator
        self.options = ExpandOptions.from_config(orchestrator.config)
        self.index = DedupIndex()
        self.index_loaded = False
        self.index_term = 0
        self._maps: dict[str, ColumnMap] = {}
        self._last_heal = 0.0
        self._next_compact = 0.0

    def loop(self) -> None:
        """Act while leading, until the agent stops."""
        wait_s = ACTIVE_CYCLE_S
        while not self.orc._stopping.wait(wait_s):
            wait_s = self.orc.config.poll_seconds
            term = self.orc.election.current_term()
            if not term:
                continue
            try:
                if self.cycle(term):
                    wait_s = ACTIVE_CYCLE_S
            except AgentError as exc:
                log.warning("leader cycle failed: %s", exc)
            except Exception:  # the leader thread must outlive any one bad cycle
                log.exception("leader cycle crashed; retrying next cycle")

    def cycle(self, term: int) -> bool:
        """One round of leader work in ``term``; True when there was work (come back soon).

        When idle it costs one read of Sources and, every 10 s, one read of the top of Tasks.
        """
        if self.index_term != term:
            self.index = DedupIndex()
            self.index_loaded = False
            self.index_term = term
        with self.orc.lease_lock:
            cycle = self.orc.sources.claim(1)
            won = cycle.won
            for claim in won:
                self.orc.held_sources[claim.row_id] = claim
        busy = bool(won or cycle.orphans)
        if self._raw_sources_seen():
            busy = self.adopt_raw_sources() > 0 or busy
        self._finish_sources(cycle.orphans)
        for claim in won:
            if self.orc.stopping or not self.orc.election.check_term(term):
                self._release([claim])
                continue
            self.expand(claim, term)
        if self.orc.election.check_term(term) and time.monotonic() >= self._next_compact:
            removed = self.orc.tasks.compact() > 0
            delay = COMPACT_BUSY_S if removed else COMPACT_IDLE_S
            self._next_compact = time.monotonic() + delay
        if time.monotonic() - self._last_heal > HEAL_EVERY_S:
            self.heal_history()
            self.rotate_history()
        return busy

    def _raw_sources_seen(self) -> bool:
        sources = self.orc.sources
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
        sources = self.orc.sources
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
        sheet_id = self.orc.gateway.tab(sources.spec.title).sheet_id
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
        batch.flush(self.orc.gateway)
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
            if claim.row_id in self.orc.held_sources:
                self._after_failure(claim, exc)
            raise

    def _after_failure(self, claim: Claim, exc: Exception) -> None:
        transient = isinstance(exc, SheetsError) and exc.retryable
        try:
            if not transient and claim.lease.attempts >= self.orc.config.max_attempts:
                error = fit_cell(redact(f"{type(exc).__name__}: {exc}"), 1_000)
                self._finish_sources([Outcome(claim, LeaseState.FAILED, error)])
            else:
                soon = time.time() + RETRY_SOON_S
                self._release([claim], not_before_s=soon, refund=transient)
        except Exception as again:  # the lease expiring recovers it
            log.warning("source %s: could not give it back: %s", claim.row_id, again)

    def _expand(self, claim: Claim, term: int) -> None:
        url = claim.record.get("url", "").strip()
        try:
            ref = classify_url(url, self.orc.config.source_url_policy)
        except InvalidUrlError as exc:
            self._finish_sources(
                [
                    Outcome(
                        claim,
                        LeaseState.FAILED,
                        f"invalid URL: {exc.reason}",
                        {"status": "INVALID"},
                    )
                ]
            )
            return
        try:
            expansion = expand_source(ref.url, self.options)
        except SourceError as exc:
            if exc.retry_later:
                pause = float(getattr(exc, "pause_s", 0.0) or RETRY_LATER_S)
                log.warning("source %s: %s; retrying in %.0f s", url, exc.reason, pause)
                self._release([claim], not_before_s=time.time() + pause)
            else:
                self._finish_sources([Outcome(claim, LeaseState.FAILED, exc.reason)])
            return
        added = self.queue_tasks(claim, expansion, term)
        if added is None:
            self._release([claim])
            return
        extra = {
            "name": fit_cell(expansion.title or ""),
            "video_count": str(len(expansion.entries)),
        }
        if self.orc.config.rescan_hours > 0:
            self._keep_for_rescan(claim, extra)
        else:
            self._finish_sources([Outcome(claim, LeaseState.DONE, "", extra)])
        self.orc.registry.count(sources=1)
        log.info("source %s: %d video(s), %d new task(s)", url, len(expansion.entries), added)

    def _keep_for_rescan(self, claim: Claim, extra: dict[str, str]) -> None:
        """Subscription mode: the source stays, PENDING again after RESCAN_HOURS.

        Its Name, Video Count and Completed At (the last scan) are display cells, written by
        position from a read made just before (see docs/protocol.md, row-number safety).
        """
        sources = self.orc.sources
        rows, _ = sources.read_window(2, 1000)
        position = next((r.row_number for r in rows if r.row_id == claim.row_id), None)
        batch = WriteBatch()
        if position is not None:
            sheet_id = self.orc.gateway.tab(sources.spec.title).sheet_id
            cells = {**extra, "completed_at": utc_iso()}
            for key, text in cells.items():
                column = sources.cmap.col(key)
                batch.add(set_cell_request(sheet_id, position - 1, column, text))
        with self.orc.lease_lock:
            batch.flush(self.orc.gateway)
        self._release([claim], not_before_s=time.time() + self.orc.config.rescan_hours * 3600)

    def queue_tasks(self, claim: Claim, expansion: Expansion, term: int) -> int | None:
        """Append one task per new video; None when leadership was lost first."""
        self.refresh_index()
        now = utc_iso()
        rows = []
        keys: set[str] = set()
        cmap = self.orc.tasks.cmap
        for entry in expansion.entries:
            if entry.video_key in self.index or entry.video_key in keys:
                continue
            keys.add(entry.video_key)
            task_id = task_id_for(entry.video_key)
            values = {
                "id": task_id,
                "source_id": claim.row_id,
                "url": entry.url,
                "name": fit_cell(entry.title or ""),
                "duration": "" if entry.duration_s is None else str(int(entry.duration_s)),
                "created_at": now,
                "status": Status.PENDING.value,
                "video_key": entry.video_key,
                "attempts": "0",
                "lease": pending(task_id).encode(),
            }
            rows.append(cmap.row_from(values))
        if not self.orc.election.check_term(term):
            return None
        if rows:
            try:
                self.orc.gateway.append(TASKS.title, rows)
            except Exception:
                # Some chunks (or an ambiguous one) may have landed: read Tasks whole next time
                # rather than trusting the index, so a retry neither skips nor repeats a video.
                self.index.reset_tab(TASKS.title)
                self.index_loaded = False
                raise
        self.index.update(keys)
        return len(rows)

    def refresh_index(self) -> None:
        """Feed the dedup index only what was added since its last read.

        Tasks is read whole once per term (rows leave it, so it cannot be read by tail; every
        row added later is added by this leader or comes back from a DLQ, so it is known).
        History and DLQ only grow at the bottom and are read from the last row seen.
        """
        tabs = INDEXED_TABS if not self.index_loaded else INDEXED_TABS[1:]
        self.index_loaded = True
        for _ in range(2):
            if not self._feed(tabs):
                return
        log.warning("dedup index: tabs moved twice while reading; reading them whole next time")

    def _column_map(self, spec: TabSpec) -> ColumnMap | None:
        """The column map of an indexed tab (None for an archive tab not created yet)."""
        if spec.title in self.orc.tasks.maps:
            return self.orc.tasks.maps[spec.title]
        if spec.title not in self._maps:
            if spec.title not in self.orc.gateway.tabs:
                return None
            (header,) = self.orc.gateway.read([f"{quote_title(spec.title)}!1:1"])
            cmap = ColumnMap(spec, header[0] if header else [])
            cmap.require()
            self._maps[spec.title] = cmap
        return self._maps[spec.title]

    def _feed(self, tabs: tuple[TabSpec, ...]) -> bool:
        """One read of ``tabs``; True when a tab moved under us and must be read again."""
        present = [(spec, self._column_map(spec)) for spec in tabs]
        tabs = tuple(spec for spec, cmap in present if cmap is not None)
        maps = {spec.title: cmap for spec, cmap in present if cmap is not None}
        starts = [self.index.next_row(spec.title) for spec in tabs]
        ranges = [
            column_range(spec.title, maps[spec.title].col("video_key"), first)
            for spec, first in zip(tabs, starts, strict=True)
        ]
        replies = self.orc.gateway.read(ranges)
        moved = False
        for spec, first, values in zip(tabs, starts, replies, strict=True):
            keys = [row[0] if row else "" for row in values]
            if not self.index.feed(spec.title, first, keys):
                moved = True
        return moved

    def _finish_sources(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        with self.orc.lease_lock:
            try:
                self.orc.sources.finish(outcomes)
            finally:  # finished, or dropped to be taken over once its lease expires
                for outcome in outcomes:
                    self.orc.held_sources.pop(outcome.claim.row_id, None)
        # deleteDuplicates treats two blank rows as duplicates: never compact Sources while a
        # row typed by hand (no ID, no lease) is there; adopt it first, compact next cycle.
        if self.adopt_raw_sources() == 0:
            with self.orc.lease_lock:
                self.orc.sources.flush_tombstones()

    def _release(
        self, claims: list[Claim], *, not_before_s: float = 0.0, refund: bool = True
    ) -> None:
        with self.orc.lease_lock:
            try:
                self.orc.sources.release(claims, not_before_s=not_before_s, refund=refund)
            finally:  # given back, or dropped to be taken over once its lease expires
                for claim in claims:
                    self.orc.held_sources.pop(claim.row_id, None)

    # ------------------------------------------------------------------ history
    def rotate_history(self) -> int:
        """Move the oldest History rows to Tasks Archive when History passes HISTORY_MAX_ROWS.

        Rows leave History by content (their ID cells are turned into the ID header by one
        findReplace per few hundred IDs, then ``deleteDuplicates``), never by row number.
        Returns the number of rows moved.
        """
        self.refresh_index()
        limit = self.orc.config.history_max_rows
        height = self.index.next_row(TASKS_HISTORY.title)  # about the last data row
        excess = height - 1 - limit
        if excess <= 0:
            return 0
        if self._column_map(TASKS_ARCHIVE) is None:
            log.warning(
                "History is over %d rows but %r is missing: run `orc init`",
                limit,
                TASKS_ARCHIVE.title,
            )
            return 0
        count = min(excess + limit // 10, ROTATE_CHUNK_ROWS)
        history = self.orc.tasks.maps[TASKS_HISTORY.title]
        (values,) = self.orc.gateway.read(
            [rows_range(TASKS_HISTORY.title, 2, 1 + count, history.width)]
        )
        records = [
            {k: (row[i] if i < len(row) else "") for k, i in history.index.items()}
            for row in values
        ]
        records = [r for r in records if r.get("id")]
        if not records:
            return 0
        # A rotation that failed after archiving left its rows in History: archive them once.
        archived = self._archived([r["id"] for r in records])
        fresh = [r for r in records if r["id"] not in archived]
        if fresh:
            self._archive(fresh)
        self._remove_from_history(history, [r["id"] for r in records])
        self.index.shift(TASKS_HISTORY.title, -len(records))
        log.info("rotated %d History row(s) to %s", len(records), TASKS_ARCHIVE.title)
        return len(records)

    def _archived(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` the archive tab's last rows already hold (one read)."""
        cmap = self._column_map(TASKS_ARCHIVE)
        assert cmap is not None
        return ids_in_tail(self.orc.gateway, TASKS_ARCHIVE.title, cmap.col("id"), ids)

    def _archive(self, records: list[dict[str, str]]) -> None:
        archive_dir = self.orc.config.archive_dir
        if archive_dir is not None:
            archive_dir.mkdir(parents=True, exist_ok=True)
            path = archive_dir / f"{self.orc.config.spreadsheet_id}-tasks-history.jsonl"
            with path.open("a", encoding="utf-8") as handle:
                for record in records:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        cmap = self._column_map(TASKS_ARCHIVE)
        assert cmap is not None
        rows = [
            cmap.row_from({k: r.get(k, "") for k in ("id", "video_key", "completed_at")})
            for r in records
        ]
        self.orc.gateway.append(TASKS_ARCHIVE.title, rows)

    def _remove_from_history(self, history: ColumnMap, ids: list[str]) -> None:
        sheet_id = self.orc.gateway.tab(TASKS_HISTORY.title).sheet_id
        id_col = history.col("id")
        header = TASKS_HISTORY.column("id").header(history.language)
        requests: list[dict[str, Any]] = []
        for start in range(0, len(ids), ROTATE_IDS_PER_PATTERN):
            chunk = ids[start : start + ROTATE_IDS_PER_PATTERN]
            request = cas_request(sheet_id, id_col, "", header)
            pattern = "|".join(java_regex_literal(i) for i in chunk)
            request["findReplace"]["find"] = f"^(?:{pattern})$"
            requests.append(request)
        requests.append(delete_duplicates_request(sheet_id, [id_col]))
        self.orc.gateway.batch_update(requests)

    def heal_history(self) -> None:
        """Remove History rows appended twice (a finisher that paused past its lease)."""
        self._last_heal = time.monotonic()
        info = self.orc.gateway.tab(TASKS_HISTORY.title)
        column = self.orc.tasks.maps[TASKS_HISTORY.title].col("id")
        self.orc.gateway.batch_update([delete_duplicates_request(info.sheet_id, [column])])
