"""The chaos scenario: agents, an emulator and a person, all processes, and faults on purpose.

One seeded run (see :class:`ChaosSettings` for the two sizes):

1. the emulator runs as a process persisting to SQLite, with ``--quota`` and ``--fault-rate``;
2. a spreadsheet is created (``orc init``'s code) with a user column ``My Notes`` in Tasks, and
   the sources of :class:`~tests.chaos.catalog.ChaosCatalog` are added (one is a removed
   playlist);
3. agents (``orc run`` processes, non-burst, JSON logs) drain it with the chaos handler while:
   an agent is SIGKILLed every few seconds and restarted with the same ``WORKER_NAME`` (often
   the leader, on purpose); one agent gets a SIGTERM and must exit 0 by itself; the emulator is
   SIGKILLed once and restarted on the same port and data; a person process edits the sheet;
4. once most tasks are finished the chaos stops, the person tidies up and leaves, the queue
   drains, faults are turned off, every agent gets a SIGTERM, and the sheet is audited.

A monitor polls, with one ``values:batchGet`` every ``poll_s``, the leader cell and the queue
columns (for progress, leadership gaps and the drain check), and the emulator's control
endpoint (API calls and 429s, summed over both emulator lives).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from agent.coordination.enqueue import add_sources
from agent.coordination.leadership import parse_leader_lease
from agent.schema import (
    LEADER_ELECTION,
    SOURCES,
    SOURCES_DLQ,
    SOURCES_HISTORY,
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
    ColumnMap,
)
from agent.sheets.a1 import column_letter, column_range, quote_title
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from tests.chaos.catalog import ChaosCatalog
from tests.chaos.person import JUNK_ID, NOTES
from tests.coordination.harness import (
    ROOT,
    AgentProcess,
    Fleet,
    check_drained,
    make_sheet,
    overlaps,
    read_tab,
)

UNPACED = {"read_per_minute": 1_000_000, "write_per_minute": 1_000_000}


@dataclass
class ChaosSettings:
    """The size and the violence of one run."""

    seed: int = 7
    agents: int = 5
    sources: int = 10
    videos: int = 100
    late: int = 2
    fault_rate: float = 0.02
    quota: bool = True
    kill_every_s: tuple[float, float] = (8.0, 15.0)
    max_kills: int = 1_000
    leader_kill_share: float = 0.3
    restart_after_s: tuple[float, float] = (0.5, 3.0)
    sigterm_at: float = 0.25  # fraction of tasks finished when one agent gets a SIGTERM
    emulator_kill_at: float = 0.45  # ... when the emulator is SIGKILLed and restarted
    emulator_down_s: float = 2.0
    chaos_until: float = 0.85  # ... when the kills and the person stop
    poll_s: float = 2.0
    #: Requeue only DLQ rows that settled (see person.py); False shows the requeue race.
    settled_requeue: bool = False
    timeout_s: float = 1_200.0
    agent_env: dict[str, str] = field(
        default_factory=lambda: {
            "CONCURRENCY": "2",
            "CLAIM_BATCH": "5",
            "HEARTBEAT_SECONDS": "3",
            "LEASE_SECONDS": "30",
            "LEADER_LEASE_SECONDS": "9",
            "POLL_SECONDS": "1",
            "MAX_ATTEMPTS": "3",
            "REQUEST_TIMEOUT_SECONDS": "5",
            "READ_QUOTA_PER_MINUTE": "60",
            "WRITE_QUOTA_PER_MINUTE": "60",
            "YTDLP_SLEEP_REQUESTS": "0",
            "HANDLER_SLEEP_S": "0.1",
            "HANDLER_FAIL_EVERY": "15",
            "CHAOS_BROKEN_EVERY": "80",
        }
    )

    @classmethod
    def full(cls, seed: int = 7) -> ChaosSettings:
        """The issue's scenario: 5 agents x 2, 10 sources of about 100 videos, every fault."""
        return cls(seed=seed)

    @classmethod
    def reduced(cls, seed: int = 7) -> ChaosSettings:
        """A smaller run for the normal test command: 3 agents, ~230 tasks, one of each blow."""
        settings = cls(
            seed=seed,
            agents=3,
            sources=2,
            videos=80,
            late=1,
            fault_rate=0.02,
            kill_every_s=(6.0, 6.0),
            max_kills=1,
            leader_kill_share=1.0,
            sigterm_at=0.2,
            emulator_kill_at=0.4,
            chaos_until=0.7,
            timeout_s=360.0,  # about 140 s here; room for a slower CI machine
            settled_requeue=False,
        )
        settings.agent_env.update({"HEARTBEAT_SECONDS": "2", "LEASE_SECONDS": "20"})
        settings.agent_env.update({"LEADER_LEASE_SECONDS": "8", "CHAOS_BROKEN_EVERY": "40"})
        return settings

    @property
    def catalog(self) -> ChaosCatalog:
        """The sources this run serves."""
        return ChaosCatalog(self.seed, self.sources, self.videos, self.late)


