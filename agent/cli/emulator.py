"""``orc emulator``: placeholder until the emulator lands."""

from __future__ import annotations

import click


@click.command("emulator")
def emulator() -> None:
    """Serve the Google Sheets API emulator (not yet available)."""
    raise click.ClickException("the emulator is not built yet")
