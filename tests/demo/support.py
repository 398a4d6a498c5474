"""Helpers for the demo tests: the README's commands, a copy of the working tree, clean env."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from agent.config import Config
from agent.demo.outcome import SUMMARY_PREFIX

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def readme_block(name: str) -> str:
    """The code inside ``<!-- name -->`` ... ``<!-- /name -->`` of README.md (fences removed)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", text, re.S)
    assert match, f"README.md has no <!-- {name} --> block"
    fenced = re.search(r"```[a-z]*\n(.*?)```", match.group(1), re.S)
    assert fenced, f"the <!-- {name} --> block of README.md holds no fenced code"
    return fenced.group(1).strip()


def copy_working_tree(dest: Path) -> Path:
    """Copy what a clone would hold (tracked and new, not ignored files) to ``dest``."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return dest


def clean_environment(tmp: Path) -> dict[str, str]:
    """This environment without virtualenv or agent settings; temporary files under ``tmp``."""
    settings = {name.upper() for name in Config.model_fields}
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in settings and k not in ("VIRTUAL_ENV", "PYTHONPATH", "ORC_DEMO_DATA")
    }
    tmp.mkdir(parents=True, exist_ok=True)
    env["TMPDIR"] = str(tmp)
    return env


def demo_summary(stdout: str) -> dict[str, object]:
    """The JSON of the demo's last ``demo-summary:`` line."""
    import json

    lines = [line for line in stdout.splitlines() if line.startswith(SUMMARY_PREFIX)]
    assert lines, f"no {SUMMARY_PREFIX!r} line in the output:\n{stdout[-3000:]}"
    document: dict[str, object] = json.loads(lines[-1][len(SUMMARY_PREFIX) :])
    return document