# ---------------------------------------------------------------------------------- processes
def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmulatorProcess:
    """``python -m agent emulator`` on a fixed port and data file; killable and restartable."""

    def __init__(self, workdir: Path, *, quota: bool, fault_rate: float, seed: int) -> None:
        self.port = free_port()
        self.data = workdir / "emulator.sqlite"
        self.log = workdir / "emulator.log"
        self.quota = quota
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
                args, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env=_clean_env()
            )
        self.lives += 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self._url("health"), timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            if self.popen.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the emulator did not start:\n{self.log.read_text()[-2000:]}")

    def _url(self, name: str) -> str:
        return f"http://{self.host}/_emulator/{name}"

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


def _clean_env() -> dict[str, str]:
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


# ---------------------------------------------------------------------------------- the run
@dataclass
class Event:
    """One thing the runner did or saw, for the report."""

    t: float
    what: str

    def line(self) -> str:
        """``  12.3 s  what``."""
        return f"{self.t:7.1f} s  {self.what}"


@dataclass
class Observation:
    """What one monitor poll saw."""

    leader: str
    finished: set[str]
    live_tasks: int
    live_sources: int


class ChaosRun:
    """One run of the scenario in ``workdir``; :meth:`run` returns the :class:`ChaosReport`."""

    def __init__(self, settings: ChaosSettings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir
        self.catalog = settings.catalog
        self.rng = random.Random(settings.seed)
        self.events: list[Event] = []
        self.t0 = time.monotonic()
        self.emulator = EmulatorProcess(
            workdir, quota=settings.quota, fault_rate=settings.fault_rate, seed=settings.seed
        )
        self.fleet: ChaosFleet | None = None
        self.current: dict[str, AgentProcess] = {}
        self.killed: dict[int, tuple[str, float]] = {}  # pid -> (name, epoch time of SIGKILL)
        self.restarts: list[tuple[float, str]] = []  # (monotonic due time, name)
        self.sigterm: dict[str, Any] = {}
        self.unexpected_exits: list[str] = []
        self.person: subprocess.Popen[bytes] | None = None
        self.leader_values: list[tuple[float, str]] = []  # (t, lease text) when it changed
        self.terms_seen: set[int] = set()
        self.monitor: SheetsGateway | None = None
        self.maps: dict[str, ColumnMap] = {}
        self.expected_max: set[str] = self.catalog.task_ids(
            self.catalog.initial_urls() + self.catalog.late_urls()
        )

    def note(self, what: str) -> None:
        """Record an event (and print it, so a long run shows progress)."""
        event = Event(time.monotonic() - self.t0, what)
        self.events.append(event)
        print(event.line(), flush=True)

    # ------------------------------------------------------------------ setup
    def setup(self) -> SheetsGateway:
        """Emulator, spreadsheet, user column, sources."""
        self.emulator.start()
        client = make_client(
            user="chaos-setup", emulator_host=self.emulator.host, token="chaos-setup", **UNPACED
        )
        sheet = make_sheet(client)
        (header,) = sheet.read([f"{quote_title(TASKS.title)}!1:1"])
        notes_at = f"{quote_title(TASKS.title)}!{column_letter(len(header[0]))}1"
        sheet.write_values([(notes_at, [[NOTES]])])
        add_sources(sheet, self.catalog.initial_urls())
        monitor = make_client(
            user="chaos-monitor", emulator_host=self.emulator.host, token="chaos-monitor", **UNPACED
        )
        self.monitor = SheetsGateway(monitor, sheet.spreadsheet_id)
        specs = (TASKS, TASKS_HISTORY, TASKS_DLQ, SOURCES, LEADER_ELECTION)
        headers = self.monitor.read([f"{quote_title(s.title)}!1:1" for s in specs])
        self.maps = {s.title: ColumnMap(s, h[0]) for s, h in zip(specs, headers, strict=True)}
        self.note(
            f"emulator on {self.emulator.host}; spreadsheet {sheet.spreadsheet_id}; "
            f"{len(self.catalog.initial_urls())} sources added"
        )
        return sheet

    def agent_names(self) -> list[str]:
        """The fleet's worker names."""
        return [f"agent-{n}" for n in range(self.settings.agents)]

    def start_agent(self, name: str) -> None:
        """Start (or restart) agent ``name``."""
        assert self.fleet is not None
        # One account per agent, as the run was built (the emulator counted quota per worker
        # then); the fleet on one shared account belongs with issue 13's shared-quota pacing.
        self.current[name] = self.fleet.start(name, SHEETS_EMULATOR_TOKEN=name)

    def start_person(self) -> None:
        """Start the person process."""
        assert self.monitor is not None
        args = [sys.executable, "-m", "tests.chaos.person", "--host", self.emulator.host]
        args += ["--spreadsheet", self.monitor.spreadsheet_id, "--seed", str(self.settings.seed)]
        args += ["--out", str(self.workdir / "person.json")]
        for url in self.catalog.late_urls():
            args += ["--late", url]
        if self.settings.settled_requeue:
            args.append("--settled-requeue")
        with (self.workdir / "person.log").open("ab") as handle:
            self.person = subprocess.Popen(
                args, cwd=ROOT, env=_clean_env(), stdout=handle, stderr=subprocess.STDOUT
            )

    def stop_person(self) -> None:
        """SIGTERM the person and wait while it removes its junk rows."""
        if self.person is None or self.person.poll() is not None:
            return
        self.person.send_signal(signal.SIGTERM)
        try:
            self.person.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.person.kill()
            self.person.wait(timeout=10)
        self.note(f"person stopped (exit {self.person.returncode})")

    # ------------------------------------------------------------------ monitor
    def observe(self) -> Observation | None:
        """One batchGet: leader cell, finished IDs, live queue rows; None when it failed."""
        assert self.monitor is not None
        m = self.maps
        ranges = [
            column_range(LEADER_ELECTION.title, m[LEADER_ELECTION.title].col("lease"), 2),
            column_range(TASKS_HISTORY.title, m[TASKS_HISTORY.title].col("id"), 2),
            column_range(TASKS_DLQ.title, m[TASKS_DLQ.title].col("id"), 2),
            column_range(TASKS.title, m[TASKS.title].col("id"), 2),
            column_range(TASKS.title, m[TASKS.title].col("lease"), 2),
            column_range(SOURCES.title, m[SOURCES.title].col("id"), 2),
            column_range(SOURCES.title, m[SOURCES.title].col("lease"), 2),
        ]
        try:
            leader, history, dlq, t_ids, t_leases, s_ids, s_leases = self.monitor.read(ranges)
        except Exception:  # the emulator may be down or answer a fault: try next poll
            return None
        text = leader[0][0] if leader and leader[0] else ""
        if not self.leader_values or self.leader_values[-1][1] != text:
            self.leader_values.append((time.monotonic() - self.t0, text))
        lease = parse_leader_lease(text)
        if lease is not None and lease.term:
            self.terms_seen.add(lease.term)
        finished = {r[0] for r in history + dlq if r}
        return Observation(
            leader=lease.owner_name if lease else "",
            finished=finished,
            live_tasks=_live_rows(t_ids, t_leases),
            live_sources=_live_rows(s_ids, s_leases),
        )

    def progress(self, seen: Observation) -> float:
        """Finished tasks as a fraction of every task the sources could produce."""
        return len(seen.finished & self.expected_max) / max(1, len(self.expected_max))

    # ------------------------------------------------------------------ chaos
    def check_agents(self, chaos: bool) -> None:
        """Restart agents due; notice and restart agents that exited on their own."""
        now = time.monotonic()
        for due, name in list(self.restarts):
            if due <= now:
                self.restarts.remove((due, name))
                self.start_agent(name)
                self.note(f"restarted {name}")
        for name, process in list(self.current.items()):
            code = process.popen.poll()
            if code is None or process.popen.pid in self.killed:
                continue
            if self.sigterm.get("pid") == process.popen.pid:
                if "exit_code" not in self.sigterm:
                    self.sigterm["exit_code"] = code
                    self.sigterm["exit_after_s"] = round(time.monotonic() - self.sigterm["at"], 1)
                    self.note(f"{name} exited {code} after its SIGTERM")
                    self.restarts.append((now + 1.0, name))
                continue
            if any(n == name for _, n in self.restarts):
                continue
            tail = process.output()[-1500:]
            self.unexpected_exits.append(f"{name} (pid {process.popen.pid}) exited {code}: {tail}")
            self.note(f"{name} exited {code} on its own; restarting it")
            self.restarts.append((now + 0.5, name))

    def kill_one(self, leader: str) -> bool:
        """SIGKILL the leader (sometimes) or a random running agent; schedule its restart.

        Returns False (nothing killed) when the leader was wanted but none is known yet.
        """
        running = [
            n
            for n, p in self.current.items()
            if p.popen.poll() is None and p.popen.pid != self.sigterm.get("pid")
        ]
        wants_leader = self.rng.random() < self.settings.leader_kill_share
        if not running or (wants_leader and leader not in running):
            return False
        name = leader if wants_leader else self.rng.choice(running)
        process = self.current[name]
        process.kill()
        self.killed[process.popen.pid] = (name, time.time())
        role = " (the leader)" if name == leader else ""
        self.note(f"SIGKILL {name}{role}")
        delay = self.rng.uniform(*self.settings.restart_after_s)
        self.restarts.append((time.monotonic() + delay, name))
        return True

    def send_sigterm(self, leader: str) -> None:
        """SIGTERM one running agent that does not lead; it must finish and exit 0."""
        running = [n for n, p in self.current.items() if p.popen.poll() is None and n != leader]
        if not running:
            return
        name = self.rng.choice(running)
        process = self.current[name]
        process.popen.send_signal(signal.SIGTERM)
        self.sigterm = {"name": name, "pid": process.popen.pid, "at": time.monotonic()}
        self.note(f"SIGTERM {name}")

    def restart_emulator(self) -> None:
        """SIGKILL the emulator; start it again on the same port and data."""
        self.emulator.kill()
        self.note("SIGKILL emulator")
        time.sleep(self.settings.emulator_down_s)
        self.emulator.start()
        self.note("emulator restarted with the same data")

    # ------------------------------------------------------------------ main
    def run(self) -> ChaosReport:
        """Set up, unleash, drain, audit."""
        try:
            sheet = self.setup()
            self.fleet = ChaosFleet(
                self.emulator.host,
                sheet.spreadsheet_id,
                self.workdir,
                settings={**self.settings.agent_env, **self.catalog.environment()},
            )
            for name in self.agent_names():
                self.start_agent(name)
            self.start_person()
            drained = self.loop()
            return self.finish(sheet, drained)
        finally:
            self.stop_person()
            if self.fleet is not None:
                self.fleet.stop_all()
            self.emulator.stop()

    def loop(self) -> bool:
        """Chaos until ``chaos_until`` of the tasks are finished, then drain; False on timeout."""
        s = self.settings
        deadline = self.t0 + s.timeout_s
        next_kill = time.monotonic() + self.rng.uniform(*s.kill_every_s)
        kills = 0
        sigterm_sent = emulator_killed = False
        chaos = True
        quiet_polls = 0
        next_progress = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(s.poll_s)
            self.check_agents(chaos)
            seen = self.observe()
            if seen is None:
                continue
            done = self.progress(seen)
            if time.monotonic() >= next_progress:
                next_progress += 30
                self.note(f"progress: {done:.0%} of the tasks finished; leader {seen.leader!r}")
            if chaos:
                due = kills < s.max_kills and time.monotonic() >= next_kill
                if due and self.kill_one(seen.leader):
                    kills += 1
                    next_kill = time.monotonic() + self.rng.uniform(*s.kill_every_s)
                if not sigterm_sent and done >= s.sigterm_at:
                    self.send_sigterm(seen.leader)
                    sigterm_sent = True
                if not emulator_killed and done >= s.emulator_kill_at:
                    self.restart_emulator()
                    emulator_killed = True
                if done >= s.chaos_until and sigterm_sent and emulator_killed and kills:
                    chaos = False
                    self.note(f"chaos over at {done:.0%} finished; the person tidies up")
                    self.stop_person()
                continue
            idle = not self.restarts and seen.live_tasks == 0 and seen.live_sources == 0
            quiet_polls = quiet_polls + 1 if idle else 0
            if quiet_polls >= 2:
                self.note(f"drained: {len(seen.finished)} tasks finished")
                return True
        self.note("timed out")
        return False

    def finish(self, sheet: SheetsGateway, drained: bool) -> ChaosReport:
        """SIGTERM every agent, read everything back with faults off, build the report."""
        assert self.fleet is not None
        exits: dict[str, int | None] = {}
        # The final stop runs without injected faults (the mid-run SIGTERM had them): a fault
        # on an agent's last write would leave a finished row for the next start to move,
        # which is correct behaviour but would read as "still queued" in this audit.
        with suppress(requests.RequestException):
            self.emulator.configure(fault_rate=0.0)
        for process in self.current.values():
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for name, process in self.current.items():
            try:
                exits[name] = process.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                exits[name] = None
        self.emulator.configure(fault_rate=0.0, quota=False)
        final_stats = self.emulator.stats()
        audit = make_client(
            user="chaos-audit", emulator_host=self.emulator.host, token="chaos-audit", **UNPACED
        )
        gateway = SheetsGateway(audit, sheet.spreadsheet_id)
        return build_report(self, gateway, final_stats, exits, drained)


def _live_rows(ids: list[list[str]], leases: list[list[str]]) -> int:
    """Rows with an ID or a lease that are neither tombstones nor the person's junk."""
    count = 0
    for position in range(max(len(ids), len(leases))):
        row_id = ids[position][0] if position < len(ids) and ids[position] else ""
        lease = leases[position][0] if position < len(leases) and leases[position] else ""
        if row_id.startswith(JUNK_ID) or row_id == "ID" or lease == "Lease":
            continue
        if row_id or lease:
            count += 1
    return count


# ---------------------------------------------------------------------------------- report
@dataclass
class ChaosReport:
    """The figures of one run and the guarantees they prove or break."""

    figures: dict[str, Any]
    excused_overlaps: list[str]
    violations: list[str]
    notes: list[str]
    events: list[Event]

    @property
    def ok(self) -> bool:
        """Whether every guarantee held."""
        return not self.violations

    def text(self) -> str:
        """The report as printed by ``python -m tests.chaos``."""
        f = self.figures
        lines = ["", "=" * 72, "CHAOS REPORT", "=" * 72]
        for key, value in f.items():
            lines.append(f"{key:<44} {value}")
        lines.append("")
        excused = len(self.excused_overlaps)
        lines.append(f"overlapping executions after a SIGKILLed holder ({excused}):")
        lines += [f"  - {line}" for line in self.excused_overlaps] or ["  (none)"]
        lines.append("")
        lines.append("notes:")
        lines += [f"  - {line}" for line in self.notes] or ["  (none)"]
        lines.append("")
        lines.append("timeline:")
        lines += [f"  {e.line()}" for e in self.events]
        lines.append("")
        if self.violations:
            lines.append("GUARANTEES BROKEN:")
            lines += [f"  - {v}" for v in self.violations]
        else:
            lines.append(
                "every guarantee held: nothing lost, nothing doubled, nothing run twice at once"
            )
        return "\n".join(lines)


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["id"] for r in rows if r.get("id")]


