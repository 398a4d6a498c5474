"""A snapshot of the whole system read from the spreadsheet (``orc status``, ``orc demo``).

Costs one ``values:batchGet``: the Workers and Leader Election tabs, the queue tabs, and the
ID / Completed At columns of the History and DLQ tabs (plus the last DLQ rows).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from agent.clock import parse_utc_iso
from agent.coordination.control import fleet_status
from agent.coordination.leadership import parse_leader_lease
from agent.coordination.lease import LeaseParseError, parse_lease
from agent.coordination.timing import Settings, fleet_timing
from agent.errors import SheetsError
from agent.schema import (
    ALL_TABS,
    LEADER_ELECTION,
    SOURCES,
    STALE_HEARTBEAT_SECONDS,
    TASKS,
    TASKS_HISTORY,
    WORKERS,
    ColumnMap,
    TabSpec,
    WorkerStatus,
)
from agent.sheets.a1 import column_range
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps, table, whole_range

RECENT_ERRORS = 5
RATE_WINDOW_S = 300.0


#: How each worker state is shown (``orc status``, ``orc demo``).
STATE_STYLE = {"active": "green", "stale": "yellow", "inactive": "dim"}


def worker_state(status: str, heartbeat_age_s: float | None, stale_after_s: float) -> str:
    """``active``, ``stale`` or ``inactive``, as the sidebar shows it."""
    if status != WorkerStatus.ACTIVE.value:
        return "inactive"
    if heartbeat_age_s is None or heartbeat_age_s > stale_after_s:
        return "stale"
    return "active"


#: Big tabs are read one column at a time: only what the snapshot shows.
COLUMNS_READ = {"queue": ("id", "lease"), "history": ("id", "completed_at"), "archive": ("id",)}

Records = tuple[ColumnMap, list[dict[str, str]]]


def snapshot(
    gateway: SheetsGateway,
    *,
    stale_after_s: float = STALE_HEARTBEAT_SECONDS,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Workers, leader, fleet control, queue depths, rates and recent DLQ errors, as JSON data.

    With ``settings`` (the configured intervals and quotas), ``warnings`` also says where the
    live agents of one account are too many for those leases to be renewed within its quota.
    """
    now = time.time()
    present = [spec for spec in ALL_TABS if spec.title in gateway.tabs]
    tabs = _read_tabs(gateway, present)
    result: dict[str, Any] = {
        "spreadsheet_id": gateway.spreadsheet_id,
        "generated_at": int(now),
        "workers": _workers(tabs.get(WORKERS.title), now, stale_after_s),
        "leader": _leader(tabs.get(LEADER_ELECTION.title)),
        "fleet": fleet_status(tabs.get(LEADER_ELECTION.title, (None, []))[1]),
        "queues": {
            title: len(records)
            for title, (_, records) in tabs.items()
            if title not in (WORKERS.title, LEADER_ELECTION.title)
        },
        "states": {spec.title: _states(tabs.get(spec.title)) for spec in (TASKS, SOURCES)},
        "rates": _rates(tabs.get(TASKS_HISTORY.title), now),
        "dlq": _recent_errors(tabs),
        "missing_tabs": [spec.title for spec in ALL_TABS if spec.title not in gateway.tabs],
    }
    result["warnings"] = _fleet_warnings(result["workers"], settings) + _protected(gateway)
    return result


def _fleet_warnings(workers: list[dict[str, Any]], settings: Settings | None) -> list[str]:
    """One sentence per account whose live agents need longer leases than configured."""
    if settings is None:
        return []
    per_account: dict[str, int] = {}
    for worker in workers:
        if worker["state"] == "active":
            account = worker.get("account", "")
            per_account[account] = per_account.get(account, 0) + 1
    out = []
    for account, agents in sorted(per_account.items()):
        warning = fleet_timing(settings, agents).warning(settings)
        if warning:
            out.append(f"account {account or '(unnamed)'}: {warning}")
    return out


def _protected(gateway: SheetsGateway) -> list[str]:
    """The agents' tabs that refuse this account's writes (one metadata read)."""
    try:
        protected = gateway.protections()
    except SheetsError:
        return []
    own = {spec.title for spec in ALL_TABS}
    return [
        f"'{gateway.title_of(sheet_id)}' refuses this account's writes: {reason}"
        for sheet_id, reason in sorted(protected.items())
        if gateway.title_of(sheet_id) in own
    ]


