"""Where the API calls go: a tap in front of the emulator that sorts every request by purpose.

The emulator's own stats count requests by endpoint and user. To say *why* an agent made a call
(claiming, finishing, heartbeat, leader work, start and stop ...) and how many compare-and-sets
lost a race, :class:`Tap` wraps :meth:`sheets_emulator.app.App.handle` of an in-process
:class:`~sheets_emulator.EmulatorServer` (instrumentation of this process only; the agent's code
is untouched) and reads each request and reply the way a packet capture would:

* reads (``values:batchGet``) by the tabs and shapes of their ranges, with the cells returned;
* ``batchUpdate`` by the compare-and-sets it carries, told apart by the lease texts (``PENDING →
  CLAIMED`` is a claim, ``CLAIMED → DONE`` a finish, a header text a tombstone ...), with the
  ``occurrencesChanged`` of each reply: a claim that changed nothing lost a race;
* appends by their target tab.

Everything is counted per user, so setup calls (made as another user) stay apart.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sheets_emulator.identity import client_label

from agent.schema import (
    LEADER_ELECTION,
    SOURCES,
    SOURCES_DLQ,
    SOURCES_HISTORY,
    TASKS,
    TASKS_DLQ,
    TASKS_HISTORY,
    WORKERS,
)
from agent.sheets.gateway import SheetsGateway

_SPREADSHEET = re.compile(r"^/v4/spreadsheets/(?P<id>[^/:]+)(?P<rest>.*)$")
_A1_ROWS = re.compile(r"^[A-Z]+(?P<first>\d+):[A-Z]+(?P<last>\d+)?$")
_A1_COLUMN = re.compile(r"^(?P<a>[A-Z]+)\d+:(?P<b>[A-Z]+)\d*$")
_ESCAPE = re.compile(r"\\(.)")

#: The purposes a request can have; the order is the order of the report.
PURPOSES = (
    "claim",
    "finish",
    "heartbeat",
    "leader/sources",
    "compaction",
    "idle check",
    "release",
    "read-back",
    "start/stop",
    "other",
)

Handle = Callable[[str, str, Mapping[str, str], bytes], Any]


@dataclass
class UserTally:
    """What one user (one agent) sent, by purpose, and what its compare-and-sets achieved."""

    reads: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    rejected_429: Counter[str] = field(default_factory=Counter)
    ops: Counter[str] = field(default_factory=Counter)
    window_reads: int = 0
    window_cells: int = 0
    window_cells_requested: int = 0

    def add(self, other: UserTally) -> None:
        """Add ``other``'s counters to these."""
        self.reads.update(other.reads)
        self.writes.update(other.writes)
        self.rejected_429.update(other.rejected_429)
        self.ops.update(other.ops)
        self.window_reads += other.window_reads
        self.window_cells += other.window_cells
        self.window_cells_requested += other.window_cells_requested

    def copy(self) -> UserTally:
        """An independent copy."""
        out = UserTally()
        out.add(self)
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counters."""
        return {
            "reads": dict(self.reads),
            "writes": dict(self.writes),
            "rejected_429": dict(self.rejected_429),
            "ops": dict(self.ops),
            "window_reads": self.window_reads,
            "window_cells": self.window_cells,
            "window_cells_requested": self.window_cells_requested,
        }


class Tap:
    """Counts every API request an in-process emulator answers, by user and purpose."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, UserTally] = {}
        self._titles: dict[str, dict[int, str]] = {}
        self._headers: dict[str, set[str]] = {}

    # ------------------------------------------------------------------ wiring
    def wrap(self, handle: Handle) -> Handle:
        """The emulator's ``handle`` with this tap in front of it."""

        def tapped(method: str, target: str, headers: Mapping[str, str], body: bytes) -> Any:
            reply = handle(method, target, headers, body)
            try:
                self._record(method, target, headers, body, reply)
            except Exception:  # a tap must never break the server it observes
                self._bump(_user(headers), "other", "read" if method == "GET" else "write")
            return reply

        return tapped

    def register(self, gateway: SheetsGateway) -> None:
        """Learn the tab titles (by sheet id) and header texts of ``gateway``'s spreadsheet."""
        titles = {info.sheet_id: info.title for info in gateway.tabs.values()}
        headers: set[str] = set()
        for spec in (TASKS, SOURCES):
            for column in spec.columns:
                for language in ("en", "pt"):
                    headers.add(column.header(language))
        with self._lock:
            self._titles[gateway.spreadsheet_id] = titles
            self._headers[gateway.spreadsheet_id] = headers

    def reset(self) -> None:
        """Forget every count (the registered spreadsheets stay known)."""
        with self._lock:
            self._users.clear()

    def tally(self, prefix: str = "") -> UserTally:
        """The sum over users whose name starts with ``prefix``."""
        total = UserTally()
        with self._lock:
            for user, tally in self._users.items():
                if user.startswith(prefix):
                    total.add(tally)
        return total

    # ------------------------------------------------------------------ recording
    def _bump(self, user: str, purpose: str, kind: str, status: int = 200) -> UserTally:
        with self._lock:
            tally = self._users.setdefault(user, UserTally())
            (tally.reads if kind == "read" else tally.writes)[purpose] += 1
            if status == 429:
                tally.rejected_429[purpose] += 1
            return tally

    def _record(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, reply: Any
    ) -> None:
        user = _user(headers)
        split = urlsplit(target)
        match = _SPREADSHEET.match(split.path)
        status = int(getattr(reply, "status", 0))
        if match is None:
            if not split.path.startswith("/_emulator"):
                self._bump(user, "start/stop", "read" if method == "GET" else "write", status)
            return
        sid, rest = match.group("id"), unquote(match.group("rest"))
        if method == "GET" and rest.startswith("/values:batchGet"):
            ranges = parse_qs(split.query).get("ranges", [])
            self._read(user, ranges, status, getattr(reply, "body", b""))
        elif method == "GET":
            self._bump(user, "start/stop", "read", status)
        elif rest == ":batchUpdate":
            self._batch_update(user, sid, body, status, getattr(reply, "body", b""))
        elif rest.startswith("/values/") and rest.endswith(":append"):
            self._append(user, rest[len("/values/") : -len(":append")], status)
        else:
            self._bump(user, "other", "write", status)

    def _read(self, user: str, ranges: list[str], status: int, body: bytes) -> None:
        shapes = [_shape(r) for r in ranges]
        tabs = {tab for tab, _ in shapes}
        if {WORKERS.title, LEADER_ELECTION.title} <= tabs:
            purpose = "heartbeat"
        elif tabs == {WORKERS.title} or all(kind == "header" for _, kind in shapes):
            purpose = "start/stop"
        elif shapes and all(kind == "column" for _, kind in shapes):
            # several columns at once: the leader's dedup refresh; one: reading a CAS back
            purpose = "leader/sources" if len(shapes) > 1 else "read-back"
        elif tabs == {TASKS.title}:
            purpose = _tasks_read_purpose(ranges[0]) if len(ranges) == 1 else "claim"
        elif tabs & {SOURCES.title, SOURCES_HISTORY.title, SOURCES_DLQ.title}:
            purpose = "leader/sources"
        else:
            purpose = "other"
        tally = self._bump(user, purpose, "read", status)
        if purpose != "claim" or status != 200:
            return
        cells = _cells_returned(body)
        requested = sum(_cells_requested(r) for r in ranges)
        with self._lock:
            tally.window_reads += 1
            tally.window_cells += cells
            tally.window_cells_requested += requested

    def _append(self, user: str, a1: str, status: int) -> None:
        tab = _tab_of(a1)
        if tab in (TASKS_HISTORY.title, TASKS_DLQ.title):
            purpose = "finish"
        elif tab == WORKERS.title:
            purpose = "start/stop"
        elif tab in (TASKS.title, SOURCES_HISTORY.title, SOURCES_DLQ.title):
            purpose = "leader/sources"
        else:
            purpose = "other"
        tally = self._bump(user, purpose, "write", status)
        if status == 200 and purpose == "finish":
            with self._lock:
                tally.ops["history_appends"] += 1

    def _batch_update(self, user: str, sid: str, body: bytes, status: int, reply: bytes) -> None:
        requests = json.loads(body or b"{}").get("requests", [])
        replies: list[dict[str, Any]] = []
        if status == 200 and reply:
            replies = json.loads(reply).get("replies", [])
        with self._lock:
            titles = self._titles.get(sid, {})
            headers = self._headers.get(sid, set())
        ops: Counter[str] = Counter()
        for index, request in enumerate(requests):
            answer = replies[index] if index < len(replies) else None
            _classify_request(request, answer, titles, headers, ops)
        if ops["task_claim"] and ops["task_finish"]:
            ops["finish_riding_claim"] += ops["task_finish"]
        tally = self._bump(user, _batch_purpose(ops), "write", status)
        if status == 200:
            with self._lock:
                tally.ops.update(ops)