def classify_overlaps(
    task_log: Path, killed: dict[int, tuple[str, float]]
) -> tuple[list[str], list[str]]:
    """(excused, violations): overlaps after a SIGKILLed holder, and true simultaneous runs."""
    excused, violations = [], []
    for url, first, second in overlaps(task_log):
        victim = killed.get(first["pid"])
        if first["end"] == float("inf") and victim and second["start"] >= victim[1]:
            excused.append(
                f"{url}: {victim[0]} (pid {first['pid']}) SIGKILLed mid-task; pid "
                f"{second['pid']} ran it again {second['start'] - victim[1]:.1f} s after the kill"
            )
        else:
            violations.append(f"{url}: pid {first['pid']} and pid {second['pid']} ran it at once")
    return excused, violations


def _leaderless_s(run: ChaosRun, end_t: float) -> float:
    """Longest time between two changes of the leader cell that showed a live leader."""
    alive = []
    for t, text in run.leader_values:
        lease = parse_leader_lease(text)
        if lease is not None and lease.owner_name:
            alive.append(t)
    if not alive:
        return end_t
    gaps = [b - a for a, b in itertools.pairwise(alive)]
    return max(gaps, default=0.0)


def _stats_sum(lives: list[dict[str, Any]]) -> dict[str, Any]:
    total = {"requests": 0, "read": 0, "write": 0, "drive": 0, "429": 0, "quota_429": 0}
    faults: dict[str, int] = {}
    users: dict[str, int] = {}
    for stats in lives:
        total["requests"] += stats["requests"]["total"]
        for kind in ("read", "write", "drive"):
            total[kind] += stats["requests"]["by_kind"].get(kind, 0)
        total["429"] += stats["http_429_sent"]
        total["quota_429"] += stats["quota"]["rejected"]
        for kind, n in stats["faults"]["by_kind"].items():
            faults[kind] = faults.get(kind, 0) + n
        for user, counts in stats["users"].items():
            users[user] = users.get(user, 0) + sum(counts.values())
    total["faults"] = faults
    total["users"] = users
    return total


