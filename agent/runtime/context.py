"""What every part of a running agent shares, passed explicitly instead of reached for.

The loop, the heartbeat, the leader's duties and the stop sequence each get this one object:
the settings, the gateway, the two queue tabs, the Workers row, the election, the claims held
(with their lock) and the stop event. Building it does the agent's first I/O (opening the
spreadsheet and reading its header rows), so :class:`~agent.runtime.Orchestrator` builds it in
``start()``, never in ``__init__``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import gspread

from agent.config import Config
from agent.coordination.leadership import LeaderElection
from agent.coordination.queue import QueueTab
from agent.coordination.timing import Settings
from agent.coordination.workers import WorkerRegistry
from agent.runtime.control import FleetControl
from agent.runtime.heartbeat import Heartbeat, Holdings
from agent.runtime.telemetry import Telemetry
from agent.schema import SOURCES, SOURCES_DLQ, SOURCES_HISTORY, TASKS, TASKS_DLQ, TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from agent.sheets.identity import account_label


@dataclass
class AgentContext:
    """The shared state of one running agent."""

    config: Config
    owner: str
    gateway: SheetsGateway
    tasks: QueueTab
    sources: QueueTab
    registry: WorkerRegistry
    election: LeaderElection
    holdings: Holdings
    stop: threading.Event
    fleet: FleetControl  # RUNNING / PAUSED / DRAIN, as the last heartbeat read it
    telemetry: Telemetry  # metrics and notifications

    @property
    def stopping(self) -> bool:
        """Whether shutdown has begun."""
        return self.stop.is_set()


def timing_settings(config: Config) -> Settings:
    """The configured intervals and quotas that :mod:`agent.coordination.timing` starts from."""
    return Settings(
        heartbeat_s=config.heartbeat_seconds,
        lease_s=config.lease_seconds,
        leader_lease_s=config.leader_lease_seconds,
        poll_s=config.poll_seconds,
        read_per_minute=config.read_quota_per_minute,
        write_per_minute=config.write_quota_per_minute,
    )


def build_context(
    config: Config,
    owner: str,
    stop: threading.Event,
    client: gspread.Client | None = None,
) -> tuple[AgentContext, Heartbeat]:
    """Open the spreadsheet (one read); the context, and the heartbeat that owns its holdings.

    The tabs' header rows are read later, when the agent starts for good.
    """
    gateway = (
        SheetsGateway(client, config.spreadsheet_id)
        if client is not None
        else SheetsGateway.from_config(config)
    )
    tasks = QueueTab(
        gateway,
        TASKS,
        TASKS_HISTORY,
        TASKS_DLQ,
        owner=owner,
        lease_s=config.lease_seconds,
        max_attempts=config.max_attempts,
        window_rows=max(50, 5 * config.claim_batch),  # sized again before each claim
    )
    sources = QueueTab(
        gateway,
        SOURCES,
        SOURCES_HISTORY,
        SOURCES_DLQ,
        owner=owner,
        lease_s=config.lease_seconds,
        max_attempts=config.max_attempts,
        window_rows=1000,
        compacts=True,  # only the leader thread touches Sources
        protect_raw_rows=True,  # URLs typed by hand wait there for an ID
    )
    registry = WorkerRegistry(gateway, config.worker_name, account_label(gateway.client))
    election = LeaderElection(gateway, owner, config.leader_lease_seconds)
    heartbeat = Heartbeat(
        gateway, registry, election, (tasks, sources), stop, timing_settings(config)
    )
    context = AgentContext(
        config=config,
        owner=owner,
        gateway=gateway,
        tasks=tasks,
        sources=sources,
        registry=registry,
        election=election,
        holdings=heartbeat.holdings,
        stop=stop,
        fleet=heartbeat.fleet,
        telemetry=Telemetry(config),
    )
    heartbeat.telemetry = context.telemetry
    context.telemetry.bind(gateway, election, heartbeat.fleet)
    return context, heartbeat
