"""The store interface and its in-memory implementation.

A store holds the spreadsheets (the live model objects) and persists what a committed
transaction changed. :class:`MemoryStore` keeps nothing beyond the process;
:class:`~sheets_emulator.sqlite_store.SQLiteStore` writes every change through to SQLite before
the answer is sent.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from sheets_emulator.model import Spreadsheet
from sheets_emulator.txn import ChangeSet


class Store(ABC):
    """Spreadsheets by id, plus write-through persistence hooks."""

    def __init__(self) -> None:
        self._items: dict[str, Spreadsheet] = {}
        self._lock = threading.Lock()

    def get(self, spreadsheet_id: str) -> Spreadsheet | None:
        """The spreadsheet with this id, or None."""
        with self._lock:
            return self._items.get(spreadsheet_id)

    def all(self) -> list[Spreadsheet]:
        """Every spreadsheet (a snapshot of the registry)."""
        with self._lock:
            return list(self._items.values())

    def add(self, ss: Spreadsheet) -> None:
        """Register and persist a new spreadsheet."""
        self.persist_new(ss)
        with self._lock:
            self._items[ss.id] = ss

    def remove(self, spreadsheet_id: str) -> Spreadsheet | None:
        """Forget and un-persist a spreadsheet; returns it, or None if unknown."""
        with self._lock:
            ss = self._items.pop(spreadsheet_id, None)
        if ss is not None:
            self.persist_delete(spreadsheet_id)
        return ss

    def clear(self) -> None:
        """Drop every spreadsheet."""
        with self._lock:
            self._items.clear()
        self.persist_clear()

    @abstractmethod
    def persist_new(self, ss: Spreadsheet) -> None:
        """Write a whole new spreadsheet."""

    @abstractmethod
    def commit(self, ss: Spreadsheet, changes: ChangeSet) -> None:
        """Persist a committed transaction's changes (before the answer is sent)."""

    @abstractmethod
    def persist_delete(self, spreadsheet_id: str) -> None:
        """Remove a spreadsheet from persistent storage."""

    @abstractmethod
    def persist_clear(self) -> None:
        """Remove everything from persistent storage."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release resources (files, connections)."""

    def describe(self) -> str:
        """A short description for logs and stats."""
        return "memory"


class MemoryStore(Store):
    """Spreadsheets in memory only: fast, gone when the process ends."""

    def persist_new(self, ss: Spreadsheet) -> None:
        """Nothing to write."""

    def commit(self, ss: Spreadsheet, changes: ChangeSet) -> None:
        """Nothing to write."""

    def persist_delete(self, spreadsheet_id: str) -> None:
        """Nothing to delete."""

    def persist_clear(self) -> None:
        """Nothing to clear."""
