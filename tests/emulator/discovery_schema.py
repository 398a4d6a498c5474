"""Check JSON against a schema of a Google discovery document (the copy that ships inside
google-api-python-client): types, formats, enums, no unknown fields."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
_INT = re.compile(r"^-?\d+$")
_RANGES = {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}


def document(name: str) -> dict[str, Any]:
    """The discovery document ``name`` (``sheets.v4``, ``drive.v3``) shipped in the package."""
    loaded: dict[str, Any] = json.loads((DOCUMENTS / f"{name}.json").read_text("utf-8"))
    return loaded


def response_schema(doc: dict[str, Any], method_id: str) -> str:
    """The response schema name of a method id such as ``sheets.spreadsheets.values.get``."""
    parts = method_id.split(".")[1:]
    node: dict[str, Any] = doc
    for part in parts[:-1]:
        node = node["resources"][part]
    ref: str = node["methods"][parts[-1]]["response"]["$ref"]
    return ref


class Validator:
    """Collects every violation of a value against a named schema."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = doc["schemas"]

    def check(self, value: Any, schema_name: str) -> list[str]:
        """Every violation (``path: problem``) of ``value`` against schema ``schema_name``."""
        errors: list[str] = []
        self._check(value, {"$ref": schema_name}, schema_name, errors)
        return errors

    def _check(self, value: Any, schema: dict[str, Any], path: str, errors: list[str]) -> None:
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        kind = schema.get("type")
        if kind == "any":
            return
        if kind == "object":
            self._object(value, schema, path, errors)
        elif kind == "array":
            if not isinstance(value, list):
                errors.append(f"{path}: expected an array, got {type(value).__name__}")
                return
            for i, item in enumerate(value):
                self._check(item, schema["items"], f"{path}[{i}]", errors)
        elif kind == "string":
            self._string(value, schema, path, errors)
        else:
            self._scalar(value, schema, path, errors)

    def _scalar(self, value: Any, schema: dict[str, Any], path: str, errors: list[str]) -> None:
        kind = schema.get("type")
        if kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                errors.append(f"{path}: expected an integer, got {value!r}")
                return
            low, high = _RANGES.get(schema.get("format", ""), (None, None))
            if low is not None and high is not None and not low <= value <= high:
                errors.append(f"{path}: {value} is out of {schema['format']} range")
        elif kind == "number":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                errors.append(f"{path}: expected a number, got {value!r}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                errors.append(f"{path}: expected a boolean, got {value!r}")
        else:
            errors.append(f"{path}: schema type {kind!r} not understood")

    def _object(self, value: Any, schema: dict[str, Any], path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                self._check(item, properties[key], f"{path}.{key}", errors)
            elif extra is not None:
                self._check(item, extra, f"{path}.{key}", errors)
            else:
                errors.append(f"{path}: unknown field {key!r}")

    def _string(self, value: Any, schema: dict[str, Any], path: str, errors: list[str]) -> None:
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {value!r}")
            return
        enum = schema.get("enum")
        if enum is not None and value not in enum:
            errors.append(f"{path}: {value!r} is not one of its enum")
        fmt = schema.get("format")
        if fmt in ("int64", "uint64") and not _INT.match(value):
            errors.append(f"{path}: {value!r} is not an {fmt}")
        elif fmt in ("google-datetime", "date-time"):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                errors.append(f"{path}: {value!r} is not an RFC 3339 time")
        elif fmt == "byte":
            try:
                base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            except ValueError:
                errors.append(f"{path}: {value!r} is not base64")
