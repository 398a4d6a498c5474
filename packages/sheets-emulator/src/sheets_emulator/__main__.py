"""``python -m sheets_emulator``: serve the emulator in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from sheets_emulator.server import EmulatorServer


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line (the same flags as ``orc emulator``)."""
    p = argparse.ArgumentParser(
        prog="python -m sheets_emulator",
        description="Serve Google's Sheets API v4 (and the Drive v3 subset gspread uses) on HTTP. "
        "Clients find it through SHEETS_EMULATOR_HOST=host:port.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8085, help="0 picks a free port (8085)")
    p.add_argument("--data", type=Path, default=None, help="SQLite file (default: memory)")
    p.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
    p.add_argument("--quota", action="store_true", help="enforce Google's per-minute quotas")
    p.add_argument("--fault-rate", type=_rate, default=0.0, help="fault probability per request")
    p.add_argument("--seed", type=int, default=None, help="seed for the fault sequence")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; returns the process exit code."""
    args = parser().parse_args(argv)
    try:
        server = EmulatorServer(
            host=args.host,
            port=args.port,
            data_path=args.data,
            latency_ms=args.latency_ms,
            quota=args.quota,
            fault_rate=args.fault_rate,
            seed=args.seed,
        ).start()
    except (RuntimeError, OSError) as exc:
        print(f"sheets-emulator: cannot start on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"Sheets API emulator listening on {server.url}", flush=True)
    print(f"export SHEETS_EMULATOR_HOST={server.host_port}", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