def _user(headers: Mapping[str, str]) -> str:
    """The client label the emulator's stats use (the worker name), else the bearer token."""
    label = client_label(headers)
    if label is not None:
        return label
    auth = headers.get("authorization", "")
    return auth.split(" ", 1)[1] if auth.lower().startswith("bearer ") else "anonymous"


def _tab_of(a1: str) -> str:
    sheet = a1.rsplit("!", 1)[0] if "!" in a1 else a1
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet


def _shape(a1: str) -> tuple[str, str]:
    """(tab, kind) of a range: ``header`` (row 1), ``column`` (one column) or ``rows``."""
    tab = _tab_of(a1)
    cells = a1.rsplit("!", 1)[1] if "!" in a1 else ""
    if cells in ("1:1", "A1:ZZ1"):
        return tab, "header"
    column = _A1_COLUMN.match(cells)
    if column and column.group("a") == column.group("b"):
        return tab, "column"
    return tab, "rows"


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


#: Reads of Tasks from row 2 of these many rows are not claim windows (claim windows have
#: max(50, 5 x CLAIM_BATCH) rows): the leader's compaction pass reads the top 500 rows
#: (``QueueTab.compact``), an agent about to leave in burst mode the top 1,000
#: (``Orchestrator.no_work_left``). These mirror the agent's read sizes.
TOP_READS = {500: "compaction", 1000: "idle check"}


