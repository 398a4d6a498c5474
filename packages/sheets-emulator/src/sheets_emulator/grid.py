"""Ranges and values on a sheet: resolving A1 and GridRange, reading and writing value grids."""

from __future__ import annotations

import json
from typing import Any

from sheets_emulator import a1
from sheets_emulator.errors import (
    CELL_TOO_LONG,
    MAX_CELL_CHARS,
    bad_request,
    invalid_value,
    parse_range_error,
)
from sheets_emulator.formula import Evaluator
from sheets_emulator.model import JSON, Cell, Sheet, Spreadsheet
from sheets_emulator.txn import Txn
from sheets_emulator.values import Effective, parse_user_entered, raw_value, render

LIST_VALUE = "type.googleapis.com/google.protobuf.ListValue"
VALUE_INPUT_OPTIONS = ("RAW", "USER_ENTERED")
VALUE_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")


def resolve(ss: Spreadsheet, text: str) -> tuple[Sheet, a1.Bounds]:
    """The sheet and bounds an A1 string (or named range) names; 400 when it names nothing."""
    parsed = a1.parse_range(text)
    if parsed is None:
        raise parse_range_error(text)
    if parsed.title is not None:
        sheet = ss.sheet_by_title(parsed.title)
        if sheet is None:
            raise parse_range_error(text)
        if parsed.bounds is not None:
            return sheet, parsed.bounds
        if parsed.word is None:
            return sheet, a1.Bounds(0, None, 0, None)
        return _named(ss, parsed.word, text)
    if parsed.bounds is not None and ss.sheets:
        return ss.sheets[0], parsed.bounds
    word = parsed.word or ""
    sheet = ss.sheet_by_title(word)
    if sheet is not None:
        return sheet, a1.Bounds(0, None, 0, None)
    return _named(ss, word, text)


def _named(ss: Spreadsheet, name: str, text: str) -> tuple[Sheet, a1.Bounds]:
    named = ss.named_range(name)
    if named is None:
        raise parse_range_error(text)
    grid = named.get("range", {})
    sheet = ss.sheet_by_id(int(grid.get("sheetId", 0)))
    if sheet is None:
        raise parse_range_error(text)
    return sheet, a1.Bounds(
        int(grid.get("startRowIndex", 0)),
        grid.get("endRowIndex"),
        int(grid.get("startColumnIndex", 0)),
        grid.get("endColumnIndex"),
    )


def grid_limits_error(sheet: Sheet, r0: int, r1: int, c0: int, c1: int) -> Exception:
    """Google's 400 for a range outside the sheet's grid."""
    box = a1.Box(r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))
    where = a1.format_box(sheet.title, box)
    title, _, cells = where.rpartition("!")
    quoted = title if title.startswith("'") else f"'{title}'"
    return bad_request(
        f"Range ({quoted}!{cells}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
    )


def clamp_read(sheet: Sheet, bounds: a1.Bounds) -> a1.Box:
    """Bounds limited to the grid; 400 when they start outside it."""
    rows, cols = sheet.row_count, sheet.col_count
    if bounds.r0 >= max(rows, 1) or bounds.c0 >= max(cols, 1):
        r1 = bounds.r1 if bounds.r1 is not None else bounds.r0 + 1
        c1 = bounds.c1 if bounds.c1 is not None else bounds.c0 + 1
        raise grid_limits_error(sheet, bounds.r0, r1, bounds.c0, c1)
    return bounds.clamp(rows, cols)


def grid_box(ss: Spreadsheet, grid: Any, *, default_sheet: bool = True) -> tuple[Sheet, a1.Box]:
    """The sheet and rectangle of a ``GridRange`` (missing indexes are unbounded)."""
    if not isinstance(grid, dict):
        raise bad_request("range must be a GridRange object")
    sheet_id = grid.get("sheetId", 0 if default_sheet else None)
    sheet = ss.sheet_by_id(int(sheet_id)) if isinstance(sheet_id, (int, str)) else None
    if sheet is None:
        raise bad_request(f"No grid with id: {sheet_id}")
    rows, cols = sheet.row_count, sheet.col_count
    r0 = int(grid.get("startRowIndex", 0))
    r1 = int(grid.get("endRowIndex", rows))
    c0 = int(grid.get("startColumnIndex", 0))
    c1 = int(grid.get("endColumnIndex", cols))
    if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
        raise bad_request("Invalid range: start indexes must be >= 0 and <= end indexes.")
    if r1 > rows or c1 > cols:
        raise grid_limits_error(sheet, r0, r1, c0, c1)
    return sheet, a1.Box(r0, r1, c0, c1)


