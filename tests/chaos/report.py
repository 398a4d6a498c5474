"""The chaos run's report: the audit of the sheet after a run, and the text it prints.

:func:`build_report` reads every tab back (faults off) and judges the run against the
guarantees: nothing lost, nothing doubled, nothing run twice at once, no lease of a live
holder taken over, every agent exiting 0 on SIGTERM (long downloads included), late writes
landed. :meth:`ChaosReport.text` is what ``python -m tests.chaos`` prints.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agent.coordination.leadership import parse_leader_lease
from agent.schema import (
    LEADER_ELECTION,
    SOURCES,
    SOURCES_DLQ,
    SOURCES_HISTORY,
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
)
from agent.sheets.gateway import SheetsGateway
from tests.chaos.catalog import ChaosCatalog
from tests.chaos.handler import is_long
from tests.chaos.leases import LeaseWatch
from tests.chaos.person import JUNK_ID
from tests.chaos.processes import ChaosFleet, EmulatorProcess
from tests.chaos.settings import ChaosSettings
from tests.coordination.harness import check_drained, overlaps, read_tab


@dataclass
class Event:
    """One thing the runner did or saw, for the report."""

    t: float
    what: str

    def line(self) -> str:
        """``  12.3 s  what``."""
        return f"{self.t:7.1f} s  {self.what}"


class AuditedRun(Protocol):
    """What the audit needs of a run (:class:`~tests.chaos.run.ChaosRun` has it)."""

    settings: ChaosSettings
    catalog: ChaosCatalog
    workdir: Path
    t0: float
    events: list[Event]
    emulator: EmulatorProcess
    fleet: ChaosFleet | None
    killed: dict[int, tuple[str, float]]
    sigterm: dict[str, Any]
    unexpected_exits: list[str]
    leader_values: list[tuple[float, str]]
    terms_seen: set[int]
    sigterms: list[dict[str, Any]]
    protection: dict[str, Any]
    leases: LeaseWatch


@dataclass
class ChaosReport:
    """The figures of one run and the guarantees they prove or break."""

    figures: dict[str, Any]
    excused_overlaps: list[str]
    violations: list[str]
    notes: list[str]
    events: list[Event]

    @property
    def ok(self) -> bool:
        """Whether every guarantee held."""
        return not self.violations

    def text(self) -> str:
        """The report as printed by ``python -m tests.chaos``."""
        f = self.figures
        lines = ["", "=" * 72, "CHAOS REPORT", "=" * 72]
        for key, value in f.items():
            lines.append(f"{key:<44} {value}")
        lines.append("")
        excused = len(self.excused_overlaps)
        lines.append(f"overlapping executions after a SIGKILLed holder ({excused}):")
        lines += [f"  - {line}" for line in self.excused_overlaps] or ["  (none)"]
        lines.append("")
        lines.append("notes:")
        lines += [f"  - {line}" for line in self.notes] or ["  (none)"]
        lines.append("")
        lines.append("timeline:")
        lines += [f"  {e.line()}" for e in self.events]
        lines.append("")
        if self.violations:
            lines.append("GUARANTEES BROKEN:")
            lines += [f"  - {v}" for v in self.violations]
        else:
            lines.append(
                "every guarantee held: nothing lost, nothing doubled, nothing run twice at once"
            )
        return "\n".join(lines)


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["id"] for r in rows if r.get("id")]


def classify_overlaps(
    task_log: Path, killed: dict[int, tuple[str, float]]
) -> tuple[list[str], list[str]]:
    """(excused, violations): overlaps after a SIGKILLed holder, and true simultaneous runs."""
    excused, violations = [], []
    for url, first, second in overlaps(task_log):
        victim = killed.get(first["pid"])
        if first["end"] == float("inf") and victim and second["start"] >= victim[1]:
            excused.append(
                f"{url}: {victim[0]} (pid {first['pid']}) SIGKILLed mid-task; pid "
                f"{second['pid']} ran it again {second['start'] - victim[1]:.1f} s after the kill"
            )
        else:
            violations.append(f"{url}: pid {first['pid']} and pid {second['pid']} ran it at once")
    return excused, violations


def _leaderless_s(run: AuditedRun, end_t: float) -> float:
    """Longest time between two changes of the leader cell that showed a live leader."""
    alive = []
    for t, text in run.leader_values:
        lease = parse_leader_lease(text)
        if lease is not None and lease.owner_name:
            alive.append(t)
    if not alive:
        return end_t
    gaps = [b - a for a, b in itertools.pairwise(alive)]
    return max(gaps, default=0.0)


_THREAD_NUMBER = re.compile(r"[_-]?\d+$")


def quota_refusals_by_purpose(logs: list[Path]) -> Counter[str]:
    """The agents' 429s by purpose: the thread that asked (heartbeat, leader, task, MainThread:
    polls and claims) and its lane, from the JSON log line each 429 leaves."""
    counts: Counter[str] = Counter()
    for path in logs:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if "HTTP 429" not in line or not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            lane = "critical" if "critical lane" in record.get("message", "") else "ordinary"
            thread = _THREAD_NUMBER.sub("", str(record.get("thread", "?")))
            counts[f"{thread} ({lane})"] += 1
    return counts


def _long_runs(task_log: Path, every: int) -> int:
    if not task_log.exists():
        return 0
    lines = task_log.read_text(encoding="utf-8").splitlines()
    return sum('"start"' in line and is_long(json.loads(line)["url"], every) for line in lines)


def _stats_sum(lives: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = dict.fromkeys(
        ("requests", "read", "write", "drive", "429", "quota_429", "late_landed"), 0
    )
    faults: dict[str, int] = {}
    for stats in lives:
        total["requests"] += stats["requests"]["total"]
        for kind in ("read", "write", "drive"):
            total[kind] += stats["requests"]["by_kind"].get(kind, 0)
        total["429"] += stats["http_429_sent"]
        total["quota_429"] += stats["quota"]["rejected"]
        total["late_landed"] += stats.get("late_writes", {}).get("applied", 0)
        for kind, n in stats["faults"]["by_kind"].items():
            faults[kind] = faults.get(kind, 0) + n
    total["faults"] = faults
    return total


def build_report(
    run: AuditedRun,
    gateway: SheetsGateway,
    final_stats: dict[str, Any],
    exits: dict[str, int | None],
    drained: bool,
) -> ChaosReport:
    """Read every tab and judge the run."""
    _, history = read_tab(gateway, TASKS_HISTORY)
    _, dlq = read_tab(gateway, TASKS_DLQ)
    _, tasks = read_tab(gateway, TASKS)
    _, sources = read_tab(gateway, SOURCES)
    _, sources_done = read_tab(gateway, SOURCES_HISTORY)
    _, sources_dead = read_tab(gateway, SOURCES_DLQ)
    _, leader_rows = read_tab(gateway, LEADER_ELECTION)
    catalog = run.catalog
    source_urls = [r["url"] for r in sources + sources_done + sources_dead if r.get("url")]
    expected = catalog.task_ids(source_urls)
    history_ids, dlq_ids = _ids(history), _ids(dlq)
    finished = set(history_ids) | set(dlq_ids)
    junk = [r for r in tasks if r.get("id", "").startswith(JUNK_ID)]
    queued = [r for r in tasks if (r.get("id") or r.get("lease")) and r not in junk]
    lost = sorted(expected - finished - {r["id"] for r in queued})
    person = _person_summary(run.workdir / "person.json")
    by_purpose = quota_refusals_by_purpose(sorted(run.workdir.glob("agent-*.log")))
    late_fired = sum(f.get("kind") == "late" for f in run.emulator.fired_faults())
    excused, overlap_violations = classify_overlaps(run.fleet.task_log, run.killed)  # type: ignore[union-attr]
    lives = [*run.emulator.stats_before, final_stats]
    calls = _stats_sum(lives)
    leader = parse_leader_lease(leader_rows[0].get("lease", "")) if leader_rows else None
    end_t = time.monotonic() - run.t0
    figures: dict[str, Any] = {
        "seed": run.settings.seed,
        "agents x concurrency": f"{run.settings.agents} x {run.settings.agent_env['CONCURRENCY']}",
        "sources (added / done / dead-lettered)": (
            f"{len(set(source_urls))} / {len(sources_done)} / {len(sources_dead)}"
        ),
        "tasks created (distinct)": len(expected),
        "tasks done (Tasks History)": len(set(history_ids)),
        "tasks dead-lettered (Tasks DLQ)": len(set(dlq_ids)),
        "tasks still queued": len(queued),
        "tasks lost (must be 0)": len(lost),
        "History duplicates (must be 0)": len(history_ids) - len(set(history_ids)),
        "in both History and DLQ (must be 0)": len(set(history_ids) & set(dlq_ids)),
        "unknown tasks (must be 0)": len(finished - expected),
        "overlapping executions (must be 0)": len(overlap_violations),
        "overlaps after a SIGKILLed holder (listed)": len(excused),
        "agents SIGKILLed (leader among them)": (
            f"{len(run.killed)} ({sum('(the leader)' in e.what for e in run.events)})"
        ),
        "SIGTERM": "; ".join(_sigterm_text(t) for t in run.sigterms) or "not sent",
        "emulator lives (SIGKILL + restart)": run.emulator.lives,
        "leader terms (final term / terms seen)": (
            f"{leader.term if leader else 0} / {len(run.terms_seen)}"
        ),
        "max time without a leader (s)": round(_leaderless_s(run, end_t), 1),
        "429s received (quota / injected)": (
            f"{calls['429']} ({calls['quota_429']} / {calls['429'] - calls['quota_429']})"
        ),
        "fleet account (agents on one identity)": _fleet_text(run, lives),
        "lease lapses of live holders (must be 0)": len(run.leases.lapses),
        "renewals later than their lease (live holders)": len(run.leases.late),
        "longest gap between renewals of a live holder (s)": run.leases.longest_gap_text(),
        "claims watched (taken over after a SIGKILL)": (
            f"{run.leases.claims_seen()} ({run.leases.takeovers_of_dead})"
        ),
        "429s by purpose (agents' logs)": ", ".join(
            f"{k} {v}" for k, v in sorted(by_purpose.items())
        )
        or "none",
        "long downloads (runs / SIGTERMs during one)": (
            f"{_long_runs(run.fleet.task_log, run.settings.long_every)} / "  # type: ignore[union-attr]
            f"{sum(bool(t.get('during_long')) for t in run.sigterms)}"
        ),
        "late writes (armed fired / landed)": f"{late_fired} / {calls['late_landed']}",
        "Workers protected by the owner (s)": _protection_text(run.protection),
        "faults injected": ", ".join(f"{k} {v}" for k, v in sorted(calls["faults"].items())),
        "API calls (reads / writes / drive)": (
            f"{calls['requests']} ({calls['read']} / {calls['write']} / {calls['drive']})"
        ),
        "API calls per finished task": round(calls["requests"] / max(1, len(finished)), 2),
        "person did": ", ".join(f"{k} {v}" for k, v in sorted(person.get("done", {}).items())),
        "person's failed edits (faults, quota)": sum(person.get("failed", {}).values()),
        "person requeues": (
            "settled DLQ rows only (steps around the race of test_requeue_race.py)"
            if run.settings.settled_requeue
            else "any DLQ row"
        ),
        "duration (s)": round(end_t, 1),
    }
    violations = [f"lost task {i}" for i in lost[:20]]
    try:  # the coordination tests' own drain check, on the same sheet
        check_drained(gateway, expected)
    except AssertionError as exc:
        violations.append(f"check_drained: {str(exc)[:300]}")
    if figures["History duplicates (must be 0)"]:
        dupes = sorted({i for i in history_ids if history_ids.count(i) > 1})
        violations.append(f"History holds {len(dupes)} task(s) twice: {dupes[:5]}")
    if figures["in both History and DLQ (must be 0)"]:
        violations.append("tasks in both History and DLQ")
    if figures["unknown tasks (must be 0)"]:
        violations.append(f"unknown tasks finished: {sorted(finished - expected)[:5]}")
    violations += overlap_violations
    if not drained:
        violations.append("the queues did not drain before the time limit")
    if queued:
        violations.append(f"{len(queued)} task(s) still queued: {queued[:2]}")
    if junk:
        violations.append(f"{len(junk)} junk row(s) the person pasted are left (cleanup failed)")
    if catalog.removed_url not in {r["url"] for r in sources_dead}:
        violations.append("the removed playlist is not in Sources DLQ")
    violations += _issue13_violations(run, calls)
    bad_exits = {n: c for n, c in exits.items() if c != 0}
    if bad_exits:
        violations.append(f"agents that did not exit 0 on the final SIGTERM: {bad_exits}")
    notes = [f"unexpected agent exit: {line}" for line in run.unexpected_exits]
    notes += [f"late renewal: {line}" for line in run.leases.late[:10]]
    notes += [f"person: {line}" for line in person.get("errors", [])[-5:]]
    return ChaosReport(figures, excused, violations, notes, run.events)


def _issue13_violations(run: AuditedRun, calls: dict[str, Any]) -> list[str]:
    """SIGTERM exits, lapses of live holders, late writes that never landed, the protection."""
    violations = [
        f"{term['name']} exited {term.get('exit_code')} on SIGTERM, not 0"
        for term in run.sigterms
        if term.get("exit_code") != 0
    ]
    violations += [f"lease lapse of a live holder: {line}" for line in run.leases.lapses[:10]]
    if run.settings.armed_late and not calls["late_landed"]:
        violations.append("no late write landed (armed late faults did not fire)")
    if run.settings.protect_s and "removed" not in run.protection:
        violations.append("Workers was never protected and unprotected by the owner")
    return violations


def _sigterm_text(info: dict[str, Any]) -> str:
    during = " (during a long download)" if info.get("during_long") else ""
    return (
        f"{info['name']}{during}: exit {info.get('exit_code')} after {info.get('exit_after_s')} s"
    )


def _fleet_text(run: AuditedRun, lives: list[dict[str, Any]]) -> str:
    """The fleet's accounts as the emulator counted them, and the account's quota."""
    workers = {u for stats in lives for u in stats.get("users", {}) if u.startswith("agent-")}
    accounts = {a for stats in lives for a in stats.get("accounts", {})}
    fleet = run.settings.fleet_token
    others = sorted(accounts - {fleet})
    return (
        f"{len(workers)} agents on {fleet!r}, {run.settings.account_per_minute}/min per kind "
        f"(Google's x{run.settings.quota_scale}); own accounts: {', '.join(others)}"
    )


def _protection_text(protection: dict[str, Any]) -> str:
    if "at" not in protection:
        return "never"
    return f"{protection['at']:.1f} to {protection.get('removed', float('nan')):.1f}"


def _person_summary(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}
