"""Lease renewals, late heartbeats and lapses are counted where they happen: two in-process
agents on the emulator, one of which stalls until the other takes its claim over."""

from __future__ import annotations

import threading
import time

from sheets_emulator import EmulatorServer

from agent.runtime.context import AgentContext, build_context
from agent.runtime.heartbeat import Heartbeat
from agent.runtime.tasks import TaskRunner
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import agent_config, seed_tasks, wait_for


def _agent(host: str, sheet: SheetsGateway, name: str) -> tuple[AgentContext, Heartbeat]:
    config = agent_config(host, sheet, name, claim_batch=1)
    ctx, heartbeat = build_context(config, f"{name}#s1", threading.Event())
    ctx.tasks.load()
    ctx.sources.load()
    ctx.registry.register()
    heartbeat.send()
    return ctx, heartbeat


def _sample(ctx: AgentContext, name: str) -> float:
    return ctx.telemetry.metrics.registry.get_sample_value(name) or 0.0


def test_a_stalled_agent_counts_a_late_heartbeat_and_the_lease_it_lost(
    emulator: EmulatorServer, sheet: SheetsGateway
) -> None:
    seed_tasks(sheet, 1)
    slow, slow_beat = _agent(emulator.host_port, sheet, "stalled")
    runner = TaskRunner(slow, slow_beat)
    claim = runner.next_claim()
    assert claim is not None
    slow_beat.send()
    slow_beat.send()
    assert _sample(slow, "orc_lease_renewals_total") == 2  # one claim, two heartbeats
    assert _sample(slow, "orc_lease_renewals_late_total") == 0

    rescuer, rescuer_beat = _agent(emulator.host_port, sheet, "rescuer")
    rescue = TaskRunner(rescuer, rescuer_beat)
    taken: list[object] = []

    def takes_over() -> bool:  # LEASE_SECONDS (6 s) on the rescuer's clock, then a takeover
        rescue.claim_not_before = 0.0
        found = rescue.next_claim()
        if found is not None:
            taken.append(found)
        return bool(taken)

    wait_for(takes_over, 60, "the rescuer to take the claim over")
    time.sleep(2 * slow.config.heartbeat_seconds + 0.5)  # the stalled agent's next beat is late
    slow_beat.send()
    assert claim.lost
    assert _sample(slow, "orc_lease_lapses_total") == 1
    assert _sample(slow, "orc_lease_renewals_late_total") == 1
    assert _sample(slow, "orc_lease_renewals_total") == 2, "a lost lease is no renewal"
    assert claim.row_id not in slow.holdings.tasks
    assert _sample(rescuer, "orc_lease_lapses_total") == 0
