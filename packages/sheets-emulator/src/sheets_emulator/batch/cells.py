"""Cell requests: updateCells, repeatCell, appendCells, setDataValidation, sortRange,
trimWhitespace."""

from __future__ import annotations

import copy
import re
from typing import Any

from sheets_emulator import a1, dimensions
from sheets_emulator.batch.registry import BatchContext, handler
from sheets_emulator.errors import CELL_TOO_LONG, MAX_CELL_CHARS, bad_request
from sheets_emulator.fieldmask import Mask, MaskError, is_all, merge_masked, parse_mask
from sheets_emulator.formula import Evaluator
from sheets_emulator.grid import grid_limits_error
from sheets_emulator.model import JSON, Cell, Sheet
from sheets_emulator.render import normalize_format
from sheets_emulator.values import CellError, extended_value, from_extended

WRITABLE = (
    "userEnteredValue",
    "userEnteredFormat",
    "note",
    "dataValidation",
    "hyperlink",
    "textFormatRuns",
    "pivotTable",
)


def cell_mask(payload: JSON) -> Mask:
    """The ``fields`` mask of a cell request, limited to writable ``CellData`` fields."""
    fields = payload.get("fields")
    if not fields:
        raise bad_request("At least one field must be specified in 'fields'.")
    try:
        mask = parse_mask(str(fields))
    except MaskError as exc:
        raise bad_request(f"Invalid field mask: {exc}") from None
    if is_all(mask):
        return {key: {} for key in WRITABLE}
    return mask


def _view(cell: Cell | None) -> JSON:
    if cell is None:
        return {}
    view: JSON = copy.deepcopy(cell.extra) if cell.extra else {}
    if cell.formula is not None:
        view["userEnteredValue"] = {"formulaValue": cell.formula}
    elif cell.value is not None:
        view["userEnteredValue"] = extended_value(cell.value)
    return view


def check_cell_data(data: Any) -> JSON:
    """Validate one ``CellData`` object."""
    if not isinstance(data, dict):
        raise bad_request("Each cell must be a CellData object.")
    value = data.get("userEnteredValue")
    if isinstance(value, dict):
        for text in value.values():
            if isinstance(text, str) and len(text) > MAX_CELL_CHARS:
                raise bad_request(CELL_TOO_LONG)
    return data


def apply_cell_data(old: Cell | None, data: JSON, mask: Mask) -> Cell | None:
    """The cell after writing the masked fields of ``data`` over ``old``."""
    view = _view(old)
    merge_masked(view, {k: v for k, v in data.items() if k in WRITABLE}, mask)
    value, formula = from_extended(view.pop("userEnteredValue", None) or {})
    fmt = view.get("userEnteredFormat")
    if isinstance(fmt, dict):
        normalize_format(fmt)
    extra = {k: v for k, v in view.items() if k in WRITABLE and v not in (None, "", {}, [])}
    cell = Cell(value, formula, extra or None)
    return None if cell.is_blank() else cell


def _write_rows(
    ctx: BatchContext, sheet: Sheet, r0: int, c0: int, rows: list[Any], mask: Mask
) -> None:
    for i, row in enumerate(rows):
        values = (row or {}).get("values") or []
        for j, data in enumerate(values):
            r, c = r0 + i, c0 + j
            new = apply_cell_data(sheet.cell(r, c), check_cell_data(data), mask)
            ctx.txn.set_cell(sheet, r, c, new)


@handler("updateCells")
def update_cells(ctx: BatchContext, payload: JSON) -> None:
    """Write ``rows`` at ``start``, or into ``range`` (masked fields of uncovered cells cleared)."""
    mask = cell_mask(payload)
    rows = payload.get("rows") or []
    if "range" in payload:
        sheet, box = ctx.grid(payload["range"])
        if len(rows) > box.height or any(
            len((r or {}).get("values") or []) > box.width for r in rows
        ):
            raise bad_request("The rows do not fit in the range.")
        _write_rows(ctx, sheet, box.r0, box.c0, rows, mask)
        _clear_uncovered(ctx, sheet, box, rows, mask)
        return
    start = payload.get("start") or {}
    sheet = ctx.sheet(start.get("sheetId", 0))
    r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
    width = max((len((r or {}).get("values") or []) for r in rows), default=0)
    if r0 + len(rows) > sheet.row_count or c0 + width > sheet.col_count:
        raise grid_limits_error(sheet, r0, r0 + len(rows), c0, c0 + width)
    _write_rows(ctx, sheet, r0, c0, rows, mask)


def _clear_uncovered(
    ctx: BatchContext, sheet: Sheet, box: a1.Box, rows: list[Any], mask: Mask
) -> None:
    for r in range(box.r0, min(box.r1, len(sheet.rows))):
        i = r - box.r0
        covered = len(((rows[i] if i < len(rows) else None) or {}).get("values") or [])
        for c in range(box.c0 + covered, min(box.c1, len(sheet.rows[r].cells))):
            old = sheet.cell(r, c)
            if old is not None:
                ctx.txn.set_cell(sheet, r, c, apply_cell_data(old, {}, mask))


