"""DESIGN section 8: cells read per claim at backlogs of 1,000 and 100,000 tasks.

One agent process (defaults, ``CLAIM_BATCH=10``, token bucket opened wide) works a queue of
1,000 and then 100,000 tasks for a fixed time; the tap counts the cells each claim read returned
(and the rows x columns it asked for), and the claim cycles per second. For comparison, the
naive baseline reads the whole Tasks tab per claim: the cells of one ``get_all_values``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agent.schema import TASKS
from bench.common import (
    UNPACED_AGENT,
    BenchEmulator,
    fleet_of,
    production_timing,
    read_task_log,
    wait_until,
)
from bench.report import Section
from tests.coordination.harness import seed_tasks

BATCH = 10


def backlog_run(
    emulator: BenchEmulator, tmp: Path, backlog: int, window_s: float
) -> dict[str, Any]:
    """One agent on ``backlog`` tasks for ``window_s`` after its first task."""
    gateway = emulator.new_sheet()
    started = time.perf_counter()
    seed_tasks(gateway, backlog)
    seed_s = time.perf_counter() - started
    worksheet = emulator.probe_client.open_by_key(gateway.spreadsheet_id).worksheet(TASKS.title)
    started = time.perf_counter()
    naive_cells = sum(len(row) for row in worksheet.get_all_values())
    naive_read_s = time.perf_counter() - started
    emulator.start_counting()
    prefix = f"bl{backlog}-"
    run_dir = tmp / prefix.rstrip("-")
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = {**production_timing(), **UNPACED_AGENT}
    with fleet_of(emulator, gateway, run_dir, settings) as fleet:
        fleet.start(f"{prefix}0", burst=False, CLAIM_BATCH=str(BATCH), CLAIM_BATCH_MAX=str(BATCH))
        wait_until(lambda: read_task_log(fleet.task_log).starts > 0, 120)
        before = emulator.tap.tally(prefix).copy()
        began = time.monotonic()
        time.sleep(window_s)
        after = emulator.tap.tally(prefix)
        elapsed = time.monotonic() - began
    reads = after.window_reads - before.window_reads
    cells = after.window_cells - before.window_cells
    requested = after.window_cells_requested - before.window_cells_requested
    claims = after.writes["claim"] - before.writes["claim"]
    return {
        "backlog": backlog,
        "seed_s": round(seed_s, 1),
        "claim_reads": reads,
        "cells_per_claim_read": round(cells / reads, 1) if reads else None,
        "cells_requested_per_read": round(requested / reads, 1) if reads else None,
        "claim_cycles_per_s": round(claims / elapsed, 2),
        "naive_cells_per_claim": naive_cells,
        "naive_read_s": round(naive_read_s, 3),
    }


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """The backlog runs as table rows."""
    section = Section("backlog")
    backlogs = (1_000, 5_000) if quick else (1_000, 100_000)
    window_s = 1.5 if quick else 10.0
    runs = [backlog_run(emulator, tmp, n, window_s) for n in backlogs]
    section.data = {"claim_batch": BATCH, "runs": runs}
    for r in runs:
        section.add(
            f"backlog {r['backlog']:,} tasks, CLAIM_BATCH={BATCH}",
            f"{r['cells_per_claim_read']} cells returned per claim read "
            f"({r['cells_requested_per_read']} asked for); {r['claim_cycles_per_s']} claim "
            f"cycles/s; naive: {r['naive_cells_per_claim']:,} cells per claim "
            f"({r['naive_read_s']:.2f} s per read)",
        )
    if len(runs) == 2 and all(r["cells_requested_per_read"] for r in runs):
        small, large = runs
        grow = large["cells_requested_per_read"] / small["cells_requested_per_read"]
        section.add(
            "goal",
            f"cells asked per claim x{grow:.2f} for x{large['backlog'] / small['backlog']:.0f} "
            f"backlog; claim cycles/s x"
            f"{large['claim_cycles_per_s'] / max(small['claim_cycles_per_s'], 1e-9):.2f}",
            "cells per claim do not grow with the backlog",
            grow <= 1.0,
        )
    return section
