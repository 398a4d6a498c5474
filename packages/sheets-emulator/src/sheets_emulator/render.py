"""The ``Spreadsheet`` resource as JSON: properties, sheets, grid data; and format normalising."""

from __future__ import annotations

import copy
import struct
from typing import Any

from sheets_emulator import a1, filters, protection
from sheets_emulator.fieldmask import ALL, Mask, apply_mask, is_all
from sheets_emulator.formula import Evaluator
from sheets_emulator.model import DEFAULT_FORMAT, JSON, Cell, Sheet, Spreadsheet
from sheets_emulator.protection import present
from sheets_emulator.values import display, extended_value

SHEET_FIELD_ORDER = (
    "merges",
    "conditionalFormats",
    "filterViews",
    "protectedRanges",
    "basicFilter",
    "charts",
    "bandedRanges",
    "developerMetadata",
    "rowGroups",
    "columnGroups",
    "slicers",
    "tables",
)
DEFAULT_ROW_PIXELS = 21
DEFAULT_COL_PIXELS = 100
_KEEP_ZERO = frozenset({"sheetId", "index", "rowCount", "columnCount", "title", "sheetType"})


def spreadsheet_url(spreadsheet_id: str) -> str:
    """The ``spreadsheetUrl`` Google reports."""
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def wants_grid(mask: Mask, include_grid: bool, masked: bool) -> bool:
    """Whether grid data must be built: by the mask when one is given, else ``includeGridData``."""
    if not masked:
        return include_grid
    if is_all(mask):
        return True
    sheets = mask.get("sheets")
    return sheets is not None and (is_all(sheets) or "data" in sheets)


def spreadsheet_json(
    ss: Spreadsheet,
    *,
    mask: Mask = ALL,
    masked: bool = False,
    include_grid: bool = False,
    ranges: list[tuple[Sheet, a1.Box]] | None = None,
) -> JSON:
    """``spreadsheets.get``'s answer (field mask applied)."""
    grid = wants_grid(mask, include_grid, masked)
    ev = Evaluator(ss) if grid else None
    sheets = ss.sheets
    if ranges:
        wanted = {id(sheet) for sheet, _ in ranges}
        sheets = [s for s in ss.sheets if id(s) in wanted]
    out: JSON = {"spreadsheetId": ss.id, "properties": copy.deepcopy(ss.props)}
    out["sheets"] = [_sheet_json(ss, s, ev, ranges) for s in sheets]
    if ss.named_ranges:
        out["namedRanges"] = [echo_named(n) for n in ss.named_ranges]
    out["spreadsheetUrl"] = spreadsheet_url(ss.id)
    return apply_mask(out, mask) if masked else out


def _sheet_json(
    ss: Spreadsheet,
    sheet: Sheet,
    ev: Evaluator | None,
    ranges: list[tuple[Sheet, a1.Box]] | None,
) -> JSON:
    out: JSON = {"properties": copy.deepcopy(sheet.props)}
    if ev is not None:
        boxes = [box for s, box in ranges or [] if s is sheet]
        if not boxes:
            boxes = [a1.Box(0, sheet.row_count, 0, sheet.col_count)]
        out["data"] = [grid_data(ev, sheet, box) for box in boxes]
    for key in SHEET_FIELD_ORDER:
        if sheet.meta.get(key):
            out[key] = copy.deepcopy(sheet.meta[key])
    if "protectedRanges" in out:  # as the requesting account sees them
        account = protection.ACCOUNT.get()
        out["protectedRanges"] = [present(ss, p, account) for p in out["protectedRanges"]]
    return out


def echo_grid(grid: JSON) -> JSON:
    """A ``GridRange`` as Google echoes it (``sheetId`` 0 omitted)."""
    out = dict(grid)
    if not out.get("sheetId"):
        out.pop("sheetId", None)
    return out


def echo_named(named: JSON) -> JSON:
    """A ``NamedRange`` as Google returns it."""
    out = copy.deepcopy(named)
    out["range"] = echo_grid(out.get("range", {}))
    return out


def grid_data(ev: Evaluator, sheet: Sheet, box: a1.Box) -> JSON:
    """``GridData`` for a rectangle: cells (trailing blanks trimmed) and dimension metadata."""
    out: JSON = {}
    if box.r0:
        out["startRow"] = box.r0
    if box.c0:
        out["startColumn"] = box.c0
    rows: list[JSON] = []
    for r in range(box.r0, min(box.r1, len(sheet.rows))):
        cells = [
            cell_data(ev, sheet, r, c) for c in range(box.c0, min(box.c1, len(sheet.rows[r].cells)))
        ]
        while cells and not cells[-1]:
            cells.pop()
        rows.append({"values": cells} if cells else {})
    while rows and not rows[-1]:
        rows.pop()
    if rows:
        out["rowData"] = rows
    out["rowMetadata"] = [_dim(sheet, "ROWS", r, DEFAULT_ROW_PIXELS) for r in range(box.r0, box.r1)]
    if "basicFilter" in sheet.meta:
        for r in filters.hidden_rows(ev.ss, sheet, ev):
            if box.r0 <= r < box.r1:
                out["rowMetadata"][r - box.r0]["hiddenByFilter"] = True
    out["columnMetadata"] = [
        _dim(sheet, "COLUMNS", c, DEFAULT_COL_PIXELS) for c in range(box.c0, box.c1)
    ]
    return out


