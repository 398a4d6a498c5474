"""The benchmark runner still runs (``python -m bench calls backlog --quick``), beside the agent.

The run's test asserts only that figures were produced (never how fast anything was); the others
hold the rule that nothing in ``agent/`` imports ``bench`` (or ``tests``).
"""

from __future__ import annotations

import ast
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


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports by name (absolute ``import x`` and ``from x import y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_agent_never_imports_the_benchmarks() -> None:
    """``bench`` and ``tests`` sit beside the agent: the shipped package must not need them."""
    offenders = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "agent").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in {"bench", "tests"}
    }
    assert not offenders, sorted(offenders)


def test_the_boundary_check_sees_an_import_of_bench(tmp_path: Path) -> None:
    """The check above would notice one: both import forms are recognised."""
    module = tmp_path / "m.py"
    module.write_text("import bench.common\nfrom bench.report import Section\n", encoding="utf-8")
    assert imported_modules(module) == {"bench.common", "bench.report"}
