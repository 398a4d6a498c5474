"""What every ``orc`` command shares: loading settings, logging options, exit codes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import click

from agent.config import Config
from agent.errors import AgentError, ConfigError, SchemaError, SheetsError
from agent.logs import setup_logging
from agent.sheets.client import readable_by_others

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_CONFIG = 2

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("agent.cli")


def logging_options(func: F) -> F:
    """``--log-format`` and ``--log-level`` for a command."""
    func = click.option(
        "--log-level",
        default="INFO",
        show_default=True,
        type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
        help="Least severe messages shown.",
    )(func)
    func = click.option(
        "--log-format",
        default="text",
        show_default=True,
        type=click.Choice(["text", "json"]),
        help="Readable lines, or one JSON object per line for machines.",
    )(func)
    return func


def start(log_format: str, log_level: str, **overrides: Any) -> Config:
    """Set up logging and load settings; exit 2 naming the variable when one is bad."""
    setup_logging("json" if log_format == "json" else "text", log_level)
    try:
        config = Config.load(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        fail_config(exc)
    key_file = config.service_account_file
    if (
        key_file is not None
        and config.sheets_emulator_host is None
        and readable_by_others(key_file)
    ):
        log.warning(
            "SERVICE_ACCOUNT_FILE %s is readable by other users; run: chmod 600 %s",
            key_file,
            key_file,
        )
    return config


def fail_config(exc: ConfigError) -> None:
    """Print one line naming the variable and exit 2."""
    click.echo(f"orc: configuration error: {exc}", err=True)
    raise SystemExit(EXIT_BAD_CONFIG)


def fail(exc: AgentError) -> None:
    """Print one line and exit: 2 for configuration problems, 1 otherwise."""
    if isinstance(exc, ConfigError):
        fail_config(exc)
    if isinstance(exc, SchemaError):
        click.echo(f"orc: spreadsheet layout error: {exc}", err=True)
        raise SystemExit(EXIT_BAD_CONFIG)
    if isinstance(exc, SheetsError) and exc.status == 401:
        click.echo(f"orc: configuration error: credentials: {exc}", err=True)
        raise SystemExit(EXIT_BAD_CONFIG)
    if isinstance(exc, SheetsError) and exc.status in (403, 404):
        click.echo(f"orc: configuration error: SPREADSHEET_ID: {exc}", err=True)
        raise SystemExit(EXIT_BAD_CONFIG)
    click.echo(f"orc: {exc}", err=True)
    raise SystemExit(EXIT_FAILURE)
