"""``orc status``: workers, leader, queue depths, rates and recent DLQ errors."""

from __future__ import annotations

import json
import time
from typing import Any

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from agent.cli.common import fail, logging_options, start
from agent.errors import AgentError
from agent.runtime.context import timing_settings
from agent.sheets.gateway import SheetsGateway
from agent.status import STATE_STYLE, snapshot


def render(data: dict[str, Any]) -> Group:
    """The snapshot as rich tables; every cell value is plain text, never markup."""
    workers = Table(title="Workers", expand=False)
    for column in ("name", "state", "last heartbeat", "age s", "tasks", "sources"):
        workers.add_column(column)
    for w in data["workers"]:
        workers.add_row(
            Text(w["name"]),
            Text(w["state"], style=STATE_STYLE.get(w["state"], "")),
            Text(w["last_heartbeat"]),
            Text("" if w["heartbeat_age_s"] is None else f"{w['heartbeat_age_s']:.0f}"),
            Text(str(w["tasks_processed"])),
            Text(str(w["sources_processed"])),
        )
    queues = Table(title="Queues")
    queues.add_column("tab")
    queues.add_column("rows", justify="right")
    for title, depth in data["queues"].items():
        queues.add_row(Text(title), Text(str(depth)))
    leader = data["leader"]
    header = Text(
        f"leader: {leader['worker'] or '(none)'}  term {leader['term']}  "
        f"throughput {data['rates']['tasks_per_minute']} tasks/min  "
        f"fleet: {data['fleet']['state']}"
    )
    parts: list[Any] = [header]
    parts += [Text(f"warning: {w}", style="yellow") for w in data.get("warnings", [])]
    parts += [workers, queues]
    if data["dlq"]:
        errors = Table(title="Recent DLQ errors")
        for column in ("tab", "name", "class", "error"):
            errors.add_column(column, overflow="fold")
        for e in data["dlq"]:
            errors.add_row(
                Text(e["tab"]),
                Text(e["name"] or e["url"]),
                Text(e.get("error_class", "")),
                Text(e["error"][:200]),
            )
        parts.append(errors)
    return Group(*parts)


@click.command("status")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (docs/status.schema.json)."
)
@click.option("--watch", is_flag=True, help="Refresh every --interval seconds until Ctrl-C.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between refreshes.")
@logging_options
def status(as_json: bool, watch: bool, interval: float, log_format: str, log_level: str) -> None:
    """Show workers (heartbeat age), the leader and its term, every tab's depth, DLQ errors.

    \b
    Examples:
      orc status
      orc status --json | jq .queues
      orc status --watch
    """
    config = start(log_format, log_level)
    try:
        gateway = SheetsGateway.from_config(config)
        settings = timing_settings(config)
        data = snapshot(gateway, settings=settings)
    except AgentError as exc:
        fail(exc)
        return
    if as_json and not watch:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = Console()
    if not watch:
        console.print(render(data))
        return
    with Live(render(data), console=console, refresh_per_second=2) as live:
        try:
            while True:
                time.sleep(interval)
                if as_json:
                    click.echo(json.dumps(snapshot(gateway, settings=settings), ensure_ascii=False))
                else:
                    live.update(render(snapshot(gateway, settings=settings)))
        except KeyboardInterrupt:
            return
