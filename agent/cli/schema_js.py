"""``orc schema-js``: regenerate ``appsscript/Schema.js`` from :mod:`agent.schema`."""

from __future__ import annotations

from pathlib import Path

import click

from agent.schema import render_schema_js

DEFAULT_PATH = Path("appsscript/Schema.js")


@click.command("schema-js")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_PATH,
    show_default=True,
    help="Where to write the file ('-' for standard output).",
)
def schema_js(output: Path) -> None:
    """Write the Apps Script schema file (tabs, headers, statuses) from the Python schema.

    \b
    Example:
      orc schema-js            # rewrites appsscript/Schema.js
      orc schema-js -o -       # prints it
    """
    text = render_schema_js()
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")
