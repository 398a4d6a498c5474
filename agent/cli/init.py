"""``orc init``: create or repair the spreadsheet's tabs."""

from __future__ import annotations

import click

from agent.cli.common import fail, logging_options, start
from agent.coordination.layout import init_spreadsheet
from agent.errors import AgentError
from agent.sheets.gateway import SheetsGateway


@click.command("init")
@logging_options
def init(log_format: str, log_level: str) -> None:
    """Create or repair the tabs and headers (safe to run again at any time).

    \b
    Adds missing tabs and headers (in HEADER_LANGUAGE for new tabs, in each tab's own
    language for old ones), data validation on Status and a warning-only protection on the
    header rows. Columns you added are left alone.

    \b
    Example:
      SPREADSHEET_ID=1AbC... SERVICE_ACCOUNT_FILE=key.json orc init
    """
    config = start(log_format, log_level)
    try:
        gateway = SheetsGateway.from_config(config)
        report = init_spreadsheet(gateway, config.header_language)
    except AgentError as exc:
        fail(exc)
        return
    for title in report.tabs_created:
        click.echo(f"created tab {title!r}")
    for title, headers in report.headers_added.items():
        click.echo(f"{title!r}: added headers {', '.join(headers)}")
    if report.leader_row_added:
        click.echo("added the leader election row")
    if report.control_row_added:
        click.echo("added the fleet-control row (RUNNING)")
    if not report.changed:
        click.echo("spreadsheet already up to date")
