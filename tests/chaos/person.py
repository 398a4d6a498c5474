"""A person editing the spreadsheet by hand while agents run, as a process of its own.

``python -m tests.chaos.person --host H:P --spreadsheet ID --seed N --out FILE [--late URL]...``
acts until SIGTERM/SIGINT, then removes the junk rows it pasted and writes what it did (JSON)
to ``--out``. It only uses the Sheets API, through the same client as the agents (its own user,
its own token bucket), so the emulator's faults and quotas hit it too; a failed edit is counted,
not fatal (a person just tries again).

Actions, chosen at random: insert a blank row anywhere in Tasks; paste a junk row (garbage in
ID and in the claim cell ``Lease``) anywhere; delete one of its junk rows; sort Tasks by URL;
write in the ``My Notes`` column (a column the system does not own) of some row; append a
source (the ``--late`` URLs, one at a time); requeue a few Tasks DLQ rows. Structural edits,
a few of each per run: insert a blank column anywhere in Tasks (half of them left of
``Lease``); insert a block of 100-150 blank rows (at the top or anywhere); apply a basic filter
that hides the rows whose notes it has seen, and clear it at the next turn; clear one of its
junk rows by hand (its ID and Lease cells emptied, by content: the row is left blank but for
its note, the person's own data). The column map is read again after every column insert.

With ``--addon URL`` (the add-on's server functions on the API-backed Apps Script runtime,
``tests/js/support/api/serve.js``) the person also acts through the add-on, at most once every
few seconds: every other late source goes in through ``addSources``; requeues through
``requeueRows``; the sidebar's refresh (``getDashboard``); and re-typing the URL of a source the
agents hold (the cell rewritten with its own text by content, then ``onEdit`` fired with the
row number read before), which must change nothing.

Deleting by hand is the one action an API client cannot do the way the Sheets UI does (pick
the row you see and delete it, atomically). ``deleteDimension`` takes a row number read
earlier, and agents delete rows in between, so it could delete a task. The person therefore
deletes the rows it pasted *by content*, with the protocol's own tool: its junk row's ID and
Lease cells are set to the header texts by compare-and-set and ``deleteDuplicates`` removes
the row, all in one ``batchUpdate``. Inserting and sorting, which row numbers cannot make
harmful, go through as a person would do them.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from agent.clock import parse_utc_iso
from agent.coordination.cas import cas_request, delete_duplicates_request, occurrences
from agent.coordination.enqueue import add_sources, requeue
from agent.errors import AgentError, AmbiguousWriteError
from agent.schema import SOURCES, TASKS, TASKS_DLQ, ColumnMap
from agent.sheets.a1 import column_letter, column_range
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps
from tests.coordination.addon import AddonClient

NOTES = "My Notes"
JUNK_ID = "junk-"
JUNK_LEASE = "garbage lease "
#: Longer than the emulator's late writes take to land (``late_ms``, 3 s).
LATE_LANDING_S = 5.0
SETTLED_S = 20.0
ADDON_EVERY_S = 4.0  # the add-on's calls are many Sheets requests each: a person's pace
ADDON_REFRESH_EVERY_S = 30.0
MAX_COLUMNS = 4  # columns a person inserts per run
MAX_BLOCKS = 3  # blocks of blank rows
BLOCK_ROWS = (100, 150)


class Person:
    """Random hand edits on the Tasks tab (and Sources, Tasks DLQ) until stopped."""

    def __init__(
        self,
        host: str,
        spreadsheet_id: str,
        seed: int,
        late: list[str],
        *,
        settled_only: bool = False,
        addon: str | None = None,
    ) -> None:
        self.settled_only = settled_only
        self.addon = AddonClient(addon) if addon else None
        self.next_addon = 0.0
        self.next_refresh = 0.0
        self.host = host
        self.spreadsheet_id = spreadsheet_id
        self.rng = random.Random(seed)
        self.late = list(late)
        self.stop = threading.Event()
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.errors: list[str] = []
        self.junk: list[str] = []  # tokens of junk rows pasted and not yet deleted
        self.missing_junk = 0
        self.added_sources: list[str] = []
        self.requeued: list[str] = []
        self.sheet: SheetsGateway | None = None
        self._cmap: ColumnMap | None = None
        self.started = time.monotonic()
        self.filtered = False

    # ------------------------------------------------------------------ plumbing
    def gateway(self) -> SheetsGateway:
        """The gateway, opened again after a failure (the emulator may have restarted)."""
        if self.sheet is None:
            client = make_client(
                user="person", emulator_host=self.host, timeout_s=5.0, token="person"
            )
            self.sheet = SheetsGateway(client, self.spreadsheet_id)
        return self.sheet

    def cmap(self) -> ColumnMap:
        """The Tasks column map (read once; columns are found by header)."""
        if self._cmap is None:
            (self._cmap,) = read_maps(self.gateway(), [TASKS], require=False)
        return self._cmap

    def sheet_id(self) -> int:
        """The Tasks tab's sheet id."""
        return self.gateway().tab(TASKS.title).sheet_id

    def height(self) -> int:
        """Rows in Tasks (header included), at least 2."""
        (values,) = self.gateway().read([column_range(TASKS.title, self.cmap().col("id"), 1)])
        return max(len(values), 2)

    def act(self, name: str, action: Any) -> None:
        """Run one action; count it, or count and keep its error."""
        try:
            action()
            self.done[name] += 1
        except Exception as exc:  # a person's failed edit is not the agents' problem
            self.failed[name] += 1
            self.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
            if not isinstance(exc, AgentError):
                self.sheet = None

    # ------------------------------------------------------------------ actions
    def insert(self) -> None:
        """Insert a blank row somewhere among the data rows."""
        at = self.rng.randrange(1, self.height())
        rows = {"sheetId": self.sheet_id(), "dimension": "ROWS", "startIndex": at}
        rows["endIndex"] = at + 1
        self.gateway().batch_update(
            [{"insertDimension": {"range": rows, "inheritFromBefore": True}}]
        )

    def paste_junk(self) -> None:
        """Insert a row with garbage in ID and Lease (the claim cell) and a note."""
        token = secrets.token_hex(4)
        at = self.rng.randrange(1, self.height())
        cmap = self.cmap()
        sheet_id = self.sheet_id()
        cells = {cmap.col("id"): JUNK_ID + token, cmap.col("lease"): JUNK_LEASE + token}
        cells[cmap.user_index["user:" + NOTES]] = "junk pasted by hand"
        requests: list[dict[str, Any]] = [
            {
                "insertDimension": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "ROWS",
                        "startIndex": at,
                        "endIndex": at + 1,
                    },
                    "inheritFromBefore": True,
                }
            }
        ]
        for column, text in cells.items():
            requests.append(
                {
                    "updateCells": {
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": text}}]}],
                        "fields": "userEnteredValue",
                        "start": {"sheetId": sheet_id, "rowIndex": at, "columnIndex": column},
                    }
                }
            )
        self.junk.append(token)  # before sending: an ambiguous answer may have applied it
        self.gateway().batch_update(requests)

    def delete_junk(self, token: str | None = None) -> None:
        """Delete one junk row by content (see the module docstring)."""
        if not self.junk:
            return
        token = token or self.rng.choice(self.junk)
        cmap = self.cmap()
        sheet_id = self.sheet_id()
        replies = self.gateway().batch_update(
            [
                cas_request(sheet_id, cmap.col("id"), JUNK_ID + token, "ID"),
                cas_request(sheet_id, cmap.col("lease"), JUNK_LEASE + token, "Lease"),
                delete_duplicates_request(sheet_id, [cmap.col("id"), cmap.col("lease")]),
            ]
        )
        if occurrences(replies[0]) == 0:
            if self.filtered:
                return  # hidden by the person's own filter (findReplace skips it): later
            self.missing_junk += 1  # never pasted: that paste's answer was lost before applying
        self.junk.remove(token)

    def insert_column(self) -> None:
        """Insert a blank column in Tasks: half the time left of Lease, else anywhere."""
        cmap = self.cmap()
        lease = cmap.col("lease")
        width = max(cmap.index.values()) + 1
        left = self.rng.random() < 0.5
        at = self.rng.randrange(0, lease + 1) if left else self.rng.randrange(0, width + 1)
        columns = {"sheetId": self.sheet_id(), "dimension": "COLUMNS", "startIndex": at}
        columns["endIndex"] = at + 1
        self._cmap = None  # before sending: an ambiguous answer may have applied it
        self.gateway().batch_update(
            [{"insertDimension": {"range": columns, "inheritFromBefore": at > 0}}]
        )
        self.gateway().refresh()

    def insert_block(self) -> None:
        """Insert 100-150 blank rows, at the top (under the header) half the time."""
        at = 1 if self.rng.random() < 0.5 else self.rng.randrange(1, self.height())
        count = self.rng.randint(*BLOCK_ROWS)
        rows = {"sheetId": self.sheet_id(), "dimension": "ROWS", "startIndex": at}
        rows["endIndex"] = at + count
        self.gateway().batch_update(
            [{"insertDimension": {"range": rows, "inheritFromBefore": True}}]
        )
        self.gateway().refresh()

    def toggle_filter(self) -> None:
        """Apply a basic filter hiding the rows whose notes say 'seen', or clear it."""
        sheet_id = self.sheet_id()
        if self.filtered:
            self.filtered = False  # a clear that failed is tried again at cleanup only
            self.gateway().batch_update([{"clearBasicFilter": {"sheetId": sheet_id}}])
            return
        notes = self.cmap().user_index["user:" + NOTES]
        condition = {"type": "TEXT_NOT_CONTAINS", "values": [{"userEnteredValue": "seen"}]}
        self.filtered = True  # before sending, as with junk
        self.gateway().batch_update(
            [
                {
                    "setBasicFilter": {
                        "filter": {
                            "range": {"sheetId": sheet_id},
                            "filterSpecs": [
                                {"columnIndex": notes, "filterCriteria": {"condition": condition}}
                            ],
                        }
                    }
                }
            ]
        )

    def clear_junk(self) -> None:
        """Clear a junk row's ID and Lease by hand (by content); its note stays."""
        if not self.junk:
            return
        token = self.rng.choice(self.junk)
        cmap = self.cmap()
        sheet_id = self.sheet_id()
        replies = self.gateway().batch_update(
            [
                cas_request(sheet_id, cmap.col("id"), JUNK_ID + token, ""),
                cas_request(sheet_id, cmap.col("lease"), JUNK_LEASE + token, ""),
            ]
        )
        if occurrences(replies[0]) == 0 and self.filtered:
            return  # hidden by the person's own filter: it stays, for delete_junk later
        self.junk.remove(token)  # on a failure it stays, for delete_junk to remove later

    def sort(self) -> None:
        """Sort Tasks by URL, ascending or descending."""
        order = self.rng.choice(["ASCENDING", "DESCENDING"])
        self.gateway().batch_update(
            [
                {
                    "sortRange": {
                        "range": {"sheetId": self.sheet_id(), "startRowIndex": 1},
                        "sortSpecs": [
                            {"dimensionIndex": self.cmap().col("url"), "sortOrder": order}
                        ],
                    }
                }
            ]
        )

    def edit_notes(self) -> None:
        """Write in the user's own column of some row."""
        at = self.rng.randrange(1, self.height())
        self.gateway().batch_update(
            [
                {
                    "updateCells": {
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": f"seen {at}"}}]}],
                        "fields": "userEnteredValue",
                        "start": {
                            "sheetId": self.sheet_id(),
                            "rowIndex": at,
                            "columnIndex": self.cmap().user_index["user:" + NOTES],
                        },
                    }
                }
            ]
        )

    def add_source(self) -> None:
        """Append the next late source (every other one through the add-on's addSources)."""
        url = self.late.pop(0)
        self.added_sources.append(url)  # before sending, for the same reason as junk
        try:
            if self.addon is not None and len(self.added_sources) % 2 == 1:
                result = self.addon.call("addSources", [url])
                if result["rejected"]:
                    raise AgentError(f"the add-on refused {url}: {result['rejected']}")
                self.done["addon_add_source"] += 1
                return
            add_sources(self.gateway(), [url])
        except AmbiguousWriteError:
            raise  # it may have landed: the audit counts the sources it finds
        except Exception:
            self.added_sources.pop()  # surely not added: a person tries again later
            self.late.insert(0, url)
            raise

    # ------------------------------------------------------------------ through the add-on
    def addon_refresh(self) -> None:
        """The sidebar's refresh: every figure the dashboard shows."""
        assert self.addon is not None
        self.addon.call("getDashboard")

    def addon_retype(self) -> None:
        """Type (or paste) a held source's URL again: the cell is rewritten with its own text,
        found by content (so no other row is touched), then onEdit fires for the row number read
        before it, as a trigger that runs after rows moved would; a paste covers the next row
        too."""
        assert self.addon is not None
        gateway = self.gateway()
        (smap,) = read_maps(gateway, [SOURCES], require=False)
        urls, leases = gateway.read(
            [
                column_range(SOURCES.title, smap.col("url"), 2),
                column_range(SOURCES.title, smap.col("lease"), 2),
            ]
        )
        held = [
            (i + 2, row[0])
            for i, row in enumerate(urls)
            if row and row[0] and i < len(leases) and leases[i] and leases[i][0]
        ]
        if not held:
            return
        row, url = self.rng.choice(held)
        sheet_id = gateway.tab(SOURCES.title).sheet_id
        gateway.batch_update([cas_request(sheet_id, smap.col("url"), url, url)])
        letter = column_letter(smap.col("url"))
        if self.rng.random() < 0.5:
            self.addon.edit(SOURCES.title, f"{letter}{row}", value=url, old=url)
        else:  # a paste over this row and the next: no value in the event, as on the platform
            self.addon.edit(SOURCES.title, f"{letter}{row}:{letter}{row + 1}")

    def requeue_some(self) -> None:
        """Requeue up to three Tasks DLQ rows by ID, as from the sidebar.

        With ``settled_only``, only rows dead-lettered over ``SETTLED_S`` ago whose ID is not in
        Tasks: this steps around the requeue race that ``test_requeue_race.py`` pins (a requeue
        while the task's FAILED row is still in Tasks loses the task).
        """
        gateway = self.gateway()
        (dlq_map,) = read_maps(gateway, [TASKS_DLQ], require=False)
        ids_range = column_range(TASKS_DLQ.title, dlq_map.col("id"), 2)
        done_range = column_range(TASKS_DLQ.title, dlq_map.col("completed_at"), 2)
        queued_range = column_range(TASKS.title, self.cmap().col("id"), 2)
        values, completed, queued = gateway.read([ids_range, done_range, queued_range])
        ids = [row[0] for row in values if row and row[0]]
        if self.settled_only:
            in_tasks = {row[0] for row in queued if row}
            now = time.time()
            ages = [parse_utc_iso(row[0]) if row else None for row in completed]
            ids = [
                row_id
                for row_id, done in zip(ids, ages, strict=False)
                if row_id not in in_tasks and done is not None and now - done > SETTLED_S
            ]
        if not ids:
            return
        chosen = self.rng.sample(ids, min(3, len(ids)))
        if self.addon is not None and self.rng.random() < 0.5:
            result = self.addon.call("requeueRows", TASKS_DLQ.title, chosen)
            self.done["addon_requeue"] += 1
            self.requeued.extend(result["requeued"])
            return
        report = requeue(gateway, TASKS_DLQ, chosen)
        self.requeued.extend(report.requeued)

    # ------------------------------------------------------------------ loop
    def run(self) -> None:
        """Act at a person's pace until stopped; then delete the junk rows left."""
        actions = {
            "insert": self.insert,
            "junk": self.paste_junk,
            "delete": self.delete_junk,
            "sort": self.sort,
            "edit": self.edit_notes,
            "requeue": self.requeue_some,
            "insert_column": self.insert_column,
            "insert_block": self.insert_block,
            "filter": self.toggle_filter,
            "clear": self.clear_junk,
        }
        next_late = 4.0
        while not self.stop.wait(self.rng.uniform(0.3, 1.0)):
            if self.late and time.monotonic() - self.started >= next_late:
                self.act("add_source", self.add_source)
                next_late += 8.0
                continue
            now = time.monotonic()
            if self.addon is not None and now >= self.next_addon:
                self.next_addon = now + ADDON_EVERY_S
                if now >= self.next_refresh:
                    self.next_refresh = now + ADDON_REFRESH_EVERY_S
                    self.act("addon_refresh", self.addon_refresh)
                else:
                    self.act("addon_retype", self.addon_retype)
                continue
            limits = {"insert_column": MAX_COLUMNS, "insert_block": MAX_BLOCKS}
            names = [n for n in actions if self.done[n] + self.failed[n] < limits.get(n, 10**9)]
            name = self.rng.choice(names)
            self.act(name, actions[name])
        self.clean_up()

    def clean_up(self, tries: int = 30) -> None:
        """Clear the filter; remove every junk row still there (a person tidies up)."""
        for _ in range(5):  # a person clears the filter before leaving, whatever they think
            self.filtered = True
            self.act("cleanup", self.toggle_filter)
            if self.done["cleanup"]:
                break
        for _ in range(tries):
            if not self.junk:
                break
            self.act("cleanup", lambda: self.delete_junk(self.junk[0]))
            time.sleep(0.2)
        # A paste answered with an error, then judged never pasted, may still land (the full
        # chaos run: a late write, applied 3 s after its 503): wait, then remove what shows.
        time.sleep(LATE_LANDING_S)
        for _ in range(tries):
            self.act("cleanup", self._take_back_junk_seen)
            if not self.junk:
                return
            time.sleep(0.2)

    def _take_back_junk_seen(self) -> None:
        """Add every junk row Tasks shows to the junk to delete (one read)."""
        (values,) = self.gateway().read([column_range(TASKS.title, self.cmap().col("id"), 2)])
        seen = {str(r[0])[len(JUNK_ID) :] for r in values if r and str(r[0]).startswith(JUNK_ID)}
        self.junk = sorted(seen)
        for token in list(self.junk):
            self.delete_junk(token)

    def summary(self) -> dict[str, Any]:
        """What the person did, as JSON data."""
        return {
            "done": dict(self.done),
            "failed": dict(self.failed),
            "errors": self.errors[-20:],
            "junk_left": list(self.junk),
            "added_sources": self.added_sources,
            "requeued": self.requeued,
        }


def main(argv: list[str] | None = None) -> int:
    """Entry point of the person process."""
    parser = argparse.ArgumentParser(prog="python -m tests.chaos.person")
    parser.add_argument("--host", required=True)
    parser.add_argument("--spreadsheet", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--late", action="append", default=[])
    parser.add_argument("--settled-requeue", action="store_true")
    parser.add_argument("--addon", default=None, help="URL of the add-on server (serve.js)")
    args = parser.parse_args(argv)
    person = Person(
        args.host,
        args.spreadsheet,
        args.seed,
        args.late,
        settled_only=args.settled_requeue,
        addon=args.addon,
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        person.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        person.run()
    finally:
        args.out.write_text(json.dumps(person.summary(), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
