"""``orc pause``, ``orc resume``, ``orc drain``: set the fleet control cell for every agent."""

from __future__ import annotations

import click

from agent.cli.common import fail, logging_options, start
from agent.coordination.control import set_fleet_state
from agent.errors import AgentError
from agent.schema import FleetState
from agent.sheets.gateway import SheetsGateway

_WHAT = {
    FleetState.PAUSED: "running callbacks finish; nothing new is claimed",
    FleetState.RUNNING: "agents claim tasks and expand sources again",
    FleetState.DRAIN: "queued tasks still run; no new source is expanded",
}


def _set(state: FleetState, log_format: str, log_level: str) -> None:
    config = start(log_format, log_level)
    try:
        gateway = SheetsGateway.from_config(config)
        old = set_fleet_state(gateway, state)
    except AgentError as exc:
        fail(exc)
        return
    was = old.strip() or "(unset: RUNNING)"
    click.echo(f"fleet: {state.value} (was {was}): {_WHAT[state]}")
    click.echo(
        f"agents act on it at their next heartbeat (within HEARTBEAT_SECONDS = "
        f"{config.heartbeat_seconds:g} s)"
    )


@click.command("pause")
@logging_options
def pause(log_format: str, log_level: str) -> None:
    """Pause the fleet: running callbacks finish, no agent claims anything new.

    \b
    Writes PAUSED to the fleet-control row of the Leader Election tab, which every agent's
    heartbeat reads. `orc resume` undoes it.
    """
    _set(FleetState.PAUSED, log_format, log_level)


@click.command("resume")
@logging_options
def resume(log_format: str, log_level: str) -> None:
    """Resume the fleet after `orc pause` or `orc drain` (writes RUNNING)."""
    _set(FleetState.RUNNING, log_format, log_level)


@click.command("drain")
@logging_options
def drain(log_format: str, log_level: str) -> None:
    """Drain the fleet: queued tasks still run, no new source is expanded into tasks.

    \b
    Writes DRAIN to the fleet-control row of the Leader Election tab. `orc run --burst`
    agents then exit once Tasks is empty, whatever waits in Sources.
    """
    _set(FleetState.DRAIN, log_format, log_level)
