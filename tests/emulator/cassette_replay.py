"""Replay gspread's recorded Google traffic (vcrpy cassettes) against the emulator.

Each recorded request is sent, in order, through a real gspread HTTP client from
``make_client`` (so routing and the bearer user are the agent's own). Ids the emulator creates
(spreadsheet, sheet, protected-range and named-range ids) differ from Google's: they are learned
by walking the recorded and the emulator's answers side by side, substituted into later requests,
and mapped back before comparing. Answers are compared on status and JSON body, minus the
volatile fields in :data:`VOLATILE`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gspread
from gspread.exceptions import APIError

#: Keys whose values are ids the emulator generates itself.
ID_KEYS = frozenset(
    {
        "id",
        "spreadsheetId",
        "sheetId",
        "protectedRangeId",
        "namedRangeId",
        "sourceSheetId",
        "newSheetId",
        "destinationSpreadsheetId",
        "filterViewId",
        "bandedRangeId",
    }
)

#: Fields compared by presence only: timestamps, and the Google account of the recording.
VOLATILE = frozenset({"createdTime", "modifiedTime", "editors"})

#: Cassettes left out, with the reason (the emulator does not claim these).
EXCLUDED = {
    "ClientTest.test_import_csv": "Drive v2 upload (import_csv) is out of scope",
    "ClientTest.test_openall": "lists files left in the recording account by earlier runs",
    "ClientTest.test_open_all_has_metadata": "lists files left in the account by earlier runs",
    "WorksheetTest.test_auto_resize_columns": "pixel widths depend on Google's font metrics",
}


@dataclass
class Mismatch:
    """One interaction whose answer differed."""

    index: int
    request: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        exp = json.dumps(self.expected)[:600]
        act = json.dumps(self.actual)[:600]
        return f"#{self.index} {self.request}\n    expected {exp}\n    actual   {act}"


@dataclass
class Result:
    """The outcome of one cassette."""

    name: str
    total: int = 0
    matched: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether every interaction matched."""
        return self.total > 0 and self.matched == self.total


class IdMap:
    """Recorded id <-> emulator id, learned from answers."""

    def __init__(self) -> None:
        self.forward: dict[str, str] = {}
        self.backward: dict[str, str] = {}

    def learn(self, recorded: Any, actual: Any, key: str | None = None) -> None:
        """Walk both answers in step; where an id key differs, remember the pair."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for k in recorded.keys() & actual.keys():
                self.learn(recorded[k], actual[k], k)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for rec, act in zip(recorded, actual, strict=False):
                self.learn(rec, act, key)
        elif key in ID_KEYS and recorded != actual and not isinstance(recorded, (dict, list)):
            rec, act = str(recorded), str(actual)
            if rec not in self.forward and act not in self.backward:
                self.forward[rec] = act
                self.backward[act] = rec

    def to_emulator(self, value: Any, key: str | None = None) -> Any:
        """A recorded request body with recorded ids replaced."""
        if isinstance(value, dict):
            return {k: self.to_emulator(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.to_emulator(v, key) for v in value]
        if key in ID_KEYS and str(value) in self.forward:
            mapped = self.forward[str(value)]
            return int(mapped) if isinstance(value, int) and not isinstance(value, bool) else mapped
        return value

    def uri(self, uri: str) -> str:
        """A recorded URI with recorded spreadsheet ids replaced."""
        for rec, act in self.forward.items():
            if len(rec) > 20:
                uri = uri.replace(rec, act)
        return uri

    def to_recorded(self, value: Any, key: str | None = None) -> Any:
        """An emulator answer with emulator ids replaced by the recorded ones."""
        if isinstance(value, dict):
            return {k: self.to_recorded(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.to_recorded(v, key) for v in value]
        if isinstance(value, str):
            if key in ID_KEYS and value in self.backward:
                return self.backward[value]
            for act, rec in self.backward.items():
                if len(act) > 20 and act in value:
                    value = value.replace(act, rec)
            return value
        if key in ID_KEYS and str(value) in self.backward and not isinstance(value, bool):
            return int(self.backward[str(value)])
        return value


def strip_volatile(value: Any) -> Any:
    """Volatile fields replaced by a marker (compared by presence only)."""
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in VOLATILE else strip_volatile(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _send(client: gspread.Client, method: str, uri: str, body: Any) -> tuple[int, str]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": "application/json"} if data else {}
    try:
        response = client.http_client.request(method, uri, data=data, headers=headers)
    except APIError as exc:
        response = exc.response
    return response.status_code, response.text


def replay(client: gspread.Client, path: Path) -> Result:
    """Replay one cassette file; report matched and mismatched interactions."""
    cassette = json.loads(path.read_text(encoding="utf-8"))
    result = Result(path.stem)
    ids = IdMap()
    for index, interaction in enumerate(cassette["interactions"]):
        request, response = interaction["request"], interaction["response"]
        body = request.get("body")
        if isinstance(body, str) and body:
            parsed = _parse(body)
            if not isinstance(parsed, str):
                body = json.dumps(ids.to_emulator(parsed))
        status, text = _send(client, request["method"], ids.uri(request["uri"]), body)
        expected = _parse(response["body"]["string"])
        actual = _parse(text)
        ids.learn(expected, actual)
        expected_cmp = (response["status"]["code"], strip_volatile(expected))
        actual_cmp = (status, strip_volatile(ids.to_recorded(actual)))
        result.total += 1
        if expected_cmp == actual_cmp:
            result.matched += 1
        else:
            label = f"{request['method']} {request['uri'][:160]}"
            result.mismatches.append(Mismatch(index, label, expected_cmp, actual_cmp))
    return result
