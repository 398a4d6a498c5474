"""The task feed: queue one task per new video of an expanded source, never a video twice.

Task IDs are derived from the video key (UUID v5), so the same video queued twice by two
leaders gets the same ID and the queue's duplicate removal keeps one. The dedup index is fed
only the rows added to the indexed tabs since its last read.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from agent.clock import utc_iso
from agent.coordination.lease import lease_or_none, pending
from agent.coordination.queue import Claim
from agent.coordination.queue.layout import shape
from agent.runtime.context import AgentContext
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
from agent.sheets.a1 import column_range
from agent.sheets.table import read_maps
from agent.sources.dedup import DedupIndex
from agent.sources.expand import Expansion

log = logging.getLogger(__name__)

TASK_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/yt-gsheet-orchestrator/task")
INDEXED_TABS = (TASKS, TASKS_HISTORY, TASKS_DLQ, TASKS_ARCHIVE)


def task_id_for(video_key: str) -> str:
    """The task ID of a video: the same key always gives the same UUID."""
    return str(uuid.uuid5(TASK_ID_NAMESPACE, video_key))


class TaskFeed:
    """The owner of the dedup index (rebuilt at every new leadership term)."""

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self.index = DedupIndex()
        self.index_loaded = False
        self.index_term = 0
        self._maps: dict[str, ColumnMap] = {}
        #: Source ID -> (URL, name) of the sources this leader expanded (for the Task).
        self.sources_seen: dict[str, tuple[str, str]] = {}

    def begin_term(self, term: int) -> None:
        """Start a fresh index when ``term`` is not the one it was built in."""
        if self.index_term != term:
            self.index = DedupIndex()
            self.index_loaded = False
            self.index_term = term

    def queue_tasks(
        self,
        claim: Claim,
        expansion: Expansion,
        term: int,
        *,
        priority: int = 0,
        handler: str | None = None,
    ) -> int | None:
        """Append one task per new video; None when leadership was lost first, or the Tasks
        columns moved under the append (expand the source again).

        ``priority`` (the source's) goes into each task's Priority cell when Tasks has that
        optional column, so agents claim those tasks first within their claim window;
        ``handler`` (the source's ``module:function``) goes into its Handler cell likewise.
        """
        self.refresh_index()
        source_name = expansion.title or claim.record.get("name", "")
        self.sources_seen[claim.row_id] = (claim.record.get("url", ""), source_name)
        now = utc_iso()
        rows = []
        keys: set[str] = set()
        # The expansion took a while, and an append places values by column: a column a
        # person inserted meanwhile would shift every cell after it (the chaos run saw it).
        cmap = self.ctx.tasks.layout.fresh()
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
            if priority and "priority" in cmap.index:
                values["priority"] = str(priority)
            if handler and "handler" in cmap.index:
                values["handler"] = handler
            rows.append(cmap.row_from(values))
        if not self.ctx.election.check_term(term):
            return None
        if rows:
            try:
                self.ctx.gateway.append(TASKS.title, rows)
            except Exception:
                # Some chunks (or an ambiguous one) may have landed: read Tasks whole next time
                # rather than trusting the index, so a retry neither skips nor repeats a video.
                self._forget_tasks()
                raise
            if shape(self.ctx.tasks.layout.fresh()) != shape(cmap):
                # A column moved in the round trip between that header read and the append:
                # the rows may sit shifted, with no lease where Lease is now. They are left
                # alone (reported); the source is expanded again, by the new columns, and the
                # index, which counts only rows holding a lease, queues those videos again.
                log.warning(
                    "Tasks: the columns changed while %d task(s) of source %s were appended; "
                    "expanding it again",
                    len(rows),
                    claim.row_id,
                )
                self._forget_tasks()
                return None
        self.index.update(keys)
        return len(rows)

    def _forget_tasks(self) -> None:
        """Read Tasks whole into the index next time rather than trust what it holds."""
        self.index.reset_tab(TASKS.title)
        self.index_loaded = False

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

    def column_map(self, spec: TabSpec) -> ColumnMap | None:
        """The column map of an indexed tab (None for an archive tab not created yet)."""
        if spec.title in self.ctx.tasks.maps:
            return self.ctx.tasks.maps[spec.title]
        if spec.title not in self._maps:
            if spec.title not in self.ctx.gateway.tabs:
                return None
            (self._maps[spec.title],) = read_maps(self.ctx.gateway, [spec])
        return self._maps[spec.title]

    def _feed(self, tabs: tuple[TabSpec, ...]) -> bool:
        """One read of ``tabs``; True when a tab moved under us and must be read again."""
        present = [(spec, self.column_map(spec)) for spec in tabs]
        maps = {spec.title: cmap for spec, cmap in present if cmap is not None}
        tabs = tuple(spec for spec, cmap in present if cmap is not None)
        starts = [self.index.next_row(spec.title) for spec in tabs]
        ranges = [
            column_range(spec.title, maps[spec.title].col("video_key"), first)
            for spec, first in zip(tabs, starts, strict=True)
        ]
        # Tasks' Lease column rides along: a Tasks row counts only when it holds a lease (a
        # row shifted by a column insert, or typed by hand, is run by nobody).
        queued = next((i for i, spec in enumerate(tabs) if spec.title == TASKS.title), None)
        if queued is not None:
            ranges.append(column_range(TASKS.title, maps[TASKS.title].col("lease"), starts[queued]))
        replies = self.ctx.gateway.read(ranges)
        moved = False
        for i, (spec, first, values) in enumerate(zip(tabs, starts, replies, strict=False)):
            keys = [row[0] if row else "" for row in values]
            if i == queued:
                keys = _with_leases_only(keys, replies[-1])
            if not self.index.feed(spec.title, first, keys):
                moved = True
        return moved


def _with_leases_only(keys: list[str], leases: Sequence[Sequence[str]]) -> list[str]:
    """``keys`` with a blank for each row whose Lease cell holds no lease."""
    return [
        key
        if i < len(leases) and leases[i] and lease_or_none(str(leases[i][0])) is not None
        else ""
        for i, key in enumerate(keys)
    ]
