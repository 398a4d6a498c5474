"""Benchmark 6: resident memory of an idle agent, and the extra memory of a dedup index.

* An agent process (``orc run``, defaults) on a spreadsheet with nothing to do, measured with
  psutil after it settled: RSS (what ``top`` shows) and USS (memory only it holds).
* A :class:`~agent.sources.dedup.DedupIndex` of 100,000 YouTube keys: ``tracemalloc`` of the
  index alone (``tests.sources.bench.dedup_memory``), and the RSS a fresh process grows by when
  it reads 100,000 keys as a column read returns them and feeds them to an index (this counts
  what the allocator keeps after the read is freed).

``python -m tests.bench.footprint --index-rss N`` is the helper process of the second figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from tests.bench.common import BenchEmulator, fleet_of, production_timing, wait_until
from tests.bench.report import Section
from tests.coordination.harness import ROOT
from tests.sources.bench import dedup_memory

GOAL_IDLE_MB = 80.0
GOAL_INDEX_MB = 30.0
MB = 1024 * 1024


def idle_agent(
    emulator: BenchEmulator, tmp: Path, settle_s: float, window_s: float
) -> dict[str, Any]:
    """One idle agent: RSS and USS (max of a few samples), and its calls per idle minute."""
    gateway = emulator.new_sheet()
    emulator.start_counting()
    run_dir = tmp / "footprint"
    run_dir.mkdir(parents=True, exist_ok=True)
    with fleet_of(emulator, gateway, run_dir, production_timing()) as fleet:
        agent = fleet.start("fp-idle", burst=False)
        wait_until(lambda: emulator.agent_requests("fp-idle").get("write", 0) >= 2, 60)
        time.sleep(settle_s)
        before = emulator.tap.tally("fp-idle").copy()
        started = time.monotonic()
        time.sleep(window_s)
        after = emulator.tap.tally("fp-idle")
        minutes = (time.monotonic() - started) / 60.0
        process = psutil.Process(agent.popen.pid)
        samples = []
        for _ in range(5):
            info = process.memory_full_info()
            samples.append((info.rss, info.uss))
            time.sleep(0.2)
        threads = process.num_threads()
        alive = agent.popen.poll() is None
    reads = {k: round((after.reads[k] - before.reads[k]) / minutes, 1) for k in after.reads}
    writes = {k: round((after.writes[k] - before.writes[k]) / minutes, 1) for k in after.writes}
    return {
        "rss_mb": round(max(s[0] for s in samples) / MB, 1),
        "uss_mb": round(max(s[1] for s in samples) / MB, 1),
        "threads": threads,
        "alive": alive,
        "idle_window_s": round(minutes * 60, 1),
        "idle_reads_per_min": {k: v for k, v in reads.items() if v},
        "idle_writes_per_min": {k: v for k, v in writes.items() if v},
        "settings": production_timing(),
    }


def index_rss(keys: int) -> dict[str, Any]:
    """In a fresh process: RSS before, after reading ``keys`` keys, after indexing them."""
    output = subprocess.run(
        [sys.executable, "-m", "tests.bench.footprint", "--index-rss", str(keys)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def _measure_index_rss(keys: int) -> dict[str, Any]:
    """The helper process's body (see :func:`index_rss`)."""
    from agent.sources.dedup import DedupIndex
    from agent.sources.synthetic import synthetic_id

    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    column = [[synthetic_id(f"footprint-{i}")] for i in range(keys)]  # as a column read returns
    read = process.memory_info().rss
    index = DedupIndex()
    index.feed("Tasks History", 2, [row[0] for row in column])
    del column
    gc.collect()
    after = process.memory_info().rss
    return {
        "keys": len(index),
        "rss_before_mb": round(before / MB, 1),
        "rss_with_read_mb": round(read / MB, 1),
        "rss_after_mb": round(after / MB, 1),
        "extra_mb": round((after - before) / MB, 1),
        "approx_bytes": index.approx_bytes(),
    }


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """Benchmark 6 as table rows."""
    section = Section("footprint")
    idle = idle_agent(
        emulator, tmp, settle_s=1.0 if quick else 2.0, window_s=3.0 if quick else 30.0
    )
    keys = 20_000 if quick else 100_000
    traced = dedup_memory(keys)
    rss = index_rss(keys)
    section.data = {"idle_agent": idle, "index_tracemalloc": traced, "index_rss": rss}
    idle_reads = sum(idle["idle_reads_per_min"].values())
    idle_writes = sum(idle["idle_writes_per_min"].values())
    section.add(
        "idle agent (orc run, defaults, empty queue; it leads)",
        f"RSS {idle['rss_mb']:.1f} MB, USS {idle['uss_mb']:.1f} MB, {idle['threads']} threads; "
        f"idle cost {idle_reads:.0f} reads + {idle_writes:.0f} writes per minute "
        f"(reads {idle['idle_reads_per_min']}, writes {idle['idle_writes_per_min']}; measured "
        f"over {idle['idle_window_s']:.0f} s)",
        f"< {GOAL_IDLE_MB:g} MB",
        idle["alive"] and idle["rss_mb"] < GOAL_IDLE_MB,
    )
    index_mb = traced["traced_bytes"] / MB
    section.add(
        f"dedup index, {keys:,} keys",
        f"{index_mb:.2f} MB traced (index alone; a set of str: "
        f"{traced['set_of_str_bytes'] / MB:.1f} MB); process RSS +{rss['extra_mb']:.1f} MB "
        f"after reading and indexing {rss['keys']:,} keys (peak with the read "
        f"{rss['rss_with_read_mb'] - rss['rss_before_mb']:.1f} MB); lookup "
        f"{traced['lookup_us']:.1f} us",
        f"< {GOAL_INDEX_MB:g} MB",
        index_mb < GOAL_INDEX_MB and rss["extra_mb"] < GOAL_INDEX_MB,
    )
    return section


def main() -> None:
    """``--index-rss N``: print the helper's figures as one JSON line."""
    parser = argparse.ArgumentParser(description="footprint helper process")
    parser.add_argument("--index-rss", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(_measure_index_rss(args.index_rss)))


if __name__ == "__main__":
    main()
