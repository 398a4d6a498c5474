"""Transport-free request and response values passed between the HTTP layer and handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sheets_emulator.errors import bad_request, invalid_value

if TYPE_CHECKING:
    from sheets_emulator.service import Service

JSON_TYPE = "application/json; charset=UTF-8"
_TRUE = ("true", "1", "yes")


@dataclass
class Request:
    """One API request as a handler sees it."""

    method: str
    path: str
    params: dict[str, list[str]]
    body: bytes
    user: str
    service: Service
    args: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.params.get(name)
        return values[0] if values else default

    def param_list(self, name: str) -> list[str]:
        """Every value of a repeated query parameter."""
        return list(self.params.get(name, []))

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``true``/``True``/``1``)."""
        value = self.param(name)
        return value is not None and value.strip().lower() in _TRUE

    def enum(self, name: str, allowed: tuple[str, ...], proto: str) -> str:
        """An enum query parameter, defaulting to the first allowed value."""
        value = self.param(name)
        if value is None or value == "" or value.endswith("_UNSPECIFIED"):
            return allowed[0]
        if value not in allowed:
            raise invalid_value(_snake(name), json.dumps(value), f"type.googleapis.com/{proto}")
        return value

    def json(self) -> Any:
        """The body parsed as JSON (``{}`` when empty); Google's 400 when malformed."""
        if not self.body or not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"Invalid JSON payload received. {_reason(exc)}") from None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object."""
        body = self.json()
        if not isinstance(body, dict):
            raise bad_request(
                f"Invalid JSON payload received. Expected an object, got {type(body).__name__}."
            )
        return body


@dataclass
class Response:
    """A handler's answer: a JSON body, raw bytes, or nothing (204)."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def _snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"Unexpected token at line {exc.lineno} column {exc.colno}: {exc.msg}."
    return "The body is not UTF-8 JSON."
