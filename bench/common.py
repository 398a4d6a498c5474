"""What every benchmark shares: an instrumented emulator, agent settings, task-log figures.

Setup calls are made as user ``bench-setup`` and probes as ``bench-probe``; agents are named
with a prefix per run, so the figures of a run count only its agents' own calls.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gspread
from sheets_emulator import EmulatorServer

from agent.config import Config
from agent.demo.fleet import AgentProcess
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from bench.stats import EmulatorCounts, counts
from bench.tap import PURPOSES, Tap, UserTally
from tests.coordination.harness import Fleet, make_sheet

SETUP_USER = "bench-setup"
PROBE_USER = "bench-probe"
WIDE_OPEN = 1_000_000  # requests per minute: a client that never paces itself


def batch_label(run: dict[str, Any]) -> str:
    """``10``, or ``10..50`` for a batch that adapted between the two."""
    low, high = run["claim_batch"], run.get("claim_batch_max", run["claim_batch"])
    return str(low) if high == low else f"{low}..{high}"


def config_default(name: str) -> str:
    """The agent's default for setting ``name`` (from :class:`agent.config.Config`)."""
    value = Config.model_fields[name.lower()].default
    return f"{value:g}" if isinstance(value, float) else str(value)


def production_timing() -> dict[str, str]:
    """Heartbeat, leases and idle poll at the agent's defaults (what a deployment runs)."""
    keys = ("HEARTBEAT_SECONDS", "LEASE_SECONDS", "LEADER_LEASE_SECONDS", "POLL_SECONDS")
    return {key: config_default(key) for key in keys}


#: The agent's own token bucket opened wide (runs where the emulator enforces no quota).
UNPACED_AGENT = {"READ_QUOTA_PER_MINUTE": "100000", "WRITE_QUOTA_PER_MINUTE": "100000"}


class BenchEmulator:
    """An in-process emulator with a :class:`Tap`, a setup client and a probe client."""

    def __init__(self) -> None:
        self.server = EmulatorServer(host="127.0.0.1", port=0)
        self.tap = Tap()
        self.server.app.handle = self.tap.wrap(self.server.app.handle)  # type: ignore[method-assign, assignment]
        self.server.start()
        self.setup_client = self.client(SETUP_USER)
        self.probe_client = self.client(PROBE_USER)

    @property
    def host(self) -> str:
        """``host:port`` for ``SHEETS_EMULATOR_HOST``."""
        return self.server.host_port

    def client(self, user: str) -> gspread.Client:
        """A gspread client for ``user`` that never paces itself."""
        return make_client(
            user=user,
            token=user,
            emulator_host=self.host,
            read_per_minute=WIDE_OPEN,
            write_per_minute=WIDE_OPEN,
        )

    def new_sheet(self) -> SheetsGateway:
        """A fresh spreadsheet with every tab (made by ``bench-setup``), known to the tap."""
        gateway = make_sheet(self.setup_client)
        self.tap.register(gateway)
        return gateway

    def probe(self, gateway: SheetsGateway) -> SheetsGateway:
        """The same spreadsheet seen through the probe user's client."""
        return SheetsGateway(self.probe_client, gateway.spreadsheet_id)

    def start_counting(self, **settings: Any) -> None:
        """Apply emulator settings, then zero the stats, the quota windows and the tap."""
        base = {"latency_ms": 0, "quota": False, "fault_rate": 0.0}
        base.update(settings)
        self.server.configure(**base)
        self.server.reset(stats_only=True)
        self.tap.reset()

    def counts(self) -> EmulatorCounts:
        """The emulator's counts since :meth:`start_counting` (see :mod:`bench.stats`)."""
        return counts(self.server.stats())

    def agent_requests(self, prefix: str) -> dict[str, int]:
        """Requests sent by clients named ``prefix...`` (emulator stats), and the 429s of all."""
        now = self.counts()
        mine = now.of_clients(prefix)
        return {"read": mine["read"], "write": mine["write"], "http_429": now.http_429}

    def close(self) -> None:
        """Stop the server (idempotent)."""
        self.server.stop()


@contextmanager
def bench_emulator() -> Iterator[BenchEmulator]:
    """A :class:`BenchEmulator`, stopped at the end whatever happens."""
    emulator = BenchEmulator()
    try:
        yield emulator
    finally:
        emulator.close()


