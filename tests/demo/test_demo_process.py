"""``orc demo`` as a process: Ctrl-C stops everything; ``--keep`` leaves a sheet for orc status."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import psutil
import pytest

from agent.demo import catalog
from tests.demo.support import ROOT, clean_environment

StartDemo = Callable[..., "DemoProcess"]
SCHEMA = json.loads((ROOT / "docs" / "status.schema.json").read_text(encoding="utf-8"))


@dataclass
class DemoProcess:
    """``python -m agent demo ...`` with its output read line by line in a thread."""

    popen: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def start_reader(self) -> None:
        def pump() -> None:
            assert self.popen.stdout is not None
            for text in self.popen.stdout:
                self.lines.put(text.rstrip("\n"))

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, pattern: str, timeout_s: float = 90) -> re.Match[str]:
        """The first line (from now on) matching ``pattern``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                text = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.popen.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(text)
            found = re.search(pattern, text)
            if found:
                return found
        raise AssertionError(f"no line matched {pattern!r}; output:\n" + "\n".join(self.seen[-40:]))


@pytest.fixture
def start_demo(tmp_path: Path) -> Iterator[StartDemo]:
    """``start(*args)`` -> a running demo; killed (with its agents) if the test left it running."""
    started: list[DemoProcess] = []

    def start(*args: str) -> DemoProcess:
        popen = subprocess.Popen(
            [sys.executable, "-m", "agent", "demo", "--no-live", *args],
            cwd=tmp_path,
            env={**clean_environment(tmp_path / "tmp"), "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process = DemoProcess(popen)
        process.start_reader()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.popen.poll() is None:
            for child in psutil.Process(process.popen.pid).children(recursive=True):
                child.kill()
            process.popen.kill()
            process.popen.wait(timeout=10)
        if process.popen.stdout is not None:
            process.popen.stdout.close()


def _port_open(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_ctrl_c_stops_agents_feed_and_emulator(start_demo: StartDemo) -> None:
    demo = start_demo()
    emulator = demo.wait_for(r"Sheets emulator on (\S+);").group(1)
    feed = demo.wait_for(r"local feed on http://(\S+):").group(1)
    demo.wait_for(r"started 3 agents")
    demo.wait_for(r"finished [1-9]\d*/")  # agents at work
    agents = psutil.Process(demo.popen.pid).children(recursive=True)
    assert len(agents) == 3

    demo.popen.send_signal(signal.SIGINT)

    assert demo.popen.wait(timeout=60) == 130
    _, alive = psutil.wait_procs(agents, timeout=5)
    assert alive == []
    assert not _port_open(emulator) and not _port_open(feed)


@pytest.mark.slow
def test_keep_leaves_the_emulator_up_for_orc_status(start_demo: StartDemo, tmp_path: Path) -> None:
    demo = start_demo("--keep", "--agents", "2", "--task-seconds", "0.2")
    found = demo.wait_for(r"export SHEETS_EMULATOR_HOST=(\S+) SPREADSHEET_ID=(\S+) WORKER_NAME=")
    host, spreadsheet_id = found.group(1), found.group(2)
    env = {
        **clean_environment(tmp_path / "tmp"),
        "PYTHONPATH": str(ROOT),
        "SHEETS_EMULATOR_HOST": host,
        "SPREADSHEET_ID": spreadsheet_id,
        "WORKER_NAME": "me",
    }
    status = subprocess.run(
        [sys.executable, "-m", "agent", "status", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    jsonschema.validate(data, SCHEMA)
    assert sorted(w["name"] for w in data["workers"]) == ["demo-agent-1", "demo-agent-2"]
    assert all(w["state"] == "inactive" for w in data["workers"])
    assert data["queues"]["Tasks History"] + data["queues"]["Tasks DLQ"] == len(
        catalog.expected_video_ids()
    )
    assert data["queues"]["Tasks DLQ"] == len(catalog.BROKEN)

    demo.popen.send_signal(signal.SIGINT)
    assert demo.popen.wait(timeout=30) == 130
    assert not _port_open(host)
