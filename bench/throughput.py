"""Benchmark 2: throughput under Google's real quotas.

The emulator enforces 60 requests per minute per user and 300 per minute per project (reads and
writes counted apart) and answers every request after 150 ms; 10 agent processes with the
agent's own defaults (token bucket 60/min, heartbeat 30 s, ...) run no-op tasks.

* the defaults (``CLAIM_BATCH=10`` growing up to ``CLAIM_BATCH_MAX=50``) for a fixed 2 minutes
  (the queue never runs dry);
* a fixed ``CLAIM_BATCH=10`` (``CLAIM_BATCH_MAX=10``, the behaviour before the batch adapted),
  the same way;
* a fixed ``CLAIM_BATCH=50`` draining 10,000 tasks (over two minutes, so the per-minute window
  binds).

Tasks per minute is counted from the first task started to the end of the window (or the last
task ended, for a drain). The *ceiling* is what the quota allows for the calls per task the
agents made in that run: ``min(300 / reads per task, 300 / writes per task)`` per minute (the
per-project limit binds: 10 users x 60 > 300), counting only requests the quota accepted.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agent.schema import TASKS_DLQ, TASKS_HISTORY
from bench.common import (
    BenchEmulator,
    all_exited,
    breakdown,
    claim_figures,
    config_default,
    failed_agents,
    fleet_of,
    production_timing,
    read_task_log,
    wait_until,
)
from bench.report import Section
from tests.coordination.harness import read_tab, seed_tasks

PER_USER = 60
PER_PROJECT = 300
LATENCY_MS = 150
GOAL_PER_MIN = 2_000.0


def quota_run(
    emulator: BenchEmulator,
    tmp: Path,
    *,
    agents: int,
    batch: int,
    tasks: int,
    window_s: float | None,
    prefix: str,
    batch_max: int | None = None,
    cap_s: float = 420.0,
) -> dict[str, Any]:
    """One run under quota: a fixed window (``window_s``) or a drain (``None``)."""
    gateway = emulator.new_sheet()
    seed_tasks(gateway, tasks)
    emulator.start_counting(
        quota=True,
        latency_ms=LATENCY_MS,
        per_user_per_minute=PER_USER,
        per_project_per_minute=PER_PROJECT,
    )
    settings = {
        **production_timing(),
        "READ_QUOTA_PER_MINUTE": config_default("READ_QUOTA_PER_MINUTE"),
        "WRITE_QUOTA_PER_MINUTE": config_default("WRITE_QUOTA_PER_MINUTE"),
        "REQUEST_TIMEOUT_SECONDS": config_default("REQUEST_TIMEOUT_SECONDS"),
    }
    run_dir = tmp / prefix.rstrip("-")
    run_dir.mkdir(parents=True, exist_ok=True)
    with fleet_of(emulator, gateway, run_dir, settings) as fleet:
        for n in range(agents):
            fleet.start(
                f"{prefix}{n:02d}",
                burst=window_s is None,
                CLAIM_BATCH=str(batch),
                CLAIM_BATCH_MAX=str(batch_max or batch),
            )
        started = time.monotonic()
        if window_s is None:
            wait_until(lambda: all_exited(fleet), cap_s, interval_s=0.5)
        else:
            first = _first_start(fleet.task_log, timeout_s=120)
            time.sleep(max(0.0, first + window_s - time.time()))
        ended_wall = time.time()
        seen = emulator.counts()
        requests = emulator.agent_requests(prefix)
        tally = emulator.tap.tally(prefix)
        errors = failed_agents(fleet)
        if window_s is None and not all_exited(fleet):
            errors.append(f"still running after {cap_s:.0f} s")
        quota_errors = sum(
            agent.output().count("QuotaExceeded") + agent.output().count("quota exceeded")
            for agent in fleet.agents
        )
    wall_s = time.monotonic() - started
    emulator.server.configure(quota=False, latency_ms=0)
    probe = emulator.probe(gateway)
    history = len(read_tab(probe, TASKS_HISTORY)[1])
    dlq = len(read_tab(probe, TASKS_DLQ)[1])
    log = read_task_log(fleet.task_log)
    span = (ended_wall - log.first_start) if window_s is not None else log.span_s
    rejected = seen.quota_refused
    accepted_reads = requests["read"] - sum(v for k, v in rejected.items() if k.startswith("read"))
    accepted_writes = requests["write"] - sum(
        v for k, v in rejected.items() if k.startswith("write")
    )
    per_min = history / span * 60.0 if span > 0 else 0.0
    limit = min(PER_PROJECT, agents * PER_USER)
    ceiling = (
        min(
            limit / (accepted_reads / history) if accepted_reads else float("inf"),
            limit / (accepted_writes / history) if accepted_writes else float("inf"),
        )
        if history
        else 0.0
    )
    return {
        "agents": agents,
        "claim_batch": batch,
        "claim_batch_max": batch_max or batch,
        "seeded": tasks,
        "mode": "drain" if window_s is None else f"{window_s:g} s window",
        "done": history,
        "dlq": dlq,
        "span_s": round(span, 1),
        "wall_s": round(wall_s, 1),
        "tasks_per_min": round(per_min, 1),
        "reads": requests["read"],
        "writes": requests["write"],
        "accepted_reads_per_task": accepted_reads / history if history else None,
        "accepted_writes_per_task": accepted_writes / history if history else None,
        "http_429": seen.http_429,
        "rejected_by_limit": rejected,
        "ceiling_per_min": round(ceiling, 1),
        "ratio_to_ceiling": round(per_min / ceiling, 3) if ceiling else None,
        "quota_errors_in_logs": quota_errors,
        "ran_twice": log.ran_twice,
        "by_purpose": breakdown(tally, history, top=9),
        **claim_figures(tally),
        "errors": errors,
        "settings": {
            **settings,
            "CLAIM_BATCH": str(batch),
            "CLAIM_BATCH_MAX": str(batch_max or batch),
        },
    }


def _first_start(task_log: Path, timeout_s: float) -> float:
    """Wall time of the first task started (waits for it)."""
    wait_until(lambda: read_task_log(task_log).starts > 0, timeout_s, interval_s=0.2)
    first = read_task_log(task_log).first_start
    return first or time.time()


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """Benchmark 2's runs as table rows."""
    section = Section("throughput")
    plans: list[dict[str, Any]]
    if quick:
        plans = [dict(agents=2, batch=10, batch_max=50, tasks=400, window_s=5.0)]
    else:
        plans = [
            dict(agents=10, batch=10, batch_max=50, tasks=12_000, window_s=120.0),
            dict(agents=10, batch=10, tasks=4_000, window_s=120.0),
            dict(agents=10, batch=50, tasks=10_000, window_s=None),
        ]
    runs = []
    for plan in plans:
        prefix = f"q{plan['agents']}b{plan['batch']}m{plan.get('batch_max') or plan['batch']}-"
        figures = quota_run(emulator, tmp, prefix=prefix, **plan)
        runs.append(figures)
        _add_row(section, figures)
    section.data = {"latency_ms": LATENCY_MS, "per_user": PER_USER, "per_project": PER_PROJECT}
    section.data["runs"] = runs
    section.notes.append(
        f"Quota {PER_USER}/user/min and {PER_PROJECT}/project/min (reads and writes apart), "
        f"latency {LATENCY_MS} ms; agents at their defaults ({runs[0]['settings']})."
        if runs
        else "no run"
    )
    return section


