"""History rotation: the oldest History rows move to Tasks Archive (and, optionally, a local
JSON Lines file) before the spreadsheet nears its cell limit; and healing History of rows
appended twice.

Rows leave History by content, as read (whole-row copies, see
:mod:`agent.coordination.history_removal`), never by row number or by a column index: a person
who inserts, moves or deletes a column meanwhile can only make a pass remove less.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable

from agent.coordination.history_removal import heal_runs, plan_heal, plan_rotation
from agent.coordination.queue import ids_in_tail
from agent.coordination.queue.compaction import Removal, removal_requests
from agent.coordination.queue.layout import shape
from agent.errors import SchemaError
from agent.runtime.context import AgentContext
from agent.runtime.feed import TaskFeed
from agent.schema import TASKS_ARCHIVE, TASKS_HISTORY, ColumnMap
from agent.sheets.a1 import column_range, quote_title
from agent.sheets.table import column_map, header_range, records

log = logging.getLogger(__name__)

HEAL_EVERY_S = 300.0
ROTATE_CHUNK_ROWS = 5_000
HISTORY = quote_title(TASKS_HISTORY.title)
Values = list[list[str]]


class HistoryRotation:
    """Keeps Tasks History under ``HISTORY_MAX_ROWS``; run by the leader every few minutes."""

    def __init__(self, ctx: AgentContext, feed: TaskFeed) -> None:
        self.ctx = ctx
        self.feed = feed  # its index knows where History ends
        self.last_heal = 0.0

    def due(self) -> bool:
        """Whether a heal and a rotation are due."""
        return time.monotonic() - self.last_heal > HEAL_EVERY_S

    def run(self) -> None:
        """Heal History, then rotate it."""
        self.heal_history()
        self.rotate_history()

    def rotate_history(self) -> int:
        """Move the oldest History rows to Tasks Archive when History passes HISTORY_MAX_ROWS.

        Returns the number of rows moved.
        """
        feed = self.feed
        feed.refresh_index()
        limit = self.ctx.config.history_max_rows
        height = feed.index.next_row(TASKS_HISTORY.title)  # about the last data row
        excess = height - 1 - limit
        if excess <= 0:
            return 0
        if feed.column_map(TASKS_ARCHIVE) is None:
            log.warning(
                "History is over %d rows but %r is missing: run `orc init`",
                limit,
                TASKS_ARCHIVE.title,
            )
            return 0
        count = min(excess + limit // 10, ROTATE_CHUNK_ROWS)
        read = self._read(lambda _: [f"{HISTORY}!2:{1 + count}"])
        if read is None:
            return 0
        history, (values,) = read
        rows = [r for r in records(history, values) if r.get("id", "").strip()]
        if not rows:
            return 0
        # A rotation that failed after archiving left its rows in History: archive them once.
        archived = self._archived([r["id"] for r in rows])
        fresh = [r for r in rows if r["id"] not in archived]
        if fresh:
            self._archive(fresh)
        moved = self._remove(plan_rotation(history, values))
        feed.index.shift(TASKS_HISTORY.title, -moved)
        log.info("rotated %d History row(s) to %s", moved, TASKS_ARCHIVE.title)
        return moved

    def heal_history(self) -> None:
        """Remove History rows appended twice (a finisher that paused past its lease): the ID
        column is read (one read); only when an ID is held twice are those rows read whole and
        the later ones removed."""
        self.last_heal = time.monotonic()
        title = TASKS_HISTORY.title
        read = self._read(lambda cmap: [column_range(title, cmap.col("id"), 2)])
        if read is None:
            return
        _, (id_values,) = read
        ids = [row[0] if row else "" for row in id_values]
        wanted = heal_runs(ids)
        if not wanted:
            return
        read = self._read(lambda _: [f"{HISTORY}!{first}:{last}" for first, last in wanted])
        if read is None:
            return
        history, replies = read
        rows = {
            first + n: cells
            for (first, last), values in zip(wanted, replies, strict=True)
            for n, cells in enumerate(values + [[]] * (last - first + 1 - len(values)))
        }
        removal = plan_heal(history, ids, rows)
        if removal is None:
            log.info("History heal: rows moved while reading; trying again next time")
            return
        log.info("History heal: %d row(s) repeat a task already in History", removal.tombstones)
        self._remove([removal])

    def _read(
        self, ranges: Callable[[ColumnMap], list[str]]
    ) -> tuple[ColumnMap, list[Values]] | None:
        """History's header and ``ranges`` (built from its column map) in one read; read again
        once if the header moved the columns ``ranges`` named. None: a header is missing.

        A header that moved columns replaces History's map for every user of it (the task
        feed's index reads and the finishers' appends go by it too).
        """
        maps = self.ctx.tasks.maps
        for _ in range(2):
            asked = ranges(maps[TASKS_HISTORY.title])
            header, *replies = self.ctx.gateway.read([header_range(TASKS_HISTORY.title), *asked])
            try:
                cmap = column_map(TASKS_HISTORY, header)
            except SchemaError as exc:
                log.warning("History left alone this time: %s", exc)
                return None
            if shape(cmap) != shape(maps[TASKS_HISTORY.title]):
                log.warning("%s: the columns changed; reading by the new header row", HISTORY)
                maps[TASKS_HISTORY.title] = cmap
            if ranges(cmap) == asked:
                return cmap, replies
        return None

    def _remove(self, removals: list[Removal]) -> int:
        """Send each removal as one batch, in order; how many rows they were planned to remove."""
        sheet_id = self.ctx.gateway.tab(TASKS_HISTORY.title).sheet_id
        for removal in removals:
            self.ctx.gateway.batch_update(removal_requests(sheet_id, removal))
        return sum(removal.tombstones for removal in removals)

    def _archive_map(self) -> ColumnMap:
        cmap = self.feed.column_map(TASKS_ARCHIVE)
        assert cmap is not None  # checked by rotate_history
        return cmap

    def _archived(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` the archive tab's last rows already hold (one read)."""
        id_col = self._archive_map().col("id")
        return ids_in_tail(self.ctx.gateway, TASKS_ARCHIVE.title, id_col, ids)

    def _archive(self, rows: list[dict[str, str]]) -> None:
        config = self.ctx.config
        if config.archive_dir is not None:
            config.archive_dir.mkdir(parents=True, exist_ok=True)
            path = config.archive_dir / f"{config.spreadsheet_id}-tasks-history.jsonl"
            with path.open("a", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        cmap = self._archive_map()
        archive_rows = [
            cmap.row_from({k: r.get(k, "") for k in ("id", "video_key", "completed_at")})
            for r in rows
        ]
        self.ctx.gateway.append(TASKS_ARCHIVE.title, archive_rows)
