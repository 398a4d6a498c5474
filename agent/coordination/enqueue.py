"""Putting rows into queue tabs from outside the agent loop: add sources, requeue DLQ rows.

Both are safe while agents run: rows are only appended (INSERT_ROWS) to queue tabs, and
requeued rows leave the DLQ through a tombstone removed by ``deleteDuplicates`` (content, not
row numbers). Requeueing is idempotent: an ID already queued is not queued twice.

A requeue takes three writes: it first **marks** the DLQ rows it will remove (their ID cell
becomes ``requeuing:<id>`` by compare-and-set), then appends the queue rows, then removes the
marked rows. The mark pins the rows that existed when the requeue began: if the requeued task
fails again and is dead-lettered again before the removal, its new DLQ row carries the plain ID
and stays. A requeue interrupted after marking leaves marked rows that any later requeue (this
one, the add-on's) reads as the plain ID and finishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from agent.clock import utc_iso
from agent.coordination.cas import cas_request
from agent.coordination.lease import pending
from agent.coordination.queue.compaction import Candidate, Removal, plan_copies, removal_requests
from agent.schema import (
    REQUEUE_MARK,
    SOURCES,
    SOURCES_DLQ,
    TASKS,
    TASKS_DLQ,
    ColumnMap,
    Status,
    TabSpec,
    fit_cell,
)
from agent.sheets.a1 import column_range, rows_range
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps, record

QUEUE_OF_DLQ: dict[str, TabSpec] = {TASKS_DLQ.title: TASKS, SOURCES_DLQ.title: SOURCES}


@dataclass
class RequeueReport:
    """IDs requeued, and IDs skipped with the reason."""

    requeued: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def queue_rows(cmap: ColumnMap, items: Iterable[dict[str, str]]) -> list[list[str | None]]:
    """Rows for a queue tab: each item's values plus a fresh PENDING state and lease."""
    rows = []
    for item in items:
        row_id = item.get("id") or str(uuid.uuid4())
        values = {k: fit_cell(v) for k, v in item.items() if k in cmap.index}
        values.update(
            {
                "id": row_id,
                "status": Status.PENDING.value,
                "attempts": "0",
                "lease": pending(row_id).encode(),
            }
        )
        for key in ("claimed_at", "completed_at", "worker", "error"):
            if key in cmap.index:
                values[key] = ""
        rows.append(cmap.row_from(values))
    return rows


def add_sources(gateway: SheetsGateway, urls: Sequence[str]) -> list[str]:
    """Append sources (already validated by the caller); return their new IDs."""
    (cmap,) = read_maps(gateway, [SOURCES])
    items = [{"id": str(uuid.uuid4()), "url": url.strip()} for url in urls]
    if items:
        gateway.append(SOURCES.title, queue_rows(cmap, items))
    return [item["id"] for item in items]


def enqueue_tasks(gateway: SheetsGateway, items: Sequence[dict[str, str]]) -> list[str]:
    """Append tasks (``url``, optional ``name``, ``video_key``, ``source_id``, ``id``)."""
    (cmap,) = read_maps(gateway, [TASKS])
    now = utc_iso()
    prepared = []
    for item in items:
        values = dict(item)
        values.setdefault("id", str(uuid.uuid4()))
        values.setdefault("created_at", now)
        prepared.append(values)
    if prepared:
        gateway.append(TASKS.title, queue_rows(cmap, prepared))
    return [values["id"] for values in prepared]


def _queued_states(
    queued_ids: Sequence[Sequence[str]], queued_leases: Sequence[Sequence[str]], tombstone: str
) -> tuple[set[str], set[str]]:
    """IDs queued live, and IDs whose row is DONE/FAILED on its way out of the queue."""
    already: set[str] = set()
    leaving: set[str] = set()
    for position, id_row in enumerate(queued_ids):
        if not id_row:
            continue
        lease_row = queued_leases[position] if position < len(queued_leases) else []
        lease_text = lease_row[0] if lease_row else ""
        if lease_text == tombstone:
            continue  # a moved row waiting to be removed (its ID cell is kept)
        state = lease_text.split("|", 1)[0]
        (leaving if state in ("DONE", "FAILED") else already).add(id_row[0])
    return already, leaving


