"""Benchmark 1: Sheets API calls per completed task, reads and writes apart.

1, 5 and 20 agent processes (``orc run --burst``) drain 2,000 no-op tasks with ``CLAIM_BATCH``
1, 10 and 50. Heartbeat, leases and idle poll are the agent's defaults; the emulator enforces no
quota and the agent's token bucket is opened wide, so the run measures calls, not waiting.
Calls are the emulator's count for the agents' users (setup is another user, and the stats are
reset after seeding); the tap says what they were for and how many claims lost a race.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import (
    UNPACED_AGENT,
    BenchEmulator,
    all_exited,
    batch_label,
    breakdown,
    claim_figures,
    failed_agents,
    fleet_of,
    production_timing,
    read_task_log,
    wait_until,
)
from bench.report import Section
from tests.coordination.harness import check_drained, seed_tasks

GOAL_ONE_AT_A_TIME = 4.0
GOAL_BATCHED = 0.5


def drain(
    emulator: BenchEmulator,
    tmp: Path,
    *,
    agents: int,
    batch: int,
    tasks: int,
    prefix: str,
    batch_max: int | None = None,
    timeout_s: float = 900.0,
) -> dict[str, Any]:
    """Seed ``tasks``, let ``agents`` processes drain them; every figure of the run."""
    gateway = emulator.new_sheet()
    ids = set(seed_tasks(gateway, tasks))
    emulator.start_counting()
    settings = {**production_timing(), **UNPACED_AGENT}
    run_dir = tmp / prefix.rstrip("-")
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with fleet_of(emulator, gateway, run_dir, settings) as fleet:
        for n in range(agents):
            fleet.start(
                f"{prefix}{n:02d}",
                CLAIM_BATCH=str(batch),
                CLAIM_BATCH_MAX=str(batch_max or batch),
            )
        finished = wait_until(lambda: all_exited(fleet), timeout_s, interval_s=0.5)
        wall_s = time.monotonic() - started
        errors = failed_agents(fleet)
        if not finished:
            errors.append(f"still running after {timeout_s:.0f} s")
        requests = emulator.agent_requests(prefix)
        tally = emulator.tap.tally(prefix)
        log = read_task_log(fleet.task_log)
    try:
        drained = check_drained(emulator.probe(gateway), ids)
        history = int(drained["history"])
    except AssertionError as exc:
        errors.append(f"not drained: {exc}")
        history = 0
    done = history or log.distinct_done
    reads, writes = requests.get("read", 0), requests.get("write", 0)
    return {
        "agents": agents,
        "claim_batch": batch,
        "claim_batch_max": batch_max or batch,
        "tasks": tasks,
        "done": done,
        "reads": reads,
        "writes": writes,
        "reads_per_task": reads / done if done else None,
        "writes_per_task": writes / done if done else None,
        "calls_per_task": (reads + writes) / done if done else None,
        "http_429": requests.get("http_429", 0),
        "wall_s": round(wall_s, 1),
        "tasks_per_min": round(log.per_minute(done), 1),
        "ran_twice": log.ran_twice,
        "by_purpose": breakdown(tally, done, top=9),
        "tally": tally.as_dict(),
        **claim_figures(tally),
        "errors": errors,
        "settings": {**settings, "CLAIM_BATCH": str(batch)},
    }


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """All runs of benchmark 1, as table rows."""
    section = Section("calls")
    fleet_sizes = (2,) if quick else (1, 5, 20)
    # (CLAIM_BATCH, CLAIM_BATCH_MAX): fixed sizes, then the defaults (adaptive).
    batches = ((1, 1), (10, 50)) if quick else ((1, 1), (10, 10), (50, 50), (10, 50))
    tasks = 100 if quick else 2_000
    runs = []
    for agents in fleet_sizes:
        for batch, batch_max in batches:
            figures = drain(
                emulator,
                tmp,
                agents=agents,
                batch=batch,
                batch_max=batch_max,
                tasks=tasks,
                prefix=f"c{agents}b{batch}m{batch_max}-",
            )
            runs.append(figures)
            _add_row(section, figures)
    section.data = {"tasks": tasks, "settings": runs[0]["settings"] if runs else {}, "runs": runs}
    timing = production_timing()
    section.notes.append(
        f"{tasks:,} no-op tasks; HEARTBEAT_SECONDS={timing['HEARTBEAT_SECONDS']}, "
        f"LEASE_SECONDS={timing['LEASE_SECONDS']}, LEADER_LEASE_SECONDS="
        f"{timing['LEADER_LEASE_SECONDS']}, POLL_SECONDS={timing['POLL_SECONDS']} (defaults); "
        "emulator without quota or latency, agent token bucket opened wide; CONCURRENCY=1."
    )
    return section


def _add_row(section: Section, f: dict[str, Any]) -> None:
    scenario = f"{f['agents']} agent(s), CLAIM_BATCH={batch_label(f)}"
    if f["calls_per_task"] is None:
        section.add(scenario, "no task finished: " + "; ".join(f["errors"]), "", False)
        return
    goal = GOAL_ONE_AT_A_TIME if f["claim_batch"] == 1 else GOAL_BATCHED
    text = (
        f"{f['reads_per_task']:.3f} reads + {f['writes_per_task']:.3f} writes = "
        f"{f['calls_per_task']:.3f} calls/task ({f['done']:,} done); "
        f"claim CAS lost {f['claim_cas_lost_pct']:.0f}% ({f['claim_cas'] - f['claim_cas_won']:,}"
        f" of {f['claim_cas']:,}); {f['windows_without_claim']:,} of {f['window_reads']:,} "
        f"windows took nothing; {f['tasks_per_min']:,.0f} tasks/min; ran twice "
        f"{f['ran_twice']}; where: {f['by_purpose']}"
    )
    if f["errors"]:
        text += "; ERRORS: " + " | ".join(e.splitlines()[0] for e in f["errors"])
    met = f["calls_per_task"] <= goal and not f["errors"]
    section.add(scenario, text, f"<= {goal:g} calls/task", met)
    if not met:
        section.notes.append(
            f"{scenario}: {f['calls_per_task']:.3f} calls/task against <= {goal:g}: "
            f"{f['by_purpose']}; claim CAS lost {f['claim_cas_lost_pct']:.0f}%, "
            f"{f['windows_without_claim']} of {f['window_reads']} windows claimed nothing, "
            f"{f['finish_cas']} finish CAS of which {f['finish_cas_in_claim_batches']} rode on "
            f"a claim, {f['history_appends']} History appends."
        )
