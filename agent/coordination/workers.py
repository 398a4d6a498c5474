"""The Workers tab: register (resuming the UUID of a known name), heartbeat, go inactive.

A worker's row is found by its Worker ID in a read made in the same heartbeat cycle, then
written by position. Only display cells are written that way, and the next heartbeat rewrites
them all, so a row shifted by a person in between costs at most one stale display.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.clock import parse_utc_iso, utc_iso
from agent.coordination.batch import WriteBatch
from agent.coordination.cas import set_cell_request
from agent.schema import WORKERS, ColumnMap, WorkerStatus
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import column_map, records

log = logging.getLogger(__name__)

#: Workers columns an older tab may lack: read and written only when present.
OPTIONAL_WORKER_KEYS = frozenset({"account", "cooldown_until"})


@dataclass
class WorkerCounters:
    """What this worker has processed (resumed from its row after a restart)."""

    tasks: int = 0
    sources: int = 0


@dataclass(frozen=True)
class WorkerBeat:
    """A worker row's status and how old its last heartbeat is (infinite when unreadable)."""

    status: str
    age_s: float

    def fresh(self, max_age_s: float) -> bool:
        """Whether the worker is ACTIVE with a heartbeat at most ``max_age_s`` old."""
        return self.status == WorkerStatus.ACTIVE.value and self.age_s <= max_age_s


