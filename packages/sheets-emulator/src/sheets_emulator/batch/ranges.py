"""Range-level requests: protected ranges, named ranges, basic filters, merges."""

from __future__ import annotations

import copy

from sheets_emulator import a1, filters
from sheets_emulator.batch.registry import BatchContext, handler
from sheets_emulator.errors import bad_request
from sheets_emulator.fieldmask import MaskError, merge_masked, parse_mask
from sheets_emulator.grid import box_to_grid, grid_box
from sheets_emulator.model import JSON
from sheets_emulator.render import echo_grid, echo_named


def _taken_protected_ids(ctx: BatchContext) -> set[int]:
    return {
        int(p.get("protectedRangeId", 0))
        for s in ctx.ss.sheets
        for p in s.meta.get("protectedRanges", [])
    }


@handler("addProtectedRange")
def add_protected_range(ctx: BatchContext, payload: JSON) -> JSON:
    """Protect a range (or a sheet); the caller becomes its editor."""
    given = payload.get("protectedRange") or {}
    grid = given.get("range")
    named_id = given.get("namedRangeId")
    if grid is None and named_id is None:
        raise bad_request("A protected range must have a range or a namedRangeId.")
    if grid is not None:
        sheet, _ = ctx.grid(grid)
    else:
        named = next((n for n in ctx.ss.named_ranges if n.get("namedRangeId") == named_id), None)
        if named is None:
            raise bad_request(f"No named range with id: {named_id}")
        sheet, _ = ctx.grid(named.get("range", {}))
    taken = _taken_protected_ids(ctx)
    item: JSON = {"protectedRangeId": ctx.new_id(taken)}
    if grid is not None:
        item["range"] = echo_grid(grid)
    if named_id is not None:
        item["namedRangeId"] = named_id
    if given.get("description"):
        item["description"] = given["description"]
    if given.get("warningOnly"):
        item["warningOnly"] = True
    if given.get("unprotectedRanges"):
        item["unprotectedRanges"] = [echo_grid(g) for g in given["unprotectedRanges"]]
    item["requestingUserCanEdit"] = True
    reply = copy.deepcopy(item)
    reply["editors"] = {}
    item["editors"] = {"users": [ctx.owner_email()]}
    sheet.meta.setdefault("protectedRanges", []).append(item)
    return {"addProtectedRange": {"protectedRange": reply}}


def _find_protected(ctx: BatchContext, protected_id: object) -> tuple[list[JSON], JSON]:
    for sheet in ctx.ss.sheets:
        items = sheet.meta.get("protectedRanges", [])
        for item in items:
            if str(item.get("protectedRangeId")) == str(protected_id):
                ctx.txn.touch(sheet)
                return items, item
    raise bad_request(f"No protected range with id: {protected_id}")


@handler("updateProtectedRange")
def update_protected_range(ctx: BatchContext, payload: JSON) -> None:
    """Update protected-range fields selected by ``fields``."""
    given = payload.get("protectedRange") or {}
    _, item = _find_protected(ctx, given.get("protectedRangeId"))
    try:
        mask = parse_mask(str(payload.get("fields") or ""))
    except MaskError as exc:
        raise bad_request(str(exc)) from None
    merge_masked(item, given, mask)


@handler("deleteProtectedRange")
def delete_protected_range(ctx: BatchContext, payload: JSON) -> None:
    """Remove a protected range."""
    items, item = _find_protected(ctx, payload.get("protectedRangeId"))
    items.remove(item)


@handler("addNamedRange")
def add_named_range(ctx: BatchContext, payload: JSON) -> JSON:
    """Name a range (names are unique, case-insensitive)."""
    given = payload.get("namedRange") or {}
    name = str(given.get("name") or "")
    if not name or not name.replace("_", "").replace(".", "").isalnum() or a1.parse_cells(name):
        raise bad_request(f"Invalid name: {name!r}.")
    if ctx.ss.named_range(name) is not None:
        raise bad_request(f'A named range with the name "{name}" already exists.')
    grid = given.get("range") or {}
    grid_box(ctx.ss, grid)
    ctx.txn.touch_spreadsheet()
    taken = {
        int(n["namedRangeId"])
        for n in ctx.ss.named_ranges
        if str(n.get("namedRangeId", "")).isdigit()
    }
    item = {
        "namedRangeId": str(given.get("namedRangeId") or ctx.new_id(taken)),
        "name": name,
        "range": dict(grid),
    }
    ctx.ss.named_ranges.append(item)
    return {"addNamedRange": {"namedRange": echo_named(item)}}


