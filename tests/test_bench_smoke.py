"""The benchmark runner still runs: ``python -m bench calls backlog --quick``.

Asserts only that figures were produced (never how fast anything was).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmarks_produce_figures(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "calls",
            "backlog",
            "--quick",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    calls = figures["sections"]["calls"]["data"]["runs"]
    assert calls and all(run["calls_per_task"] for run in calls)
    assert all(run["reads"] > 0 and run["writes"] > 0 for run in calls)
    backlog = figures["sections"]["backlog"]["data"]["runs"]
    assert [run["backlog"] for run in backlog] == [1_000, 5_000]
    assert all(run["cells_requested_per_read"] for run in backlog)
    assert (tmp_path / "bench.png").stat().st_size > 0
    assert result.stdout.startswith("benchmark")
