"""The chaos run's processes: the emulator, the agents and the person, started and killed.

Each is a real process: ``python -m agent emulator`` persisting to SQLite on a fixed port (so
that it can be SIGKILLed and restarted on the same data), ``orc run`` agents through the test
harness's fleet, and ``python -m tests.chaos.person``. Their files (emulator data, logs, the
task log) live in a work directory from :func:`workdir_for`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import gspread
import requests

from agent.sheets.client import make_client
from tests.coordination.harness import ROOT, AgentProcess, Fleet

UNPACED = 1_000_000  # requests per minute: the runner's own clients never pace themselves


def unpaced_client(user: str, host: str) -> gspread.Client:
    """A gspread client for ``user`` on the emulator at ``host`` that never paces itself."""
    return make_client(
        user=user,
        emulator_host=host,
        read_per_minute=UNPACED,
        write_per_minute=UNPACED,
        token=user,  # the runner's own account: never counted against the fleet's
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmulatorProcess:
    """``python -m agent emulator`` on a fixed port and data file; killable and restartable."""

    def __init__(
        self, workdir: Path, *, quota: bool, fault_rate: float, seed: int, quota_scale: int = 1
    ) -> None:
        self.port = free_port()
        self.data = workdir / "emulator.sqlite"
        self.log = workdir / "emulator.log"
        self.quota = quota
        self.quota_scale = quota_scale
        self.armed: list[dict[str, Any]] = []  # faults armed, armed again after a restart
        self.fired: list[dict[str, Any]] = []  # armed faults that fired, over every life
        self.fault_rate = fault_rate
        self.seed = seed
        self.lives = 0
        self.popen: subprocess.Popen[bytes] | None = None
        self.stats_before: list[dict[str, Any]] = []  # final stats of each earlier life

    @property
    def host(self) -> str:
        """``host:port`` for ``SHEETS_EMULATOR_HOST``."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it (again) and wait until it answers."""
        args = [sys.executable, "-m", "agent", "emulator", "--port", str(self.port)]
        args += ["--data", str(self.data), "--fault-rate", str(self.fault_rate)]
        args += ["--seed", str(self.seed + self.lives)]
        if self.quota:
            args.append("--quota")
        with self.log.open("ab") as handle:
            self.popen = subprocess.Popen(
                args, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env=clean_env()
            )
        self.lives += 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self._url("health"), timeout=1).ok:
                    self._configure_life()
                    return
            except requests.RequestException:
                pass
            if self.popen.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the emulator did not start:\n{self.log.read_text()[-2000:]}")

    def _url(self, name: str) -> str:
        return f"http://{self.host}/_emulator/{name}"

    def _configure_life(self) -> None:
        """Google's quotas times ``quota_scale``; the armed faults not yet fired."""
        if self.quota_scale != 1:
            self.configure(
                per_user_per_minute=60 * self.quota_scale,
                per_project_per_minute=300 * self.quota_scale,
            )
        left = max(0, len(self.armed) - len(self.fired))
        for fault in self.armed[:left]:
            requests.post(self._url("faults"), json=fault, timeout=5).raise_for_status()

    def arm_late(self, account: str, times: int, delay_ms: int = 4000) -> None:
        """Arm ``times`` late writes on ``account``'s lease writes (claims and renewals)."""
        fault = {
            "kind": "late",
            "match": {"method": "POST", "path": ":batchUpdate", "body": "CLAIMED"},
            "times": 1,
            "delay_ms": delay_ms,
            "answer": "error",
        }
        fault["match"]["account"] = account  # type: ignore[index]
        for _ in range(times):
            self.armed.append(fault)
            requests.post(self._url("faults"), json=fault, timeout=5).raise_for_status()

    def fired_faults(self) -> list[dict[str, Any]]:
        """Armed faults that fired, over every life (``GET /_emulator/faults``)."""
        with suppress(requests.RequestException):
            reply = requests.get(self._url("faults"), timeout=5)
            reply.raise_for_status()
            return [*self.fired, *reply.json().get("fired", [])]
        return list(self.fired)

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats`` of the current life."""
        reply = requests.get(self._url("stats"), timeout=5)
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data

    def configure(self, **settings: Any) -> None:
        """``PUT /_emulator/config``."""
        requests.put(self._url("config"), json=settings, timeout=5).raise_for_status()

    def kill(self) -> None:
        """SIGKILL it, keeping the stats of the life that ends."""
        with suppress(requests.RequestException):
            self.stats_before.append(self.stats())
            self.fired = self.fired_faults()
        if self.popen is not None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        """Stop it for good (SIGTERM, then SIGKILL)."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)


def clean_env() -> dict[str, str]:
    """This environment without any agent or emulator setting, with the project importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEETS_", "WORKER_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


class ChaosFleet(Fleet):
    """The test harness's fleet, running the chaos handler with JSON logs, never in burst."""

    def start(
        self,
        name: str,
        *,
        burst: bool = False,
        handler: str = "tests.chaos.handler:run",
        options: tuple[str, ...] = ("--log-format", "json"),
        **env: str,
    ) -> AgentProcess:
        """Start ``orc run --handler tests.chaos.handler:run --log-format json`` as ``name``."""
        return super().start(name, burst=burst, handler=handler, options=options, **env)


class PersonProcess:
    """``python -m tests.chaos.person``: a person editing the sheet while the agents run."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def summary_file(self) -> Path:
        """Where the person writes what it did (JSON) when it leaves."""
        return self.workdir / "person.json"

    def start(
        self,
        host: str,
        spreadsheet_id: str,
        *,
        seed: int,
        late_urls: list[str],
        settled_requeue: bool,
        addon_url: str | None = None,
    ) -> None:
        """Start it against ``spreadsheet_id`` on the emulator at ``host``."""
        args = [sys.executable, "-m", "tests.chaos.person", "--host", host]
        args += ["--spreadsheet", spreadsheet_id, "--seed", str(seed)]
        args += ["--out", str(self.summary_file)]
        for url in late_urls:
            args += ["--late", url]
        if settled_requeue:
            args.append("--settled-requeue")
        if addon_url:
            args += ["--addon", addon_url]
        with (self.workdir / "person.log").open("ab") as handle:
            self.popen = subprocess.Popen(
                args, cwd=ROOT, env=clean_env(), stdout=handle, stderr=subprocess.STDOUT
            )

    def stop(self) -> int | None:
        """SIGTERM it, wait while it removes its junk rows; its exit code (None: not running)."""
        if self.popen is None or self.popen.poll() is not None:
            return None
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
        return self.popen.returncode


@contextmanager
def workdir_for(path: Path | None) -> Iterator[Path]:
    """``path`` (created), or a temporary directory removed afterwards."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    # /var/tmp, not /tmp: on a shared machine other runs prune /tmp (pytest's basetemp too),
    # and a deleted emulator data file or task log would turn into false "lost" tasks.
    with tempfile.TemporaryDirectory(prefix="orc-chaos-", dir=_SCRATCH) as tmp:
        yield Path(tmp)


_SCRATCH = "/var/tmp" if Path("/var/tmp").is_dir() else None
