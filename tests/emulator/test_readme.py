"""The package README's examples are real: each Python block runs as written, and
``python -m sheets_emulator`` serves as a process until SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sheets_emulator.clients import gspread_client

README = Path(__file__).resolve().parents[2] / "packages" / "sheets-emulator" / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), flags=re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_readme_python_block_runs(code: str) -> None:
    exec(compile(code, str(README), "exec"), {"__name__": "readme"})


def test_python_dash_m_serves_until_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SHEETS_EMULATOR_HOST",)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sheets_emulator",
            "--port",
            "0",
            "--data",
            str(tmp_path / "s.sqlite"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert found, first
        gc = gspread_client(found.group(1), token="cli")
        sh = gc.create("from the command line")
        sh.sheet1.update([["ok"]], "A1")
        assert sh.sheet1.acell("A1").value == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
