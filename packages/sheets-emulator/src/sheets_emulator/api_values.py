"""``spreadsheets.values.*``: get, batchGet, update, batchUpdate, append, clear, batchClear."""

from __future__ import annotations

from typing import Any

from sheets_emulator import a1, dimensions
from sheets_emulator.errors import ApiError, bad_request
from sheets_emulator.formula import Evaluator
from sheets_emulator.grid import (
    DATETIME_RENDER_OPTIONS,
    VALUE_RENDER_OPTIONS,
    WriteStats,
    check_values,
    clamp_read,
    grid_limits_error,
    oriented,
    read_values,
    resolve,
    value_range,
    write_values,
)
from sheets_emulator.model import JSON, Sheet
from sheets_emulator.tables import find_table
from sheets_emulator.txn import Txn
from sheets_emulator.wire import Request

DIMENSIONS = ("ROWS", "COLUMNS")
PROTO = "google.apps.sheets.v4."


def _read_options(req: Request, prefix: str = "") -> tuple[str, str]:
    def name(n: str) -> str:
        return prefix + n[0].upper() + n[1:] if prefix else n

    vro = req.enum(name("valueRenderOption"), VALUE_RENDER_OPTIONS, PROTO + "ValueRenderOption")
    dto = req.enum(
        name("dateTimeRenderOption"), DATETIME_RENDER_OPTIONS, PROTO + "DateTimeRenderOption"
    )
    return vro, dto


def _input_option(value: Any) -> str:
    if value in ("RAW", "USER_ENTERED"):
        return str(value)
    shown = value if isinstance(value, str) and value else "INPUT_VALUE_OPTION_UNSPECIFIED"
    raise bad_request(f"Invalid valueInputOption: {shown}")


def _counts(stats: WriteStats) -> JSON:
    out: JSON = {}
    for key, value in (
        ("updatedRows", len(stats.rows)),
        ("updatedColumns", len(stats.cols)),
        ("updatedCells", stats.cells),
    ):
        if value:
            out[key] = value
    return out


def values_get(req: Request) -> JSON:
    """``GET .../values/{range}``."""
    major = req.enum("majorDimension", DIMENSIONS, PROTO + "Dimension")
    vro, dto = _read_options(req)
    with req.service.reading(req.args["id"]) as ss:
        sheet, bounds = resolve(ss, req.args["range"])
        box = clamp_read(sheet, bounds)
        values = read_values(Evaluator(ss), sheet, box, major, vro, dto)
        return value_range(sheet.title, box, major, values)


def values_batch_get(req: Request) -> JSON:
    """``GET .../values:batchGet?ranges=...``."""
    major = req.enum("majorDimension", DIMENSIONS, PROTO + "Dimension")
    vro, dto = _read_options(req)
    with req.service.reading(req.args["id"]) as ss:
        ev = Evaluator(ss)
        out = []
        for text in req.param_list("ranges"):
            sheet, bounds = resolve(ss, text)
            box = clamp_read(sheet, bounds)
            out.append(
                value_range(sheet.title, box, major, read_values(ev, sheet, box, major, vro, dto))
            )
        result: JSON = {"spreadsheetId": ss.id}
        if out:
            result["valueRanges"] = out
        return result


def _target_box(sheet: Sheet, bounds: a1.Bounds, rows: list[list[Any]], text: str) -> a1.Box:
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    single = bounds.r1 == bounds.r0 + 1 and bounds.c1 == bounds.c0 + 1
    if not single:
        if bounds.r1 is not None and height > bounds.r1 - bounds.r0:
            raise bad_request(
                f"Requested writing within range [{text}], "
                f"but tried writing to row [{bounds.r0 + height}]"
            )
        if bounds.c1 is not None and width > bounds.c1 - bounds.c0:
            column = a1.col_letters(bounds.c0 + width - 1)
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to column [{column}]"
            )
    box = a1.Box(bounds.r0, bounds.r0 + max(height, 1), bounds.c0, bounds.c0 + max(width, 1))
    if box.r1 > sheet.row_count or box.c1 > sheet.col_count:
        raise grid_limits_error(sheet, box.r0, box.r1, box.c0, box.c1)
    return box


def _write(txn: Txn, text: str, body: JSON, option: str, field: str) -> tuple[Sheet, a1.Box, JSON]:
    values = check_values(body.get("values", []), field)
    rows = oriented(values, body.get("majorDimension"))
    sheet, bounds = resolve(txn.ss, text)
    box = _target_box(sheet, bounds, rows, text)
    stats = write_values(txn, sheet, box.r0, box.c0, rows, option)
    result: JSON = {"spreadsheetId": txn.ss.id, "updatedRange": a1.format_box(sheet.title, box)}
    result.update(_counts(stats))
    result["_stats"] = stats
    return sheet, box, result


def _updated_data(req: Request, ev: Evaluator, sheet: Sheet, box: a1.Box, major: str) -> JSON:
    vro, dto = _read_options(req, "response")
    return value_range(sheet.title, box, major, read_values(ev, sheet, box, major, vro, dto))


def values_update(req: Request) -> JSON:
    """``PUT .../values/{range}?valueInputOption=...``."""
    option = _input_option(req.param("valueInputOption"))
    body = req.json_object()
    with req.service.writing(req.args["id"]) as txn:
        sheet, box, result = _write(txn, req.args["range"], body, option, "data.values")
        result.pop("_stats")
        if req.flag("includeValuesInResponse"):
            major = body.get("majorDimension") or "ROWS"
            result["updatedData"] = _updated_data(req, Evaluator(txn.ss), sheet, box, major)
    return result


