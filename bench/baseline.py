"""Benchmark 3: the naive baseline (``bench/naive.py``) on the same workloads, and ratios.

The naive agent pauses at least 1 s after each call, so it cannot drain 2,000 tasks in a bounded
run; each workload runs for a fixed window instead and its rates are compared with ours:

* 1, 5 and 20 workers on 2,000 tasks, no quota, no latency (benchmark 1's workloads);
* 10 workers under the quota with 150 ms latency (benchmark 2's workload).

Figures: calls per task (emulator count for the naive users over the window, divided by the
tasks they finished in it), tasks per minute, claims lost at the verify step, and tasks run
twice (the callback log shows the same URL started more than once).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import throughput
from bench.common import BenchEmulator, batch_label, read_task_log
from bench.report import Section
from tests.coordination.harness import ROOT, seed_tasks

JITTER_PER_WORKER_S = 0.1


@contextmanager
def naive_fleet(
    emulator: BenchEmulator, spreadsheet_id: str, tmp: Path, workers: int, prefix: str, max_s: float
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``workers`` naive processes, all killed at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEETS_", "WORKER_"))}
    env.update(
        {
            "SHEETS_EMULATOR_HOST": emulator.host,
            "SPREADSHEET_ID": spreadsheet_id,
            "NAIVE_WORKERS": str(workers),
            "NAIVE_JITTER_PER_WORKER_S": str(JITTER_PER_WORKER_S),
            "NAIVE_MAX_SECONDS": str(max_s),
            "TASK_LOG": str(tmp / "tasks.jsonl"),
            "PYTHONPATH": str(ROOT),
        }
    )
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(workers):
            log = (tmp / f"{prefix}{n:02d}.log").open("ab")
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bench.naive"],
                    cwd=ROOT,
                    env={**env, "WORKER_NAME": f"{prefix}{n:02d}"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


def naive_run(
    emulator: BenchEmulator,
    tmp: Path,
    *,
    workers: int,
    window_s: float,
    tasks: int = 2_000,
    quota: bool = False,
) -> dict[str, Any]:
    """Run ``workers`` naive workers for ``window_s`` after their first task; the figures."""
    prefix = f"n{workers}{'q' if quota else ''}-"
    run_dir = tmp / prefix.rstrip("-")
    run_dir.mkdir(parents=True, exist_ok=True)
    gateway = emulator.new_sheet()
    seed_tasks(gateway, tasks)
    if quota:
        emulator.start_counting(
            quota=True,
            latency_ms=throughput.LATENCY_MS,
            per_user_per_minute=throughput.PER_USER,
            per_project_per_minute=throughput.PER_PROJECT,
        )
    else:
        emulator.start_counting()
    task_log = run_dir / "tasks.jsonl"
    with naive_fleet(emulator, gateway.spreadsheet_id, run_dir, workers, prefix, window_s + 120):
        started = time.monotonic()
        while read_task_log(task_log).starts == 0 and time.monotonic() - started < 120:
            time.sleep(0.2)
        time.sleep(window_s)
        until = time.time()
        requests = emulator.agent_requests(prefix)
        http_429 = emulator.counts().http_429
    emulator.server.configure(quota=False, latency_ms=0)
    log = read_task_log(task_log, until=until)
    lost = sum(p.read_text(errors="replace").count("lost row") for p in run_dir.glob("*.log"))
    done = log.distinct_done
    reads, writes = requests.get("read", 0), requests.get("write", 0)
    span = until - log.first_start if log.first_start else window_s
    return {
        "workers": workers,
        "quota": quota,
        "window_s": window_s,
        "done": done,
        "reads": reads,
        "writes": writes,
        "reads_per_task": reads / done if done else None,
        "writes_per_task": writes / done if done else None,
        "calls_per_task": (reads + writes) / done if done else None,
        "tasks_per_min": round(done / span * 60.0, 1) if span > 0 else 0.0,
        "claims_lost": lost,
        "ran_twice": log.ran_twice,
        "http_429": http_429,
        "jitter_max_s": round(JITTER_PER_WORKER_S * workers, 2),
    }


def run(emulator: BenchEmulator, tmp: Path, quick: bool, earlier: dict[str, Section]) -> Section:
    """The naive runs, with our figures from the same run as ratios to them."""
    section = Section("naive")
    if quick:
        plans = [dict(workers=2, window_s=3.0)]
    else:
        plans = [
            dict(workers=1, window_s=60.0),
            dict(workers=5, window_s=60.0),
            dict(workers=20, window_s=60.0),
            dict(workers=10, window_s=90.0, quota=True),
        ]
    runs = [naive_run(emulator, tmp, **plan) for plan in plans]  # type: ignore[arg-type]
    ours_calls = earlier["calls"].data.get("runs", []) if "calls" in earlier else []
    ours_quota = earlier["throughput"].data.get("runs", []) if "throughput" in earlier else []
    for naive in runs:
        _add_row(section, naive, ours_calls, ours_quota)
    section.data = {"jitter_per_worker_s": JITTER_PER_WORKER_S, "runs": runs}
    section.notes.append(
        "naive: gspread BackOffHTTPClient, 1 s pause after every call + uniform jitter up to "
        f"{JITTER_PER_WORKER_S:g} s x workers; reads the whole Tasks tab per claim; marks DONE in "
        "place (does not move rows). Ratios = ours / naive (calls: lower is better; tasks/min: "
        "higher is better)."
    )
    return section


def _add_row(
    section: Section,
    naive: dict[str, Any],
    ours_calls: list[dict[str, Any]],
    ours_quota: list[dict[str, Any]],
) -> None:
    workers = naive["workers"]
    where = "quota + 150 ms" if naive["quota"] else "no quota"
    scenario = f"{workers} naive worker(s), {where}, {naive['window_s']:g} s"
    if not naive["done"]:
        section.add(scenario, "finished no task in the window")
        return
    text = (
        f"{naive['reads_per_task']:.2f} reads + {naive['writes_per_task']:.2f} writes = "
        f"{naive['calls_per_task']:.2f} calls/task; {naive['tasks_per_min']:,.1f} tasks/min; "
        f"{naive['done']} done; claims lost at verify {naive['claims_lost']}; ran twice "
        f"{naive['ran_twice']}; 429s {naive['http_429']}"
    )
    peers = ours_quota if naive["quota"] else ours_calls
    same = [r for r in peers if r.get("agents") == workers and r.get("done")]
    ratios = []
    for ours in same:
        calls = (ours["reads"] + ours["writes"]) / ours["done"]
        ratios.append(
            f"ours CLAIM_BATCH={batch_label(ours)}: calls x{calls / naive['calls_per_task']:.3f}"
            f", tasks/min x{ours['tasks_per_min'] / naive['tasks_per_min']:,.0f}, ran twice "
            f"{ours['ran_twice']} vs {naive['ran_twice']}"
        )
    if ratios:
        text += "; " + "; ".join(ratios)
    section.add(scenario, text)
