"""The ``spreadsheets.batchUpdate`` request registry and the context handlers receive."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sheets_emulator import a1
from sheets_emulator.errors import bad_request
from sheets_emulator.grid import grid_box
from sheets_emulator.model import JSON, Sheet, Spreadsheet
from sheets_emulator.txn import Txn

if TYPE_CHECKING:
    from sheets_emulator.service import Service

Handler = Callable[["BatchContext", JSON], "JSON | None"]
HANDLERS: dict[str, Handler] = {}

#: Every request kind of the Sheets v4 ``Request`` message (unknown names get Google's 400).
KNOWN_KINDS = frozenset(
    [
        "updateSpreadsheetProperties",
        "updateSheetProperties",
        "updateDimensionProperties",
        "updateNamedRange",
        "repeatCell",
        "addNamedRange",
        "deleteNamedRange",
        "addSheet",
        "deleteSheet",
        "autoFill",
        "cutPaste",
        "copyPaste",
        "mergeCells",
        "unmergeCells",
        "updateBorders",
        "updateCells",
        "addFilterView",
        "appendCells",
        "clearBasicFilter",
        "deleteDimension",
        "deleteEmbeddedObject",
        "deleteFilterView",
        "duplicateFilterView",
        "duplicateSheet",
        "findReplace",
        "insertDimension",
        "insertRange",
        "moveDimension",
        "updateEmbeddedObjectPosition",
        "pasteData",
        "textToColumns",
        "updateFilterView",
        "deleteRange",
        "appendDimension",
        "addConditionalFormatRule",
        "updateConditionalFormatRule",
        "deleteConditionalFormatRule",
        "sortRange",
        "setDataValidation",
        "setBasicFilter",
        "addProtectedRange",
        "updateProtectedRange",
        "deleteProtectedRange",
        "autoResizeDimensions",
        "addChart",
        "updateChartSpec",
        "updateBanding",
        "addBanding",
        "deleteBanding",
        "createDeveloperMetadata",
        "updateDeveloperMetadata",
        "deleteDeveloperMetadata",
        "randomizeRange",
        "addDimensionGroup",
        "deleteDimensionGroup",
        "updateDimensionGroup",
        "trimWhitespace",
        "deleteDuplicates",
        "updateEmbeddedObjectBorder",
        "addSlicer",
        "updateSlicerSpec",
        "addDataSource",
        "updateDataSource",
        "deleteDataSource",
        "refreshDataSource",
        "cancelDataSourceRefresh",
        "addTable",
        "updateTable",
        "deleteTable",
    ]
)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of request ``kind``."""

    def register(fn: Handler) -> Handler:
        assert kind in KNOWN_KINDS, kind
        HANDLERS[kind] = fn
        return fn

    return register


class BatchContext:
    """What a request handler works with: the transaction, id allocation, the caller."""

    def __init__(self, txn: Txn, service: Service, user: str) -> None:
        self.txn = txn
        self.service = service
        self.user = user

    @property
    def ss(self) -> Spreadsheet:
        """The spreadsheet being changed."""
        return self.txn.ss

    def sheet(self, sheet_id: Any) -> Sheet:
        """The sheet with this id, or Google's 400."""
        try:
            sheet = self.ss.sheet_by_id(int(sheet_id if sheet_id is not None else 0))
        except (TypeError, ValueError):
            sheet = None
        if sheet is None:
            raise bad_request(f"No grid with id: {sheet_id}")
        return sheet

    def grid(self, grid: Any) -> tuple[Sheet, a1.Box]:
        """The sheet and rectangle of a ``GridRange`` (the sheet is marked as changing)."""
        sheet, box = grid_box(self.ss, grid)
        self.txn.touch(sheet)
        return sheet, box

    def dimension_range(self, rng: Any) -> tuple[Sheet, str, int, int]:
        """Sheet, dimension and bounds of a ``DimensionRange`` (missing end = the sheet's end)."""
        if not isinstance(rng, dict):
            raise bad_request("range must be a DimensionRange object")
        sheet = self.sheet(rng.get("sheetId", 0))
        dim = rng.get("dimension")
        if dim not in ("ROWS", "COLUMNS"):
            raise bad_request("dimension must be ROWS or COLUMNS")
        size = sheet.row_count if dim == "ROWS" else sheet.col_count
        start = int(rng.get("startIndex", 0))
        end = int(rng.get("endIndex", size))
        if start < 0 or end < start:
            raise bad_request(f"Invalid dimension range {start}..{end}.")
        return sheet, dim, start, end

    def new_id(self, taken: set[int]) -> int:
        """A fresh random int32 id."""
        return self.service.new_int_id(taken)

    def owner_email(self) -> str:
        """The caller as an e-mail address (protected-range editors)."""
        return self.user if "@" in self.user else f"{self.user}@emulator.invalid"