def _read_tabs(gateway: SheetsGateway, present: Sequence[TabSpec]) -> dict[str, Records]:
    """Two reads: every header row, then whole small tabs and single columns of big ones."""
    maps = {
        spec.title: cmap
        for spec, cmap in zip(present, read_maps(gateway, present, require=False), strict=True)
    }
    plan: list[tuple[TabSpec, str | None]] = []
    ranges: list[str] = []
    for spec in present:
        cmap = maps[spec.title]
        keys = COLUMNS_READ.get(spec.role, ())
        if keys and all(k in cmap.index for k in keys):
            for wanted in keys:
                plan.append((spec, wanted))
                ranges.append(column_range(spec.title, cmap.col(wanted), 2))
        else:
            plan.append((spec, None))
            ranges.append(whole_range(spec.title))
    columns: dict[str, dict[str, list[str]]] = {}
    tabs: dict[str, Records] = {}
    for (spec, key), values in zip(plan, gateway.read(ranges), strict=True):
        if key is None:
            tabs[spec.title] = table(spec, values)
        else:
            columns.setdefault(spec.title, {})[key] = [str(r[0]) if r else "" for r in values]
    for title, by_key in columns.items():
        height = max(len(v) for v in by_key.values())
        records = [
            {k: v[i] if i < len(v) else "" for k, v in by_key.items()} for i in range(height)
        ]
        tabs[title] = (maps[title], [r for r in records if r.get("id") or r.get("lease")])
    return tabs


def _workers(
    tab: tuple[ColumnMap, list[dict[str, str]]] | None, now: float, stale_after_s: float
) -> list[dict[str, Any]]:
    if tab is None:
        return []
    workers = []
    for record in tab[1]:
        beat = parse_utc_iso(record.get("last_heartbeat", ""))
        age = None if beat is None else max(0.0, now - beat)
        workers.append(
            {
                "id": record.get("worker_id", ""),
                "name": record.get("worker_name", ""),
                "status": record.get("status", ""),
                "state": worker_state(record.get("status", ""), age, stale_after_s),
                "last_heartbeat": record.get("last_heartbeat", ""),
                "heartbeat_age_s": None if age is None else round(age, 1),
                "tasks_processed": _int(record.get("tasks_processed", "")),
                "sources_processed": _int(record.get("sources_processed", "")),
                "account": record.get("account", ""),
            }
        )
    return workers


def _leader(tab: tuple[ColumnMap, list[dict[str, str]]] | None) -> dict[str, Any]:
    if tab is None:
        return {"worker": "", "term": 0, "expires_at": ""}
    for record in tab[1]:
        lease = parse_leader_lease(record.get("lease", ""))
        if lease is not None:
            return {
                "worker": lease.owner_name,
                "term": lease.term,
                "expires_at": record.get("expires_at", "") if lease.owner_name else "",
            }
    return {"worker": "", "term": 0, "expires_at": ""}


def _states(tab: tuple[ColumnMap, list[dict[str, str]]] | None) -> dict[str, int]:
    counts: Counter[str] = Counter()
    if tab is None:
        return {}
    for record in tab[1]:
        try:
            counts[parse_lease(record.get("lease", "")).state.value] += 1
        except LeaseParseError:
            counts["UNREADABLE"] += 1
    return dict(counts)


def _rates(tab: tuple[ColumnMap, list[dict[str, str]]] | None, now: float) -> dict[str, float]:
    if tab is None:
        return {"tasks_per_minute": 0.0}
    recent = 0
    for record in tab[1]:
        done = parse_utc_iso(record.get("completed_at", ""))
        if done is not None and now - done <= RATE_WINDOW_S:
            recent += 1
    return {"tasks_per_minute": round(recent / (RATE_WINDOW_S / 60), 2)}


def _recent_errors(tabs: dict[str, tuple[ColumnMap, list[dict[str, str]]]]) -> list[dict[str, str]]:
    errors = []
    for spec in ALL_TABS:
        if spec.role != "dlq" or spec.title not in tabs:
            continue
        for record in tabs[spec.title][1][-RECENT_ERRORS:]:
            errors.append(
                {
                    "tab": spec.title,
                    "id": record.get("id", ""),
                    "url": record.get("url", ""),
                    "name": record.get("name", ""),
                    "error": record.get("error", ""),
                    "error_class": record.get("error_class", ""),
                    "attempts": record.get("attempts", ""),
                }
            )
    return errors


def _int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0
