"""Inserting, deleting and appending rows and columns, and keeping every range in step.

Ranges stored on the sheet (merges, protected ranges, filters, groups, conditional formats,
banded ranges) and named ranges move with the cells, as in Google: they shift when rows are
inserted or deleted before them, grow when rows are inserted inside them, shrink when rows inside
them are deleted, and disappear when all their rows are deleted.
"""

from __future__ import annotations

from typing import Any

from sheets_emulator.errors import bad_request
from sheets_emulator.model import JSON, MAX_CELLS, MAX_COLS, Sheet, Spreadsheet
from sheets_emulator.txn import Txn

_KEYS = {
    "ROWS": ("startRowIndex", "endRowIndex"),
    "COLUMNS": ("startColumnIndex", "endColumnIndex"),
}
_RANGE_LISTS = ("merges",)
_OBJECT_LISTS = ("protectedRanges", "filterViews", "bandedRanges")


def check_cell_limit(ss: Spreadsheet, extra_cells: int) -> None:
    """Google's 400 when a change would push the spreadsheet past ten million cells."""
    if ss.total_cells() + extra_cells > MAX_CELLS:
        raise bad_request(
            "This action would increase the number of cells in the workbook above the limit "
            f"of {MAX_CELLS} cells."
        )


def _shift_insert(value: int, start: int, count: int) -> int:
    return value + count if value >= start else value


def _shift_delete(value: int, start: int, count: int) -> int:
    if value <= start:
        return value
    return start if value <= start + count else value - count


def shift_grid(grid: JSON, dim: str, start: int, count: int, deleting: bool) -> bool:
    """Move a ``GridRange`` for an insert/delete; False when a delete removed all of it.

    Missing indexes mean unbounded and stay missing; explicit ones (zero included) move.
    """
    lo_key, hi_key = _KEYS[dim]
    lo, hi = grid.get(lo_key), grid.get(hi_key)
    if deleting:
        new_lo = _shift_delete(int(lo), start, count) if lo is not None else None
        new_hi = _shift_delete(int(hi), start, count) if hi is not None else None
        if new_hi is not None and new_hi <= (new_lo or 0):
            return False
    else:
        new_lo = int(lo) + count if lo is not None and lo >= start else lo
        new_hi = int(hi) + count if hi is not None and hi > start else hi
    for key, value in ((lo_key, new_lo), (hi_key, new_hi)):
        if value is None:
            grid.pop(key, None)
        else:
            grid[key] = value
    return True


def _shift_dimension_range(item: JSON, dim: str, start: int, count: int, deleting: bool) -> bool:
    rng = item.get("range", {})
    if rng.get("dimension") != dim:
        return True
    lo_key, hi_key = _KEYS[dim]
    as_grid = {lo_key: rng.get("startIndex", 0), hi_key: rng.get("endIndex")}
    alive = shift_grid(as_grid, dim, start, count, deleting)
    rng["startIndex"] = as_grid.get(lo_key, 0)
    if as_grid.get(hi_key) is not None:
        rng["endIndex"] = as_grid[hi_key]
    return alive


def shift_ranges(
    ss: Spreadsheet, sheet: Sheet, dim: str, start: int, count: int, deleting: bool
) -> None:
    """Move every stored range on ``sheet`` (and named ranges pointing at it)."""
    meta = sheet.meta
    for key in _RANGE_LISTS:
        if key in meta:
            meta[key] = [g for g in meta[key] if shift_grid(g, dim, start, count, deleting)]
    for key in _OBJECT_LISTS:
        if key in meta:
            meta[key] = [o for o in meta[key] if _shift_object(o, dim, start, count, deleting)]
    if "basicFilter" in meta and not _shift_object(
        meta["basicFilter"], dim, start, count, deleting
    ):
        del meta["basicFilter"]
    for rules_key in ("conditionalFormats",):
        for rule in meta.get(rules_key, []):
            rule["ranges"] = [
                g for g in rule.get("ranges", []) if shift_grid(g, dim, start, count, deleting)
            ]
    group_key = "rowGroups" if dim == "ROWS" else "columnGroups"
    if group_key in meta:
        meta[group_key] = [
            g for g in meta[group_key] if _shift_dimension_range(g, dim, start, count, deleting)
        ]
    for named in ss.named_ranges:
        grid = named.get("range", {})
        if int(grid.get("sheetId", 0)) == sheet.sheet_id and not shift_grid(
            grid, dim, start, count, deleting
        ):
            named["range"] = {"sheetId": sheet.sheet_id} if sheet.sheet_id else {}
    for key in [k for k in meta if not meta[k]]:
        del meta[key]


def _shift_object(obj: Any, dim: str, start: int, count: int, deleting: bool) -> bool:
    grid = obj.get("range") if isinstance(obj, dict) else None
    if not isinstance(grid, dict):
        return True
    return shift_grid(grid, dim, start, count, deleting)


def _shift_dims(sheet: Sheet, dim: str, start: int, count: int, deleting: bool) -> None:
    table = sheet.dims.get(dim, {})
    moved: dict[int, JSON] = {}
    for index, props in table.items():
        if deleting:
            if start <= index < start + count:
                continue
            moved[index - count if index >= start + count else index] = props
        else:
            moved[index + count if index >= start else index] = props
    sheet.dims[dim] = moved