def _dim(sheet: Sheet, kind: str, index: int, pixels: int) -> JSON:
    props = {"pixelSize": pixels}
    props.update(sheet.dims.get(kind, {}).get(index, {}))
    return props


def cell_data(ev: Evaluator, sheet: Sheet, row: int, col: int) -> JSON:
    """``CellData`` JSON for one cell (``{}`` when blank)."""
    cell = sheet.cell(row, col)
    if cell is None:
        return {}
    out: JSON = {}
    extra = cell.extra or {}
    if cell.has_value():
        effective = cell.value if cell.formula is None else ev.cell_value(sheet, row, col)
        user = (
            {"formulaValue": cell.formula}
            if cell.formula is not None
            else extended_value(cell.value)
        )
        out["userEnteredValue"] = user
        effective_json = extended_value(effective)
        if effective_json is not None:
            out["effectiveValue"] = effective_json
        out["formattedValue"] = display(effective, cell.number_format())
    if "userEnteredFormat" in extra:
        out["userEnteredFormat"] = copy.deepcopy(extra["userEnteredFormat"])
    if cell.has_value() or "userEnteredFormat" in extra:
        out["effectiveFormat"] = effective_format(cell)
    for key, value in extra.items():
        if key != "userEnteredFormat":
            out[key] = copy.deepcopy(value)
    return out


def effective_format(cell: Cell) -> JSON:
    """The default format overlaid with the cell's own (a close model of ``effectiveFormat``)."""
    merged = copy.deepcopy(DEFAULT_FORMAT)
    user = (cell.extra or {}).get("userEnteredFormat") or {}
    _deep_merge(merged, user)
    return merged


def _deep_merge(target: JSON, source: JSON) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


# -- normalising stored JSON the way Google does ----------------------------------------------


def float32(value: float) -> float | int:
    """``value`` rounded to float32 and printed shortest, as Google's JSON shows colours."""
    single = float(struct.unpack("f", struct.pack("f", value))[0])
    for digits in range(1, 10):
        candidate = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == single:
            return int(candidate) if candidate.is_integer() else candidate
    return single


def color(rgb: Any) -> JSON:
    """A ``Color``: components quantised to 8 bits, zero components omitted."""
    if not isinstance(rgb, dict):
        return {}
    out: JSON = {}
    for key in ("red", "green", "blue"):
        value = rgb.get(key)
        if value:
            quantised = float32(int(float(value) * 255 + 1e-9) / 255)
            if quantised:
                out[key] = quantised
    if "alpha" in rgb and rgb["alpha"] is not None:
        out["alpha"] = float32(float(rgb["alpha"]))
    return out


def _color_pair(obj: JSON, plain: str, styled: str) -> None:
    """Keep ``x`` and ``xStyle`` (``{"rgbColor": ...}``) in step, as Google does."""
    if plain in obj:
        obj[plain] = color(obj[plain])
        obj[styled] = {"rgbColor": dict(obj[plain])}
    elif isinstance(obj.get(styled), dict):
        style = obj[styled]
        if "rgbColor" in style:
            style["rgbColor"] = color(style["rgbColor"])
            obj[plain] = dict(style["rgbColor"])


def normalize_format(fmt: JSON) -> JSON:
    """A ``CellFormat`` with colours quantised and mirrored into their ``*Style`` twins."""
    _color_pair(fmt, "backgroundColor", "backgroundColorStyle")
    text = fmt.get("textFormat")
    if isinstance(text, dict):
        _color_pair(text, "foregroundColor", "foregroundColorStyle")
    borders = fmt.get("borders")
    if isinstance(borders, dict):
        for side in borders.values():
            if isinstance(side, dict):
                _color_pair(side, "color", "colorStyle")
    return fmt


def normalize_sheet_props(props: JSON) -> JSON:
    """``SheetProperties`` the way Google stores them: defaults dropped, tab colours mirrored."""
    _color_pair(props, "tabColor", "tabColorStyle")
    for key in [
        k for k, v in props.items() if k not in _KEEP_ZERO and v in (False, 0, None, {}, "")
    ]:
        props.pop(key)
    grid = props.get("gridProperties")
    if isinstance(grid, dict):
        for key in [k for k, v in grid.items() if k not in _KEEP_ZERO and v in (False, 0, None)]:
            grid.pop(key)
    return props
