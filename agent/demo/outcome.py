"""What the demo achieved: where every task ended, the sources, and the API calls used.

:func:`read_outcome` reads the spreadsheet once at the end (one ``values:batchGet``) and checks
that every video the sources list ended in Tasks History or Tasks DLQ, exactly once, with the
queues empty. :func:`summary` turns that into the JSON the demo prints on its last line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.schema import (
    SOURCES,
    SOURCES_DLQ,
    SOURCES_HISTORY,
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
    WORKERS,
    TabSpec,
)
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import Record, table, whole_range

#: Prefix of the machine-readable last line of ``orc demo``.
SUMMARY_PREFIX = "demo-summary: "

_TABS: tuple[TabSpec, ...] = (
    TASKS,
    TASKS_HISTORY,
    TASKS_DLQ,
    SOURCES,
    SOURCES_HISTORY,
    SOURCES_DLQ,
    WORKERS,
)


def read_records(gateway: SheetsGateway, specs: Sequence[TabSpec]) -> dict[str, list[Record]]:
    """Every non-blank data row of each tab, keyed by column key, in one read."""
    replies = gateway.read([whole_range(spec.title) for spec in specs])
    return {spec.title: table(spec, values)[1] for spec, values in zip(specs, replies, strict=True)}


@dataclass
class DemoResult:
    """The end state of a demo run, and whether it is the one expected."""

    expected: frozenset[str]
    done: list[Record]
    dead: list[Record]
    left_in_tasks: int
    sources_done: list[Record]
    sources_dead: list[Record]
    left_in_sources: int
    processed_by: dict[str, int] = field(default_factory=dict)
    stray_in_tasks: int = 0  # rows with neither ID nor lease: not tasks, nobody claims them

    @property
    def done_keys(self) -> list[str]:
        """Video keys in Tasks History (repeats kept)."""
        return [r.get("video_key", "") for r in self.done]

    @property
    def dead_keys(self) -> list[str]:
        """Video keys in Tasks DLQ (repeats kept)."""
        return [r.get("video_key", "") for r in self.dead]

    @property
    def missing(self) -> list[str]:
        """Expected videos that ended neither in History nor in the DLQ."""
        return sorted(self.expected - set(self.done_keys) - set(self.dead_keys))

    @property
    def repeated(self) -> list[str]:
        """Videos that ended twice (twice in a tab, or in both)."""
        counts = Counter(self.done_keys + self.dead_keys)
        return sorted(key for key, n in counts.items() if n > 1)

    @property
    def unexpected(self) -> list[str]:
        """Videos that ended somewhere but that no source lists."""
        return sorted(set(self.done_keys + self.dead_keys) - self.expected)

    @property
    def complete(self) -> bool:
        """Every expected task ended exactly once and both queues are empty."""
        return not (
            self.missing
            or self.repeated
            or self.unexpected
            or self.left_in_tasks
            or self.left_in_sources
        )


def is_row_of_work(record: Record) -> bool:
    """A queue row that is work: it has an ID or a lease (other rows are nobody's)."""
    return bool(record.get("id", "").strip() or record.get("lease", "").strip())


def read_outcome(gateway: SheetsGateway, expected: frozenset[str]) -> DemoResult:
    """Read the end state of the demo spreadsheet."""
    tabs = read_records(gateway, _TABS)
    processed: dict[str, int] = {}
    for worker in tabs[WORKERS.title]:
        try:
            processed[worker.get("worker_name", "")] = int(worker.get("tasks_processed") or 0)
        except ValueError:
            processed[worker.get("worker_name", "")] = 0
    return DemoResult(
        expected=expected,
        done=tabs[TASKS_HISTORY.title],
        dead=tabs[TASKS_DLQ.title],
        left_in_tasks=sum(1 for r in tabs[TASKS.title] if is_row_of_work(r)),
        sources_done=tabs[SOURCES_HISTORY.title],
        sources_dead=tabs[SOURCES_DLQ.title],
        left_in_sources=sum(1 for r in tabs[SOURCES.title] if is_row_of_work(r)),
        processed_by=processed,
        stray_in_tasks=sum(1 for r in tabs[TASKS.title] if not is_row_of_work(r)),
    )


@dataclass(frozen=True)
class ApiUsage:
    """Sheets API requests the emulator answered, in total, by kind and by user."""

    total: int
    by_kind: dict[str, int]
    by_user: dict[str, int]
    observer: str
    throttled: int = 0

    @property
    def by_agents(self) -> int:
        """Requests sent by the agents (everything but the observer's)."""
        return max(0, self.total - self.by_user.get(self.observer, 0))


def api_usage(stats: Mapping[str, Any], observer: str) -> ApiUsage:
    """Read the emulator's ``/_emulator/stats`` document (``observer`` is the demo's user)."""
    requests = stats.get("requests") or {}
    users = stats.get("users") or {}
    return ApiUsage(
        total=int(requests.get("total", 0)),
        by_kind={str(k): int(v) for k, v in (requests.get("by_kind") or {}).items()},
        by_user={str(user): sum(int(n) for n in kinds.values()) for user, kinds in users.items()},
        observer=observer,
        throttled=int(stats.get("http_429_sent", 0)),
    )


def summary(
    spreadsheet_id: str,
    outcome: DemoResult,
    usage: ApiUsage,
    exit_codes: Mapping[str, int | None],
    elapsed_s: float,
) -> dict[str, Any]:
    """The JSON document of the run (printed after :data:`SUMMARY_PREFIX`)."""
    agents_ok = all(code == 0 for code in exit_codes.values())
    return {
        "ok": outcome.complete and agents_ok,
        "spreadsheet_id": spreadsheet_id,
        "elapsed_s": round(elapsed_s, 1),
        "tasks": {
            "expected": len(outcome.expected),
            "done": len(outcome.done),
            "dead_lettered": len(outcome.dead),
            "left_in_queue": outcome.left_in_tasks,
            "stray_rows": outcome.stray_in_tasks,
            "missing": outcome.missing,
            "repeated": outcome.repeated,
            "unexpected": outcome.unexpected,
            "history_keys": sorted(outcome.done_keys),
            "dlq_keys": sorted(outcome.dead_keys),
        },
        "sources": {
            "done": len(outcome.sources_done),
            "dead_lettered": len(outcome.sources_dead),
            "left_in_queue": outcome.left_in_sources,
            "errors": [r.get("error", "") for r in outcome.sources_dead],
        },
        "agents": {
            name: {
                "exit_code": code,
                "tasks_processed": outcome.processed_by.get(name, 0),
                "api_calls": usage.by_user.get(name, 0),
            }
            for name, code in exit_codes.items()
        },
        "api_calls": {
            "total": usage.total,
            "by_agents": usage.by_agents,
            "by_demo_view": usage.by_user.get(usage.observer, 0),
            "by_kind": usage.by_kind,
            "http_429": usage.throttled,
        },
    }
