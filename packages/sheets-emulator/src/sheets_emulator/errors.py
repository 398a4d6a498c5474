"""Google's error envelope, raised by handlers and rendered in one place by the HTTP layer."""

from __future__ import annotations

from typing import Any

#: gRPC status names Google puts in ``error.status`` for each HTTP code we send.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}

NOT_FOUND_MESSAGE = "Requested entity was not found."
CELL_TOO_LONG = "Your input contains more than the maximum of 50000 characters in a single cell."
MAX_CELL_CHARS = 50_000


class ApiError(Exception):
    """An error answer: HTTP ``code``, Google's ``message``, optional details and headers."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        drive_reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.drive_reason = drive_reason

    def body(self) -> dict[str, Any]:
        """The JSON envelope: Sheets style, or Drive style (``errors[]``, no status)."""
        if self.drive_reason is not None:
            item = {"message": self.message, "domain": "global", "reason": self.drive_reason}
            if self.drive_reason == "notFound":
                item.update({"location": "fileId", "locationType": "parameter"})
            return {"error": {"code": self.code, "message": self.message, "errors": [item]}}
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": STATUS_NAMES.get(self.code, "UNKNOWN"),
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT with ``message``."""
    return ApiError(400, message)


def not_found(message: str = NOT_FOUND_MESSAGE) -> ApiError:
    """A 404 NOT_FOUND (Google's wording by default)."""
    return ApiError(404, message)


def drive_not_found(file_id: str) -> ApiError:
    """Drive's 404 for an unknown file."""
    return ApiError(404, f"File not found: {file_id}.", drive_reason="notFound")


def invalid_value(field: str, value: str, proto: str) -> ApiError:
    """Google's JSON-mapping error for a field of the wrong type (with a BadRequest detail)."""
    message = f"Invalid value at '{field}' ({proto}), {value}"
    detail = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": field, "description": message}],
    }
    return ApiError(400, message, details=[detail])


def parse_range_error(text: str) -> ApiError:
    """Google's 400 for an A1 range it cannot understand."""
    return bad_request(f"Unable to parse range: {text}")
