"""``orc demo``: the whole system on this machine, offline, in well under a minute."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from agent.cli.common import EXIT_FAILURE, fail
from agent.errors import AgentError

EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


@click.command("demo")
@click.option("--agents", default=3, show_default=True, type=click.IntRange(1, 12))
@click.option("--keep", is_flag=True, help="Leave the emulator up at the end (for orc status).")
@click.option(
    "--live/--no-live",
    default=True,
    show_default=True,
    help="A live view, or plain progress lines (CI logs). Plain when not on a terminal.",
)
@click.option("--timeout", default=180.0, show_default=True, help="Seconds before giving up.")
@click.option(
    "--task-seconds", default=0.8, show_default=True, help="Average time the demo handler takes."
)
@click.option("--header-language", type=click.Choice(["en", "pt"]), default="en", show_default=True)
@click.option("--port", default=0, show_default=True, help="Emulator port (0: any free port).")
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ORC_DEMO_DATA",
    help="Keep the spreadsheet in this SQLite file (reopen: orc emulator --data FILE).",
)
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the final summary (JSON) to this file.",
)
def demo(
    agents: int,
    keep: bool,
    live: bool,
    timeout: float,
    task_seconds: float,
    header_language: str,
    port: int,
    data: Path | None,
    summary_json: Path | None,
) -> None:
    """Run everything locally: emulator, a feed on 127.0.0.1, agents, a live view.

    \b
    Starts the Sheets emulator, creates a spreadsheet (orc init), serves pages of YouTube
    embeds and an RSS feed on 127.0.0.1, adds them as sources (plus one malformed URL),
    then runs agents as separate processes until the queues drain, and prints a summary:
    tasks done, dead-lettered, API calls used. No Google account, no internet. The last
    line is the summary as JSON, after "demo-summary: ". Ctrl-C stops everything.

    \b
    Examples:
      orc demo
      orc demo --agents 5 --no-live
      orc demo --keep            # then, elsewhere: orc status (it prints the settings)
    """
    from agent.demo.session import DemoOptions, DemoSession

    options = DemoOptions(
        agents=agents,
        live=live,
        keep=keep,
        timeout_s=timeout,
        task_seconds=task_seconds,
        header_language="pt" if header_language == "pt" else "en",
        emulator_port=port,
        data_path=data,
        summary_path=summary_json,
    )
    # Ctrl-C and SIGTERM both unwind the run (even when started with SIGINT ignored).
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = DemoSession(options).run()
    except KeyboardInterrupt:
        click.echo("orc demo: interrupted; agents, feed and emulator stopped", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except AgentError as exc:
        fail(exc)
        raise SystemExit(EXIT_FAILURE) from None
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    raise SystemExit(code)
