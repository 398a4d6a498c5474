"""Both wheels build; the agent's installs alone in a fresh virtual environment, and ``orc``
works from there; ``orc emulator`` names the extra until the sheets-emulator wheel is added.

Takes about half a minute: building is quick (uv, or ``python -m build``), installing the
dependencies into a new venv with pip is most of it (PyPI or its local mirror must be reachable).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import requests

from agent.__about__ import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = (
    "agent/__init__.py",
    "agent/py.typed",
    "agent/cli/demo.py",
    "agent/demo/session.py",
    "agent/schema.py",
)


def _clean_env() -> dict[str, str]:
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "WORKER_NAME", "SPREADSHEET_ID"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(args: list[str], cwd: Path, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout_s
    )


EMULATOR = ROOT / "packages" / "sheets-emulator"


def _build(project: Path, out: Path) -> None:
    uv = _run(["python3", "-m", "uv", "--version"], ROOT)
    if uv.returncode == 0:
        done = _run(["python3", "-m", "uv", "build", "--wheel", "-o", str(out), str(project)], ROOT)
    else:
        done = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out)], project)
    assert done.returncode == 0, done.stdout + done.stderr


def build_wheels(out: Path) -> tuple[Path, Path]:
    """(the agent's wheel, the sheets-emulator wheel), with uv when available, else ``build``."""
    _build(ROOT, out / "agent")
    _build(EMULATOR, out / "emulator")
    (agent,) = (out / "agent").glob("*.whl")
    (emulator,) = (out / "emulator").glob("*.whl")
    return agent, emulator


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the agent's wheel, the sheets-emulator wheel)."""
    return build_wheels(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory, wheels: tuple[Path, Path]
) -> tuple[Path, Path]:
    """(the agent's wheel, the bin directory of a fresh venv it alone was installed into)."""
    tmp = tmp_path_factory.mktemp("packaging")
    wheel = wheels[0]
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], tmp)
    assert made.returncode == 0, made.stderr
    python = str(venv / "bin" / "python")
    quiet = ["--quiet", "--disable-pip-version-check"]
    pip = _run([python, "-m", "pip", "install", *quiet, str(wheel)], tmp, timeout_s=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return wheel, venv / "bin"


@pytest.mark.slow
def test_wheel_holds_the_package_and_its_metadata(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    assert wheel.name == f"yt_gsheet_orchestrator-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
        entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
    for module in PACKAGED:
        assert module in names
    assert not any(n.startswith("tests/") for n in names)
    assert not any("emulator/" in n for n in names)  # its own distribution (the extra)
    assert metadata["Name"] == "yt-gsheet-orchestrator"
    assert metadata["Version"] == __version__
    assert metadata["Requires-Python"] == ">=3.10"
    assert "MIT" in (metadata.get("License-Expression") or metadata.get("License") or "")
    assert metadata.get_all("Project-URL")
    assert "Programming Language :: Python :: 3" in metadata.get_all("Classifier")
    assert "orc = agent.cli:main" in entry_points


@pytest.mark.slow
def test_orc_help_from_the_fresh_venv(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    done = _run([str(bin_dir / "orc"), "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("run", "init", "add-source", "requeue", "status", "check", "emulator", "demo"):
        assert f"  {command} " in done.stdout
    version = _run([str(bin_dir / "orc"), "--version"], tmp_path)
    assert version.returncode == 0 and __version__ in version.stdout

    module = _run([str(bin_dir / "python"), "-m", "agent", "--help"], tmp_path)
    assert module.returncode == 0, module.stderr
    assert module.stdout.replace("python -m agent", "orc") == done.stdout

    where = _run([str(bin_dir / "python"), "-c", "import agent; print(agent.__file__)"], tmp_path)
    assert str(bin_dir.parent) in where.stdout  # the installed copy, not this checkout


@pytest.mark.slow
def test_bad_configuration_exits_2_from_the_fresh_venv(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, bin_dir = installed
    done = _run([str(bin_dir / "orc"), "check"], tmp_path)
    assert done.returncode == 2
    assert "WORKER_NAME" in done.stderr


@pytest.mark.slow
def test_the_emulator_wheel_is_standalone(wheels: tuple[Path, Path]) -> None:
    _, emulator = wheels
    from sheets_emulator.__about__ import __version__ as emulator_version

    assert emulator.name == f"sheets_emulator-{emulator_version}-py3-none-any.whl"
    with zipfile.ZipFile(emulator) as archive:
        names = set(archive.namelist())
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    assert "sheets_emulator/__main__.py" in names and "sheets_emulator/py.typed" in names
    assert not any(n.startswith("agent/") for n in names)
    assert metadata.get_all("Requires-Dist") is None  # the standard library only
    assert "gspread" in (metadata.get_payload() or "")  # the README is the long description


@pytest.mark.slow
def test_orc_emulator_needs_the_extra_then_starts(
    installed: tuple[Path, Path], wheels: tuple[Path, Path], tmp_path: Path
) -> None:
    _, bin_dir = installed
    alone = _run([str(bin_dir / "orc"), "emulator", "--port", "0"], tmp_path, timeout_s=60)
    assert alone.returncode == 1, alone.stdout + alone.stderr
    assert "pip install 'yt-gsheet-orchestrator[emulator]'" in alone.stderr
    assert "Traceback" not in alone.stderr
    quiet = ["--quiet", "--disable-pip-version-check", "--no-deps"]
    pip = _run([str(bin_dir / "python"), "-m", "pip", "install", *quiet, str(wheels[1])], tmp_path)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    proc = subprocess.Popen(
        [str(bin_dir / "orc"), "emulator", "--port", "0"],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", first)
        assert found, first

        health = requests.get(f"http://127.0.0.1:{found.group(1)}/_emulator/health", timeout=10)
        assert health.json()["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
