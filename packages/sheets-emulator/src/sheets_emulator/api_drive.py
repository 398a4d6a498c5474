"""The Drive v3 subset gspread uses: files create/get/list/update/delete/copy/export, comments."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from sheets_emulator import a1
from sheets_emulator.errors import ApiError, bad_request, drive_not_found
from sheets_emulator.fieldmask import MaskError, apply_mask, parse_mask
from sheets_emulator.formula import Evaluator
from sheets_emulator.grid import read_values
from sheets_emulator.model import JSON, Spreadsheet
from sheets_emulator.render import spreadsheet_url
from sheets_emulator.wire import Request, Response

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"
DEFAULT_LIST_FIELDS = "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
_Q_TOKEN = re.compile(
    r"""\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|!=|<=|>=|[=<>()]|[A-Za-z_][\w.]*)"""
)


def rfc3339(epoch: float) -> str:
    """Drive's timestamp format, e.g. ``2023-07-25T15:40:55.805Z``."""
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def file_json(ss: Spreadsheet) -> JSON:
    """The full Drive ``File`` resource the emulator knows for a spreadsheet."""
    return {
        "kind": "drive#file",
        "id": ss.id,
        "name": ss.title,
        "mimeType": SPREADSHEET_MIME,
        "starred": False,
        "trashed": False,
        "parents": ["root"],
        "webViewLink": spreadsheet_url(ss.id),
        "createdTime": rfc3339(ss.created),
        "modifiedTime": rfc3339(ss.modified),
        "version": "1",
    }


def _masked(req: Request, value: JSON, default: str) -> JSON:
    try:
        mask = parse_mask(req.param("fields") or default)
    except MaskError as exc:
        raise ApiError(
            400, f"Invalid field selection: {exc}", drive_reason="invalidParameter"
        ) from None
    out: JSON = apply_mask(value, mask)
    return out


def _open(req: Request) -> Spreadsheet:
    ss = req.service.store.get(req.args["file"])
    if ss is None or ss.deleted:
        raise drive_not_found(req.args["file"])
    return ss


def files_create(req: Request) -> JSON:
    """``POST /drive/v3/files``: only spreadsheets (and folders, ignored) can be created."""
    body = req.json_object()
    mime = body.get("mimeType") or SPREADSHEET_MIME
    if mime != SPREADSHEET_MIME:
        raise ApiError(
            400, f"The emulator only creates {SPREADSHEET_MIME} files.", drive_reason="badRequest"
        )
    ss = req.service.create(str(body.get("name") or "Untitled spreadsheet"), owner=req.user)
    return _masked(req, file_json(ss), DEFAULT_FILE_FIELDS)


def files_get(req: Request) -> JSON:
    """``GET /drive/v3/files/{id}``."""
    ss = _open(req)
    with ss.lock:
        return _masked(req, file_json(ss), DEFAULT_FILE_FIELDS)


def files_update(req: Request) -> JSON:
    """``PATCH /drive/v3/files/{id}``: renaming."""
    ss = _open(req)
    name = req.json_object().get("name")
    if name:
        req.service.rename(ss.id, str(name))
    return _masked(req, file_json(ss), DEFAULT_FILE_FIELDS)


def files_delete(req: Request) -> Response:
    """``DELETE /drive/v3/files/{id}``: 204, no body."""
    if not req.service.delete(req.args["file"]):
        raise drive_not_found(req.args["file"])
    return Response(status=204)


def files_copy(req: Request) -> JSON:
    """``POST /drive/v3/files/{id}/copy``: a deep copy named ``Copy of ...`` by default."""
    source = _open(req)
    body = req.json_object()
    with source.lock:
        name = str(body.get("name") or f"Copy of {source.title}")
        copied = req.service.copy(source, name, owner=req.user)
    return _masked(req, file_json(copied), DEFAULT_FILE_FIELDS)


def files_export(req: Request) -> Response:
    """``GET /drive/v3/files/{id}/export?mimeType=text/csv`` (first sheet, displayed values)."""
    ss = _open(req)
    mime = req.param("mimeType") or ""
    if mime not in ("text/csv", "text/tab-separated-values"):
        raise ApiError(
            400,
            f"Export to {mime or '?'} is not supported by the emulator.",
            drive_reason="badRequest",
        )
    with ss.lock:
        sheet = ss.sheets[0]
        box = a1.Box(0, sheet.row_count, 0, sheet.col_count)
        rows = read_values(Evaluator(ss), sheet, box, "ROWS", "FORMATTED_VALUE", "SERIAL_NUMBER")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if "tab" in mime else ",", lineterminator="\r\n")
    writer.writerows(rows)
    text = buffer.getvalue().removesuffix("\r\n")
    return Response(raw=text.encode("utf-8"), content_type=f"{mime}; charset=UTF-8")