def insert(txn: Txn, sheet: Sheet, dim: str, start: int, count: int) -> None:
    """Insert ``count`` blank rows or columns before index ``start``."""
    if count <= 0:
        return
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if start < 0 or start > size:
        raise bad_request(f"Invalid dimension index {start}: the sheet has {size} {dim.lower()}.")
    other = sheet.col_count if dim == "ROWS" else sheet.row_count
    check_cell_limit(txn.ss, count * other)
    txn.touch(sheet)
    if dim == "ROWS":
        txn.insert_rows(sheet, start, count)
        sheet.grid["rowCount"] = sheet.row_count + count
    else:
        if sheet.col_count + count > MAX_COLS:
            raise bad_request(f"The maximum number of columns is {MAX_COLS}.")
        for r, row in enumerate(sheet.rows):
            if len(row.cells) > start:
                txn.writable(sheet, r).cells[start:start] = [None] * count
                sheet.rows[r].changed()
        sheet.grid["columnCount"] = sheet.col_count + count
    _shift_dims(sheet, dim, start, count, False)
    shift_ranges(txn.ss, sheet, dim, start, count, False)


def delete(txn: Txn, sheet: Sheet, dim: str, start: int, end: int) -> None:
    """Delete rows or columns ``start..end``."""
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if start < 0 or end > size or start >= end:
        raise bad_request(
            f"Invalid dimension range {start}..{end}: the sheet has {size} {dim.lower()}."
        )
    if start == 0 and end == size:
        noun = "rows" if dim == "ROWS" else "columns"
        raise bad_request(f"You can't delete all the {noun} on the sheet.")
    count = end - start
    txn.touch(sheet)
    if dim == "ROWS":
        txn.delete_rows(sheet, start, min(end, len(sheet.rows)))
        sheet.grid["rowCount"] = size - count
    else:
        for r, row in enumerate(sheet.rows):
            if len(row.cells) > start:
                del txn.writable(sheet, r).cells[start:end]
                sheet.rows[r].changed()
        sheet.grid["columnCount"] = size - count
    _clip_frozen(sheet)
    _shift_dims(sheet, dim, start, count, True)
    shift_ranges(txn.ss, sheet, dim, start, count, True)


def move(txn: Txn, sheet: Sheet, dim: str, start: int, end: int, destination: int) -> None:
    """Move rows or columns ``start..end`` before ``destination`` (``moveDimension``).

    ``destination`` is an index before the move, as Google's ``destinationIndex`` is. Cells and
    row/column properties move; ranges stored on the sheet (protections, filters, merges) keep
    their indexes (a simplification, see docs/emulator.md).
    """
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if start < 0 or end > size or start >= end or not 0 <= destination <= size:
        raise bad_request(f"Invalid move of {dim.lower()} {start}..{end} to {destination}.")
    if start <= destination <= end:
        return
    order = [i for i in range(size) if not start <= i < end]
    at = destination if destination < start else destination - (end - start)
    order[at:at] = range(start, end)
    txn.touch(sheet)
    if dim == "ROWS":
        reach = max(end, destination)  # rows past it keep their places
        if len(sheet.rows) < reach:
            txn.writable(sheet, reach - 1)
        txn.permute(sheet, 0, [sheet.rows[i] for i in order[:reach]])
    else:
        for r, row in enumerate(sheet.rows):
            if len(row.cells) > min(start, destination):
                cells = row.cells + [None] * (size - len(row.cells))
                moved = [cells[i] for i in order]
                while moved and moved[-1] is None:
                    moved.pop()
                txn.writable(sheet, r).cells[:] = moved
                sheet.rows[r].changed()
    table = sheet.dims.get(dim, {})
    where = {old: new for new, old in enumerate(order)}
    sheet.dims[dim] = {where[i]: props for i, props in table.items() if i in where}


def grow(txn: Txn, sheet: Sheet, dim: str, count: int) -> None:
    """Add ``count`` rows or columns at the end (``appendDimension``)."""
    if count <= 0:
        return
    other = sheet.col_count if dim == "ROWS" else sheet.row_count
    check_cell_limit(txn.ss, count * other)
    txn.touch(sheet)
    key = "rowCount" if dim == "ROWS" else "columnCount"
    if dim == "COLUMNS" and sheet.col_count + count > MAX_COLS:
        raise bad_request(f"The maximum number of columns is {MAX_COLS}.")
    sheet.grid[key] = int(sheet.grid.get(key, 0)) + count


def resize(txn: Txn, sheet: Sheet, rows: int, cols: int) -> None:
    """Set the grid size (``updateSheetProperties`` on rowCount/columnCount)."""
    if rows < 1 or cols < 1:
        raise bad_request("A sheet must have at least one row and one column.")
    if rows < sheet.row_count:
        delete(txn, sheet, "ROWS", rows, sheet.row_count)
    elif rows > sheet.row_count:
        grow(txn, sheet, "ROWS", rows - sheet.row_count)
    if cols < sheet.col_count:
        delete(txn, sheet, "COLUMNS", cols, sheet.col_count)
    elif cols > sheet.col_count:
        grow(txn, sheet, "COLUMNS", cols - sheet.col_count)


def _clip_frozen(sheet: Sheet) -> None:
    grid = sheet.grid
    for key, limit in (("frozenRowCount", sheet.row_count), ("frozenColumnCount", sheet.col_count)):
        if key in grid and grid[key] >= limit:
            grid[key] = max(limit - 1, 0) or grid.pop(key)
