"""``python -m bench [NAME ...] [--quick] [--out DIR]``: run the benchmarks, print one table.

Names: calls, throughput, naive, expansion, failover, footprint, backlog, shared-account,
emulator (default: all, in that order). ``--quick`` runs a small smoke version of each. The
table is printed; the figures go to ``DIR/bench.json`` and the chart to ``DIR/bench.png``
(``bench-out/`` by default).
Benchmarks print figures and never fail on them; the exit code is 1 only when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    backlog,
    baseline,
    calls,
    emulator_rate,
    expansion,
    failover,
    footprint,
    shared_account,
)
from bench import throughput as quota_throughput
from bench.chart import draw
from bench.common import BenchEmulator, bench_emulator
from bench.report import Section, render_markdown, render_text, write_json

ROOT = Path(__file__).resolve().parents[1]

#: name -> benchmark(emulator, tmp, quick, earlier sections) -> Section
Runner = Callable[[BenchEmulator, Path, bool, dict[str, Section]], Section]

BENCHMARKS: dict[str, Runner] = {
    "calls": lambda emu, tmp, quick, _: calls.run(emu, tmp, quick),
    "throughput": lambda emu, tmp, quick, _: quota_throughput.run(emu, tmp, quick),
    "naive": lambda emu, tmp, quick, done: baseline.run(emu, tmp, quick, done),
    "expansion": lambda emu, tmp, quick, _: expansion.run(emu, tmp, quick),
    "failover": lambda emu, tmp, quick, _: failover.run(emu, tmp, quick),
    "footprint": lambda emu, tmp, quick, _: footprint.run(emu, tmp, quick),
    "backlog": lambda emu, tmp, quick, _: backlog.run(emu, tmp, quick),
    "shared-account": lambda emu, tmp, quick, _: shared_account.run(emu, tmp, quick),
    "emulator": lambda emu, tmp, quick, _: emulator_rate.run(quick),
}


def machine() -> dict[str, Any]:
    """Where and on what code the figures were measured."""
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": _git("rev-parse", "--short", "HEAD"),
        "agent_changes_not_committed": _git("status", "--short", "--", "agent"),
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C: every process and server is stopped on the way out."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; print the table; write JSON and PNG."""
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="small smoke version of each")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out", help="output directory")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    names = args.names or list(BENCHMARKS)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        **machine(),
        "command": "python -m bench " + " ".join([*args.names, *(["--quick"] * args.quick)]),
    }
    sections: dict[str, Section] = {}
    crashed = False
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp, bench_emulator() as emu:
            for name in names:
                started = time.monotonic()
                print(f"== {name} ...", file=sys.stderr, flush=True)
                try:
                    section = BENCHMARKS[name](emu, Path(tmp), args.quick, sections)
                except Exception:
                    crashed = True
                    section = Section(name)
                    section.add("crashed", traceback.format_exc().strip().splitlines()[-1])
                    section.notes.append(traceback.format_exc())
                    traceback.print_exc()
                section.seconds = round(time.monotonic() - started, 1)
                sections[name] = section
                print(f"   {name}: {section.seconds:.0f} s", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted: printing what was measured", file=sys.stderr)
        crashed = True
    meta["seconds"] = round(time.monotonic() - began, 1)
    meta["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    done = list(sections.values())
    print(render_text(done))
    for section in done:
        for note in section.notes:
            print(f"[{section.name}] {note}")
    write_json(done, meta, args.out / "bench.json")
    (args.out / "bench.md").write_text(render_markdown(done) + "\n", encoding="utf-8")
    draw(sections, args.out / "bench.png", meta)
    print(
        f"\n{meta['command']}: {meta['seconds']:.0f} s on {meta['nproc']} cores; wrote "
        f"{args.out / 'bench.json'}, {args.out / 'bench.png'}"
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