def _find_named(ctx: BatchContext, named_id: object) -> JSON:
    for item in ctx.ss.named_ranges:
        if str(item.get("namedRangeId")) == str(named_id):
            ctx.txn.touch_spreadsheet()
            return item
    raise bad_request(f"No named range with id: {named_id}")


@handler("updateNamedRange")
def update_named_range(ctx: BatchContext, payload: JSON) -> None:
    """Rename or move a named range."""
    given = payload.get("namedRange") or {}
    item = _find_named(ctx, given.get("namedRangeId"))
    try:
        mask = parse_mask(str(payload.get("fields") or ""))
    except MaskError as exc:
        raise bad_request(str(exc)) from None
    merged = copy.deepcopy(item)
    merge_masked(merged, given, mask)
    merged["namedRangeId"] = item["namedRangeId"]
    if "range" in merged:
        grid_box(ctx.ss, merged["range"])
    item.clear()
    item.update(merged)


@handler("deleteNamedRange")
def delete_named_range(ctx: BatchContext, payload: JSON) -> None:
    """Remove a named range."""
    item = _find_named(ctx, payload.get("namedRangeId"))
    ctx.ss.named_ranges.remove(item)


@handler("setBasicFilter")
def set_basic_filter(ctx: BatchContext, payload: JSON) -> None:
    """Set the sheet's basic filter (its range is stored with explicit bounds)."""
    given = payload.get("filter") or {}
    sheet, box = ctx.grid(given.get("range") or {})
    filters.validate(given)
    ctx.txn.touch(sheet)
    stored = filters.normalized(copy.deepcopy(given))
    grid = box_to_grid(sheet, box)
    grid.pop("sheetId", None)
    stored["range"] = grid
    sheet.meta["basicFilter"] = stored


@handler("clearBasicFilter")
def clear_basic_filter(ctx: BatchContext, payload: JSON) -> None:
    """Remove the sheet's basic filter."""
    sheet = ctx.sheet(payload.get("sheetId", 0))
    ctx.txn.touch(sheet)
    sheet.meta.pop("basicFilter", None)


def _overlaps(a: JSON, b: a1.Box) -> bool:
    return not (
        a.get("endRowIndex", 0) <= b.r0
        or b.r1 <= a.get("startRowIndex", 0)
        or a.get("endColumnIndex", 0) <= b.c0
        or b.c1 <= a.get("startColumnIndex", 0)
    )


@handler("mergeCells")
def merge_cells(ctx: BatchContext, payload: JSON) -> None:
    """Merge a range (all, by columns or by rows); hidden cells lose their values."""
    sheet, box = ctx.grid(payload.get("range"))
    kind = payload.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ALL":
        pieces = [box]
    elif kind == "MERGE_COLUMNS":
        pieces = [a1.Box(box.r0, box.r1, c, c + 1) for c in range(box.c0, box.c1)]
    elif kind == "MERGE_ROWS":
        pieces = [a1.Box(r, r + 1, box.c0, box.c1) for r in range(box.r0, box.r1)]
    else:
        raise bad_request(f"Invalid mergeType: {kind}")
    merges = sheet.meta.setdefault("merges", [])
    for piece in pieces:
        if piece.height * piece.width <= 1:
            continue
        if any(_overlaps(m, piece) for m in merges):
            raise bad_request("You can't merge cells that overlap an existing merge.")
        grid = box_to_grid(sheet, piece)
        grid.pop("sheetId", None)
        merges.append(grid)
        for r in range(piece.r0, piece.r1):
            for c in range(piece.c0, piece.c1):
                cell = sheet.cell(r, c)
                if (r, c) != (piece.r0, piece.c0) and cell is not None and cell.has_value():
                    ctx.txn.set_cell(sheet, r, c, cell.with_value(None))
    if not merges:
        sheet.meta.pop("merges", None)


@handler("unmergeCells")
def unmerge_cells(ctx: BatchContext, payload: JSON) -> None:
    """Unmerge every merge that intersects the range."""
    sheet, box = ctx.grid(payload.get("range"))
    merges = [m for m in sheet.meta.get("merges", []) if not _overlaps(m, box)]
    if merges:
        sheet.meta["merges"] = merges
    else:
        sheet.meta.pop("merges", None)
