"""``orc run`` and ``orc check``: run a worker; tell a supervisor whether it is alive."""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType

import click

from agent.cli.common import (
    EXIT_BAD_CONFIG,
    EXIT_FAILURE,
    EXIT_OK,
    fail,
    logging_options,
    start,
)
from agent.coordination.workers import WorkerRegistry
from agent.errors import AgentError
from agent.runtime import Orchestrator, load_handler
from agent.sheets.gateway import SheetsGateway
from agent.ytdlp.params import HandlerSettings, configure


@click.command("run")
@click.option("--handler", metavar="MODULE:FUNCTION", help="Callback run on each video URL.")
@click.option("--burst", is_flag=True, help="Exit when no work is left.")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    metavar="P",
    help="Serve Prometheus metrics on http://HOST:P/metrics (0: any free port).",
)
@click.option(
    "--metrics-host",
    default="0.0.0.0",  # noqa: S104 - Prometheus scrapes from another host or pod
    show_default=True,
    help="Address the metrics endpoint listens on.",
)
@logging_options
def run(
    handler: str | None,
    burst: bool,
    metrics_port: int | None,
    metrics_host: str,
    log_format: str,
    log_level: str,
) -> None:
    """Run a worker: heartbeat, take leadership when free, claim tasks, run the callback.

    \b
    The first SIGINT/SIGTERM finishes the running tasks, gives back unstarted ones, marks
    the worker INACTIVE and releases leadership; a second one gives back every claim and
    exits at once.

    \b
    Examples:
      orc run                                   # TASK_HANDLER from the environment
      orc run --handler agent.handlers:metadata
      orc run --burst                           # drain the queue, then exit
      orc run --metrics-port 9108               # Prometheus metrics on :9108/metrics
    """
    config = start(log_format, log_level, task_handler=handler)
    try:
        callback = load_handler(config.task_handler)
        # The process's built-in handlers use this agent's settings (COOKIES_FILE, YTDLP_OPTIONS,
        # ALLOW_PRIVATE_URLS...); a library user's process keeps reading the environment.
        configure(HandlerSettings.from_config(config))
        orchestrator = Orchestrator(config).start()
    except AgentError as exc:
        fail(exc)
        return
    if metrics_port is not None:
        serve_metrics(orchestrator, metrics_host, metrics_port)
    signals_seen = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen == 1:
            click.echo(
                f"orc: {signal.Signals(signum).name}: finishing (again to quit now)", err=True
            )
            orchestrator.request_stop()
        else:
            threading.Thread(target=orchestrator.abort, daemon=True).start()
            time.sleep(min(5.0, config.request_timeout_seconds))
            os._exit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        orchestrator.run(callback, burst=burst)
    except AgentError as exc:
        orchestrator.close()
        fail(exc)
    orchestrator.close()


def serve_metrics(orchestrator: Orchestrator, host: str, port: int) -> None:
    """Start the ``/metrics`` endpoint of ``orchestrator``; exit 2 when it cannot listen."""
    telemetry = orchestrator.context.telemetry
    telemetry.wants_depths = True  # the leader counts the queues for the gauges
    try:
        server = telemetry.metrics.serve(port, host)
    except OSError as exc:
        orchestrator.close()
        click.echo(
            f"orc: configuration error: --metrics-port {port} on {host}: {exc.strerror}", err=True
        )
        raise SystemExit(EXIT_BAD_CONFIG) from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"orc: metrics on http://{shown}:{server.port}/metrics", err=True)


@click.command("check")
@click.option(
    "--max-age",
    type=float,
    default=None,
    help="Oldest acceptable heartbeat in seconds (default: 3 x HEARTBEAT_SECONDS).",
)
@logging_options
def check(max_age: float | None, log_format: str, log_level: str) -> None:
    """Exit 0 when this worker's (WORKER_NAME) heartbeat is fresh, 1 otherwise.

    \b
    Example (systemd, Docker HEALTHCHECK, Kubernetes liveness probe):
      orc check || restart-the-agent
    """
    config = start(log_format, log_level)
    limit = max_age if max_age is not None else 3 * config.heartbeat_seconds
    try:
        gateway = SheetsGateway.from_config(config)
        beat = WorkerRegistry(gateway, config.worker_name).last_heartbeat()
    except AgentError as exc:
        fail(exc)
        return
    if beat is None:
        click.echo(f"{config.worker_name}: no row in the Workers tab")
        raise SystemExit(EXIT_FAILURE)
    click.echo(f"{config.worker_name}: {beat.status} heartbeat {beat.age_s:.0f}s ago")
    raise SystemExit(EXIT_OK if beat.fresh(limit) else EXIT_FAILURE)
