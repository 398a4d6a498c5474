"""Helpers for the deployment examples' tests: YAML files and ``orc``'s real command parser."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import yaml

from agent.cli import cli
from agent.config import Config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: Variables the examples may set that are not agent settings: read by libraries or the image.
NOT_SETTINGS = {"XDG_CACHE_HOME", "SHEETS_EMULATOR_TOKEN", "PYTHONUNBUFFERED"}


def documents(path: Path) -> list[dict[str, Any]]:
    """Every YAML document in ``path`` (empty ones skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def parse_orc(args: list[str]) -> click.Context:
    """Parse ``orc ARGS`` with the real CLI (no command runs); click.UsageError when wrong."""
    assert args, "an empty orc command line"
    name, rest = args[0], args[1:]
    command = cli.get_command(click.Context(cli), name)
    if command is None:
        raise click.UsageError(f"orc has no command {name!r}")
    return command.make_context(name, list(rest), resilient_parsing=False)


def orc_invocations(command: list[str] | str) -> list[list[str]]:
    """The ``orc`` command lines inside a container command (a list, or ``sh -c '...'``)."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"]):
        found: list[list[str]] = []
        for part in words[2].replace("&&", ";").split(";"):
            tokens = shlex.split(part)
            while tokens and ("=" in tokens[0] or tokens[0] == "exec"):
                tokens = tokens[1:]  # VAR=value prefixes and exec
            if tokens and tokens[0] == "orc":
                found.append(tokens[1:])
        return found
    if words and words[0] == "orc":
        return [words[1:]]
    return []


def settings_names() -> set[str]:
    """Every agent setting's environment variable."""
    return {name.upper() for name in Config.model_fields}
