"""History rotation: the oldest History rows move to Tasks Archive (and, optionally, a local
JSON Lines file) before the spreadsheet nears its cell limit; and healing History of rows
appended twice.

Rows leave History by content (their ID cells are turned into the ID header by one findReplace
per few hundred IDs, then ``deleteDuplicates``), never by row number.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from agent.coordination.cas import cas_request, delete_duplicates_request, java_regex_literal
from agent.coordination.queue import ids_in_tail
from agent.runtime.context import AgentContext
from agent.runtime.feed import TaskFeed
from agent.schema import TASKS_ARCHIVE, TASKS_HISTORY, ColumnMap
from agent.sheets.a1 import rows_range
from agent.sheets.table import records

log = logging.getLogger(__name__)

HEAL_EVERY_S = 300.0
ROTATE_CHUNK_ROWS = 5_000
ROTATE_IDS_PER_PATTERN = 400


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
        history = self.ctx.tasks.maps[TASKS_HISTORY.title]
        (values,) = self.ctx.gateway.read(
            [rows_range(TASKS_HISTORY.title, 2, 1 + count, history.width)]
        )
        rows = [r for r in records(history, values) if r.get("id")]
        if not rows:
            return 0
        # A rotation that failed after archiving left its rows in History: archive them once.
        archived = self._archived([r["id"] for r in rows])
        fresh = [r for r in rows if r["id"] not in archived]
        if fresh:
            self._archive(fresh)
        self._remove_from_history(history, [r["id"] for r in rows])
        feed.index.shift(TASKS_HISTORY.title, -len(rows))
        log.info("rotated %d History row(s) to %s", len(rows), TASKS_ARCHIVE.title)
        return len(rows)

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

    def _remove_from_history(self, history: ColumnMap, ids: list[str]) -> None:
        sheet_id = self.ctx.gateway.tab(TASKS_HISTORY.title).sheet_id
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
        self.ctx.gateway.batch_update(requests)

    def heal_history(self) -> None:
        """Remove History rows appended twice (a finisher that paused past its lease)."""
        self.last_heal = time.monotonic()
        info = self.ctx.gateway.tab(TASKS_HISTORY.title)
        column = self.ctx.tasks.maps[TASKS_HISTORY.title].col("id")
        self.ctx.gateway.batch_update([delete_duplicates_request(info.sheet_id, [column])])
