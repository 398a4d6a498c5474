"""sheets_emulator needs only the standard library; the optional client glue is the exception,
and imports its library where it is used."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sheets_emulator

PACKAGE = Path(sheets_emulator.__file__).parent
#: Modules allowed a third-party import, and which.
OPTIONAL = {"requests_adapter.py": {"requests"}}
LAZY = {"clients.py": {"gspread", "google", "googleapiclient"}}


def _imports(tree: ast.AST, top_level_only: bool) -> set[str]:
    nodes = tree.body if top_level_only and isinstance(tree, ast.Module) else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_every_module_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"sheets_emulator", "__future__"}
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20
    for path in modules:
        tree = ast.parse(path.read_text("utf-8"))
        name = path.name
        top = _imports(tree, top_level_only=True) - allowed
        assert top <= OPTIONAL.get(name, set()), f"{path}: {top}"
        anywhere = _imports(tree, top_level_only=False) - allowed
        assert anywhere <= OPTIONAL.get(name, set()) | LAZY.get(name, set()), f"{path}: {anywhere}"


def test_the_core_imports_without_requests() -> None:
    import subprocess

    code = (
        "import sys; sys.modules['requests'] = None; "
        "import sheets_emulator, sheets_emulator.transport, sheets_emulator.clients; "
        "from sheets_emulator import EmulatorServer; EmulatorServer().stop(); print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