def requeue(
    gateway: SheetsGateway,
    dlq: TabSpec,
    ids: Sequence[str] | None,
    *,
    error_class: str | None = None,
) -> RequeueReport:
    """Move DLQ rows (all when ``ids`` is None) back to the end of their queue as PENDING.

    ``error_class`` (Tasks DLQ only) keeps, of those rows, the ones whose ``Error Class`` cell
    holds that class.
    """
    queue = QUEUE_OF_DLQ[dlq.title]
    dlq_map, queue_map = read_maps(gateway, [dlq, queue])
    dlq_rows, queued_ids, queued_leases = gateway.read(
        [
            rows_range(dlq.title, 2, None, dlq_map.width),
            column_range(queue.title, queue_map.col("id"), 2),
            column_range(queue.title, queue_map.col("lease"), 2),
        ]
    )
    tombstone = queue.column("lease").header(queue_map.language)
    already, leaving = _queued_states(queued_ids, queued_leases, tombstone)
    report = RequeueReport()
    by_id: dict[str, dict[str, str]] = {}
    cells: dict[str, set[str]] = {}  # plain ID -> the ID cell texts of its DLQ rows
    for row in dlq_rows:
        fields = record(dlq_map, row)
        cell = fields.get("id", "")
        row_id = unmarked(cell)
        if row_id:
            fields["id"] = row_id
            by_id.setdefault(row_id, fields)
            cells.setdefault(row_id, set()).add(cell)
    wanted = list(by_id) if ids is None else list(dict.fromkeys(unmarked(i) for i in ids))
    if error_class is not None:
        wanted = [
            i for i in wanted if by_id.get(i, {}).get("error_class", "").strip() == error_class
        ]
    to_queue: list[dict[str, str]] = []
    to_remove: list[str] = []
    for row_id in wanted:
        found = by_id.get(row_id)
        if found is None:
            report.skipped[row_id] = f"not in {dlq.title}"
            continue
        if row_id in leaving and row_id not in already:
            report.skipped[row_id] = f"still leaving {queue.title}; requeue it again in a moment"
            continue
        to_remove.append(row_id)
        if row_id in already:
            report.skipped[row_id] = f"already in {queue.title}"
            continue
        found.pop("error", None)
        found.pop("error_class", None)
        to_queue.append(found)
        report.requeued.append(row_id)
    sheet_id = gateway.tab(dlq.title).sheet_id
    id_col = dlq_map.col("id")
    to_mark = [i for i in to_remove if i in cells[i]]  # plain IDs not marked yet
    if to_mark:
        gateway.batch_update(
            [cas_request(sheet_id, id_col, row_id, REQUEUE_MARK + row_id) for row_id in to_mark]
        )
    if to_queue:
        gateway.append(queue.title, queue_rows(queue_map, to_queue))
    if to_remove:
        header = dlq.column("id").header(dlq_map.language)
        requests = [cas_request(sheet_id, id_col, REQUEUE_MARK + i, header) for i in to_remove]
        removal = _removal(dlq_rows, id_col, header, set(to_remove))
        if removal is not None:
            requests += removal_requests(sheet_id, removal)
        gateway.batch_update(requests)
    return report


def _removal(
    rows: Sequence[Sequence[str]], id_col: int, header: str, gone: set[str]
) -> Removal | None:
    """The removal of the DLQ rows of ``gone``, by copies of them as the CAS before it leaves
    them (ID cell = the ID header): never by a column index, which a person's column edit
    could make stale (docs/protocol.md §5). Every DLQ row is the agents'."""
    candidates = []
    for offset, row in enumerate(rows):
        cells = [str(c) for c in row] + [""] * max(0, id_col + 1 - len(row))
        doomed = unmarked(cells[id_col]) in gone
        if doomed:
            cells[id_col] = header
        candidates.append(Candidate(1 + offset, cells, doomed, True))
    removal = plan_copies(candidates, 1 + len(rows))
    return None if removal is None else replace(removal, end=None)


def unmarked(cell: str) -> str:
    """The task or source ID in a DLQ ID cell, with a requeue's mark (if any) taken off."""
    cell = cell.strip()
    return cell[len(REQUEUE_MARK) :] if cell.startswith(REQUEUE_MARK) else cell
