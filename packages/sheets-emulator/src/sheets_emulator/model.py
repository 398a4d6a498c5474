"""The in-memory spreadsheet model: cells, rows, sheets, spreadsheets.

Sheet and spreadsheet properties are kept as Google's own JSON (dicts), so that field masks,
``updateSheetProperties`` and ``spreadsheets.get`` work on them directly. Cells are small slotted
objects; rows carry a stable id (``rid``) and an order key (``pos``) so that the SQLite store can
persist a row without rewriting its neighbours.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any, Union

#: A cell's stored value: text, number or boolean.
Scalar = Union[str, int, float, bool]
JSON = dict[str, Any]

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELLS = 10_000_000
MAX_COLS = 18_278
POS_GAP = 1 << 20

DEFAULT_FORMAT: JSON = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def _theme_color(kind: str, red: float = 0, green: float = 0, blue: float = 0) -> JSON:
    rgb = {k: v for k, v in (("red", red), ("green", green), ("blue", blue)) if v}
    return {"colorType": kind, "color": {"rgbColor": rgb}}


SPREADSHEET_THEME: JSON = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        _theme_color("TEXT"),
        _theme_color("BACKGROUND", 1, 1, 1),
        _theme_color("ACCENT1", 0.25882354, 0.52156866, 0.95686275),
        _theme_color("ACCENT2", 0.91764706, 0.2627451, 0.20784314),
        _theme_color("ACCENT3", 0.9843137, 0.7372549, 0.015686275),
        _theme_color("ACCENT4", 0.20392157, 0.65882355, 0.3254902),
        _theme_color("ACCENT5", 1, 0.42745098, 0.003921569),
        _theme_color("ACCENT6", 0.27450982, 0.7411765, 0.7764706),
        _theme_color("LINK", 0.06666667, 0.33333334, 0.8),
    ],
}


class Cell:
    """One cell: a value or a formula, plus the other ``CellData`` fields in ``extra``.

    ``extra`` holds ``note``, ``userEnteredFormat``, ``dataValidation``, ``hyperlink``,
    ``textFormatRuns`` as Google's JSON. Cells are replaced, never mutated in place.
    """

    __slots__ = ("extra", "formula", "value")

    def __init__(
        self, value: Scalar | None = None, formula: str | None = None, extra: JSON | None = None
    ) -> None:
        self.value = value
        self.formula = formula
        self.extra = extra or None

    def has_value(self) -> bool:
        """Whether the cell holds a value or a formula."""
        return self.value is not None or self.formula is not None

    def is_blank(self) -> bool:
        """Whether nothing at all is stored in the cell."""
        return self.value is None and self.formula is None and not self.extra

    def with_extra(self, extra: JSON | None) -> Cell | None:
        """A copy with other ``extra``; None when nothing would remain."""
        cell = Cell(self.value, self.formula, extra)
        return None if cell.is_blank() else cell

    def with_value(self, value: Scalar | None, formula: str | None = None) -> Cell | None:
        """A copy with another value (formatting and notes kept); None when blank."""
        cell = Cell(value, formula, self.extra)
        return None if cell.is_blank() else cell

    def number_format(self) -> JSON | None:
        """The cell's ``userEnteredFormat.numberFormat``, if any."""
        if not self.extra:
            return None
        fmt = self.extra.get("userEnteredFormat")
        return fmt.get("numberFormat") if isinstance(fmt, dict) else None


class Row:
    """A row of cells with a stable id and an order key. Mutate only through a transaction.

    ``mask`` has bit ``c`` set when column ``c`` holds a value or formula; :meth:`put` keeps it
    current, and code that edits ``cells`` directly calls :meth:`changed`.
    """

    __slots__ = ("cells", "mask", "pos", "rid")

    def __init__(self, rid: int, pos: int, cells: list[Cell | None] | None = None) -> None:
        self.rid = rid
        self.pos = pos
        self.cells: list[Cell | None] = cells if cells is not None else []
        self.mask = _mask_of(self.cells) if cells else 0

    def changed(self) -> None:
        """Recompute ``mask`` after ``cells`` was edited directly."""
        self.mask = _mask_of(self.cells)

    def get(self, col: int) -> Cell | None:
        """The cell in column ``col`` (None when blank)."""
        return self.cells[col] if col < len(self.cells) else None

    def put(self, col: int, cell: Cell | None) -> None:
        """Store ``cell`` in column ``col``."""
        cells = self.cells
        if col >= len(cells):
            if cell is None:
                return
            cells.extend([None] * (col + 1 - len(cells)))
        cells[col] = cell
        if cell is not None and (cell.value is not None or cell.formula is not None):
            self.mask |= 1 << col
        else:
            self.mask &= ~(1 << col)

    def copy(self) -> Row:
        """A copy whose cell list can be changed without touching this one."""
        row = Row(self.rid, self.pos)
        row.cells = list(self.cells)
        row.mask = self.mask
        return row

    def is_blank(self) -> bool:
        """Whether no cell holds anything (values, notes or formats)."""
        return all(cell is None for cell in self.cells)


