"""Write transactions: copy-on-write changes to one spreadsheet, undone whole on any error.

Every mutation of a spreadsheet goes through a :class:`Txn`. It snapshots what it touches (a
sheet's properties and its row list; rows are copied before their first change), records what
changed for the store (:class:`ChangeSet`), and restores the snapshots on :meth:`Txn.rollback`,
so that a batch whose third request is invalid leaves no trace of the first two.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field

from sheets_emulator.model import JSON, POS_GAP, Cell, Row, Sheet, Spreadsheet


@dataclass
class ChangeSet:
    """What a committed transaction changed, for the store to persist."""

    spreadsheet: bool = False
    sheets: set[int] = field(default_factory=set)
    sheets_deleted: set[int] = field(default_factory=set)
    rows: dict[int, dict[int, Row]] = field(default_factory=dict)
    rows_deleted: dict[int, set[int]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """Whether nothing changed."""
        return not (self.spreadsheet or self.sheets or self.sheets_deleted or self.rows)


class Txn:
    """One write request's changes to one spreadsheet (the caller holds its lock)."""

    def __init__(self, ss: Spreadsheet) -> None:
        self.ss = ss
        self.changes = ChangeSet()
        self._saved_ss: tuple[JSON, list[Sheet], list[JSON], int] | None = None
        self._saved_props: dict[int, tuple[Sheet, tuple[JSON, JSON, dict[str, dict[int, JSON]]]]]
        self._saved_props = {}
        self._saved_rows: dict[int, tuple[Sheet, list[Row]]] = {}
        self._fresh: dict[int, Row] = {}

    # -- snapshots -------------------------------------------------------------------------

    def touch_spreadsheet(self) -> None:
        """Note that spreadsheet-level state (properties, sheet list, named ranges) changes."""
        if self._saved_ss is None:
            ss = self.ss
            self._saved_ss = (
                copy.deepcopy(ss.props),
                list(ss.sheets),
                copy.deepcopy(ss.named_ranges),
                ss.next_rid,
            )
        self.changes.spreadsheet = True

    def touch(self, sheet: Sheet) -> None:
        """Note that ``sheet``'s properties or sheet-level JSON change (rows too, maybe)."""
        self.touch_rows(sheet)
        key = id(sheet)
        if key not in self._saved_props:
            self._saved_props[key] = (sheet, sheet.snapshot())
            self.changes.sheets.add(sheet.sheet_id)

    def touch_rows(self, sheet: Sheet) -> None:
        """Note that ``sheet``'s rows change (the row list is saved; rows copy on write)."""
        key = id(sheet)
        if key not in self._saved_rows:
            self._saved_rows[key] = (sheet, list(sheet.rows))

    def originals(self) -> Iterator[tuple[Sheet, list[Row], JSON, tuple[int, int]]]:
        """Every sheet this transaction touched (or removed), with the rows, sheet-level JSON
        and grid size (rows, columns) it had before."""
        seen: set[int] = set()
        for key, (sheet, rows) in self._saved_rows.items():
            seen.add(key)
            yield (sheet, rows, *self._before(sheet))
        if self._saved_ss is not None:
            for sheet in self._saved_ss[1]:
                if id(sheet) not in seen and sheet not in self.ss.sheets:
                    yield (sheet, list(sheet.rows), *self._before(sheet))

    def _before(self, sheet: Sheet) -> tuple[JSON, tuple[int, int]]:
        saved = self._saved_props.get(id(sheet))
        if saved is None:
            return sheet.meta, (sheet.row_count, sheet.col_count)
        props, meta, _ = saved[1]
        grid = props.get("gridProperties") or {}
        return meta, (int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)))

    def rollback(self) -> None:
        """Undo everything this transaction did."""
        for sheet, saved in self._saved_props.values():
            sheet.restore(saved)
        for sheet, rows in self._saved_rows.values():
            sheet.rows = rows
        if self._saved_ss is not None:
            ss = self.ss
            ss.props, ss.sheets, ss.named_ranges, ss.next_rid = self._saved_ss
        self.changes = ChangeSet()
        self._fresh.clear()

    # -- rows -----------------------------------------------------------------------------

    def _mark(self, sheet: Sheet, row: Row) -> None:
        self.changes.rows.setdefault(sheet.sheet_id, {})[row.rid] = row

    def writable(self, sheet: Sheet, index: int) -> Row:
        """Row ``index`` ready to change (materialised and copied on first write)."""
        self.touch_rows(sheet)
        rows = sheet.rows
        if index >= len(rows):
            self._grow(sheet, index + 1)
        row = rows[index]
        if id(row) not in self._fresh:
            row = row.copy()
            rows[index] = row
            self._fresh[id(row)] = row
        self._mark(sheet, row)
        return row

    def _grow(self, sheet: Sheet, length: int) -> None:
        rows = sheet.rows
        pos = rows[-1].pos if rows else 0
        while len(rows) < length:
            pos += POS_GAP
            row = Row(self.ss.new_rid(), pos)
            rows.append(row)
            self._fresh[id(row)] = row
            self._mark(sheet, row)

    def set_cell(self, sheet: Sheet, row: int, col: int, cell: Cell | None) -> None:
        """Store ``cell`` at ``(row, col)`` (None clears it)."""
        if cell is None and sheet.cell(row, col) is None:
            return
        self.writable(sheet, row).put(col, cell)

    def insert_rows(self, sheet: Sheet, at: int, count: int) -> None:
        """Insert ``count`` blank rows before row ``at`` (only materialised rows move)."""
        self.touch(sheet)
        rows = sheet.rows
        if at >= len(rows) or count <= 0:
            return
        before = rows[at - 1].pos if at > 0 else 0
        after = rows[at].pos
        new: list[Row] = []
        if after - before > count:
            for k in range(count):
                pos = before + (after - before) * (k + 1) // (count + 1)
                new.append(Row(self.ss.new_rid(), pos))
        else:
            new = [Row(self.ss.new_rid(), 0) for _ in range(count)]
        rows[at:at] = new
        for row in new:
            self._fresh[id(row)] = row
            self._mark(sheet, row)
        if new[0].pos == 0:
            self.renumber(sheet, at)

    def renumber(self, sheet: Sheet, start: int = 0) -> None:
        """Give rows from ``start`` evenly spaced order keys."""
        base = sheet.rows[start - 1].pos if start > 0 else 0
        for i in range(start, len(sheet.rows)):
            self.writable(sheet, i).pos = base + (i - start + 1) * POS_GAP

    def delete_rows(self, sheet: Sheet, start: int, end: int) -> None:
        """Remove rows ``start..end`` (materialised ones; the grid size is the caller's job)."""
        self.touch(sheet)
        rows = sheet.rows
        gone = rows[start:end]
        del rows[start:end]
        if not gone:
            return
        upserts = self.changes.rows.get(sheet.sheet_id, {})
        deleted = self.changes.rows_deleted.setdefault(sheet.sheet_id, set())
        for row in gone:
            upserts.pop(row.rid, None)
            deleted.add(row.rid)

    def permute(self, sheet: Sheet, start: int, order: list[Row]) -> None:
        """Put ``order`` (a permutation of rows ``start..start+len``) in place, keeping keys."""
        rows = sheet.rows
        keys = [row.pos for row in rows[start : start + len(order)]]
        self.touch(sheet)
        for offset, row in enumerate(order):
            if row.pos == keys[offset] and rows[start + offset] is row:
                continue
            if id(row) not in self._fresh:
                row = row.copy()
                self._fresh[id(row)] = row
            row.pos = keys[offset]
            rows[start + offset] = row
            self._mark(sheet, row)

    def drop_sheet(self, sheet: Sheet) -> None:
        """Record that ``sheet`` is gone (the caller removes it from the list)."""
        self.touch_spreadsheet()
        sid = sheet.sheet_id
        self.changes.sheets.discard(sid)
        self.changes.rows.pop(sid, None)
        self.changes.rows_deleted.pop(sid, None)
        self.changes.sheets_deleted.add(sid)
