"""A person inserts, deletes and sorts Tasks rows while agents run: nothing lost, moved, doubled.

The person acts like someone in the Sheets UI: each action is atomic on the sheet as it is at
that moment. Inserts, sorts and edits go through the API; deleting "the blank or junk row I see"
uses the emulator's own transaction so that it is atomic the way a UI action is.
"""

from __future__ import annotations

import random
import threading

from sheets_emulator import EmulatorServer

from agent.schema import TASKS, TASKS_HISTORY, ColumnMap
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps
from tests.coordination.harness import (
    Fleet,
    add_user_column,
    check_drained,
    overlaps,
    read_tab,
    seed_tasks,
)

NOTES = "My Notes"


class Person(threading.Thread):
    """Random hand edits on the Tasks tab until stopped; counts what it did."""

    def __init__(self, server: EmulatorServer, sheet: SheetsGateway, seed: int) -> None:
        super().__init__(name="person", daemon=True)
        self.server = server
        self.sheet = sheet
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.done: dict[str, int] = {"insert": 0, "junk": 0, "delete": 0, "sort": 0, "edit": 0}
        self.errors: list[str] = []

    def run(self) -> None:
        actions = [self.insert, self.junk, self.delete, self.sort, self.edit]
        while not self.stop.wait(self.rng.uniform(0.005, 0.05)):
            action = self.rng.choice(actions)
            try:
                action()
                self.done[action.__name__] += 1
            except Exception as exc:  # a person's failed edit is not the agents' problem
                self.errors.append(f"{action.__name__}: {exc}")

    def _height(self) -> int:
        (values,) = self.sheet.read([f"{quote_title(TASKS.title)}!A1:A"])
        return max(len(values), 2)

    def insert(self) -> None:
        at = self.rng.randrange(1, self._height())
        sheet_id = self.sheet.tab(TASKS.title).sheet_id
        rows = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}
        self.sheet.batch_update([{"insertDimension": {"range": rows, "inheritFromBefore": True}}])

    def junk(self) -> None:
        at = self.rng.randrange(1, self._height())
        sheet_id = self.sheet.tab(TASKS.title).sheet_id
        column = self._notes_column()
        rows = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}
        self.sheet.batch_update(
            [
                {"insertDimension": {"range": rows, "inheritFromBefore": True}},
                {
                    "updateCells": {
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": "junk"}}]}],
                        "fields": "userEnteredValue",
                        "start": {"sheetId": sheet_id, "rowIndex": at, "columnIndex": column},
                    }
                },
            ]
        )

    def delete(self) -> None:
        """Delete one row that has neither ID nor lease, atomically, as a UI user would."""
        cmap = self._cmap()
        id_col, lease_col = cmap.col("id"), cmap.col("lease")
        with self.server.app.service.writing(self.sheet.spreadsheet_id) as txn:
            grid = txn.ss.sheet_by_title(TASKS.title)
            assert grid is not None
            candidates = [
                r
                for r in range(1, grid.data_height())
                if not _text(grid.cell(r, id_col)) and not _text(grid.cell(r, lease_col))
            ]
            if candidates:
                r = self.rng.choice(candidates)
                txn.delete_rows(grid, r, r + 1)

    def sort(self) -> None:
        cmap = self._cmap()
        sheet_id = self.sheet.tab(TASKS.title).sheet_id
        order = self.rng.choice(["ASCENDING", "DESCENDING"])
        self.sheet.batch_update(
            [
                {
                    "sortRange": {
                        "range": {"sheetId": sheet_id, "startRowIndex": 1},
                        "sortSpecs": [{"dimensionIndex": cmap.col("url"), "sortOrder": order}],
                    }
                }
            ]
        )

    def edit(self) -> None:
        at = self.rng.randrange(1, self._height())
        sheet_id = self.sheet.tab(TASKS.title).sheet_id
        self.sheet.batch_update(
            [
                {
                    "updateCells": {
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": "seen"}}]}],
                        "fields": "userEnteredValue",
                        "start": {
                            "sheetId": sheet_id,
                            "rowIndex": at,
                            "columnIndex": self._notes_column(),
                        },
                    }
                }
            ]
        )

    def _cmap(self) -> ColumnMap:
        (cmap,) = read_maps(self.sheet, [TASKS], require=False)
        return cmap

    def _notes_column(self) -> int:
        (values,) = self.sheet.read([f"{quote_title(TASKS.title)}!1:1"])
        return list(values[0]).index(NOTES)


def _text(cell: object) -> str:
    value = getattr(cell, "value", None) if cell is not None else None
    return "" if value is None else str(value).strip()


def test_hand_edits_while_agents_run(
    emulator: EmulatorServer, sheet: SheetsGateway, fleet: Fleet
) -> None:
    add_user_column(sheet, TASKS, NOTES)
    ids = set(seed_tasks(sheet, 300))
    person = Person(emulator, sheet, seed=11)
    person.start()
    try:
        for n in range(3):
            fleet.start(f"agent-{n}", CLAIM_BATCH="8", HANDLER_SLEEP_S="0.03")
        fleet.wait_all(timeout_s=240)
    finally:
        person.stop.set()
        person.join(timeout=10)
    print("person did", person.done, "errors", len(person.errors))
    assert all(count >= 5 for count in person.done.values()), (person.done, person.errors[:5])
    figures = check_drained(sheet, ids)
    assert figures["history"] == 300
    assert overlaps(fleet.task_log) == []
    _, history = read_tab(sheet, TASKS_HISTORY)
    by_id = {row["id"]: row for row in history}
    for row_id in ids:  # each History row is the task it says it is (not a neighbour's data)
        row = by_id[row_id]
        assert row["name"] == f"video {int(row['url'].rsplit('/', 1)[1])}"