class _OwnAccounts(Fleet):
    """A fleet whose agents each have their own emulator account (``SHEETS_EMULATOR_TOKEN`` =
    worker name), as these benchmarks were measured; one shared account is issue 13's bench."""

    def start(self, name: str, **kwargs: Any) -> AgentProcess:
        """Start agent ``name`` on its own account unless told otherwise."""
        kwargs.setdefault("SHEETS_EMULATOR_TOKEN", name)
        return super().start(name, **kwargs)


@contextmanager
def fleet_of(
    emulator: BenchEmulator, gateway: SheetsGateway, tmp: Path, settings: dict[str, str]
) -> Iterator[Fleet]:
    """A :class:`~tests.coordination.harness.Fleet` whose processes are all killed at the end."""
    fleet = _OwnAccounts(emulator.host, gateway.spreadsheet_id, tmp, settings=dict(settings))
    try:
        yield fleet
    finally:
        fleet.stop_all()


@dataclass
class TaskLog:
    """Figures from a ``TASK_LOG`` (JSON lines written by ``tests.coordination.handlers``)."""

    starts: int
    ends: int
    distinct_done: int
    ran_twice: int
    first_start: float
    last_end: float

    @property
    def span_s(self) -> float:
        """Seconds from the first task started to the last one ended."""
        return max(self.last_end - self.first_start, 1e-9)

    def per_minute(self, tasks: int | None = None) -> float:
        """Tasks per minute over the span."""
        count = self.distinct_done if tasks is None else tasks
        return count / self.span_s * 60.0 if count else 0.0


def read_task_log(path: Path, until: float | None = None) -> TaskLog:
    """Parse ``path``; only events at or before wall time ``until`` when given."""
    starts: Counter[str] = Counter()
    done: set[str] = set()
    ends = 0
    first, last = float("inf"), 0.0
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut by a kill
            if until is not None and event["t"] > until:
                continue
            if event["event"] == "start":
                starts[event["url"]] += 1
                first = min(first, event["t"])
            else:
                ends += 1
                done.add(event["url"])
                last = max(last, event["t"])
    return TaskLog(
        starts=sum(starts.values()),
        ends=ends,
        distinct_done=len(done),
        ran_twice=sum(1 for n in starts.values() if n > 1),
        first_start=first if first != float("inf") else 0.0,
        last_end=last,
    )


def wait_until(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.2) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout_s`` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def all_exited(fleet: Fleet) -> bool:
    """Whether every process of ``fleet`` has exited."""
    return all(agent.popen.poll() is not None for agent in fleet.agents)


def failed_agents(fleet: Fleet) -> list[str]:
    """The last lines of every agent that exited with an error."""
    out = []
    for agent in fleet.agents:
        code = agent.popen.poll()
        if code not in (None, 0, -9):
            out.append(f"{agent.name} exited {code}:\n{agent.output()[-2000:]}")
    return out


def breakdown(tally: UserTally, tasks: int, top: int = 6) -> str:
    """Calls per task by purpose, largest first: ``claim 0.10r+0.10w, finish 0.10w ...``."""
    if tasks <= 0:
        return "no task done"
    totals = {p: tally.reads[p] + tally.writes[p] for p in PURPOSES}
    parts = []
    for purpose in sorted(totals, key=lambda p: -totals[p])[:top]:
        if not totals[purpose]:
            continue
        reads, writes = tally.reads[purpose] / tasks, tally.writes[purpose] / tasks
        pieces = [f"{reads:.3g}r" if reads else "", f"{writes:.3g}w" if writes else ""]
        parts.append(f"{purpose} " + "+".join(p for p in pieces if p))
    return ", ".join(parts)


def claim_figures(tally: UserTally) -> dict[str, Any]:
    """Compare-and-set outcomes of claims and the claim windows read, from the tap."""
    attempted, won = tally.ops["task_claim"], tally.ops["task_claim_won"]
    claim_writes = tally.writes["claim"]
    return {
        "claim_cas": attempted,
        "claim_cas_won": won,
        "claim_cas_lost_pct": round(100.0 * (attempted - won) / attempted, 1) if attempted else 0.0,
        "window_reads": tally.window_reads,
        "claim_writes": claim_writes,
        "windows_without_claim": max(tally.window_reads - claim_writes, 0),
        "cells_per_window": round(tally.window_cells / tally.window_reads, 1)
        if tally.window_reads
        else 0.0,
        "finish_cas": tally.ops["task_finish"],
        "finish_cas_in_claim_batches": tally.ops.get("finish_riding_claim", 0),
        "history_appends": tally.ops["history_appends"],
    }
