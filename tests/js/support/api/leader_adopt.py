"""The real leader's ``adopt_raw_sources``, paused between its read and its write.

Run by the add-on's race tests (tests/js/api/) against the emulator: it creates the file
``SIGNALS/read`` once the leader has read Sources and planned its writes, waits for
``SIGNALS/go``, sends the writes, then writes the number of rows adopted to ``SIGNALS/done``.
Files, not pipes, so that a blocked Apps Script execution in Node can drive it synchronously.

Usage: python leader_adopt.py SIGNALS  (SHEETS_EMULATOR_HOST and SPREADSHEET_ID set)
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from agent.config import Config
from agent.coordination.batch import WriteBatch
from agent.runtime.context import build_context
from agent.runtime.leader import LeaderDuties
from agent.sheets.gateway import SheetsGateway


def main(signals: Path) -> int:
    """Adopt once, pausing at the write; returns the exit code."""
    config = Config.load(
        worker_name="leader-under-test",
        spreadsheet_id=os.environ["SPREADSHEET_ID"],
        sheets_emulator_host=os.environ["SHEETS_EMULATOR_HOST"],
        read_quota_per_minute=100_000,
        write_quota_per_minute=100_000,
    )
    # The leader's duties over a context of their own: no heartbeat or leader thread runs, so
    # the only write is the adoption the test drives.
    ctx, _ = build_context(config, f"{config.worker_name}#test", threading.Event())
    ctx.sources.load()
    real_flush = WriteBatch.flush

    def paused_flush(self: WriteBatch, gateway: SheetsGateway) -> bool:
        (signals / "read").write_text("read")
        while not (signals / "go").exists():
            time.sleep(0.01)
        return real_flush(self, gateway)

    WriteBatch.flush = paused_flush  # type: ignore[method-assign]
    try:
        adopted = LeaderDuties(ctx).adopt_raw_sources()
    finally:
        WriteBatch.flush = real_flush  # type: ignore[method-assign]
    if adopted == 0:
        (signals / "read").write_text("nothing to adopt")
    (signals / "done").write_text(str(adopted))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
