"""The demo's agents: ``python -m agent run --burst`` processes, each with its own name.

Each agent gets a clean environment: every setting of :class:`agent.config.Config` that the
caller's environment holds is removed (so a real ``SPREADSHEET_ID`` or ``SERVICE_ACCOUNT_FILE``
cannot leak into the demo), then the demo's settings are added. Agents run in a new session, so
Ctrl-C in the terminal reaches only ``orc demo``, which then stops them one signal at a time.
Their output goes to one log file each.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import agent
from agent.config import Config

HANDLER = "agent.demo.handlers:simulate"

#: Short leases and intervals, so that the demo finishes in seconds rather than minutes.
DEMO_SETTINGS: dict[str, str] = {
    "LEASE_SECONDS": "6",
    "HEARTBEAT_SECONDS": "1",
    "LEADER_LEASE_SECONDS": "6",
    "POLL_SECONDS": "0.5",
    "MAX_ATTEMPTS": "2",
    "CLAIM_BATCH": "2",
    "SOURCE_URL_POLICY": "any",
    # The demo's pages are served on 127.0.0.1, which is refused unless opted in.
    "ALLOW_PRIVATE_URLS": "127.0.0.0/8",
    "READ_QUOTA_PER_MINUTE": "600",
    "WRITE_QUOTA_PER_MINUTE": "600",
    "REQUEST_TIMEOUT_SECONDS": "10",
    "YTDLP_SLEEP_REQUESTS": "0",
    "SOURCE_EXTRACTORS": "agent.demo.extractors:extractors",
}


def agent_environment(
    base: Mapping[str, str], settings: Mapping[str, str], pythonpath: str | None = None
) -> dict[str, str]:
    """``base`` without any agent setting, plus ``settings`` (and ``pythonpath`` first)."""
    ours = {name.upper() for name in Config.model_fields}
    env = {k: v for k, v in base.items() if k.upper() not in ours}
    env.update(settings)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, env.get("PYTHONPATH")) if p)
    return env


@dataclass
class AgentProcess:
    """One agent process and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def returncode(self) -> int | None:
        """Its exit code, or None while it runs."""
        return self.popen.poll()

    def output(self) -> str:
        """Everything it printed (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL it and reap it."""
        _signal(self, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def log_tail(self, chars: int = 2000) -> str:
        """The end of what it printed."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-chars:]


@dataclass
class AgentFleet:
    """Agent processes sharing one environment; :meth:`stop` ends every one still running.

    The demo runs its own handler in burst mode; the tests' harness picks others. Each agent's
    log goes to ``workdir/<name>.log``; agents run in ``cwd`` (default ``workdir``).
    """

    workdir: Path
    settings: dict[str, str]
    agents: list[AgentProcess] = field(default_factory=list)
    cwd: Path | None = None

    def start(
        self,
        name: str,
        *,
        handler: str = HANDLER,
        burst: bool = True,
        options: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> AgentProcess:
        """Start ``orc run [--burst] --handler HANDLER OPTIONS...`` as worker ``name``.

        ``env`` adds settings for this agent only, over the fleet's.
        """
        package_parent = str(Path(agent.__file__).resolve().parent.parent)
        settings = {**self.settings, **(env or {}), "WORKER_NAME": name}
        environ = agent_environment(os.environ, settings, package_parent)
        log_path = self.workdir / f"{name}.log"
        command = [sys.executable, "-m", "agent", "run"]
        command += ["--burst"] if burst else []
        command += ["--handler", handler, *options]
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                command,
                cwd=self.cwd or self.workdir,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = AgentProcess(name, popen, log_path)
        self.agents.append(process)
        return process

    def running(self) -> list[AgentProcess]:
        """The agents that have not exited."""
        return [a for a in self.agents if a.returncode is None]

    def exit_codes(self) -> dict[str, int | None]:
        """Each agent's exit code (None while it runs)."""
        return {a.name: a.returncode for a in self.agents}

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for every agent to exit; True when all have."""
        deadline = time.monotonic() + timeout_s
        while self.running():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM every running agent (graceful: it gives back its claims), then SIGKILL.

        A Ctrl-C while waiting skips the grace period.
        """
        for process in self.running():
            _signal(process, signal.SIGTERM)
        try:
            if self.wait(grace_s):
                return
        except KeyboardInterrupt:
            self.kill()
            raise
        self.kill()

    def kill(self) -> None:
        """SIGKILL every running agent and reap it."""
        for process in self.running():
            _signal(process, signal.SIGKILL)
        for process in self.agents:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=5.0)


def _signal(process: AgentProcess, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.popen.send_signal(signum)
