"""SQLite persistence (WAL, ``synchronous=FULL``): every acknowledged write survives a crash.

Layout: one row per spreadsheet (properties, named ranges, sheet order), one per sheet
(properties and sheet-level JSON), one per materialised row (cells as JSON, an order key
``pos``). A write request rewrites only the rows it changed; inserting or deleting rows does
not renumber the rows around them (order keys have gaps), so cost follows the change, not the
sheet size.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sheets_emulator.model import Cell, Row, Sheet, Spreadsheet
from sheets_emulator.store import Store
from sheets_emulator.txn import ChangeSet

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

SCHEMA = """
CREATE TABLE IF NOT EXISTS spreadsheets (id TEXT PRIMARY KEY, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sheets (
    ss TEXT NOT NULL, sheet_id INTEGER NOT NULL, meta TEXT NOT NULL,
    PRIMARY KEY (ss, sheet_id));
CREATE TABLE IF NOT EXISTS rows (
    ss TEXT NOT NULL, sheet_id INTEGER NOT NULL, rid INTEGER NOT NULL, pos INTEGER NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (ss, sheet_id, rid)) WITHOUT ROWID;
"""

_DUMPS = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: lone surrogates survive


def encode_cell(cell: Cell | None) -> Any:
    """A cell as compact JSON: a bare scalar when it is only a value."""
    if cell is None:
        return None
    if cell.formula is None and not cell.extra:
        return cell.value
    out: dict[str, Any] = {}
    if cell.value is not None:
        out["v"] = cell.value
    if cell.formula is not None:
        out["f"] = cell.formula
    if cell.extra:
        out["x"] = cell.extra
    return out


def decode_cell(data: Any) -> Cell | None:
    """The inverse of :func:`encode_cell`."""
    if data is None:
        return None
    if isinstance(data, dict):
        return Cell(data.get("v"), data.get("f"), data.get("x"))
    return Cell(data)


def encode_row(row: Row) -> str:
    """A row's cells as JSON (trailing blanks dropped)."""
    cells = row.cells
    n = len(cells)
    while n and cells[n - 1] is None:
        n -= 1
    return _DUMPS([encode_cell(c) for c in cells[:n]])


def sheet_meta(sheet: Sheet) -> str:
    """A sheet's properties, sheet-level JSON and dimension overrides."""
    dims = {k: [[i, p] for i, p in sorted(v.items())] for k, v in sheet.dims.items() if v}
    return _DUMPS({"props": sheet.props, "meta": sheet.meta, "dims": dims})


def spreadsheet_meta(ss: Spreadsheet) -> str:
    """A spreadsheet's own JSON (not its sheets' contents)."""
    return _DUMPS(
        {
            "props": ss.props,
            "named_ranges": ss.named_ranges,
            "sheet_order": [s.sheet_id for s in ss.sheets],
            "created": ss.created,
            "modified": ss.modified,
            "owner": ss.owner,
        }
    )


class SQLiteStore(Store):
    """Write-through persistence in one SQLite file; the model lives in memory."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = self._take_lock()
        self._db_lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        for ss in self._load():
            self._items[ss.id] = ss

    def _take_lock(self) -> Any:
        handle = open(str(self.path) + ".lock", "a+")  # noqa: SIM115 - held for the store's life
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise RuntimeError(f"another emulator is using {self.path}") from None
        return handle

    def describe(self) -> str:
        """``sqlite:PATH``."""
        return f"sqlite:{self.path}"

    def _load(self) -> list[Spreadsheet]:
        conn = self._conn
        sheets: dict[tuple[str, int], Sheet] = {}
        for ss_id, sheet_id, meta in conn.execute("SELECT ss, sheet_id, meta FROM sheets"):
            data = json.loads(meta)
            sheet = Sheet(data["props"], [], data.get("meta") or {})
            for kind, pairs in (data.get("dims") or {}).items():
                sheet.dims[kind] = {int(i): p for i, p in pairs}
            sheets[(ss_id, sheet_id)] = sheet
        max_rid: dict[str, int] = {}
        query = "SELECT ss, sheet_id, rid, pos, data FROM rows ORDER BY ss, sheet_id, pos"
        for ss_id, sheet_id, rid, pos, data in conn.execute(query):
            owner = sheets.get((ss_id, sheet_id))
            if owner is None:
                continue
            owner.rows.append(Row(rid, pos, [decode_cell(c) for c in json.loads(data)]))
            max_rid[ss_id] = max(max_rid.get(ss_id, 0), rid)
        out = []
        for ss_id, meta in conn.execute("SELECT id, meta FROM spreadsheets"):
            data = json.loads(meta)
            ss = Spreadsheet(ss_id, data["props"], [])
            ss.sheets = [
                sheets[(ss_id, sid)] for sid in data["sheet_order"] if (ss_id, sid) in sheets
            ]
            ss.named_ranges = data.get("named_ranges") or []
            ss.created = data.get("created", ss.created)
            ss.modified = data.get("modified", ss.modified)
            ss.owner = data.get("owner")
            ss.next_rid = max_rid.get(ss_id, 0) + 1
            out.append(ss)
        return out

    def _run(self, statements: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
        with self._db_lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    if len(params) == 1:
                        conn.execute(sql, params[0])
                    elif params:
                        conn.executemany(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def persist_new(self, ss: Spreadsheet) -> None:
        """Write a whole spreadsheet."""
        changes = ChangeSet(spreadsheet=True)
        for sheet in ss.sheets:
            changes.sheets.add(sheet.sheet_id)
            changes.rows[sheet.sheet_id] = {row.rid: row for row in sheet.rows}
        self.commit(ss, changes)

    def commit(self, ss: Spreadsheet, changes: ChangeSet) -> None:
        """Write what changed, in one SQLite transaction (durable when this returns)."""
        sid = ss.id
        stmts: list[tuple[str, list[tuple[Any, ...]]]] = [
            (
                "INSERT OR REPLACE INTO spreadsheets (id, meta) VALUES (?, ?)",
                [(sid, spreadsheet_meta(ss))],
            )
        ]
        gone = [(sid, k) for k in changes.sheets_deleted]
        stmts.append(("DELETE FROM sheets WHERE ss = ? AND sheet_id = ?", gone))
        stmts.append(("DELETE FROM rows WHERE ss = ? AND sheet_id = ?", gone))
        metas = []
        for sheet_id in changes.sheets:
            sheet = ss.sheet_by_id(sheet_id)
            if sheet is not None:
                metas.append((sid, sheet_id, sheet_meta(sheet)))
        stmts.append(("INSERT OR REPLACE INTO sheets (ss, sheet_id, meta) VALUES (?, ?, ?)", metas))
        deleted = [(sid, k, rid) for k, rids in changes.rows_deleted.items() for rid in rids]
        stmts.append(("DELETE FROM rows WHERE ss = ? AND sheet_id = ? AND rid = ?", deleted))
        upserts = [
            (sid, k, row.rid, row.pos, encode_row(row))
            for k, rows in changes.rows.items()
            for row in rows.values()
        ]
        stmts.append(
            (
                "INSERT OR REPLACE INTO rows (ss, sheet_id, rid, pos, data) VALUES (?, ?, ?, ?, ?)",
                upserts,
            )
        )
        self._run(stmts)

    def persist_delete(self, spreadsheet_id: str) -> None:
        """Delete a spreadsheet's rows, sheets and record."""
        key = [(spreadsheet_id,)]
        self._run(
            [
                ("DELETE FROM rows WHERE ss = ?", key),
                ("DELETE FROM sheets WHERE ss = ?", key),
                ("DELETE FROM spreadsheets WHERE id = ?", key),
            ]
        )

    def persist_clear(self) -> None:
        """Delete everything."""
        self._run(
            [
                ("DELETE FROM rows", [()]),
                ("DELETE FROM sheets", [()]),
                ("DELETE FROM spreadsheets", [()]),
            ]
        )

    def close(self) -> None:
        """Checkpoint, close the database and release the data-path lock."""
        with self._db_lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
        self._lock_file.close()
