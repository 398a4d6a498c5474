"""``python -m tests.chaos [--full] [--seed N] [--workdir DIR]``: run the scenario, print a report.

Exit status 0 when every guarantee held, 1 when one broke (the report says which).
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from tests.chaos.processes import workdir_for
from tests.chaos.run import run_chaos
from tests.chaos.settings import ChaosSettings


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run once, print the report."""
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument(
        "--full", action="store_true", help="the issue's size (5 agents, ~1,000 tasks)"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of every random choice")
    parser.add_argument(
        "--workdir", type=Path, help="keep logs, task log and emulator data here (default: temp)"
    )
    args = parser.parse_args(argv)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # unwinds the run: agents, person and emulator are stopped

    signal.signal(signal.SIGTERM, interrupt)
    settings = ChaosSettings.full(args.seed) if args.full else ChaosSettings.reduced(args.seed)
    with workdir_for(args.workdir) as workdir:
        report = run_chaos(settings, workdir)
    print(report.text(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