class WorkerRegistry:
    """This agent's row in the Workers tab."""

    def __init__(self, gateway: SheetsGateway, name: str, account: str = "") -> None:
        self.gateway = gateway
        self.name = name
        #: The account this agent signs in as (see :mod:`agent.sheets.identity`).
        self.account = account
        self.worker_id = ""
        self.counters = WorkerCounters()
        self.cmap: ColumnMap | None = None
        #: The end of this agent's cool-down to publish (epoch seconds; 0: none).
        self.cooldown_until: Callable[[], float] = lambda: 0.0
        self._lock = threading.Lock()

    def read_range(self) -> str:
        """The range a heartbeat reads (the whole tab)."""
        return f"{quote_title(WORKERS.title)}!A1:Z"

    def register(self) -> str:
        """Find this name's row (resume its UUID and counters) or append one; return the ID."""
        (values,) = self.gateway.read([self.read_range()])
        self.cmap = _workers_map(values)
        for row in values[1:]:
            if self._cell(row, "worker_name") == self.name and self._cell(row, "worker_id"):
                self.worker_id = self._cell(row, "worker_id")
                self.counters = WorkerCounters(
                    tasks=_int(self._cell(row, "tasks_processed")),
                    sources=_int(self._cell(row, "sources_processed")),
                )
                log.info("resuming worker %s (%s)", self.name, self.worker_id)
                return self.worker_id
        self.worker_id = str(uuid.uuid4())
        self.gateway.append(WORKERS.title, [self.cmap.row_from(self._display(WorkerStatus.ACTIVE))])
        log.info("registered worker %s (%s)", self.name, self.worker_id)
        return self.worker_id

    def last_heartbeat(self, now_s: float | None = None) -> WorkerBeat | None:
        """This name's row as ``orc check`` judges it (one read); None when it has no row."""
        (values,) = self.gateway.read([self.read_range()])
        now = time.time() if now_s is None else now_s
        for record in records(column_map(WORKERS, values, require=False), values[1:]):
            if record.get("worker_name") != self.name:
                continue
            beat = parse_utc_iso(record.get("last_heartbeat", ""))
            age = now - beat if beat is not None else float("inf")
            return WorkerBeat(record.get("status", ""), age)
        return None

    def count(self, *, tasks: int = 0, sources: int = 0) -> None:
        """Add to the processed counters (written with the next heartbeat)."""
        with self._lock:
            self.counters.tasks += tasks
            self.counters.sources += sources

    def plan(
        self,
        values: Sequence[Sequence[str]],
        batch: WriteBatch,
        status: WorkerStatus = WorkerStatus.ACTIVE,
    ) -> bool:
        """Add this worker's display cells to ``batch`` from a fresh read; False if row gone."""
        if not values:
            return False
        self.cmap = _workers_map(values)
        sheet_id = self.gateway.tab(WORKERS.title).sheet_id
        for offset, row in enumerate(values[1:]):
            if self._cell(row, "worker_id") == self.worker_id:
                for key, text in self._display(status).items():
                    batch.add(
                        set_cell_request(sheet_id, offset + 1, self.cmap.col(key), text),
                        display=True,
                    )
                return True
        return False

    def census(self, values: Sequence[Sequence[str]], max_age_s: float, now_s: float) -> int:
        """How many live agents (this one included) share this agent's account.

        Live: ACTIVE with a heartbeat at most ``max_age_s`` old. A row without an account
        (written by an older agent, or a tab without the column) counts as sharing it: when
        in doubt, pace as if the budget were shared.
        """
        if self.cmap is None:
            return 1
        live = 0
        for row in values[1:]:
            if self._cell(row, "worker_id") == self.worker_id:
                continue
            if self._cell(row, "status") != WorkerStatus.ACTIVE.value:
                continue
            beat = parse_utc_iso(self._cell(row, "last_heartbeat"))
            if beat is None or now_s - beat > max_age_s:
                continue
            account = self._cell(row, "account")
            if not account or not self.account or account == self.account:
                live += 1
        return live + 1

    def active_count(self, values: Sequence[Sequence[str]]) -> int:
        """How many rows of a fresh Workers read are ACTIVE."""
        if self.cmap is None:
            return 0
        return sum(
            1 for row in values[1:] if self._cell(row, "status") == WorkerStatus.ACTIVE.value
        )

    def restore_row(self, status: WorkerStatus = WorkerStatus.ACTIVE) -> None:
        """Append this worker's row again (someone deleted it)."""
        assert self.cmap is not None
        self.gateway.append(WORKERS.title, [self.cmap.row_from(self._display(status))])

    def write_now(self, status: WorkerStatus) -> None:
        """Read and write this worker's row at once (shutdown), checking it landed."""
        for _ in range(3):
            (values,) = self.gateway.read([self.read_range()])
            batch = WriteBatch()
            if not self.plan(values, batch, status):
                self.restore_row(status)
                return
            batch.flush(self.gateway)
            (check,) = self.gateway.read([self.read_range()])
            if self._row_matches(check, status):
                return

    def _row_matches(self, values: Sequence[Sequence[str]], status: WorkerStatus) -> bool:
        for row in values[1:]:
            if self._cell(row, "worker_id") == self.worker_id:
                return self._cell(row, "status") == status.value and self._cell(
                    row, "tasks_processed"
                ) == str(self.counters.tasks)
        return False

    def _display(self, status: WorkerStatus) -> dict[str, str]:
        optional = {"account": self.account, "cooldown_until": self._cooldown_text()}
        with self._lock:
            return {
                "worker_id": self.worker_id,
                "worker_name": self.name,
                "last_heartbeat": utc_iso(),
                "status": status.value,
                "tasks_processed": str(self.counters.tasks),
                "sources_processed": str(self.counters.sources),
                **{k: v for k, v in optional.items() if self._has_column(k)},
            }

    def _cooldown_text(self) -> str:
        until = self.cooldown_until()
        return utc_iso(until) if until > 0 else ""

    def published_cooldown(self, values: Sequence[Sequence[str]]) -> float:
        """The latest ``Cooldown Until`` of a fresh Workers read (epoch seconds; 0: none)."""
        if self.cmap is None or not self._has_column("cooldown_until"):
            return 0.0
        ends = (parse_utc_iso(self._cell(row, "cooldown_until")) for row in values[1:])
        return max((end for end in ends if end is not None), default=0.0)

    def _has_column(self, key: str) -> bool:
        return self.cmap is not None and key in self.cmap.index

    def _cell(self, row: Sequence[str], key: str) -> str:
        assert self.cmap is not None
        position = self.cmap.index.get(key)
        if position is None or position >= len(row):
            return ""
        return str(row[position]).strip()


def _workers_map(values: Sequence[Sequence[str]]) -> ColumnMap:
    """The Workers column map; every column but Account and Cooldown Until (added later)."""
    cmap = column_map(WORKERS, values, require=False)
    cmap.require([c.key for c in WORKERS.columns if c.key not in OPTIONAL_WORKER_KEYS])
    return cmap


def _int(text: str) -> int:
    try:
        return max(0, int(float(text)))
    except ValueError:
        return 0
