"""The chaos scenario: agents, an emulator and a person, all processes, and faults on purpose.

One seeded run (see :class:`ChaosSettings` for the two sizes):

1. the emulator runs as a process persisting to SQLite, with ``--quota`` (Google's per-user
   and per-project quotas times ``quota_scale``) and ``--fault-rate``, and a few late writes
   armed on the fleet's lease writes;
2. a spreadsheet is created (``orc init``'s code) with a user column ``My Notes`` in Tasks, and
   the sources of :class:`~tests.chaos.catalog.ChaosCatalog` are added (one is a removed
   playlist);
3. agents (``orc run`` processes, non-burst, JSON logs, all on ONE account, the fleet's token,
   which did not create the spreadsheet) drain it with the chaos handler, whose long downloads
   outlast the lease, while: an agent is SIGKILLed every few seconds and restarted with the same
   ``WORKER_NAME`` (often the leader, on purpose); agents inside a long download get a SIGTERM
   and must finish it and exit 0 by themselves; the owner (the runner's setup account)
   protects Workers for a while; the emulator is SIGKILLed once and restarted on the same port
   and data; a person process edits the sheet (rows, blocks of blank rows, columns, a filter,
   sorts, clears);
4. once most tasks are finished the chaos stops, the person tidies up and leaves, the queue
   drains, faults are turned off, every agent gets a SIGTERM, and the sheet is audited.

A monitor polls, with one ``values:batchGet`` every ``poll_s``, the Tasks header row (columns
move), the leader cell and the queue columns (for progress, leadership gaps, the drain check and
:class:`~tests.chaos.leases.LeaseWatch`: renewal gaps and takeovers of live holders), and the
emulator's control endpoint (API calls and 429s, summed over both emulator lives).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from agent.coordination.enqueue import add_sources
from agent.coordination.leadership import parse_leader_lease
from agent.schema import (
    LEADER_ELECTION,
    SOURCES,
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
    WORKERS,
    ColumnMap,
)
from agent.sheets.a1 import column_range
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import column_map, header_range, read_maps
from tests.chaos.handler import is_long
from tests.chaos.leases import LeaseWatch
from tests.chaos.person import JUNK_ID, NOTES
from tests.chaos.processes import (
    ChaosFleet,
    EmulatorProcess,
    PersonProcess,
    unpaced_client,
)
from tests.chaos.report import ChaosReport, Event, build_report
from tests.chaos.settings import ChaosSettings
from tests.coordination.addon import AddonServer
from tests.coordination.harness import AgentProcess, add_user_column, make_sheet


@dataclass
class Observation:
    """What one monitor poll saw."""

    leader: str
    finished: set[str]
    live_tasks: int
    live_sources: int


#: How long a due SIGTERM waits for an agent inside a long download before taking any agent.
LONG_WAIT_S = 60.0


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
            workdir,
            quota=settings.quota,
            fault_rate=settings.fault_rate,
            seed=settings.seed,
            quota_scale=settings.quota_scale,
        )
        self.fleet: ChaosFleet | None = None
        self.current: dict[str, AgentProcess] = {}
        self.killed: dict[int, tuple[str, float]] = {}  # pid -> (name, epoch time of SIGKILL)
        self.restarts: list[tuple[float, str]] = []  # (monotonic due time, name)
        self.sigterm: dict[str, Any] = {}  # the latest SIGTERM
        self.sigterms: list[dict[str, Any]] = []  # every one, in order
        self.lives: list[list[Any]] = []  # [name, started t, ended t or None] per process
        self.owner: SheetsGateway | None = None  # the account that created the spreadsheet
        self.protection: dict[str, Any] = {}
        self.leases = LeaseWatch(self.dead_at, float(settings.agent_env["LEASE_SECONDS"]))
        self.unexpected_exits: list[str] = []
        self.person = PersonProcess(workdir)
        self.addon: AddonServer | None = None
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
        client = unpaced_client("chaos-setup", self.emulator.host)
        sheet = make_sheet(client)
        self.owner = sheet
        self.emulator.arm_late(self.settings.fleet_token, self.settings.armed_late)
        add_user_column(sheet, TASKS, NOTES)
        add_sources(sheet, self.catalog.initial_urls())
        monitor = unpaced_client("chaos-monitor", self.emulator.host)
        self.monitor = SheetsGateway(monitor, sheet.spreadsheet_id)
        specs = (TASKS, TASKS_HISTORY, TASKS_DLQ, SOURCES, LEADER_ELECTION)
        maps = read_maps(self.monitor, specs, require=False)
        self.maps = {s.title: cmap for s, cmap in zip(specs, maps, strict=True)}
        self.note(
            f"emulator on {self.emulator.host}; spreadsheet {sheet.spreadsheet_id}; "
            f"{len(self.catalog.initial_urls())} sources added"
        )
        return sheet

    def agent_names(self) -> list[str]:
        """The fleet's worker names."""
        return [f"agent-{n}" for n in range(self.settings.agents)]

    def start_agent(self, name: str) -> None:
        """Start (or restart) agent ``name`` (on the fleet's one account, from the settings)."""
        assert self.fleet is not None
        self.current[name] = self.fleet.start(name)
        self.lives.append([name, self.now(), None])

    def now(self) -> float:
        """Seconds since the run began."""
        return time.monotonic() - self.t0

    def ended(self, name: str) -> None:
        """Record that the running process of ``name`` ended (now)."""
        for life in reversed(self.lives):
            if life[0] == name and life[2] is None:
                life[2] = self.now()
                return

    def dead_at(self, name: str, since: float) -> float | None:
        """When the process of ``name`` alive at ``since`` ended; None while it runs."""
        for life in reversed(self.lives):
            if life[0] == name and life[1] <= since:
                return life[2]  # type: ignore[no-any-return]
        return None

    def start_person(self) -> None:
        """Start the person process."""
        assert self.monitor is not None
        if self.settings.addon and self.addon is None:
            self.addon = AddonServer(self.emulator.host, self.monitor.spreadsheet_id)
            self.note(f"the add-on serves its functions at {self.addon.url}")
        self.person.start(
            self.emulator.host,
            self.monitor.spreadsheet_id,
            seed=self.settings.seed,
            late_urls=self.catalog.late_urls(),
            settled_requeue=self.settings.settled_requeue,
            addon_url=self.addon.url if self.addon else None,
        )

    def stop_person(self) -> None:
        """SIGTERM the person and wait while it removes its junk rows."""
        code = self.person.stop()
        if code is not None:
            self.note(f"person stopped (exit {code})")
        if self.addon is not None:
            self.addon.close()
            self.addon = None

    # ------------------------------------------------------------------ monitor
    def observe(self) -> Observation | None:
        """One batchGet: leader cell, finished IDs, live queue rows; None when it failed."""
        assert self.monitor is not None
        m = self.maps
        ranges = [
            header_range(TASKS.title),
            column_range(LEADER_ELECTION.title, m[LEADER_ELECTION.title].col("lease"), 2),
            column_range(TASKS_HISTORY.title, m[TASKS_HISTORY.title].col("id"), 2),
            column_range(TASKS_DLQ.title, m[TASKS_DLQ.title].col("id"), 2),
            column_range(TASKS.title, m[TASKS.title].col("id"), 2),
            column_range(TASKS.title, m[TASKS.title].col("lease"), 2),
            column_range(SOURCES.title, m[SOURCES.title].col("id"), 2),
            column_range(SOURCES.title, m[SOURCES.title].col("lease"), 2),
        ]
        try:
            header, leader, history, dlq, t_ids, t_leases, s_ids, s_leases = self.monitor.read(
                ranges
            )
        except Exception:  # the emulator may be down or answer a fault: try next poll
            return None
        cmap = column_map(TASKS, header, require=False)
        if cmap.index != m[TASKS.title].index:  # the person moved columns: map them again
            self.maps[TASKS.title] = cmap
            return None
        self.leases.see(self.now(), [r[0] for r in t_leases if r])
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
            if not any(n == name for _, n in self.restarts):
                self.ended(name)
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
        self.ended(name)
        self.killed[process.popen.pid] = (name, time.time())
        role = " (the leader)" if name == leader else ""
        self.note(f"SIGKILL {name}{role}")
        delay = self.rng.uniform(*self.settings.restart_after_s)
        self.restarts.append((time.monotonic() + delay, name))
        return True

    def send_sigterm(self, leader: str, waited_s: float) -> bool:
        """SIGTERM one running agent that does not lead, one inside a long download unless
        none has run one for ``LONG_WAIT_S``; it must keep renewing, finish and exit 0. False
        when none was chosen (yet)."""
        running = [n for n, p in self.current.items() if p.popen.poll() is None and n != leader]
        if not running:
            return False
        long_now = self.long_downloads()
        busy = [n for n in running if self.current[n].popen.pid in long_now]
        if not busy and waited_s < LONG_WAIT_S:
            return False
        name = self.rng.choice(busy or running)
        process = self.current[name]
        process.popen.send_signal(signal.SIGTERM)
        during = long_now.get(process.popen.pid, "")
        self.sigterm = {"name": name, "pid": process.popen.pid, "at": time.monotonic()}
        self.sigterm["during_long"] = during
        self.sigterms.append(self.sigterm)
        self.note(f"SIGTERM {name}" + (f" during the long download {during}" if during else ""))
        return True

    def long_downloads(self) -> dict[int, str]:
        """pid -> URL of the long downloads running now (started, not ended, in the task log)."""
        assert self.fleet is not None
        running: dict[tuple[str, int], bool] = {}
        if self.fleet.task_log.exists():
            for line in self.fleet.task_log.read_text(encoding="utf-8").splitlines():
                event = json.loads(line)
                key = (event["url"], event["pid"])
                if event["event"] == "start" and is_long(event["url"], self.settings.long_every):
                    running[key] = True
                else:
                    running.pop(key, None)
        return {pid: url for url, pid in running}

    def protect_workers(self) -> None:
        """The owner protects Workers ("Restrict who can edit": only the owner)."""
        assert self.owner is not None
        reply = self.owner.batch_update(
            [
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": self.owner.tab(WORKERS.title).sheet_id},
                            "description": "chaos: the owner only",
                            "warningOnly": False,
                            "editors": {"users": ["chaos-setup"]},
                        }
                    }
                }
            ]
        )
        self.protection["id"] = reply[0]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
        self.protection["at"] = self.now()
        self.protection["until"] = time.monotonic() + self.settings.protect_s
        self.note(f"the owner protects {WORKERS.title} for {self.settings.protect_s:.0f} s")

    def unprotect_workers(self) -> None:
        """The owner removes every protection of Workers (an ambiguous add may have made two)."""
        assert self.owner is not None
        fields = "sheets(properties(title),protectedRanges(protectedRangeId))"
        meta = self.owner.spreadsheet.fetch_sheet_metadata(params={"fields": fields})
        ids = [
            p["protectedRangeId"]
            for sheet in meta.get("sheets", [])
            if sheet.get("properties", {}).get("title") == WORKERS.title
            for p in sheet.get("protectedRanges", [])
        ]
        if ids:
            self.owner.batch_update(
                [{"deleteProtectedRange": {"protectedRangeId": n}} for n in ids]
            )
        self.protection["removed"] = self.now()
        self.note(f"the owner removes the protection of {WORKERS.title}")

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
                settings={**self.settings.environment(), **self.catalog.environment()},
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
        sigterms_due = list(s.sigterms_at)
        due_since = 0.0
        emulator_killed = False
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
                waiting = bool(self.sigterm) and "exit_code" not in self.sigterm
                due_term = bool(sigterms_due) and done >= sigterms_due[0] and not waiting
                if due_term:
                    due_since = due_since or time.monotonic()
                    if self.send_sigterm(seen.leader, time.monotonic() - due_since):
                        sigterms_due.pop(0)
                        due_since = 0.0
                self.protect_step(done)
                if not emulator_killed and done >= s.emulator_kill_at:
                    self.restart_emulator()
                    emulator_killed = True
                calm = not sigterms_due and not waiting and "removed" in self.protection
                if done >= s.chaos_until and calm and emulator_killed and kills:
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

    def protect_step(self, done: float) -> None:
        """Protect Workers once ``protect_at`` is reached; remove it ``protect_s`` later."""
        try:
            if not self.protection and done >= self.settings.protect_at:
                self.protect_workers()
            elif (
                "until" in self.protection
                and "removed" not in self.protection
                and time.monotonic() >= self.protection["until"]
            ):
                self.unprotect_workers()
        except Exception as exc:  # a fault on the owner's request: try again next poll
            self.note(f"the owner's protection edit failed ({type(exc).__name__}); again soon")

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
        audit = unpaced_client("chaos-audit", self.emulator.host)
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


def run_chaos(settings: ChaosSettings, workdir: Path) -> ChaosReport:
    """Run the scenario once in ``workdir``."""
    return ChaosRun(settings, workdir).run()
