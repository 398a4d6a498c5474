"""The package's shape, enforced: import contracts, no import cycle, small modules.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked by the real
``lint-imports``; the module-level checks read the import graph with grimp (the library under
import-linter), which sees every import, function-level and ``TYPE_CHECKING`` ones included.
"""

from __future__ import annotations

import graphlib
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 450
EMULATOR_GLUE = {"agent.cli.emulator", "agent.demo.session"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("agent", include_external_packages=True, cache_dir=None)


def test_import_contracts_in_pyproject_are_kept() -> None:
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert linter is not None, "import-linter is not installed (dev group)"
    result = subprocess.run(
        [linter, str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report and "4 kept" in report, report


def test_no_module_of_agent_is_in_an_import_cycle(graph: grimp.ImportGraph) -> None:
    agent_modules = {m for m in graph.modules if m == "agent" or m.startswith("agent.")}
    edges = {
        module: {m for m in graph.find_modules_directly_imported_by(module) if m in agent_modules}
        for module in agent_modules
    }
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_only_the_emulator_and_demo_glue_import_the_emulator(graph: grimp.ImportGraph) -> None:
    importers = graph.find_modules_that_directly_import("sheets_emulator")
    assert {m for m in importers if m.startswith("agent")} == EMULATOR_GLUE


def test_no_module_of_agent_is_over_450_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted((ROOT / "agent").rglob("*.py"))
    }
    assert len(sizes) > 40, "the package was not found"
    too_long = {path: lines for path, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"