def box_to_grid(sheet: Sheet, box: a1.Box) -> JSON:
    """``GridRange`` JSON for a rectangle as Google echoes it (``sheetId`` 0 omitted)."""
    out: JSON = {"sheetId": sheet.sheet_id} if sheet.sheet_id else {}
    out.update(
        startRowIndex=box.r0, endRowIndex=box.r1, startColumnIndex=box.c0, endColumnIndex=box.c1
    )
    return out


# -- value grids ------------------------------------------------------------------------------


def check_values(values: Any, field: str = "data.values") -> list[list[Any]]:
    """Validate a ``values`` array (list of lists of scalars, cells within 50,000 characters)."""
    if not isinstance(values, list):
        raise invalid_value(field, json.dumps(values), LIST_VALUE)
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise invalid_value(f"{field}[{i}]", json.dumps(row), LIST_VALUE)
        for j, value in enumerate(row):
            if isinstance(value, dict):
                raise bad_request(f"Invalid values[{i}][{j}]: struct_value {json.dumps(value)}")
            if isinstance(value, list):
                raise bad_request(f"Invalid values[{i}][{j}]: list_value {json.dumps(value)}")
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise bad_request(CELL_TOO_LONG)
    return values


def oriented(values: list[list[Any]], major: str | None) -> list[list[Any]]:
    """Values as rows (``COLUMNS`` input transposed)."""
    if major != "COLUMNS":
        return values
    height = max((len(col) for col in values), default=0)
    return [[col[r] if r < len(col) else None for col in values] for r in range(height)]


def input_cell(old: Cell | None, value: Any, option: str) -> Cell | None:
    """The cell after typing ``value`` over ``old`` (formats and notes kept)."""
    fmt = old.number_format() if old is not None else None
    if option == "RAW":
        scalar, formula, number_format = raw_value(value), None, None
    else:
        text_format = bool(fmt) and fmt.get("type") == "TEXT"  # type: ignore[union-attr]
        scalar, formula, number_format = parse_user_entered(value, text_format)
    extra = old.extra if old is not None else None
    if number_format is not None and fmt is None:
        extra = dict(extra or {})
        user_format = dict(extra.get("userEnteredFormat") or {})
        user_format["numberFormat"] = number_format
        extra["userEnteredFormat"] = user_format
    cell = Cell(scalar, formula, extra)
    return None if cell.is_blank() else cell


class WriteStats:
    """Rows, columns and cells a values write touched."""

    def __init__(self) -> None:
        self.rows: set[int] = set()
        self.cols: set[int] = set()
        self.cells = 0


def write_values(
    txn: Txn, sheet: Sheet, r0: int, c0: int, rows: list[list[Any]], option: str
) -> WriteStats:
    """Write a grid of input values at ``(r0, c0)``; JSON nulls leave cells alone."""
    stats = WriteStats()
    for i, row in enumerate(rows):
        r = r0 + i
        for j, value in enumerate(row):
            if value is None:
                continue
            c = c0 + j
            old = sheet.cell(r, c)
            txn.set_cell(sheet, r, c, input_cell(old, value, option))
            stats.rows.add(r)
            stats.cols.add(c)
            stats.cells += 1
    return stats


def read_values(
    ev: Evaluator, sheet: Sheet, box: a1.Box, major: str, value_option: str, dt_option: str
) -> list[list[Any]]:
    """The rendered values of a rectangle, trailing empty cells and rows trimmed."""
    out: list[list[Any]] = []
    c0 = box.c0
    window = (1 << box.width) - 1
    rows = sheet.rows
    for r in range(box.r0, min(box.r1, len(rows))):
        row = rows[r]
        bits = (row.mask >> c0) & window
        if not bits:
            out.append([])
            continue
        values: list[Any] = []
        append = values.append
        for c, cell in enumerate(row.cells[c0 : c0 + bits.bit_length()], c0):
            if cell is None:
                append("")
                continue
            value: Effective = cell.value
            if cell.formula is None:
                if value is None:
                    append("")
                    continue
                if value.__class__ is str:
                    append(value)  # text renders as itself under every option
                    continue
            else:
                value = ev.cell_value(sheet, r, c)
            rendered = render(value, cell, value_option, dt_option)
            append("" if rendered is None else rendered)
        out.append(values)
    while out and not out[-1]:
        out.pop()
    if major == "COLUMNS":
        return _transpose(out)
    return out


def _transpose(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    cols: list[list[Any]] = []
    for c in range(width):
        col = [r[c] if c < len(r) else "" for r in rows]
        while col and col[-1] == "":
            col.pop()
        cols.append(col)
    while cols and not cols[-1]:
        cols.pop()
    return cols


def value_range(title: str, box: a1.Box, major: str, values: list[list[Any]]) -> JSON:
    """``ValueRange`` JSON (``values`` omitted when empty)."""
    out: JSON = {"range": a1.format_box(title, box), "majorDimension": major}
    if values:
        out["values"] = values
    return out
