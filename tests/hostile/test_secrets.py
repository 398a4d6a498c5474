"""Credentials never in logs, errors, ``orc status`` or the sheet; the least OAuth scopes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sheets_emulator import EmulatorServer

from agent.coordination.enqueue import enqueue_tasks
from agent.logs import redact, setup_logging
from agent.schema import TASKS_DLQ
from agent.sheets.client import SCOPES
from tests.hostile.agent_run import fresh_sheet, run_agent_over

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "ya29.a0AfH6SMBx-secret_token"
KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secret"
PRIVATE_KEY = f"-----BEGIN PRIVATE KEY-----\n{KEY_BODY}\n-----END PRIVATE KEY-----\n"
#: A task whose URL passes the row check (policy youtube: a video URL of the row's key).
LEAK_ID = "leakVideo01"
SECRETS = (TOKEN, KEY_BODY, "key-id-secret-123")
LEAKY = (
    f"Authorization: Bearer {TOKEN}; "
    f'{{"private_key_id": "key-id-secret-123", "private_key": {json.dumps(PRIVATE_KEY)}}} '
    f"https://oauth2.googleapis.com/token?access_token={TOKEN}&x=1"
)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Restore the root logger after a test that calls setup_logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_redact_removes_every_kind_of_credential() -> None:
    cleaned = redact(LEAKY)
    for secret in SECRETS:
        assert secret not in cleaned
    assert "[redacted]" in cleaned and "Authorization: Bearer" in cleaned


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_log_lines_and_tracebacks_are_redacted(
    fmt: str, root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("json" if fmt == "json" else "text", "INFO")
    log = logging.getLogger("agent.test")
    log.warning("request failed: %s", LEAKY)
    try:
        raise RuntimeError(LEAKY)
    except RuntimeError:
        log.exception("callback crashed")
    err = capsys.readouterr().err
    assert "request failed" in err and "callback crashed" in err
    for secret in SECRETS:
        assert secret not in err, f"{fmt} log leaks {secret!r}"


def test_python_side_asks_for_spreadsheets_scope_only() -> None:
    assert SCOPES == ("https://www.googleapis.com/auth/spreadsheets",)


def test_add_on_asks_for_current_spreadsheet_and_ui_only() -> None:
    manifest = json.loads((ROOT / "appsscript" / "appsscript.json").read_text(encoding="utf-8"))
    assert sorted(manifest["oauthScopes"]) == [
        "https://www.googleapis.com/auth/script.container.ui",
        "https://www.googleapis.com/auth/spreadsheets.currentonly",
    ]


def leaky_callback(url: str) -> None:
    """A callback whose error message carries a credential (as a careless library's might)."""
    raise RuntimeError(f"upload of {url} refused: {LEAKY}")


def test_callback_error_with_a_credential_is_redacted_in_the_sheet(
    emulator_server: EmulatorServer,
) -> None:
    client, sheet = fresh_sheet(emulator_server)
    enqueue_tasks(
        sheet, [{"url": f"https://www.youtube.com/watch?v={LEAK_ID}", "video_key": LEAK_ID}]
    )
    snapshot = run_agent_over(client, sheet, callback=leaky_callback, max_attempts=1)
    (row,) = snapshot.rows(TASKS_DLQ)
    assert row["error"].startswith("RuntimeError: upload of")
    for secret in SECRETS:
        assert secret not in row["error"], f"the DLQ Error cell holds {secret!r}"
