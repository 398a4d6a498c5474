"""``orc emulator``: serve the local Google Sheets API emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8085,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file: every acknowledged write survives a restart. Default: memory only.",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Added to every API request.",
)
@click.option(
    "--quota/--no-quota",
    default=False,
    show_default=True,
    help="Enforce Google's per-minute quotas (60/user, 300/project).",
)
@click.option(
    "--fault-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Probability of an injected fault per API request (429, 500, 503, slow, lost answer).",
)
@click.option("--seed", default=None, type=int, help="Seed for the fault sequence (deterministic).")
def emulator(
    host: str,
    port: int,
    data_path: Path | None,
    latency_ms: int,
    quota: bool,
    fault_rate: float,
    seed: int | None,
) -> None:
    """Serve Google's Sheets API v4 (and the Drive v3 subset gspread uses) on HTTP.

    \b
    Clients find it through SHEETS_EMULATOR_HOST=host:port; no credentials are needed
    (the bearer token, if any, names the user for quotas and stats). Control endpoints:
    /_emulator/health, /_emulator/stats, /_emulator/reset, /_emulator/config.

    \b
    Example:
      orc emulator --port 8085 --data emulator.sqlite --quota
    """
    try:
        from sheets_emulator import EmulatorServer
    except ImportError:
        raise click.ClickException(
            "the emulator is not installed: pip install 'yt-gsheet-orchestrator[emulator]'"
        ) from None
    try:
        server = EmulatorServer(
            host=host,
            port=port,
            data_path=data_path,
            latency_ms=latency_ms,
            quota=quota,
            fault_rate=fault_rate,
            seed=seed,
        )
        server.start()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    store = f"SQLite {data_path}" if data_path else "memory"
    click.echo(f"Sheets API emulator listening on {server.url} ({store})")
    click.echo(f"export SHEETS_EMULATOR_HOST={server.host_port}")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _interrupt)
    server.serve_forever()
    click.echo("Sheets API emulator stopped")