def _mask_of(cells: list[Cell | None]) -> int:
    mask = 0
    for c, cell in enumerate(cells):
        if cell is not None and (cell.value is not None or cell.formula is not None):
            mask |= 1 << c
    return mask


class Sheet:
    """One tab: ``SheetProperties`` JSON, materialised rows, and sheet-level JSON in ``meta``.

    ``meta`` keys are Google's ``Sheet`` fields (``merges``, ``protectedRanges``, ``basicFilter``,
    ``rowGroups``, ``columnGroups``, ``conditionalFormats``, ...). ``dims`` holds per-index
    ``DimensionProperties`` overrides for ``ROWS`` and ``COLUMNS``.
    """

    __slots__ = ("dims", "meta", "props", "rows")

    def __init__(self, props: JSON, rows: list[Row] | None = None, meta: JSON | None = None):
        self.props = props
        self.rows: list[Row] = rows or []
        self.meta: JSON = meta or {}
        self.dims: dict[str, dict[int, JSON]] = {"ROWS": {}, "COLUMNS": {}}

    @property
    def sheet_id(self) -> int:
        """``properties.sheetId``."""
        return int(self.props.get("sheetId", 0))

    @property
    def title(self) -> str:
        """``properties.title``."""
        return str(self.props.get("title", ""))

    @property
    def grid(self) -> JSON:
        """``properties.gridProperties`` (created when missing)."""
        grid = self.props.setdefault("gridProperties", {})
        assert isinstance(grid, dict)
        return grid

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return int(self.grid.get("rowCount", 0))

    @property
    def col_count(self) -> int:
        """Columns in the grid."""
        return int(self.grid.get("columnCount", 0))

    def cell(self, row: int, col: int) -> Cell | None:
        """The cell at ``(row, col)`` or None."""
        if row >= len(self.rows):
            return None
        return self.rows[row].get(col)

    def data_height(self) -> int:
        """Materialised rows up to the last one holding a value."""
        rows = self.rows
        n = len(rows)
        while n > 0 and rows[n - 1].mask == 0:
            n -= 1
        return n

    def snapshot(self) -> tuple[JSON, JSON, dict[str, dict[int, JSON]]]:
        """Properties, sheet-level JSON and dimension overrides, to undo changes to them."""
        dims = {k: dict(v) for k, v in self.dims.items()}
        return copy.deepcopy(self.props), copy.deepcopy(self.meta), dims

    def restore(self, saved: tuple[JSON, JSON, dict[str, dict[int, JSON]]]) -> None:
        """Undo to a :meth:`snapshot` (rows are restored separately)."""
        self.props, self.meta, self.dims = saved


class FairLock:
    """A first-come, first-served lock: requests on one spreadsheet apply in arrival order."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0

    def acquire(self) -> None:
        """Wait for our turn."""
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while self._serving != ticket:
                self._cond.wait()

    def release(self) -> None:
        """Let the next in line go."""
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Spreadsheet:
    """A spreadsheet (also a Drive file): properties, sheets, named ranges, timestamps."""

    def __init__(self, spreadsheet_id: str, props: JSON, sheets: list[Sheet]) -> None:
        self.id = spreadsheet_id
        self.props = props
        self.sheets = sheets
        self.named_ranges: list[JSON] = []
        self.created = time.time()
        self.modified = self.created
        self.lock = FairLock()
        self.next_rid = 1
        self.deleted = False
        #: The account that created it: always an editor of its protected ranges.
        self.owner: str | None = None

    @property
    def title(self) -> str:
        """``properties.title`` (also the Drive file name)."""
        return str(self.props.get("title", ""))

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        """The sheet with this id, or None."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def sheet_by_title(self, title: str) -> Sheet | None:
        """The sheet with this title (case-insensitive, as in Google's A1 parser), or None."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        folded = title.casefold()
        for sheet in self.sheets:
            if sheet.title.casefold() == folded:
                return sheet
        return None

    def named_range(self, name: str) -> JSON | None:
        """The named range called ``name`` (case-insensitive), or None."""
        folded = name.casefold()
        for item in self.named_ranges:
            if str(item.get("name", "")).casefold() == folded:
                return item
        return None

    def reindex(self) -> None:
        """Make every sheet's ``index`` its position."""
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i

    def new_rid(self) -> int:
        """A row id unused in this spreadsheet."""
        rid = self.next_rid
        self.next_rid += 1
        return rid

    def total_cells(self) -> int:
        """Grid cells over all sheets (Google caps this at ten million)."""
        return sum(s.row_count * s.col_count for s in self.sheets)


def new_sheet_props(sheet_id: int, title: str, index: int, rows: int, cols: int) -> JSON:
    """``SheetProperties`` JSON for a new grid sheet."""
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }


def new_spreadsheet_props(title: str) -> JSON:
    """``SpreadsheetProperties`` JSON for a new spreadsheet."""
    return {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME),
    }
