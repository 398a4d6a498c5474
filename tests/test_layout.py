"""The repository's layout rules that the import contracts do not cover (docs/architecture.md).

``bench`` and ``tests`` sit beside the distributions: nothing shipped may import them. The
emulator ships alone, so it imports nothing of the agent. And the architecture page describes
every package the agent has, with a picture GitHub can show.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMULATOR_SRC = ROOT / "packages" / "sheets-emulator" / "src" / "sheets_emulator"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PICTURE = ROOT / "docs" / "packages.svg"
SVG = "{http://www.w3.org/2000/svg}"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports by absolute name (``import x``, ``from x import y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imports_of(folder: Path, forbidden: set[str]) -> list[str]:
    """``file imports module`` for every import of a ``forbidden`` top-level name in ``folder``."""
    return sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in folder.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in forbidden
    )


def test_agent_never_imports_bench_or_tests() -> None:
    assert imports_of(ROOT / "agent", {"bench", "tests"}) == []


def test_emulator_stands_alone() -> None:
    assert imports_of(EMULATOR_SRC, {"agent", "bench", "tests"}) == []


def test_the_import_scan_sees_both_forms(tmp_path: Path) -> None:
    """The checks above would notice an import: both statement forms are read, relative skipped."""
    (tmp_path / "m.py").write_text(
        "import bench.common\nfrom tests.coordination import harness\nfrom . import sibling\n",
        encoding="utf-8",
    )
    assert imported_modules(tmp_path / "m.py") == {"bench.common", "tests.coordination"}


def test_architecture_page_names_every_package() -> None:
    """Each package folder of ``agent/`` (``cli/``, ``coordination/queue/`` ...) is on the page."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    packages = sorted(
        init.parent.relative_to(ROOT / "agent").as_posix()
        for init in (ROOT / "agent").rglob("__init__.py")
        if init.parent != ROOT / "agent"
    )
    assert packages
    missing = [name for name in packages if f"`{name}/`" not in text]
    assert missing == [], f"docs/architecture.md does not describe {missing}"


def test_architecture_page_is_linked_and_shows_the_picture() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert "](packages.svg)" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    development = readme.split("## Development", 1)[1]
    assert "docs/architecture.md" in development


def test_package_picture_is_plain_svg_with_real_text() -> None:
    svg = PICTURE.read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    # GitHub shows SVGs as images: no scripts, no external resources, no embedded HTML.
    for forbidden in ("<script", "foreignObject", 'href="http', "@import", "<image"):
        assert forbidden not in svg
    # Labels are text, not outlines, so they can be searched, read aloud and diffed.
    labels = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    for name in ("cli/", "runtime/", "coordination/", "sources/", "sheets/", "sheets-emulator"):
        assert name in labels
    assert "Apps Script" in labels


def test_architecture_page_links_point_at_files() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)#\s]+)\)", text) if "://" not in t]
    assert "packages.svg" in targets
    missing = [t for t in targets if not (ARCHITECTURE.parent / t).resolve().exists()]
    assert missing == []
