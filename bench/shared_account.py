"""Benchmark: a fleet on ONE service account under Google's quotas, with 60 s tasks.

Every agent signs in with the same account (``SHEETS_EMULATOR_TOKEN=bench-fleet``), as the
README's setup gives every machine one key; the emulator enforces Google's quotas (60 reads and
60 writes a minute per user, 300 per project). The spreadsheet is made by the setup account,
and a probe (its own account) polls the Tasks lease column every ``PROBE_S``: a
:class:`~tests.chaos.leases.LeaseWatch` measures the gaps between renewals of each claim and
any takeover of a live holder (nobody is killed here, so every takeover that follows a silence
as long as the lease is a lapse). Each agent runs one task at a time (a callback that sleeps
60 s) at the agent's default heartbeat and leases, which it stretches itself for the fleet it
sees on its account.

Per fleet size it prints: renewals late (a gap longer than the lease promised) or lapsed
(must be 0), tasks run twice, the fleet's reads and writes per minute as the emulator received
them (429s included: each must stay at most 60), the quota's refusals, tasks finished per
minute, and each agent's memory (RSS) and CPU. The window starts once every agent has
registered and run a first claim cycle.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from agent.schema import TASKS, TASKS_HISTORY, WORKERS
from agent.sheets.a1 import column_range
from agent.sheets.gateway import SheetsGateway
from bench.common import BenchEmulator, production_timing, read_task_log, wait_until
from bench.report import Section
from tests.chaos.leases import LeaseWatch
from tests.coordination.harness import Fleet, read_tab, seed_tasks

FLEET_ACCOUNT = "bench-fleet"
TASK_S = 60.0
PROBE_S = 2.0
SIZES = (5, 20, 50)
QUICK_SIZES = (5,)
WINDOW_S = 180.0
QUICK_WINDOW_S = 120.0
WARMUP_S = 45.0


def fleet_settings() -> dict[str, str]:
    """The settings every agent runs with: the agent's defaults but one task at a time."""
    return {
        **production_timing(),
        "READ_QUOTA_PER_MINUTE": "60",  # the account's budget, shared by the fleet
        "WRITE_QUOTA_PER_MINUTE": "60",
        "CLAIM_BATCH": "1",
        "CLAIM_BATCH_MAX": "1",
        "CONCURRENCY": "1",
        "HANDLER_SLEEP_S": f"{TASK_S:g}",
        "REQUEST_TIMEOUT_SECONDS": "30",
        "SHEETS_EMULATOR_TOKEN": FLEET_ACCOUNT,
    }


