"""``orc add-source`` and ``orc requeue``."""

from __future__ import annotations

import click

from agent.cli.common import EXIT_FAILURE, fail, logging_options, start
from agent.coordination.enqueue import add_sources, requeue
from agent.errors import AgentError, InvalidUrlError
from agent.schema import SOURCES_DLQ, TASKS_DLQ
from agent.sheets.gateway import SheetsGateway
from agent.sources.urls import classify_url
from agent.tasks.failures import ErrorClass


@click.command("add-source")
@click.argument("urls", nargs=-1, required=True)
@logging_options
def add_source(urls: tuple[str, ...], log_format: str, log_level: str) -> None:
    """Validate URLs and append the good ones to Sources as PENDING.

    Rejected URLs are listed with the reason and the others are still added; the exit code
    is 1 when any was rejected.

    \b
    Examples:
      orc add-source https://www.youtube.com/@handle https://youtu.be/dQw4w9WgXcQ
      orc add-source "https://www.youtube.com/playlist?list=PL..."
    """
    config = start(log_format, log_level)
    accepted: list[str] = []
    rejected = 0
    for url in dict.fromkeys(u.strip() for u in urls):
        try:
            canonical = classify_url(url, config.source_url_policy).url
        except InvalidUrlError as exc:
            rejected += 1
            click.echo(f"rejected {url[:200]!r}: {exc.reason}", err=True)
            continue
        if canonical in accepted:
            click.echo(f"skipped {url[:200]!r}: the same source as {canonical}", err=True)
        else:
            accepted.append(canonical)
    try:
        ids = add_sources(SheetsGateway.from_config(config), accepted) if accepted else []
    except AgentError as exc:
        fail(exc)
        return
    for row_id, url in zip(ids, accepted, strict=True):
        click.echo(f"added {row_id} {url}")
    if rejected:
        raise SystemExit(EXIT_FAILURE)


@click.command("requeue")
@click.argument("kind", type=click.Choice(["tasks", "sources"]))
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Requeue every row of the DLQ tab.")
@click.option(
    "--error-class",
    type=click.Choice([c.value for c in ErrorClass]),
    help="Requeue the Tasks DLQ rows of this class (e.g. rate_limited after a block lifted).",
)
@logging_options
def requeue_command(
    kind: str,
    ids: tuple[str, ...],
    everything: bool,
    error_class: str | None,
    log_format: str,
    log_level: str,
) -> None:
    """Move DLQ rows back to the end of their queue as PENDING (attempts reset).

    Rows are found by ID, never by row number; requeueing an ID twice queues it once.

    \b
    Examples:
      orc requeue tasks 3f2a0c4e-8b1d-4e7a-9c2f-1a2b3c4d5e6f
      orc requeue sources --all
      orc requeue tasks --error-class bot_check
    """
    if sum((bool(ids), everything, error_class is not None)) != 1:
        raise click.UsageError("give IDs, --all or --error-class (one of them)")
    if error_class is not None and kind != "tasks":
        raise click.UsageError("--error-class applies to tasks only")
    config = start(log_format, log_level)
    dlq = TASKS_DLQ if kind == "tasks" else SOURCES_DLQ
    try:
        report = requeue(
            SheetsGateway.from_config(config),
            dlq,
            list(ids) if ids else None,
            error_class=error_class,
        )
    except AgentError as exc:
        fail(exc)
        return
    for row_id in report.requeued:
        click.echo(f"requeued {row_id}")
    for row_id, why in report.skipped.items():
        click.echo(f"skipped {row_id}: {why}", err=True)
