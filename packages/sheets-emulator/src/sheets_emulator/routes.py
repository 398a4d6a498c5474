"""URL routing: Google's paths to handlers, each with an endpoint name and a quota kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from sheets_emulator import api_drive, api_spreadsheets, api_values
from sheets_emulator.wire import Request

Handler = Callable[[Request], Any]

_SS = r"/v4/spreadsheets/(?P<id>[^/:]+)"
_FILE = r"/drive/v3/files/(?P<file>[^/]+)"


@dataclass(frozen=True)
class Route:
    """One API endpoint."""

    method: str
    pattern: re.Pattern[str]
    name: str
    kind: str  # read | write | drive (which quota, which stats bucket)
    handler: Handler


def _route(method: str, path: str, name: str, kind: str, handler: Handler) -> Route:
    return Route(method, re.compile(f"^{path}$"), name, kind, handler)


ROUTES = (
    _route("POST", r"/v4/spreadsheets/?", "spreadsheets.create", "write", api_spreadsheets.create),
    _route("GET", _SS, "spreadsheets.get", "read", api_spreadsheets.get),
    _route(
        "POST",
        _SS + ":batchUpdate",
        "spreadsheets.batchUpdate",
        "write",
        api_spreadsheets.batch_update,
    ),
    _route(
        "POST",
        _SS + r"/sheets/(?P<sheet>-?\d+):copyTo",
        "spreadsheets.sheets.copyTo",
        "write",
        api_spreadsheets.copy_to,
    ),
    _route("GET", _SS + "/values:batchGet", "values.batchGet", "read", api_values.values_batch_get),
    _route(
        "POST",
        _SS + "/values:batchUpdate",
        "values.batchUpdate",
        "write",
        api_values.values_batch_update,
    ),
    _route(
        "POST",
        _SS + "/values:batchClear",
        "values.batchClear",
        "write",
        api_values.values_batch_clear,
    ),
    _route(
        "POST",
        _SS + "/values/(?P<range>.+):append",
        "values.append",
        "write",
        api_values.values_append,
    ),
    _route(
        "POST",
        _SS + "/values/(?P<range>.+):clear",
        "values.clear",
        "write",
        api_values.values_clear,
    ),
    _route("GET", _SS + "/values/(?P<range>.+)", "values.get", "read", api_values.values_get),
    _route(
        "PUT", _SS + "/values/(?P<range>.+)", "values.update", "write", api_values.values_update
    ),
    _route("POST", r"/drive/v3/files/?", "drive.files.create", "drive", api_drive.files_create),
    _route("GET", r"/drive/v3/files/?", "drive.files.list", "drive", api_drive.files_list),
    _route("GET", _FILE, "drive.files.get", "drive", api_drive.files_get),
    _route("PATCH", _FILE, "drive.files.update", "drive", api_drive.files_update),
    _route("DELETE", _FILE, "drive.files.delete", "drive", api_drive.files_delete),
    _route("POST", _FILE + "/copy", "drive.files.copy", "drive", api_drive.files_copy),
    _route("GET", _FILE + "/export", "drive.files.export", "drive", api_drive.files_export),
    _route("GET", _FILE + "/comments", "drive.comments.list", "drive", api_drive.comments_list),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its (URL-decoded) path parameters, or None."""
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
    return None