class _Probe:
    """Polls the Tasks lease cells on its own thread and feeds a :class:`LeaseWatch`."""

    def __init__(self, gateway: SheetsGateway, lease_s: float) -> None:
        self.gateway = gateway
        self.t0 = time.monotonic()
        self.watch = LeaseWatch(lambda _name, _since: None, lease_s)
        self.stop = threading.Event()
        self.failed = 0
        self.lease_col = read_tab(gateway, TASKS)[0].col("lease")
        self.thread = threading.Thread(target=self._loop, name="probe", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.wait(PROBE_S):
            try:
                (cells,) = self.gateway.read([column_range(TASKS.title, self.lease_col, 2)])
            except Exception:  # a 429 of the project quota, say: the next poll will do
                self.failed += 1
                continue
            self.watch.see(time.monotonic() - self.t0, [r[0] for r in cells if r])

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def _proc_figures(pids: list[int]) -> tuple[float, float]:
    """(mean RSS in MB, total CPU seconds) of the processes ``pids``."""
    rss, cpu = [], 0.0
    ticks = 100.0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss.append(int(line.split()[1]) / 1024)
        cpu += (int(stat[11]) + int(stat[12])) / ticks
    return (sum(rss) / len(rss) if rss else 0.0, cpu)


def _fleet_calls(emulator: BenchEmulator) -> dict[str, int]:
    stats = emulator.server.stats()
    account = stats["accounts"].get(FLEET_ACCOUNT, {})
    by_limit = stats["quota"]["by_limit"]
    return {
        "read": int(account.get("read", 0)),
        "write": int(account.get("write", 0)),
        "refused_read": int(by_limit.get("read_per_user", 0)),
        "refused_write": int(by_limit.get("write_per_user", 0)),
        "refused_project": int(
            by_limit.get("read_per_project", 0) + by_limit.get("write_per_project", 0)
        ),
    }


def one_fleet(emulator: BenchEmulator, tmp: Path, agents: int, window_s: float) -> dict[str, Any]:
    """Run ``agents`` agents on one account for ``window_s`` after a warm-up; the figures."""
    gateway = emulator.new_sheet()
    minutes = (WARMUP_S + window_s) / 60.0
    seed_tasks(gateway, int(agents * (minutes + 2)))
    emulator.start_counting(quota=True)
    probe_gateway = emulator.probe(gateway)
    settings = fleet_settings()
    lease_s = float(settings["LEASE_SECONDS"])
    run_dir = tmp / f"shared-{agents}"
    run_dir.mkdir(parents=True, exist_ok=True)
    fleet = Fleet(emulator.host, gateway.spreadsheet_id, run_dir, settings=settings)
    probe = _Probe(probe_gateway, lease_s)
    try:
        for n in range(agents):
            fleet.start(f"s{agents}-{n:02d}", burst=False)
        wait_until(lambda: _registered(probe_gateway) >= agents, 300, interval_s=2.0)
        time.sleep(WARMUP_S)
        before, t1 = _fleet_calls(emulator), time.time()
        pids = [a.popen.pid for a in fleet.agents]
        _, cpu_before = _proc_figures(pids)
        time.sleep(window_s)
        after, t2 = _fleet_calls(emulator), time.time()
        rss, cpu_after = _proc_figures(pids)
        exited = [
            f"{a.name} (exit {a.popen.poll()}): {a.log_tail(400).strip().splitlines()[-1:]}"
            for a in fleet.agents
            if a.popen.poll() is not None
        ]
    finally:
        probe.close()
        fleet.stop_all()
    minutes_w = (t2 - t1) / 60.0
    log = read_task_log(fleet.task_log)
    ended = _ends_between(fleet.task_log, t1, t2)
    _, history = read_tab(emulator.probe(gateway), TASKS_HISTORY)
    retaken = sum(1 for row in history if row.get("attempts") not in ("", "1"))
    delta = {k: after[k] - before[k] for k in after}
    return {
        "agents": agents,
        "window_s": round(t2 - t1, 1),
        "lease_s": lease_s,
        "late_renewals": len(probe.watch.late),
        "lapses": len(probe.watch.lapses),
        "late_examples": probe.watch.late[:3] + probe.watch.lapses[:3],
        "longest_gap_s": round(probe.watch.longest[0], 1),
        "claims_watched": probe.watch.claims_seen(),
        "ran_twice": log.ran_twice,
        "retaken_in_history": retaken,
        "reads_per_min": round(delta["read"] / minutes_w, 1),
        "writes_per_min": round(delta["write"] / minutes_w, 1),
        "refused_per_min": round(
            (delta["refused_read"] + delta["refused_write"] + delta["refused_project"]) / minutes_w,
            1,
        ),
        "tasks_per_min": round(ended / minutes_w, 2),
        "rss_mb_per_agent": round(rss, 1),
        "cpu_s_per_agent_min": round((cpu_after - cpu_before) / max(agents, 1) / minutes_w, 2),
        "exited_early": exited,
    }


def _registered(probe: SheetsGateway) -> int:
    try:
        return len(read_tab(probe, WORKERS)[1])
    except Exception:  # a refused read while the fleet starts: try again
        return 0


def _ends_between(task_log: Path, t1: float, t2: float) -> int:
    return read_task_log(task_log, until=t2).ends - read_task_log(task_log, until=t1).ends


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """The table rows: one per fleet size."""
    section = Section("shared-account")
    sizes, window_s = (QUICK_SIZES, QUICK_WINDOW_S) if quick else (SIZES, WINDOW_S)
    results = []
    for agents in sizes:
        r = one_fleet(emulator, tmp, agents, window_s)
        results.append(r)
        ok_quota = r["reads_per_min"] <= 60 and r["writes_per_min"] <= 60
        section.add(
            f"{agents} agents, one account, {TASK_S:.0f} s tasks",
            f"renewals late {r['late_renewals']} / lapsed {r['lapses']} (longest gap "
            f"{r['longest_gap_s']} s, lease {r['lease_s']:.0f} s, {r['claims_watched']} claims); "
            f"run twice {r['ran_twice']}; fleet {r['reads_per_min']} reads/min, "
            f"{r['writes_per_min']} writes/min ({r['refused_per_min']} refused/min); "
            f"{r['tasks_per_min']} tasks/min; {r['rss_mb_per_agent']} MB and "
            f"{r['cpu_s_per_agent_min']} CPU s/min per agent",
            goal="0 late or lapsed; reads, writes <= 60/min",
            met=r["late_renewals"] == 0 and r["lapses"] == 0 and ok_quota,
        )
        for example in r["late_examples"]:
            section.notes.append(f"{agents} agents: {example}")
        if r["exited_early"]:
            section.notes.append(f"{agents} agents: exited early: {r['exited_early']}")
    section.data["fleets"] = results
    section.data["settings"] = fleet_settings()
    return section
