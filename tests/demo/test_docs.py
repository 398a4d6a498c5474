"""The newcomer's documents stay true: settings table, links, picture, examples, unit files."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agent.config import Config
from tests.demo.support import README, ROOT

#: Owned by the benchmarks work; the README points at it before it exists.
PENDING_DOCS = {"docs/benchmarks.md"}


def config_table() -> dict[str, str]:
    """Variable -> default cell of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- config-table -->", 1)[1].split("<!-- /config-table -->", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.*?) \|", block, re.M)
    return dict(rows)


def test_config_table_lists_every_setting_with_its_default() -> None:
    table = config_table()
    fields = Config.model_fields
    assert set(table) == {name.upper() for name in fields}
    for name, field in fields.items():
        cell = table[name.upper()]
        default = field.default
        if field.is_required():
            assert "required" in cell, name
        elif default is None:
            assert "unset" in cell or "required" in cell, name
        else:
            shown = re.fullmatch(r"`([^`]*)`", cell)
            assert shown, f"{name}: default cell {cell!r} should be one `value`"
            value = shown.group(1)
            if isinstance(default, bool):
                assert value == str(default).lower(), name
            elif isinstance(default, (int, float)):
                assert float(value) == float(default), name
            else:
                assert value == str(default), name


def relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t.split("#", 1)[0] for t in targets if not re.match(r"[a-z]+:", t) and t[0] != "#"]


@pytest.mark.parametrize("document", ["README.md", "docs/deployment.md"])
def test_relative_links_point_at_files(document: str) -> None:
    path = ROOT / document
    for target in relative_links(path):
        resolved = (path.parent / target).resolve()
        if str(resolved.relative_to(ROOT)) in PENDING_DOCS:
            continue
        assert resolved.exists(), f"{document} links to missing {target}"


def test_architecture_picture_is_plain_svg() -> None:
    svg = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    # GitHub shows SVGs as images: no scripts, no external resources, no embedded HTML.
    for forbidden in ("<script", "foreignObject", 'xlink:href="http', 'href="http', "@import"):
        assert forbidden not in svg
    assert "docs/architecture.svg" in README.read_text(encoding="utf-8")


def test_env_example_names_only_real_settings() -> None:
    text = (ROOT / "examples" / ".env.example").read_text(encoding="utf-8")
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M)
    assert names
    assert set(names) <= {name.upper() for name in Config.model_fields}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_units_verify(tmp_path: Path) -> None:
    for source in (ROOT / "examples" / "systemd").iterdir():
        shutil.copy(source, tmp_path / source.name.replace("@.", "@1."))
    units = sorted(str(p) for p in tmp_path.iterdir())
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "/opt/orc/bin/orc" not in line  # installed on the target only
    ]
    assert problems == []
