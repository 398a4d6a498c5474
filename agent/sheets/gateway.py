"""The gateway: the few batched Sheets operations the coordination layer is built from.

Every method is one API request (appends of large payloads are split at about 2 MB), so the
number of calls per task is visible in the code that calls it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gspread
from gspread.exceptions import APIError

from agent.config import Config
from agent.errors import AuthError, SchemaError, SheetsError
from agent.sheets.a1 import first_row_of, quote_title
from agent.sheets.auth import AuthSettings
from agent.sheets.client import CallStats, PacedHTTPClient, make_client
from agent.sheets.refusals import RefusedWrites, describe_protections

#: Google recommends at most 2 MB per request; stay a little under.
MAX_PAYLOAD_BYTES = 1_800_000

Cell = str | int | float | bool | None
Row = Sequence[Cell]


@dataclass
class SheetInfo:
    """What the gateway knows of one tab."""

    title: str
    sheet_id: int
    row_count: int
    column_count: int


@dataclass(frozen=True)
class AppendResult:
    """Where appended rows landed (first row number, 1-based) and how many."""

    first_row: int
    count: int


class SheetsGateway:
    """Batched reads and writes on one spreadsheet, with tab metadata cached."""

    def __init__(self, client: gspread.Client, spreadsheet_id: str) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        try:
            self.spreadsheet = client.open_by_key(spreadsheet_id)
        except gspread.exceptions.SpreadsheetNotFound:
            raise SheetsError(
                f"spreadsheet {spreadsheet_id!r} was not found (check SPREADSHEET_ID)",
                status=404,
            ) from None
        except PermissionError:
            raise SheetsError(
                f"spreadsheet {spreadsheet_id!r} is not shared with {self._who()} "
                "(share it with that address as Editor)",
                status=403,
            ) from None
        except APIError as exc:
            if exc.response is None or exc.response.status_code != 401:
                raise _sheets_error(exc, "open") from None
            sign = getattr(client.http_client, "sign_in", None)
            raise AuthError(
                sign.variable if sign is not None else "credentials",
                f"the Sheets API refused the credentials of {self._who()} (HTTP 401 "
                "UNAUTHENTICATED: the token is unknown, revoked or expired)",
            ) from None
        self.tabs: dict[str, SheetInfo] = {}
        #: Tabs whose (display) writes Google refuses: protected, deleted, out of range.
        self.refusals = RefusedWrites()
        self.refresh()

    def _who(self) -> str:
        sign = getattr(self.client.http_client, "sign_in", None)
        account = sign.account if sign is not None else None
        return account or "this account"

    @classmethod
    def from_config(cls, config: Config) -> SheetsGateway:
        """A gateway on ``config``'s spreadsheet, with its credentials and quotas."""
        client = make_client(
            user=config.worker_name,
            emulator_host=config.sheets_emulator_host,
            auth=AuthSettings.from_config(config),
            read_per_minute=config.read_quota_per_minute,
            write_per_minute=config.write_quota_per_minute,
            timeout_s=config.request_timeout_seconds,
        )
        return cls(client, config.spreadsheet_id)

    @property
    def stats(self) -> CallStats:
        """Counters of the requests made through this gateway's client."""
        http = self.client.http_client
        if isinstance(http, PacedHTTPClient):
            return http.stats
        return CallStats()

    def refresh(self) -> None:
        """Re-read the tab list (one read)."""
        meta = self.spreadsheet.fetch_sheet_metadata()
        self.tabs = {}
        for sheet in meta.get("sheets", []):
            props = sheet["properties"]
            grid = props.get("gridProperties", {})
            self.tabs[props["title"]] = SheetInfo(
                title=props["title"],
                sheet_id=int(props.get("sheetId", 0)),
                row_count=int(grid.get("rowCount", 0)),
                column_count=int(grid.get("columnCount", 0)),
            )

    def title_of(self, sheet_id: int) -> str:
        """The title of the tab with ``sheet_id`` as last seen ('' when unknown)."""
        for info in self.tabs.values():
            if info.sheet_id == sheet_id:
                return info.title
        return ""

    def protections(self) -> dict[int, str]:
        """Tabs with a protection this account may not edit, by sheet ID (one read)."""
        fields = (
            "sheets(properties(sheetId,title),protectedRanges(protectedRangeId,range,"
            "description,warningOnly,requestingUserCanEdit))"
        )
        try:
            meta = self.spreadsheet.fetch_sheet_metadata(params={"fields": fields})
        except APIError as exc:
            raise _sheets_error(exc, "get protections") from None
        return describe_protections(meta)

    def rows_hidden(self, title: str, first_row: int, last_row: int) -> set[int] | None:
        """Row numbers in ``first_row``..``last_row`` that a basic filter hides now, or None
        when the tab has no basic filter (one read of the spreadsheet's metadata)."""
        fields = "sheets(basicFilter(range),data(startRow,rowMetadata(hiddenByFilter)))"
        params: dict[str, str | int | bool | float | list[str] | None] = {
            "ranges": f"{quote_title(title)}!{first_row}:{last_row}",
            "fields": fields,
        }
        try:
            meta = self.spreadsheet.fetch_sheet_metadata(params=params)
        except APIError as exc:
            raise _sheets_error(exc, f"read which rows of {title!r} a filter hides") from None
        (sheet,) = meta.get("sheets") or [{}]
        if "basicFilter" not in sheet:
            return None
        hidden: set[int] = set()
        for data in sheet.get("data") or []:
            start = int(data.get("startRow", 0))
            for offset, row in enumerate(data.get("rowMetadata") or []):
                if row.get("hiddenByFilter"):
                    hidden.add(start + offset + 1)
        return hidden

    def tab(self, title: str) -> SheetInfo:
        """The cached info of tab ``title``; :class:`SchemaError` when it does not exist."""
        info = self.tabs.get(title)
        if info is None:
            raise SchemaError(title, "tab is missing (run `orc init` to create it)")
        return info

    def read(self, ranges: Sequence[str]) -> list[list[list[str]]]:
        """Values of several ranges in one ``values:batchGet`` (formatted text)."""
        if not ranges:
            return []
        try:
            reply = self.spreadsheet.values_batch_get(list(ranges))
        except APIError as exc:
            raise _sheets_error(exc, "read") from None
        out: list[list[list[str]]] = []
        for value_range in reply.get("valueRanges", []):
            rows = value_range.get("values", [])
            out.append([[str(cell) for cell in row] for row in rows])
        while len(out) < len(ranges):
            out.append([])
        return out

    def batch_update(self, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Apply ``requests`` atomically in one ``spreadsheets.batchUpdate``; return replies."""
        if not requests:
            return []
        try:
            reply = self.spreadsheet.batch_update({"requests": list(requests)})
        except APIError as exc:
            raise _sheets_error(exc, "batchUpdate") from None
        replies: list[dict[str, Any]] = reply.get("replies", [])
        return replies

    def write_values(self, data: Sequence[tuple[str, Sequence[Row]]]) -> None:
        """Write absolute values (RAW) to several ranges in one ``values:batchUpdate``."""
        if not data:
            return
        body = {
            "valueInputOption": "RAW",
            "data": [{"range": rng, "values": [list(r) for r in rows]} for rng, rows in data],
        }
        try:
            self.spreadsheet.values_batch_update(body)
        except APIError as exc:
            raise _sheets_error(exc, "values.batchUpdate") from None

    def append(self, title: str, rows: Sequence[Row]) -> list[AppendResult]:
        """Append ``rows`` (RAW, INSERT_ROWS) below the table that starts at A1.

        Split into as few requests as the payload limit allows; returns one result per request.
        """
        results: list[AppendResult] = []
        for chunk in _chunks_by_payload(rows, MAX_PAYLOAD_BYTES):
            try:
                reply = self.spreadsheet.values_append(
                    f"{quote_title(title)}!A1",
                    params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                    body={"values": [list(r) for r in chunk]},
                )
            except APIError as exc:
                raise _sheets_error(exc, f"append to {title!r}") from None
            updated = reply.get("updates", {}).get("updatedRange", "")
            first = first_row_of(updated) if updated else 0
            results.append(AppendResult(first, len(chunk)))
        return results


def _chunks_by_payload(rows: Sequence[Row], limit: int) -> list[list[Row]]:
    chunks: list[list[Row]] = []
    current: list[Row] = []
    size = 0
    for row in rows:
        row_size = len(json.dumps(list(row), ensure_ascii=False).encode("utf-8")) + 1
        if current and size + row_size > limit:
            chunks.append(current)
            current, size = [], 0
        current.append(row)
        size += row_size
    if current:
        chunks.append(current)
    return chunks


def _sheets_error(exc: APIError, what: str) -> SheetsError:
    status = exc.response.status_code if exc.response is not None else 0
    message = str(exc.error.get("message", exc)) if isinstance(exc.error, dict) else str(exc)
    return SheetsError(f"{what}: HTTP {status}: {message}", status=status)
