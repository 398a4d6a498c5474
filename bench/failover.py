"""Benchmark 5: failover after SIGKILL, against the configured leases.

A *victim* agent leads and holds ``CLAIM_BATCH`` tasks (its callback sleeps for an hour); a
*rescuer* agent runs beside it. The victim is SIGKILLed; a probe (its own user) reads the
Leader Election and Tasks tabs every 0.1 s and notes when the term grows (the next leader) and
when none of the victim's tasks is held by it any more (all reclaimed).

Expiry is judged by the observer's own clock from when it first saw the last lease value, at
its heartbeat (leadership) or claim poll (tasks), so the expected delay is the lease plus up to
one or two heartbeat / poll intervals: at most ``LEADER_LEASE_SECONDS + 2 x HEARTBEAT_SECONDS``
for leadership and ``LEASE_SECONDS + HEARTBEAT_SECONDS + POLL_SECONDS`` for tasks.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agent.coordination.leadership import parse_leader_lease
from agent.schema import LEADER_ELECTION, TASKS, WORKERS
from agent.sheets.gateway import SheetsGateway
from bench.common import UNPACED_AGENT, BenchEmulator, fleet_of, wait_until
from bench.report import Section
from tests.coordination.harness import read_tab, seed_tasks

HELD = 5


def _leader(probe: SheetsGateway) -> tuple[int, str]:
    """(term, owner) of the leader lease."""
    _, rows = read_tab(probe, LEADER_ELECTION)
    lease = parse_leader_lease(rows[0].get("lease", "")) if rows else None
    return (lease.term, lease.owner) if lease else (0, "-")


def _held_by(probe: SheetsGateway, name: str) -> set[str]:
    """IDs of Tasks rows whose lease is CLAIMED by worker ``name``."""
    _, rows = read_tab(probe, TASKS)
    return {
        r["id"]
        for r in rows
        if r.get("lease", "").startswith("CLAIMED|") and f"|{name}#" in r["lease"]
    }


def _registered(probe: SheetsGateway, name: str) -> bool:
    _, rows = read_tab(probe, WORKERS)
    return any(r.get("worker_name") == name for r in rows)


def kill_once(
    emulator: BenchEmulator,
    tmp: Path,
    *,
    lease_s: float,
    heartbeat_s: float,
    poll_s: float,
    tag: str,
) -> dict[str, Any]:
    """One kill: seconds to the next leader term and to all the victim's tasks reclaimed."""
    gateway = emulator.new_sheet()
    seed_tasks(gateway, HELD)
    emulator.start_counting()
    probe = emulator.probe(gateway)
    settings = {
        **UNPACED_AGENT,
        "LEASE_SECONDS": f"{lease_s:g}",
        "LEADER_LEASE_SECONDS": f"{lease_s:g}",
        "HEARTBEAT_SECONDS": f"{heartbeat_s:g}",
        "POLL_SECONDS": f"{poll_s:g}",
    }
    victim_name, rescuer_name = f"f{tag}-victim", f"f{tag}-rescuer"
    run_dir = tmp / f"f{tag}"
    run_dir.mkdir(parents=True, exist_ok=True)
    with fleet_of(emulator, gateway, run_dir, settings) as fleet:
        victim = fleet.start(
            victim_name,
            burst=False,
            CLAIM_BATCH=str(HELD),
            CLAIM_BATCH_MAX=str(HELD),
            HANDLER_SLEEP_S="3600",
        )
        if not wait_until(
            lambda: (
                len(_held_by(probe, victim_name)) == HELD and f"{victim_name}#" in _leader(probe)[1]
            ),
            90,
        ):
            return {"error": "the victim never led and held its tasks:\n" + victim.output()[-1500:]}
        held = _held_by(probe, victim_name)
        fleet.start(
            rescuer_name,
            burst=False,
            CLAIM_BATCH=str(HELD),
            CLAIM_BATCH_MAX=str(HELD),
            HANDLER_SLEEP_S="0",
        )
        if not wait_until(lambda: _registered(probe, rescuer_name), 90):
            return {"error": "the rescuer never started"}
        time.sleep(2 * heartbeat_s)
        term, _ = _leader(probe)
        victim.kill()
        killed = time.monotonic()
        leader_s = tasks_s = None
        deadline = killed + 4 * lease_s + 30
        while time.monotonic() < deadline and (leader_s is None or tasks_s is None):
            now = time.monotonic() - killed
            if leader_s is None and _leader(probe)[0] > term:
                leader_s = now
            if tasks_s is None and not (_held_by(probe, victim_name) & held):
                tasks_s = now
            time.sleep(0.1)
    return {
        "lease_s": lease_s,
        "heartbeat_s": heartbeat_s,
        "poll_s": poll_s,
        "leader_s": None if leader_s is None else round(leader_s, 2),
        "tasks_s": None if tasks_s is None else round(tasks_s, 2),
        "leader_bound_s": lease_s + 2 * heartbeat_s,
        "tasks_bound_s": lease_s + heartbeat_s + poll_s,
        "held": len(held),
    }


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """Benchmark 5 as table rows."""
    section = Section("failover")
    plans = [(5.0, 1.0, 0.5, 1)] if quick else [(10.0, 2.0, 1.0, 3), (20.0, 4.0, 2.0, 2)]
    results = []
    for lease_s, hb_s, poll_s, reps in plans:
        for rep in range(reps):
            tag = f"{lease_s:g}-{rep}"
            results.append(
                kill_once(emulator, tmp, lease_s=lease_s, heartbeat_s=hb_s, poll_s=poll_s, tag=tag)
            )
    section.data = {"kills": results}
    for lease_s, hb_s, poll_s, _ in plans:
        mine = [r for r in results if r.get("lease_s") == lease_s]
        errors = [r["error"] for r in results if "error" in r]
        scenario = (
            f"LEASE_SECONDS = LEADER_LEASE_SECONDS = {lease_s:g}, HEARTBEAT_SECONDS={hb_s:g}, "
            f"POLL_SECONDS={poll_s:g}"
        )
        if not mine:
            section.add(scenario, "no kill measured: " + " | ".join(errors[:1]), "", False)
            continue
        leaders = [r["leader_s"] for r in mine if r["leader_s"] is not None]
        tasks = [r["tasks_s"] for r in mine if r["tasks_s"] is not None]
        bound_l, bound_t = mine[0]["leader_bound_s"], mine[0]["tasks_bound_s"]
        text = (
            f"{len(mine)} kill(s): next leader term after {_spread(leaders)} s "
            f"(lease {lease_s:g} s, bound {bound_l:g} s); {HELD} tasks reclaimed after "
            f"{_spread(tasks)} s (lease {lease_s:g} s, bound {bound_t:g} s)"
        )
        met = (
            len(leaders) == len(mine)
            and len(tasks) == len(mine)
            and max(leaders) <= bound_l + 1
            and max(tasks) <= bound_t + 1
        )
        section.add(scenario, text, "lease + heartbeat/poll", met)
    return section


def _spread(values: list[float]) -> str:
    if not values:
        return "never"
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{min(values):.1f}-{max(values):.1f} (mean {sum(values) / len(values):.1f})"