def values_batch_update(req: Request) -> JSON:
    """``POST .../values:batchUpdate``."""
    body = req.json_object()
    option = _input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    if not isinstance(data, list):
        raise bad_request("Invalid JSON payload received. 'data' must be a list.")
    include = bool(body.get("includeValuesInResponse"))
    with req.service.writing(req.args["id"]) as txn:
        responses, rows, cols, sheets, cells = [], set(), set(), set(), 0
        for i, item in enumerate(data):
            try:
                if not isinstance(item, dict) or "range" not in item:
                    raise bad_request("A range is required.")
                sheet, box, result = _write(
                    txn, str(item["range"]), item, option, f"data[{i}].values"
                )
            except ApiError as exc:
                exc.message = f"Invalid data[{i}]: {exc.message}"
                raise
            stats: WriteStats = result.pop("_stats")
            rows |= {(sheet.sheet_id, r) for r in stats.rows}
            cols |= {(sheet.sheet_id, c) for c in stats.cols}
            cells += stats.cells
            if stats.cells:
                sheets.add(sheet.sheet_id)
            if include:
                major = item.get("majorDimension") or "ROWS"
                result["updatedData"] = _updated_data_body(
                    body, Evaluator(txn.ss), sheet, box, major
                )
            responses.append(result)
    out: JSON = {"spreadsheetId": txn.ss.id}
    for key, value in (
        ("totalUpdatedRows", len(rows)),
        ("totalUpdatedColumns", len(cols)),
        ("totalUpdatedCells", cells),
        ("totalUpdatedSheets", len(sheets)),
    ):
        if value:
            out[key] = value
    if responses:
        out["responses"] = responses
    return out


def _updated_data_body(body: JSON, ev: Evaluator, sheet: Sheet, box: a1.Box, major: str) -> JSON:
    vro = body.get("responseValueRenderOption") or "FORMATTED_VALUE"
    dto = body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"
    return value_range(sheet.title, box, major, read_values(ev, sheet, box, major, vro, dto))


def values_append(req: Request) -> JSON:
    """``POST .../values/{range}:append``: find the table, write after it."""
    option = _input_option(req.param("valueInputOption"))
    insert = req.enum("insertDataOption", ("OVERWRITE", "INSERT_ROWS"), PROTO + "InsertDataOption")
    body = req.json_object()
    rows = oriented(check_values(body.get("values", []), "data.values"), body.get("majorDimension"))
    with req.service.writing(req.args["id"]) as txn:
        sheet, bounds = resolve(txn.ss, req.args["range"])
        box = clamp_read(sheet, bounds)
        table = find_table(sheet, box)
        r0, c0 = (table.r1, table.c0) if table else (box.r0, box.c0)
        height = len(rows)
        width = max((len(r) for r in rows), default=0)
        if insert == "INSERT_ROWS" and height:
            dimensions.insert(txn, sheet, "ROWS", min(r0, sheet.row_count), height)
        if r0 + height > sheet.row_count:
            dimensions.grow(txn, sheet, "ROWS", r0 + height - sheet.row_count)
        if c0 + width > sheet.col_count:
            dimensions.grow(txn, sheet, "COLUMNS", c0 + width - sheet.col_count)
        stats = write_values(txn, sheet, r0, c0, rows, option)
        target = a1.Box(r0, r0 + max(height, 1), c0, c0 + max(width, 1))
        updates: JSON = {
            "spreadsheetId": txn.ss.id,
            "updatedRange": a1.format_box(sheet.title, target),
        }
        updates.update(_counts(stats))
        if req.flag("includeValuesInResponse"):
            major = body.get("majorDimension") or "ROWS"
            updates["updatedData"] = _updated_data(req, Evaluator(txn.ss), sheet, target, major)
    out: JSON = {"spreadsheetId": txn.ss.id}
    if table is not None:
        out["tableRange"] = a1.format_box(sheet.title, table)
    out["updates"] = updates
    return out


def _clear(txn: Txn, text: str) -> str:
    sheet, bounds = resolve(txn.ss, text)
    box = clamp_read(sheet, bounds)
    for r in range(box.r0, min(box.r1, len(sheet.rows))):
        row = sheet.rows[r]
        if not (row.mask >> box.c0) & ((1 << box.width) - 1):
            continue
        for c in range(box.c0, min(box.c1, len(row.cells))):
            cell = row.get(c)
            if cell is not None and cell.has_value():
                txn.set_cell(sheet, r, c, cell.with_value(None))
    return a1.format_box(sheet.title, box)


def values_clear(req: Request) -> JSON:
    """``POST .../values/{range}:clear`` (values only; formats and notes stay)."""
    req.json()  # validate the (usually empty) body
    with req.service.writing(req.args["id"]) as txn:
        cleared = _clear(txn, req.args["range"])
    return {"spreadsheetId": txn.ss.id, "clearedRange": cleared}


def values_batch_clear(req: Request) -> JSON:
    """``POST .../values:batchClear``."""
    ranges = req.json_object().get("ranges") or []
    if not isinstance(ranges, list):
        raise bad_request("Invalid JSON payload received. 'ranges' must be a list.")
    with req.service.writing(req.args["id"]) as txn:
        cleared = [_clear(txn, str(text)) for text in ranges]
    out: JSON = {"spreadsheetId": txn.ss.id}
    if cleared:
        out["clearedRanges"] = cleared
    return out
