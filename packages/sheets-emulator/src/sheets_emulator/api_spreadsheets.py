"""``spreadsheets.create``, ``spreadsheets.get`` and ``spreadsheets.batchUpdate``."""

from __future__ import annotations

import copy
from typing import Any

from sheets_emulator import a1, protection
from sheets_emulator.batch import HANDLERS, KNOWN_KINDS, BatchContext
from sheets_emulator.errors import ApiError, bad_request
from sheets_emulator.fieldmask import ALL, MaskError, parse_mask
from sheets_emulator.grid import clamp_read, resolve
from sheets_emulator.model import JSON, Sheet
from sheets_emulator.render import spreadsheet_json
from sheets_emulator.wire import Request


def _mask(req: Request) -> tuple[Any, bool]:
    text = req.param("fields")
    if text is None:
        return ALL, False
    try:
        return parse_mask(text), True
    except MaskError as exc:
        raise bad_request(f"Invalid field selection {text}: {exc}") from None


def create(req: Request) -> JSON:
    """``POST /v4/spreadsheets``: a new spreadsheet from an optional ``Spreadsheet`` body."""
    body = req.json_object()
    props = body.get("properties") or {}
    sheets = body.get("sheets") or None
    if sheets is not None and not isinstance(sheets, list):
        raise bad_request("Invalid JSON payload received. 'sheets' must be a list.")
    title = str(props.get("title") or "Untitled spreadsheet")
    ss = req.service.create(title, sheets, props, owner=req.user)
    try:
        _initial_data(req, ss.id, sheets or [])
    except ApiError:
        req.service.delete(ss.id)
        raise
    mask, masked = _mask(req)
    with req.service.reading(ss.id) as current:
        return spreadsheet_json(current, mask=mask, masked=masked)


def _initial_data(req: Request, spreadsheet_id: str, specs: list[Any]) -> None:
    """Write each ``sheets[i].data`` (``GridData``: ``startRow``, ``startColumn``, ``rowData``)."""
    if not any(isinstance(spec, dict) and spec.get("data") for spec in specs):
        return
    with req.service.writing(spreadsheet_id) as txn:
        ctx = BatchContext(txn, req.service, req.user)
        for i, spec in enumerate(specs):
            sheet_id = txn.ss.sheets[i].sheet_id
            for j, grid in enumerate(spec.get("data") or []):
                if not isinstance(grid, dict):
                    raise bad_request(f"Invalid sheets[{i}].data[{j}]: not a GridData object.")
                start = {
                    "sheetId": sheet_id,
                    "rowIndex": int(grid.get("startRow", 0)),
                    "columnIndex": int(grid.get("startColumn", 0)),
                }
                payload = {"start": start, "rows": grid.get("rowData") or [], "fields": "*"}
                try:
                    HANDLERS["updateCells"](ctx, payload)
                except ApiError as exc:
                    exc.message = f"Invalid sheets[{i}].data[{j}]: {exc.message}"
                    raise


def get(req: Request) -> JSON:
    """``GET /v4/spreadsheets/{id}`` with ``fields``, ``includeGridData`` and ``ranges``."""
    mask, masked = _mask(req)
    with req.service.reading(req.args["id"]) as ss:
        ranges: list[tuple[Sheet, a1.Box]] = []
        for text in req.param_list("ranges"):
            sheet, bounds = resolve(ss, text)
            ranges.append((sheet, clamp_read(sheet, bounds)))
        return spreadsheet_json(
            ss,
            mask=mask,
            masked=masked,
            include_grid=req.flag("includeGridData"),
            ranges=ranges or None,
        )


def _unknown_kind(index: int, name: str) -> ApiError:
    message = (
        f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{index}]': "
        "Cannot find field."
    )
    detail = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": f"requests[{index}]", "description": message}],
    }
    return ApiError(400, message, details=[detail])


