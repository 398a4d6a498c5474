"""The emulator's state service: spreadsheets by id, locked reads and transactional writes."""

from __future__ import annotations

import copy
import random
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sheets_emulator import protection
from sheets_emulator.dimensions import check_cell_limit
from sheets_emulator.errors import ApiError, not_found
from sheets_emulator.model import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    JSON,
    Row,
    Sheet,
    Spreadsheet,
    new_sheet_props,
    new_spreadsheet_props,
)
from sheets_emulator.render import normalize_sheet_props
from sheets_emulator.store import Store
from sheets_emulator.txn import Txn

_ID_CHARS = string.ascii_letters + string.digits + "-_"


@dataclass
class Behaviour:
    """Where Google does not document its behaviour, which of the two the emulator shows
    (``PUT /_emulator/config`` sets them; docs/emulator.md says why each default)."""

    #: deleteDuplicates over whole rows deletes them from the grid (rowCount shrinks), or
    #: (default) shifts the range's cells up and keeps the grid's size.
    delete_duplicates_shrinks_grid: bool = False
    #: findReplace also changes cells in rows hidden by a filter, or (default, the harder case
    #: for a client that claims rows with findReplace) skips them.
    find_replace_hidden_rows: bool = False


class Service:
    """Owns the store; every handler reads and writes spreadsheets through it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.behaviour = Behaviour()
        self._rng = random.Random()

    # -- ids ---------------------------------------------------------------------------------

    def new_spreadsheet_id(self) -> str:
        """A Drive-style id: 44 characters starting with ``1``."""
        while True:
            candidate = "1" + "".join(self._rng.choice(_ID_CHARS) for _ in range(43))
            if self.store.get(candidate) is None:
                return candidate

    def new_int_id(self, taken: set[int]) -> int:
        """A random positive int32 not in ``taken`` (sheet, protected-range ids...)."""
        while True:
            candidate = self._rng.randrange(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    # -- spreadsheets ------------------------------------------------------------------------

    def create(
        self,
        title: str,
        sheets: list[JSON] | None = None,
        props: JSON | None = None,
        owner: str | None = None,
    ) -> Spreadsheet:
        """Create and store a spreadsheet (one 1000x26 ``Sheet1`` unless ``sheets`` say so)."""
        ss_props = new_spreadsheet_props(title)
        for key, value in (props or {}).items():
            if key != "title" and value is not None:
                ss_props[key] = value
        ss = Spreadsheet(self.new_spreadsheet_id(), ss_props, [])
        ss.owner = owner
        specs = sheets or [{}]
        taken: set[int] = set()
        for index, spec in enumerate(specs):
            ss.sheets.append(self._sheet_from_spec(spec, index, taken))
        check_cell_limit(ss, 0)
        ss.reindex()
        self.store.add(ss)
        return ss

    def _sheet_from_spec(self, spec: JSON, index: int, taken: set[int]) -> Sheet:
        props = dict(spec.get("properties") or {})
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = 0 if index == 0 else self.new_int_id(taken)
        taken.add(int(sheet_id))
        grid = props.get("gridProperties") or {}
        out = new_sheet_props(
            int(sheet_id),
            str(props.get("title") or f"Sheet{index + 1}"),
            index,
            int(grid.get("rowCount", DEFAULT_ROWS)),
            int(grid.get("columnCount", DEFAULT_COLS)),
        )
        for key, value in props.items():
            if key not in ("sheetId", "title", "index", "gridProperties") and value is not None:
                out[key] = value
        for key, value in grid.items():
            if key not in ("rowCount", "columnCount"):
                out["gridProperties"][key] = value
        return Sheet(normalize_sheet_props(out))

    def copy(self, source: Spreadsheet, title: str, owner: str | None = None) -> Spreadsheet:
        """A deep copy of ``source`` (caller holds its lock) under a new id, title and owner."""
        props = copy.deepcopy(source.props)
        props["title"] = title
        ss = Spreadsheet(self.new_spreadsheet_id(), props, [])
        ss.owner = owner
        for sheet in source.sheets:
            rows = [Row(ss.new_rid(), row.pos, list(row.cells)) for row in sheet.rows]
            clone = Sheet(copy.deepcopy(sheet.props), rows, copy.deepcopy(sheet.meta))
            clone.dims = copy.deepcopy(sheet.dims)
            ss.sheets.append(clone)
        ss.named_ranges = copy.deepcopy(source.named_ranges)
        self.store.add(ss)
        return ss

    def get(self, spreadsheet_id: str) -> Spreadsheet:
        """The spreadsheet, or Google's 404."""
        ss = self.store.get(spreadsheet_id)
        if ss is None or ss.deleted:
            raise not_found()
        return ss

    def all(self) -> list[Spreadsheet]:
        """Every spreadsheet."""
        return [ss for ss in self.store.all() if not ss.deleted]

    @contextmanager
    def reading(self, spreadsheet_id: str) -> Iterator[Spreadsheet]:
        """Hold the spreadsheet's lock for a consistent read."""
        ss = self.get(spreadsheet_id)
        with ss.lock:
            if ss.deleted:
                raise not_found()
            yield ss

    @contextmanager
    def writing(self, spreadsheet_id: str) -> Iterator[Txn]:
        """Apply one write request atomically: all of it persisted, or none of it kept."""
        ss = self.get(spreadsheet_id)
        with ss.lock:
            if ss.deleted:
                raise not_found()
            txn = Txn(ss)
            try:
                yield txn
                protection.check(txn, protection.ACCOUNT.get())
            except BaseException:
                txn.rollback()
                raise
            self._commit(txn)

    def _commit(self, txn: Txn) -> None:
        if txn.changes.is_empty():
            return
        ss = txn.ss
        previous = ss.modified
        ss.modified = time.time()
        txn.changes.spreadsheet = True
        try:
            self.store.commit(ss, txn.changes)
        except Exception as exc:
            txn.rollback()
            ss.modified = previous
            raise ApiError(500, "Internal error encountered.") from exc

    def delete(self, spreadsheet_id: str) -> bool:
        """Delete a spreadsheet; False when it does not exist."""
        ss = self.store.get(spreadsheet_id)
        if ss is None or ss.deleted:
            return False
        with ss.lock:
            ss.deleted = True
            self.store.remove(spreadsheet_id)
        return True

    def rename(self, spreadsheet_id: str, title: str) -> None:
        """Set the title (Drive name) of a spreadsheet."""
        with self.writing(spreadsheet_id) as txn:
            txn.touch_spreadsheet()
            txn.ss.props["title"] = title

    def reset(self) -> None:
        """Forget every spreadsheet (waiting for requests in flight on each)."""
        for ss in self.store.all():
            with ss.lock:
                ss.deleted = True
        self.store.clear()

    def describe(self) -> dict[str, Any]:
        """Counts for stats."""
        items = self.all()
        return {
            "store": self.store.describe(),
            "spreadsheets": len(items),
            "cells": {ss.id: ss.total_cells() for ss in items},
        }
