"""The ``orc`` command line: one click group, one module per command."""

from __future__ import annotations

import sys

import click

from agent.__about__ import __version__
from agent.cli.schema_js import schema_js

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_CONFIG = 2


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok, 1 failure, 2 bad configuration. Docs: README.md and docs/.",
)
@click.version_option(__version__, prog_name="orc")
def cli() -> None:
    """Run work over YouTube playlists and channels, coordinated through a Google Sheet."""


cli.add_command(schema_js)


def _register_optional() -> None:
    """Attach commands whose modules may pull heavier imports."""
    from agent.cli.control import drain, pause, resume
    from agent.cli.demo import demo
    from agent.cli.doctor import doctor
    from agent.cli.emulator import emulator
    from agent.cli.init import init
    from agent.cli.queue import add_source, requeue_command
    from agent.cli.run import check, run
    from agent.cli.status import status

    for command in (run, init, add_source, requeue_command, status, check, emulator, demo, doctor):
        cli.add_command(command)
    for command in (pause, resume, drain):
        cli.add_command(command)


_register_optional()


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(standalone_mode=True))