def comments_list(req: Request) -> JSON:
    """``GET /drive/v3/files/{id}/comments``: comments are not modelled, so always none."""
    _open(req)
    return _masked(req, {"kind": "drive#commentList", "comments": []}, "kind,comments")


def files_list(req: Request) -> JSON:
    """``GET /drive/v3/files`` with ``q`` (name/mimeType/trashed clauses), paging and order."""
    matches = _query(req.param("q") or "")
    files = [ss for ss in req.service.all() if matches(file_json(ss))]
    files.sort(key=_order_key(req.param("orderBy") or "modifiedTime desc"))
    size = int(req.param("pageSize") or 100)
    if not 1 <= size <= 1000:
        raise ApiError(400, "Invalid Value", drive_reason="invalid")
    token = req.param("pageToken") or "0"
    start = int(token) if token.isdigit() else 0
    page = files[start : start + size]
    out: JSON = {"kind": "drive#fileList", "incompleteSearch": False}
    if start + size < len(files):
        out["nextPageToken"] = str(start + size)
    out["files"] = [file_json(ss) for ss in page]
    return _masked(req, out, DEFAULT_LIST_FIELDS)


def _order_key(order_by: str) -> Any:
    clauses = [c.split() for c in order_by.split(",") if c.strip()]

    def key(ss: Spreadsheet) -> tuple[Any, ...]:
        parts: list[Any] = []
        for clause in clauses:
            field, desc = clause[0], len(clause) > 1 and clause[1].lower() == "desc"
            if field in ("modifiedTime", "modifiedByMeTime", "recency", "viewedByMeTime"):
                value: Any = ss.modified
            elif field == "createdTime":
                value = ss.created
            elif field in ("name", "name_natural"):
                parts.append(
                    tuple(-ord(ch) for ch in ss.title.casefold()) if desc else ss.title.casefold()
                )
                continue
            else:
                continue
            parts.append(-value if desc else value)
        return tuple(parts)

    return key


def _query(q: str) -> Any:
    """A predicate over ``File`` JSON for a Drive ``q`` string (``and``/``or``/``not``)."""
    tokens = _Q_TOKEN.findall(q)
    if "".join(tokens).replace(" ", "") != q.replace(" ", ""):
        raise ApiError(400, "Invalid Value", drive_reason="invalid")
    parser = _QueryParser(tokens)
    predicate = parser.expression()
    if parser.i != len(tokens):
        raise ApiError(400, "Invalid Value", drive_reason="invalid")
    return predicate


class _QueryParser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0

    def _peek(self) -> str:
        return self.tokens[self.i].lower() if self.i < len(self.tokens) else ""

    def expression(self) -> Any:
        if not self.tokens:
            return lambda _f: True
        left = self.term()
        while self._peek() == "or":
            self.i += 1
            right, prev = self.term(), left
            left = lambda f, a=prev, b=right: a(f) or b(f)  # noqa: E731
        return left

    def term(self) -> Any:
        left = self.factor()
        while self._peek() == "and":
            self.i += 1
            right, prev = self.factor(), left
            left = lambda f, a=prev, b=right: a(f) and b(f)  # noqa: E731
        return left

    def factor(self) -> Any:
        word = self._peek()
        if word == "not":
            self.i += 1
            inner = self.factor()
            return lambda f: not inner(f)
        if word == "(":
            self.i += 1
            inner = self.expression()
            if self._peek() != ")":
                raise ApiError(400, "Invalid Value", drive_reason="invalid")
            self.i += 1
            return inner
        return self.clause()

    def clause(self) -> Any:
        if self.i + 3 > len(self.tokens):
            raise ApiError(400, "Invalid Value", drive_reason="invalid")
        first, op, second = self.tokens[self.i : self.i + 3]
        self.i += 3
        if op.lower() == "in":
            return lambda _f: True  # "'root' in parents" and friends: everything matches
        value = _literal(second)
        field = first
        if op.lower() == "contains":
            return lambda f: str(value).casefold() in str(f.get(field, "")).casefold()
        if op == "=":
            return lambda f: f.get(field) == value
        if op == "!=":
            return lambda f: f.get(field) != value
        raise ApiError(400, "Invalid Value", drive_reason="invalid")


def _literal(token: str) -> Any:
    if token[:1] in ("'", '"'):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if token.lower() in ("true", "false"):
        return token.lower() == "true"
    raise bad_request("Invalid Value")