@handler("repeatCell")
def repeat_cell(ctx: BatchContext, payload: JSON) -> None:
    """Write the same ``cell`` over a whole range."""
    mask = cell_mask(payload)
    data = check_cell_data(payload.get("cell") or {})
    sheet, box = ctx.grid(payload.get("range"))
    for r in range(box.r0, box.r1):
        for c in range(box.c0, box.c1):
            ctx.txn.set_cell(sheet, r, c, apply_cell_data(sheet.cell(r, c), data, mask))


@handler("appendCells")
def append_cells(ctx: BatchContext, payload: JSON) -> None:
    """Write ``rows`` after the last row holding data, growing the sheet when needed."""
    if "tableId" in payload and "sheetId" not in payload:
        raise bad_request("Tables are not supported by the emulator; use sheetId.")
    mask = cell_mask(payload)
    sheet = ctx.sheet(payload.get("sheetId", 0))
    rows = payload.get("rows") or []
    r0 = sheet.data_height()
    width = max((len((r or {}).get("values") or []) for r in rows), default=0)
    if r0 + len(rows) > sheet.row_count:
        dimensions.grow(ctx.txn, sheet, "ROWS", r0 + len(rows) - sheet.row_count)
    if width > sheet.col_count:
        dimensions.grow(ctx.txn, sheet, "COLUMNS", width - sheet.col_count)
    _write_rows(ctx, sheet, r0, 0, rows, mask)


@handler("setDataValidation")
def set_data_validation(ctx: BatchContext, payload: JSON) -> None:
    """Set (or, without ``rule``, clear) data validation on every cell of a range."""
    sheet, box = ctx.grid(payload.get("range"))
    rule = payload.get("rule")
    if rule is not None:
        condition = rule.get("condition") if isinstance(rule, dict) else None
        if not isinstance(condition, dict) or not condition.get("type"):
            raise bad_request("A data validation rule needs a condition with a type.")
        rule = {k: copy.deepcopy(v) for k, v in rule.items() if v not in (None, False, "")}
    data = {"dataValidation": rule} if rule else {}
    mask: Mask = {"dataValidation": {}}
    for r in range(box.r0, box.r1):
        for c in range(box.c0, box.c1):
            old = sheet.cell(r, c)
            if old is None and rule is None:
                continue
            ctx.txn.set_cell(sheet, r, c, apply_cell_data(old, data, mask))


def _sort_key(value: object, descending: bool) -> tuple[int, int, Any]:
    blank = value is None or value == ""
    if blank:
        return (0 if descending else 1, 0, 0)
    key: Any
    if isinstance(value, bool):
        rank, key = 2, value
    elif isinstance(value, (int, float)):
        rank, key = 0, value
    elif isinstance(value, CellError):
        rank, key = 3, value.code
    else:
        rank, key = 1, str(value).casefold()
    return (1 if descending else 0, rank, key)


@handler("sortRange")
def sort_range(ctx: BatchContext, payload: JSON) -> None:
    """Sort the rows of a range by one or more columns (blanks always last; stable)."""
    sheet, box = ctx.grid(payload.get("range"))
    specs = payload.get("sortSpecs") or []
    for spec in specs:
        index = spec.get("dimensionIndex")
        if index is None or not box.c0 <= int(index) < box.c1:
            raise bad_request(f"Invalid sort spec: column {index} is outside the range.")
    last = min(box.r1, len(sheet.rows))
    if last - box.r0 < 2 or not specs:
        return
    ev = Evaluator(ctx.ss)
    order = list(range(box.r0, last))
    for spec in reversed(specs):
        col = int(spec["dimensionIndex"])
        desc = spec.get("sortOrder") == "DESCENDING"
        values = {r: ev.cell_value(sheet, r, col) for r in order}
        order.sort(key=lambda r: _sort_key(values[r], desc), reverse=desc)
    if box.c0 == 0 and box.c1 >= sheet.col_count:
        ctx.txn.permute(sheet, box.r0, [sheet.rows[r] for r in order])
        return
    slices = [[sheet.cell(r, c) for c in range(box.c0, box.c1)] for r in order]
    for offset, cells in enumerate(slices):
        for j, cell in enumerate(cells):
            ctx.txn.set_cell(sheet, box.r0 + offset, box.c0 + j, cell)


_SPACES = re.compile(r"\s+")


@handler("trimWhitespace")
def trim_whitespace(ctx: BatchContext, payload: JSON) -> JSON:
    """Trim and collapse whitespace in every text cell of a range."""
    sheet, box = ctx.grid(payload.get("range"))
    changed = 0
    for r in range(box.r0, min(box.r1, len(sheet.rows))):
        for c in range(box.c0, min(box.c1, len(sheet.rows[r].cells))):
            cell = sheet.cell(r, c)
            if cell is None or not isinstance(cell.value, str) or cell.formula is not None:
                continue
            trimmed = _SPACES.sub(" ", cell.value.strip())
            if trimmed != cell.value:
                ctx.txn.set_cell(sheet, r, c, cell.with_value(trimmed or None))
                changed += 1
    return {"trimWhitespace": {"cellsChangedCount": changed} if changed else {}}
