"""Benchmark 6: resident memory of an idle agent, and the extra memory of a dedup index.

* Two agent processes (``orc run``, defaults; the first leads) on a spreadsheet with nothing to
  do, measured with psutil after they settled: RSS (what ``top`` shows) and USS (memory only
  the process holds), and the calls each makes per idle minute (from the tap).
* A :class:`~agent.sources.dedup.DedupIndex` of 100,000 YouTube keys: ``tracemalloc`` of the
  index alone (``tests.sources.bench.dedup_memory``), and the RSS a fresh process grows by when
  it reads 100,000 keys as a column read returns them and feeds them to an index (this counts
  what the allocator keeps after the read is freed).

``python -m bench.footprint --index-rss N`` is the helper process of the second figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench.common import BenchEmulator, fleet_of, production_timing, wait_until
from bench.report import Section
from bench.tap import UserTally
from tests.coordination.harness import ROOT
from tests.sources.bench import dedup_memory

GOAL_IDLE_MB = 80.0
GOAL_INDEX_MB = 30.0
MB = 1024 * 1024


ROLES = ("leader", "follower")


def _has_written(emulator: BenchEmulator, name: str, writes: int) -> Callable[[], bool]:
    """A predicate: agent ``name`` has sent at least ``writes`` writes (it has started)."""
    return lambda: emulator.agent_requests(name).get("write", 0) >= writes


def idle_agents(
    emulator: BenchEmulator, tmp: Path, settle_s: float, window_s: float
) -> dict[str, dict[str, Any]]:
    """Two idle agents (the first leads): RSS and USS of each, and its calls per idle minute."""
    gateway = emulator.new_sheet()
    emulator.start_counting()
    run_dir = tmp / "footprint"
    run_dir.mkdir(parents=True, exist_ok=True)
    names = {role: f"fp-{role}" for role in ROLES}
    with fleet_of(emulator, gateway, run_dir, production_timing()) as fleet:
        agents = {}
        for role in ROLES:  # one after the other, so that the first one leads
            agents[role] = fleet.start(names[role], burst=False)
            wait_until(_has_written(emulator, names[role], 2), 60)
        time.sleep(settle_s)
        before = {role: emulator.tap.tally(names[role]).copy() for role in ROLES}
        started = time.monotonic()
        time.sleep(window_s)
        after = {role: emulator.tap.tally(names[role]).copy() for role in ROLES}
        minutes = (time.monotonic() - started) / 60.0
        out = {}
        for role in ROLES:
            out[role] = _memory(psutil.Process(agents[role].popen.pid))
            out[role]["alive"] = agents[role].popen.poll() is None
            out[role].update(_rates(before[role], after[role], minutes))
    return out


def _memory(process: psutil.Process) -> dict[str, Any]:
    """Max RSS and USS over a few samples, and the thread count."""
    samples = []
    for _ in range(3):
        info = process.memory_full_info()
        samples.append((info.rss, info.uss))
        time.sleep(0.1)
    return {
        "rss_mb": round(max(s[0] for s in samples) / MB, 1),
        "uss_mb": round(max(s[1] for s in samples) / MB, 1),
        "threads": process.num_threads(),
    }


def _rates(before: UserTally, after: UserTally, minutes: float) -> dict[str, Any]:
    """Calls per minute by purpose between two tallies."""
    reads = {k: round((after.reads[k] - before.reads[k]) / minutes, 1) for k in after.reads}
    writes = {k: round((after.writes[k] - before.writes[k]) / minutes, 1) for k in after.writes}
    return {
        "idle_window_s": round(minutes * 60, 1),
        "idle_reads_per_min": {k: v for k, v in reads.items() if v},
        "idle_writes_per_min": {k: v for k, v in writes.items() if v},
    }


def index_rss(keys: int) -> dict[str, Any]:
    """In a fresh process: RSS before, after reading ``keys`` keys, after indexing them."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.footprint", "--index-rss", str(keys)],
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
    idle = idle_agents(
        emulator, tmp, settle_s=0.5 if quick else 2.0, window_s=2.0 if quick else 30.0
    )
    keys = 20_000 if quick else 100_000
    traced = dedup_memory(keys)
    rss = index_rss(keys)
    section.data = {
        "idle_agents": idle,
        "settings": production_timing(),
        "index_tracemalloc": traced,
        "index_rss": rss,
    }
    for role, figures in idle.items():
        reads = sum(figures["idle_reads_per_min"].values())
        writes = sum(figures["idle_writes_per_min"].values())
        section.add(
            f"idle agent, {role} (orc run, defaults, empty queue)",
            f"RSS {figures['rss_mb']:.1f} MB, USS {figures['uss_mb']:.1f} MB, "
            f"{figures['threads']} threads; idle cost {reads:.0f} reads + {writes:.0f} writes "
            f"per minute (reads {figures['idle_reads_per_min']}, writes "
            f"{figures['idle_writes_per_min']}; over {figures['idle_window_s']:.0f} s)",
            f"< {GOAL_IDLE_MB:g} MB",
            figures["alive"] and figures["rss_mb"] < GOAL_IDLE_MB,
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