def _tasks_read_purpose(a1: str) -> str:
    """``claim``, unless the range is one of :data:`TOP_READS`."""
    cells = a1.rsplit("!", 1)[1] if "!" in a1 else ""
    match = _A1_ROWS.match(cells)
    if match and match.group("last") and int(match.group("first")) == 2:
        rows = int(match.group("last")) - 1
        return TOP_READS.get(rows, "claim")
    return "claim"


def _cells_requested(a1: str) -> int:
    """Rows x columns of a bounded range like ``'Tasks'!A2:N51`` (0 when open-ended)."""
    cells = a1.rsplit("!", 1)[1] if "!" in a1 else ""
    rows_only = re.match(r"^(\d+):(\d+)$", cells)
    if rows_only:  # whole rows (the claim window): as wide as the Tasks tab orc init makes
        rows = int(rows_only.group(2)) - int(rows_only.group(1)) + 1
        return max(rows, 0) * len(TASKS.columns)
    match = re.match(r"^([A-Z]+)(\d+):([A-Z]+)(\d+)$", cells)
    if not match:
        return 0
    rows = int(match.group(4)) - int(match.group(2)) + 1
    cols = _column_number(match.group(3)) - _column_number(match.group(1)) + 1
    return max(rows, 0) * max(cols, 0)


def _cells_returned(body: bytes) -> int:
    if not body:
        return 0
    ranges = json.loads(body).get("valueRanges", [])
    return sum(len(row) for vr in ranges for row in vr.get("values", []))


def _unescape(pattern: str) -> str:
    inner = pattern[1:-1] if pattern.startswith("^") and pattern.endswith("$") else pattern
    return _ESCAPE.sub(r"\1", inner)


def _owner(lease: str) -> str:
    parts = lease.split("|")
    return parts[3] if len(parts) > 3 else ""


def _classify_request(
    request: dict[str, Any],
    answer: dict[str, Any] | None,
    titles: dict[int, str],
    headers: set[str],
    ops: Counter[str],
) -> None:
    """Add one batchUpdate request (and its reply, when applied) to ``ops``."""
    if "findReplace" in request:
        spec = request["findReplace"]
        sheet = titles.get(int(spec.get("range", {}).get("sheetId", -1)), "?")
        old = _unescape(str(spec.get("find", "")))
        new = str(spec.get("replacement", "")).replace("\\$", "$").replace("\\\\", "\\")
        changed = int((answer or {}).get("findReplace", {}).get("occurrencesChanged", 0))
        name = _cas_name(sheet, old, new, headers)
        ops[name] += 1
        if answer is not None and changed:
            ops[name + "_won"] += 1
    elif "deleteDuplicates" in request:
        ops["delete_duplicates"] += 1
    elif "updateCells" in request:
        start = request["updateCells"].get("start", {})
        sheet = titles.get(int(start.get("sheetId", -1)), "?")
        ops[_cells_name(sheet)] += 1
    else:
        ops["other_request"] += 1


def _cas_name(sheet: str, old: str, new: str, headers: set[str]) -> str:
    if sheet == LEADER_ELECTION.title:
        return "leader_cas"
    prefix = "task" if sheet == TASKS.title else "source" if sheet == SOURCES.title else "other"
    if "|" not in new or new in headers:
        return f"{prefix}_tombstone"
    old_state, new_state = old.split("|", 1)[0], new.split("|", 1)[0]
    if new_state == "CLAIMED":
        if old_state == "CLAIMED" and _owner(old) == _owner(new):
            return f"{prefix}_renew"
        return f"{prefix}_claim"
    if new_state in ("DONE", "FAILED"):
        return f"{prefix}_finish"
    if new_state == "PENDING":
        return f"{prefix}_release"
    return f"{prefix}_cas"


def _cells_name(sheet: str) -> str:
    if sheet in (WORKERS.title, LEADER_ELECTION.title):
        return "heartbeat_cells"
    if sheet == TASKS.title:
        return "task_display_cells"
    if sheet == SOURCES.title:
        return "source_cells"
    return "other_cells"


def _batch_purpose(ops: Counter[str]) -> str:
    """The purpose of a whole batchUpdate, from what it carries (first match wins)."""
    if ops["heartbeat_cells"] or ops["leader_cas"] or ops["task_renew"]:
        return "heartbeat"
    if ops["task_claim"]:
        return "claim"
    if ops["task_finish"]:
        return "finish"
    if ops["task_release"]:
        return "release"
    if ops["source_claim"] or ops["source_finish"] or ops["source_cells"] or ops["source_release"]:
        return "leader/sources"
    if ops["task_tombstone"] or ops["delete_duplicates"] or ops["source_tombstone"]:
        return "compaction"
    if ops["task_display_cells"]:
        return "claim"
    return "other"
