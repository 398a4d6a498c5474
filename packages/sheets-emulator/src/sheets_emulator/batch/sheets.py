"""Sheet and dimension requests: add/delete/duplicate/update sheets, insert/delete/append rows
and columns, dimension properties and groups."""

from __future__ import annotations

import copy

from sheets_emulator import dimensions
from sheets_emulator.batch.registry import BatchContext, handler
from sheets_emulator.errors import bad_request
from sheets_emulator.fieldmask import MaskError, merge_masked, parse_mask
from sheets_emulator.model import DEFAULT_COLS, DEFAULT_ROWS, JSON, Row, Sheet, new_sheet_props
from sheets_emulator.render import normalize_sheet_props


def _mask(payload: JSON) -> JSON:
    fields = payload.get("fields")
    if not fields:
        raise bad_request("At least one field must be specified in 'fields'.")
    try:
        return parse_mask(str(fields))
    except MaskError as exc:
        raise bad_request(f"Invalid field mask: {exc}") from None


def _check_title(ctx: BatchContext, title: str, sheet: Sheet | None = None) -> None:
    if not title.strip():
        raise bad_request("The sheet name cannot be empty.")
    other = ctx.ss.sheet_by_title(title)
    if other is not None and other is not sheet:
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )


def _default_title(ctx: BatchContext) -> str:
    n = len(ctx.ss.sheets) + 1
    while ctx.ss.sheet_by_title(f"Sheet{n}") is not None:
        n += 1
    return f"Sheet{n}"