def _split_requests(body: JSON) -> list[tuple[str, JSON]]:
    requests = body.get("requests")
    if requests is None:
        return []
    if not isinstance(requests, list):
        raise bad_request("Invalid JSON payload received. 'requests' must be a list.")
    out: list[tuple[str, JSON]] = []
    for i, item in enumerate(requests):
        if not isinstance(item, dict):
            raise bad_request(f"Invalid requests[{i}]: a request must be an object.")
        kinds = [k for k, v in item.items() if v is not None]
        for name in kinds:
            if name not in KNOWN_KINDS:
                raise _unknown_kind(i, name)
        if not kinds:
            raise bad_request(f"Invalid requests[{i}]: No request set.")
        if len(kinds) > 1:
            raise bad_request(
                f"Invalid requests[{i}]: oneof field 'kind' is already set. Cannot set '{kinds[1]}'"
            )
        payload = item[kinds[0]]
        if not isinstance(payload, dict):
            raise bad_request(f"Invalid requests[{i}].{kinds[0]}: the request must be an object.")
        out.append((kinds[0], payload))
    return out


def batch_update(req: Request) -> JSON:
    """``POST /v4/spreadsheets/{id}:batchUpdate``: every request applies, or none does."""
    body = req.json_object()
    requests = _split_requests(body)
    with req.service.writing(req.args["id"]) as txn:
        ctx = BatchContext(txn, req.service, req.user)
        replies: list[JSON] = []
        for i, (kind, payload) in enumerate(requests):
            handler = HANDLERS.get(kind)
            try:
                if handler is None:
                    raise bad_request("This request kind is not supported by the emulator.")
                reply = handler(ctx, payload)
                protection.check(txn, protection.ACCOUNT.get())
            except ApiError as exc:
                exc.message = f"Invalid requests[{i}].{kind}: {exc.message}"
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise bad_request(f"Invalid requests[{i}].{kind}: {exc}") from None
            replies.append(reply or {})
        out: JSON = {"spreadsheetId": txn.ss.id}
        if replies:
            out["replies"] = replies
        if body.get("includeSpreadsheetInResponse"):
            include_grid = bool(body.get("responseIncludeGridData"))
            ranges = [
                (s, clamp_read(s, b))
                for s, b in (resolve(txn.ss, r) for r in body.get("responseRanges") or [])
            ]
            out["updatedSpreadsheet"] = spreadsheet_json(
                txn.ss, include_grid=include_grid, ranges=ranges or None
            )
    return out


def copy_to(req: Request) -> JSON:
    """``POST .../sheets/{sheetId}:copyTo``: copy a sheet into another spreadsheet."""
    target_id = req.json_object().get("destinationSpreadsheetId")
    if not target_id:
        raise bad_request("destinationSpreadsheetId is required.")
    with req.service.reading(req.args["id"]) as source:
        sheet = source.sheet_by_id(int(req.args["sheet"]))
        if sheet is None:
            raise bad_request(f"No grid with id: {req.args['sheet']}")
        props = copy.deepcopy(sheet.props)
        cells = [list(row.cells) for row in sheet.rows]
        meta = copy.deepcopy({k: v for k, v in sheet.meta.items() if k != "protectedRanges"})
    with req.service.writing(str(target_id)) as txn:
        ss = txn.ss
        taken = {s.sheet_id for s in ss.sheets}
        title, n = f"Copy of {props.get('title', 'Sheet')}", 2
        base = title
        while ss.sheet_by_title(title) is not None:
            title, n = f"{base} {n}", n + 1
        props.update(sheetId=req.service.new_int_id(taken), title=title, index=len(ss.sheets))
        new = Sheet(props, [], meta)
        txn.touch_spreadsheet()
        ss.sheets.append(new)
        txn.touch(new)
        for r, row_cells in enumerate(cells):
            txn.writable(new, r).cells = row_cells
            new.rows[r].changed()
        return copy.deepcopy(new.props)
