"""Small helpers shared by the emulator tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import gspread
import requests
from gspread.exceptions import APIError

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"


def api_error(call: Callable[[], Any]) -> tuple[int, str, dict[str, Any]]:
    """Run ``call``, which must fail with an APIError; return (HTTP status, message, error)."""
    try:
        call()
    except APIError as exc:
        return exc.response.status_code, str(exc.error.get("message", "")), exc.error
    raise AssertionError("the call did not fail")


def raw(
    client: gspread.Client, method: str, url: str, body: Any = None, **params: Any
) -> requests.Response:
    """Send one request through the client's HTTP stack; return the response even on errors."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data else {}
    try:
        return client.http_client.request(
            method, url, params=params or None, data=data, headers=headers
        )
    except APIError as exc:
        return exc.response


def control(base_url: str, method: str, name: str, body: Any = None) -> Any:
    """Call a ``/_emulator/`` control endpoint and return its JSON."""
    response = requests.request(method, f"{base_url}/_emulator/{name}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()
