"""`orc status --json` of real spreadsheets on the emulator, against docs/status.schema.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gspread
import jsonschema
import pytest
from sheets_emulator import EmulatorServer

from agent.config import Config
from agent.coordination.enqueue import enqueue_tasks
from agent.coordination.layout import init_spreadsheet
from agent.runtime import Orchestrator
from agent.schema import ALL_TABS, Language
from agent.sheets.gateway import SheetsGateway
from agent.status import snapshot

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "status.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

FAST = {
    "lease_seconds": 5.0,
    "heartbeat_seconds": 1.0,
    "leader_lease_seconds": 5.0,
    "poll_seconds": 0.2,
    "max_attempts": 1,
    "claim_batch": 2,
    "read_quota_per_minute": 100_000,
    "write_quota_per_minute": 100_000,
    "source_url_policy": "any",  # the tasks' URLs are not YouTube's (the row check)
}


def orc_status_json(emulator: EmulatorServer, spreadsheet_id: str, tmp: Path) -> Any:
    """Run ``orc status --json`` as a user would, and parse what it prints."""
    settings = {name.upper() for name in Config.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings}
    env.update(
        {
            "WORKER_NAME": "status-reader",
            "SPREADSHEET_ID": spreadsheet_id,
            "SHEETS_EMULATOR_HOST": emulator.host_port,
            "PYTHONPATH": str(ROOT),
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "agent", "status", "--json"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def fail_bad(url: str) -> None:
    """A callback: URLs ending in ``/bad`` fail."""
    if url.endswith("/bad"):
        raise RuntimeError(f"cannot process {url} <b>[red]not markup[/red]</b>")


def busy_sheet(emulator: EmulatorServer, gclient: gspread.Client, language: Language) -> str:
    """A spreadsheet with a worker gone, 5 tasks done, 3 dead-lettered and 2 pending."""
    gateway = SheetsGateway(gclient, gclient.create("status schema").id)
    init_spreadsheet(gateway, language)
    items = [
        {"url": f"https://example.test/{i}/{'bad' if i % 3 == 0 else 'ok'}", "video_key": f"k{i}"}
        for i in range(8)
    ]
    items[1]["name"] = '=IMPORTXML("http://x","//a")'
    enqueue_tasks(gateway, items)
    common = {
        "spreadsheet_id": gateway.spreadsheet_id,
        "sheets_emulator_host": emulator.host_port,
        "header_language": language,
        **FAST,
    }
    with Orchestrator(Config.load(worker_name="gone-worker", **common)) as first:
        while first.process_next_task(fail_bad):
            pass
    enqueue_tasks(gateway, [{"url": "https://example.test/late", "video_key": "late"}] * 2)
    return gateway.spreadsheet_id


@pytest.mark.parametrize("language", ["en", "pt"])
def test_status_json_of_a_busy_sheet_matches_the_schema(
    emulator: EmulatorServer, gclient: gspread.Client, tmp_path: Path, language: Language
) -> None:
    spreadsheet_id = busy_sheet(emulator, gclient, language)
    config = Config.load(
        worker_name="live-worker",
        spreadsheet_id=spreadsheet_id,
        sheets_emulator_host=emulator.host_port,
        header_language=language,
        **FAST,
    )
    with Orchestrator(config):
        data = orc_status_json(emulator, spreadsheet_id, tmp_path)

    VALIDATOR.validate(data)
    states = {w["name"]: w["state"] for w in data["workers"]}
    assert states == {"gone-worker": "inactive", "live-worker": "active"}
    assert data["queues"]["Tasks History"] == 5
    assert data["queues"]["Tasks DLQ"] == 3
    assert data["queues"]["Tasks"] == 2
    assert data["states"]["Tasks"] == {"PENDING": 2}
    assert data["dlq"] and all(e["tab"] == "Tasks DLQ" for e in data["dlq"])
    assert "[red]not markup[/red]" in data["dlq"][0]["error"]
    assert data["missing_tabs"] == []
    assert data["spreadsheet_id"] == spreadsheet_id
    assert data["fleet"] == {"state": "RUNNING", "cell": "RUNNING"}


def test_status_json_of_an_uninitialised_sheet_matches_the_schema(
    emulator: EmulatorServer, gclient: gspread.Client, tmp_path: Path
) -> None:
    spreadsheet_id = gclient.create("empty").id
    data = orc_status_json(emulator, spreadsheet_id, tmp_path)
    VALIDATOR.validate(data)
    assert data["missing_tabs"] == [spec.title for spec in ALL_TABS]
    assert data["workers"] == [] and data["leader"]["worker"] == ""


def test_schema_is_valid_and_not_vacuous(emulator: EmulatorServer, gclient: gspread.Client) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    gateway = SheetsGateway(gclient, gclient.create("fresh").id)
    init_spreadsheet(gateway)
    good = snapshot(gateway)
    VALIDATOR.validate(good)
    broken_documents: list[dict[str, Any]] = [
        {k: v for k, v in good.items() if k != "leader"},
        {**good, "surprise": 1},
        {**good, "queues": {**good["queues"], "Tasks": -1}},
        {**good, "leader": {**good["leader"], "term": "7"}},
        {**good, "states": {"Tasks": {"LOST": 1}, "Sources": {}}},
        {**good, "fleet": {"state": "STOPPED", "cell": "STOPPED"}},
        {k: v for k, v in good.items() if k != "fleet"},
    ]
    for document in broken_documents:
        assert not VALIDATOR.is_valid(document), document