@handler("addSheet")
def add_sheet(ctx: BatchContext, payload: JSON) -> JSON:
    """Add a grid sheet (1000x26 unless told otherwise)."""
    props = dict(payload.get("properties") or {})
    ss = ctx.ss
    taken = {s.sheet_id for s in ss.sheets}
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = ctx.new_id(taken)
    elif int(sheet_id) in taken:
        raise bad_request(f"A sheet with id {sheet_id} already exists.")
    title = str(props.get("title") or _default_title(ctx))
    _check_title(ctx, title)
    grid = props.get("gridProperties") or {}
    rows = int(grid.get("rowCount", DEFAULT_ROWS))
    cols = int(grid.get("columnCount", DEFAULT_COLS))
    dimensions.check_cell_limit(ss, rows * cols)
    index = min(int(props.get("index", len(ss.sheets))), len(ss.sheets))
    out = new_sheet_props(int(sheet_id), title, index, rows, cols)
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "gridProperties", "sheetType"):
            out[key] = copy.deepcopy(value)
    out["gridProperties"].update(
        {k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")}
    )
    sheet = Sheet(normalize_sheet_props(out))
    ctx.txn.touch_spreadsheet()
    ss.sheets.insert(index, sheet)
    ss.reindex()
    ctx.txn.touch(sheet)
    return {"addSheet": {"properties": copy.deepcopy(sheet.props)}}


@handler("deleteSheet")
def delete_sheet(ctx: BatchContext, payload: JSON) -> None:
    """Delete a sheet (not the last one)."""
    sheet = ctx.sheet(payload.get("sheetId"))
    ss = ctx.ss
    if len(ss.sheets) == 1:
        raise bad_request("You can't remove all the sheets in a document.")
    visible = [s for s in ss.sheets if not s.props.get("hidden") and s is not sheet]
    if not visible:
        raise bad_request("You can't remove all the visible sheets in a document.")
    ctx.txn.drop_sheet(sheet)
    ss.sheets.remove(sheet)
    ss.reindex()
    for other in ss.sheets:
        ctx.txn.touch(other)
    ss.named_ranges = [
        n for n in ss.named_ranges if int(n.get("range", {}).get("sheetId", 0)) != sheet.sheet_id
    ]


@handler("duplicateSheet")
def duplicate_sheet(ctx: BatchContext, payload: JSON) -> JSON:
    """Copy a sheet (cells, formats, sheet-level ranges) under a new id and name."""
    source = ctx.sheet(payload.get("sourceSheetId"))
    ss = ctx.ss
    taken = {s.sheet_id for s in ss.sheets}
    new_id = payload.get("newSheetId")
    new_id = ctx.new_id(taken) if new_id is None else int(new_id)
    if new_id in taken:
        raise bad_request(f"A sheet with id {new_id} already exists.")
    title = str(payload.get("newSheetName") or f"Copy of {source.title}")
    _check_title(ctx, title)
    dimensions.check_cell_limit(ss, source.row_count * source.col_count)
    props = copy.deepcopy(source.props)
    props.update(sheetId=new_id, title=title)
    rows = [Row(ss.new_rid(), row.pos, list(row.cells)) for row in source.rows]
    sheet = Sheet(props, rows, copy.deepcopy(source.meta))
    sheet.dims = copy.deepcopy(source.dims)
    for item in sheet.meta.get("protectedRanges", []):
        item["protectedRangeId"] = ctx.new_id(set())
        item.get("range", {})["sheetId"] = new_id
    ctx.txn.touch_spreadsheet()
    index = min(int(payload.get("insertSheetIndex", len(ss.sheets))), len(ss.sheets))
    ss.sheets.insert(index, sheet)
    ss.reindex()
    ctx.txn.touch(sheet)
    ctx.txn.changes.rows[new_id] = {row.rid: row for row in rows}
    for other in ss.sheets:
        ctx.txn.touch(other)
    return {"duplicateSheet": {"properties": copy.deepcopy(sheet.props)}}


@handler("updateSheetProperties")
def update_sheet_properties(ctx: BatchContext, payload: JSON) -> None:
    """Update sheet properties selected by ``fields``."""
    given = payload.get("properties") or {}
    sheet = ctx.sheet(given.get("sheetId", 0))
    mask = _mask(payload)
    merged = copy.deepcopy(sheet.props)
    merge_masked(merged, given, mask)
    merged["sheetId"] = sheet.sheet_id
    merged["sheetType"] = sheet.props.get("sheetType", "GRID")
    if merged.get("title") != sheet.title:
        _check_title(ctx, str(merged.get("title", "")), sheet)
    ss = ctx.ss
    hiding = merged.get("hidden") and not sheet.props.get("hidden")
    if hiding and all(s.props.get("hidden") or s is sheet for s in ss.sheets):
        raise bad_request("You can't hide all the sheets in a document.")
    ctx.txn.touch(sheet)
    grid = merged.get("gridProperties") or {}
    rows = int(grid.get("rowCount", sheet.row_count))
    cols = int(grid.get("columnCount", sheet.col_count))
    if (rows, cols) != (sheet.row_count, sheet.col_count):
        if rows * cols > sheet.row_count * sheet.col_count:
            dimensions.check_cell_limit(ss, rows * cols - sheet.row_count * sheet.col_count)
        dimensions.resize(ctx.txn, sheet, rows, cols)
        merged.setdefault("gridProperties", {}).update(
            rowCount=sheet.row_count, columnCount=sheet.col_count
        )
    new_index = merged.get("index", sheet.props.get("index"))
    sheet.props = normalize_sheet_props(merged)
    if new_index != ss.sheets.index(sheet):
        _move_sheet(ctx, sheet, int(new_index or 0))


def _move_sheet(ctx: BatchContext, sheet: Sheet, index: int) -> None:
    """Move a sheet; like Google, an index to the right counts positions before the move."""
    ss = ctx.ss
    ctx.txn.touch_spreadsheet()
    old = ss.sheets.index(sheet)
    target = index - 1 if index > old else index
    ss.sheets.remove(sheet)
    ss.sheets.insert(max(0, min(target, len(ss.sheets))), sheet)
    ss.reindex()
    for other in ss.sheets:
        ctx.txn.touch(other)


@handler("updateSpreadsheetProperties")
def update_spreadsheet_properties(ctx: BatchContext, payload: JSON) -> None:
    """Update spreadsheet properties (title, locale, timeZone, ...) selected by ``fields``."""
    mask = _mask(payload)
    ctx.txn.touch_spreadsheet()
    merged = copy.deepcopy(ctx.ss.props)
    merge_masked(merged, payload.get("properties") or {}, mask)
    if not str(merged.get("title", "")).strip():
        raise bad_request("The spreadsheet title cannot be empty.")
    ctx.ss.props = merged


@handler("insertDimension")
def insert_dimension(ctx: BatchContext, payload: JSON) -> None:
    """Insert blank rows or columns."""
    sheet, dim, start, end = ctx.dimension_range(payload.get("range"))
    if payload.get("inheritFromBefore") and start == 0:
        raise bad_request("Cannot inherit properties from before when inserting at the start.")
    dimensions.insert(ctx.txn, sheet, dim, start, end - start)


@handler("deleteDimension")
def delete_dimension(ctx: BatchContext, payload: JSON) -> None:
    """Delete rows or columns."""
    sheet, dim, start, end = ctx.dimension_range(payload.get("range"))
    dimensions.delete(ctx.txn, sheet, dim, start, end)


@handler("moveDimension")
def move_dimension(ctx: BatchContext, payload: JSON) -> None:
    """Move rows or columns to ``destinationIndex`` (counted before the move)."""
    sheet, dim, start, end = ctx.dimension_range(payload.get("source"))
    dimensions.move(ctx.txn, sheet, dim, start, end, int(payload.get("destinationIndex", 0)))


@handler("appendDimension")
def append_dimension(ctx: BatchContext, payload: JSON) -> None:
    """Add rows or columns at the end of a sheet."""
    sheet = ctx.sheet(payload.get("sheetId", 0))
    dim = payload.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise bad_request("dimension must be ROWS or COLUMNS")
    length = int(payload.get("length", 0))
    if length < 1:
        raise bad_request("length must be at least 1.")
    dimensions.grow(ctx.txn, sheet, dim, length)


@handler("updateDimensionProperties")
def update_dimension_properties(ctx: BatchContext, payload: JSON) -> None:
    """Set pixel sizes or hide rows/columns."""
    sheet, dim, start, end = ctx.dimension_range(payload.get("range"))
    mask = _mask(payload)
    given = payload.get("properties") or {}
    ctx.txn.touch(sheet)
    table = sheet.dims.setdefault(dim, {})
    for index in range(start, end):
        props = dict(table.get(index, {}))
        merge_masked(props, given, mask)
        props = {k: v for k, v in props.items() if v not in (False, None, 0)}
        if props:
            table[index] = props
        else:
            table.pop(index, None)


@handler("autoResizeDimensions")
def auto_resize_dimensions(ctx: BatchContext, payload: JSON) -> None:
    """Accepted; sizes are not modelled (no font metrics), so nothing changes."""
    ctx.dimension_range(payload.get("dimensions"))


def _groups_key(dim: str) -> str:
    return "rowGroups" if dim == "ROWS" else "columnGroups"


@handler("addDimensionGroup")
def add_dimension_group(ctx: BatchContext, payload: JSON) -> JSON:
    """Group rows or columns (nesting raises the depth)."""
    sheet, dim, start, end = ctx.dimension_range(payload.get("range"))
    ctx.txn.touch(sheet)
    groups = sheet.meta.setdefault(_groups_key(dim), [])
    depth = 1 + sum(
        1
        for g in groups
        if g["range"].get("startIndex", 0) <= start and end <= g["range"].get("endIndex", 0)
    )
    groups.append(
        {"range": {"dimension": dim, "startIndex": start, "endIndex": end}, "depth": depth}
    )
    groups.sort(key=lambda g: (g["depth"], g["range"].get("startIndex", 0)))
    control = "rowGroupControlAfter" if dim == "ROWS" else "columnGroupControlAfter"
    sheet.grid[control] = True
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


@handler("deleteDimensionGroup")
def delete_dimension_group(ctx: BatchContext, payload: JSON) -> JSON:
    """Remove the group over exactly this range (the deepest one)."""
    sheet, dim, start, end = ctx.dimension_range(payload.get("range"))
    ctx.txn.touch(sheet)
    key = _groups_key(dim)
    groups = sheet.meta.get(key, [])
    matches = [
        g
        for g in groups
        if g["range"].get("startIndex", 0) == start and g["range"].get("endIndex") == end
    ]
    if not matches:
        raise bad_request("No dimension group with this range exists.")
    groups.remove(max(matches, key=lambda g: g["depth"]))
    if not groups:
        sheet.meta.pop(key, None)
        return {"deleteDimensionGroup": {}}
    return {"deleteDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}