def _add_row(section: Section, f: dict[str, Any]) -> None:
    batches = (
        f"CLAIM_BATCH={f['claim_batch']}"
        if f["claim_batch_max"] == f["claim_batch"]
        else f"CLAIM_BATCH={f['claim_batch']}..{f['claim_batch_max']} (defaults)"
    )
    scenario = f"{f['agents']} agents, {batches}, {f['mode']}"
    if not f["done"]:
        section.add(scenario, "no task finished: " + "; ".join(f["errors"]), "", False)
        return
    text = (
        f"{f['tasks_per_min']:,.0f} tasks/min ({f['done']:,} in {f['span_s']:.0f} s); "
        f"{f['http_429']} x 429; quota ceiling for its "
        f"{f['accepted_reads_per_task']:.3f} reads + {f['accepted_writes_per_task']:.3f} writes "
        f"per task = {f['ceiling_per_min']:,.0f}/min (ratio {f['ratio_to_ceiling']:.2f}); "
        f"DLQ {f['dlq']}; ran twice {f['ran_twice']}; where: {f['by_purpose']}"
    )
    failed = bool(f["dlq"] or f["errors"] or f["quota_errors_in_logs"])
    if failed:
        text += f"; quota errors in logs {f['quota_errors_in_logs']}; " + " | ".join(
            e.splitlines()[0] for e in f["errors"]
        )
    met = f["tasks_per_min"] >= GOAL_PER_MIN and not failed
    section.add(scenario, text, f">= {GOAL_PER_MIN:,.0f} tasks/min, no task failed", met)
    if not met:
        section.notes.append(
            f"{scenario}: {f['tasks_per_min']:,.0f} tasks/min against {GOAL_PER_MIN:,.0f}; the "
            f"quota allows {f['ceiling_per_min']:,.0f}/min for {f['accepted_writes_per_task']:.3f}"
            f" accepted writes per task ({PER_PROJECT} writes/min per project): {f['by_purpose']};"
            f" 429s {f['http_429']} ({f['rejected_by_limit']})."
        )