def build_report(
    run: ChaosRun,
    gateway: SheetsGateway,
    final_stats: dict[str, Any],
    exits: dict[str, int | None],
    drained: bool,
) -> ChaosReport:
    """Read every tab and judge the run."""
    _, history = read_tab(gateway, TASKS_HISTORY)
    _, dlq = read_tab(gateway, TASKS_DLQ)
    _, tasks = read_tab(gateway, TASKS)
    _, sources = read_tab(gateway, SOURCES)
    _, sources_done = read_tab(gateway, SOURCES_HISTORY)
    _, sources_dead = read_tab(gateway, SOURCES_DLQ)
    _, leader_rows = read_tab(gateway, LEADER_ELECTION)
    catalog = run.catalog
    source_urls = [r["url"] for r in sources + sources_done + sources_dead if r.get("url")]
    expected = catalog.task_ids(source_urls)
    history_ids, dlq_ids = _ids(history), _ids(dlq)
    finished = set(history_ids) | set(dlq_ids)
    junk = [r for r in tasks if r.get("id", "").startswith(JUNK_ID)]
    queued = [r for r in tasks if (r.get("id") or r.get("lease")) and r not in junk]
    lost = sorted(expected - finished - {r["id"] for r in queued})
    person = _person_summary(run.workdir / "person.json")
    excused, overlap_violations = classify_overlaps(run.fleet.task_log, run.killed)  # type: ignore[union-attr]
    lives = [*run.emulator.stats_before, final_stats]
    calls = _stats_sum(lives)
    leader = parse_leader_lease(leader_rows[0].get("lease", "")) if leader_rows else None
    end_t = time.monotonic() - run.t0
    figures: dict[str, Any] = {
        "seed": run.settings.seed,
        "agents x concurrency": f"{run.settings.agents} x {run.settings.agent_env['CONCURRENCY']}",
        "sources (added / done / dead-lettered)": (
            f"{len(set(source_urls))} / {len(sources_done)} / {len(sources_dead)}"
        ),
        "tasks created (distinct)": len(expected),
        "tasks done (Tasks History)": len(set(history_ids)),
        "tasks dead-lettered (Tasks DLQ)": len(set(dlq_ids)),
        "tasks still queued": len(queued),
        "tasks lost (must be 0)": len(lost),
        "History duplicates (must be 0)": len(history_ids) - len(set(history_ids)),
        "in both History and DLQ (must be 0)": len(set(history_ids) & set(dlq_ids)),
        "unknown tasks (must be 0)": len(finished - expected),
        "overlapping executions (must be 0)": len(overlap_violations),
        "overlaps after a SIGKILLed holder (listed)": len(excused),
        "agents SIGKILLed (leader among them)": (
            f"{len(run.killed)} ({sum('(the leader)' in e.what for e in run.events)})"
        ),
        "SIGTERM": _sigterm_text(run.sigterm),
        "emulator lives (SIGKILL + restart)": run.emulator.lives,
        "leader terms (final term / terms seen)": (
            f"{leader.term if leader else 0} / {len(run.terms_seen)}"
        ),
        "max time without a leader (s)": round(_leaderless_s(run, end_t), 1),
        "429s received (quota / injected)": (
            f"{calls['429']} ({calls['quota_429']} / {calls['429'] - calls['quota_429']})"
        ),
        "faults injected": ", ".join(f"{k} {v}" for k, v in sorted(calls["faults"].items())),
        "API calls (reads / writes / drive)": (
            f"{calls['requests']} ({calls['read']} / {calls['write']} / {calls['drive']})"
        ),
        "API calls per finished task": round(calls["requests"] / max(1, len(finished)), 2),
        "person did": ", ".join(f"{k} {v}" for k, v in sorted(person.get("done", {}).items())),
        "person's failed edits (faults, quota)": sum(person.get("failed", {}).values()),
        "person requeues": (
            "settled DLQ rows only (steps around the race of test_requeue_race.py)"
            if run.settings.settled_requeue
            else "any DLQ row"
        ),
        "duration (s)": round(end_t, 1),
    }
    violations = [f"lost task {i}" for i in lost[:20]]
    try:  # the coordination tests' own drain check, on the same sheet
        check_drained(gateway, expected)
    except AssertionError as exc:
        violations.append(f"check_drained: {str(exc)[:300]}")
    if figures["History duplicates (must be 0)"]:
        dupes = sorted({i for i in history_ids if history_ids.count(i) > 1})
        violations.append(f"History holds {len(dupes)} task(s) twice: {dupes[:5]}")
    if figures["in both History and DLQ (must be 0)"]:
        violations.append("tasks in both History and DLQ")
    if figures["unknown tasks (must be 0)"]:
        violations.append(f"unknown tasks finished: {sorted(finished - expected)[:5]}")
    violations += overlap_violations
    if not drained:
        violations.append("the queues did not drain before the time limit")
    if queued:
        violations.append(f"{len(queued)} task(s) still queued: {queued[:2]}")
    if junk:
        violations.append(f"{len(junk)} junk row(s) the person pasted are left (cleanup failed)")
    if catalog.removed_url not in {r["url"] for r in sources_dead}:
        violations.append("the removed playlist is not in Sources DLQ")
    sigterm_code = run.sigterm.get("exit_code")
    if run.sigterm and sigterm_code != 0:
        violations.append(f"the agent that got SIGTERM exited {sigterm_code}, not 0")
    bad_exits = {n: c for n, c in exits.items() if c != 0}
    if bad_exits:
        violations.append(f"agents that did not exit 0 on the final SIGTERM: {bad_exits}")
    notes = [f"unexpected agent exit: {line}" for line in run.unexpected_exits]
    notes += [f"person: {line}" for line in person.get("errors", [])[-5:]]
    return ChaosReport(figures, excused, violations, notes, run.events)


def _sigterm_text(info: dict[str, Any]) -> str:
    if not info:
        return "not sent"
    return f"{info['name']}: exit {info.get('exit_code')} after {info.get('exit_after_s')} s"


def _person_summary(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


@contextmanager
def workdir_for(path: Path | None) -> Iterator[Path]:
    """``path`` (created), or a temporary directory removed afterwards."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    import tempfile

    # /var/tmp, not /tmp: on a shared machine other runs prune /tmp (pytest's basetemp too),
    # and a deleted emulator data file or task log would turn into false "lost" tasks.
    with tempfile.TemporaryDirectory(prefix="orc-chaos-", dir=_SCRATCH) as tmp:
        yield Path(tmp)


_SCRATCH = "/var/tmp" if Path("/var/tmp").is_dir() else None


def run_chaos(settings: ChaosSettings, workdir: Path) -> ChaosReport:
    """Run the scenario once in ``workdir``."""
    return ChaosRun(settings, workdir).run()
