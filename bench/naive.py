"""The naive baseline: a tiny agent that shares the Tasks tab the obvious way (never use it).

It is what the original project documented: plain gspread (its ``BackOffHTTPClient``, which
retries 429s), one task per claim, read-then-write-then-verify on the Status and Worker cells,
and a fixed 1 s pause after every API call plus a random jitter that grows with the number of
workers (uniform in ``[0, NAIVE_JITTER_PER_WORKER_S x NAIVE_WORKERS]``, 0.1 s per worker by
default). Each cycle:

1. read the whole Tasks tab (``get_all_values``) and take the first row whose Status is PENDING;
2. write Status=CLAIMED, Worker=<me>, Claimed At (one ``values:batchUpdate``);
3. read the Worker cell back; if it is not <me>, another worker won: start again;
4. run the callback on the URL (``tests.coordination.handlers:logged``, a no-op that logs);
5. write Status=DONE, Completed At (one ``values:batchUpdate``). Rows stay in Tasks (moving them
   to History would cost the baseline more calls, so this favours it).

Step 3 does not make the claim atomic: a worker that read PENDING before another's write and
writes after that one verified will verify too, and both run the task.

Environment: ``SHEETS_EMULATOR_HOST``, ``SPREADSHEET_ID``, ``WORKER_NAME``, ``NAIVE_WORKERS``,
``NAIVE_PAUSE_S`` (1.0), ``NAIVE_JITTER_PER_WORKER_S`` (0.1), ``NAIVE_MAX_SECONDS`` (600),
``TASK_LOG`` (where the callback logs). Run: ``python -m bench.naive``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Any

import gspread
import requests
from gspread.http_client import BackOffHTTPClient

from agent.clock import utc_iso
from agent.schema import TASKS, ColumnMap
from agent.sheets.a1 import column_letter
from tests.coordination.handlers import logged

_GOOGLE = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class EmulatorSession(requests.Session):
    """A requests session that sends Google's URLs to the emulator, as user ``user``."""

    def __init__(self, host: str, user: str) -> None:
        super().__init__()
        self.base = f"http://{host}"
        self.headers["Authorization"] = f"Bearer {user}"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Rewrite the host, then send."""
        text = url.decode() if isinstance(url, bytes) else url
        for prefix in _GOOGLE:
            if text.startswith(prefix):
                text = self.base + text[len(prefix) :]
        return super().request(method, text, *args, **kwargs)


class NaiveWorker:
    """One naive worker on the Tasks tab."""

    def __init__(self, worksheet: gspread.Worksheet, name: str, pause_s: float, jitter_s: float):
        self.ws = worksheet
        self.name = name
        self.pause_s = pause_s
        self.jitter_s = jitter_s
        self.lost = 0
        self.done = 0
        header = self._call(lambda: self.ws.row_values(1))
        cmap = ColumnMap(TASKS, header)
        self.col = {k: cmap.col(k) for k in ("url", "status", "worker", "claimed_at")}
        self.col["completed_at"] = cmap.col("completed_at")

    def _call(self, fn: Any) -> Any:
        """One API call, then the documented pause."""
        try:
            return fn()
        finally:
            time.sleep(self.pause_s + random.uniform(0.0, self.jitter_s))

    def _cell(self, key: str, row: int) -> str:
        return f"{column_letter(self.col[key])}{row}"

    def step(self) -> bool:
        """One claim attempt (and the task when won); False when no PENDING row is left."""
        rows: list[list[str]] = self._call(self.ws.get_all_values)
        status, url_col = self.col["status"], self.col["url"]
        found = next(
            (
                (number, row)
                for number, row in enumerate(rows[1:], start=2)
                if status < len(row) and row[status] == "PENDING"
            ),
            None,
        )
        if found is None:
            return False
        number, row = found
        claim = [
            {"range": self._cell("status", number), "values": [["CLAIMED"]]},
            {"range": self._cell("worker", number), "values": [[self.name]]},
            {"range": self._cell("claimed_at", number), "values": [[utc_iso()]]},
        ]
        self._call(lambda: self.ws.batch_update(claim))
        holder = self._call(lambda: self.ws.acell(self._cell("worker", number)).value)
        if holder != self.name:
            self.lost += 1
            print(f"lost row {number} to {holder}", flush=True)
            return True
        logged(row[url_col] if url_col < len(row) else "")
        finish = [
            {"range": self._cell("status", number), "values": [["DONE"]]},
            {"range": self._cell("completed_at", number), "values": [[utc_iso()]]},
        ]
        self._call(lambda: self.ws.batch_update(finish))
        self.done += 1
        return True


def main() -> int:
    """Run one naive worker until the queue looks empty or the time is up."""
    env = os.environ
    name = env["WORKER_NAME"]
    workers = int(env.get("NAIVE_WORKERS", "1"))
    pause_s = float(env.get("NAIVE_PAUSE_S", "1.0"))
    jitter_s = float(env.get("NAIVE_JITTER_PER_WORKER_S", "0.1")) * workers
    deadline = time.monotonic() + float(env.get("NAIVE_MAX_SECONDS", "600"))
    session = EmulatorSession(env["SHEETS_EMULATOR_HOST"], name)
    client = gspread.Client(None, session=session, http_client=BackOffHTTPClient)  # type: ignore[arg-type]
    worksheet = client.open_by_key(env["SPREADSHEET_ID"]).worksheet(TASKS.title)
    worker = NaiveWorker(worksheet, name, pause_s, jitter_s)
    while time.monotonic() < deadline:
        try:
            if not worker.step():
                break
        except gspread.exceptions.APIError as exc:  # what the naive loop does: log, go on
            print(f"API error: {exc}", flush=True)
    print(f"{name}: done {worker.done}, lost {worker.lost}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
