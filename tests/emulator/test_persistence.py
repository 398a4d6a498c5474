"""--data: every acknowledged write survives SIGKILL and a restart with the same SQLite file."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from sheets_emulator import EmulatorServer

from agent.sheets.client import make_client
from tests.conftest import UNPACED

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """``python -m agent emulator`` as a child process."""

    def __init__(self, port: int, data: Path) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agent", "emulator", "--port", str(port), "--data", str(data)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"emulator exited: {self.proc.communicate()}")
            try:
                if requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("emulator did not come up")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.proc.kill()
        self.proc.communicate(timeout=30)


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        if process.proc.poll() is None:
            process.kill()


def _client(port: int, user: str = "writer") -> gspread.Client:
    return make_client(user=user, emulator_host=f"127.0.0.1:{port}", **UNPACED)


def _snapshot(client: gspread.Client, key: str) -> dict[str, Any]:
    sh = client.open_by_key(key)
    meta = sh.fetch_sheet_metadata()
    return {
        "meta": meta,
        "values": {ws.title: ws.get_all_values() for ws in sh.worksheets()},
        "formulas": sh.sheet1.get("A1:C3", value_render_option="FORMULA"),
        "cells": sh.fetch_sheet_metadata(
            {
                "ranges": "Sheet1!A1:B2",
                "fields": "sheets.data.rowData.values(note,userEnteredFormat)",
            }
        ),
    }


def _acknowledged_writes(client: gspread.Client) -> str:
    sh = client.create("durable")
    ws = sh.sheet1
    ws.update([["id", "value"], ["1", "=2*21"]], "A1", raw=False)
    tasks = sh.add_worksheet("Tasks", 50, 5)
    tasks.update([["ID", "Status"]], "A1")

    def appender(n: int) -> None:
        own = _client_for(client).open_by_key(sh.id).worksheet("Tasks")
        for i in range(15):
            own.append_rows([[f"t{n}-{i}", "PENDING"]], insert_data_option="INSERT_ROWS")

    threads = [threading.Thread(target=appender, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sh.batch_update(
        {
            "requests": [
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": tasks.id,
                            "dimension": "ROWS",
                            "startIndex": 1,
                            "endIndex": 3,
                        }
                    }
                },
                {
                    "deleteDimension": {
                        "range": {
                            "sheetId": tasks.id,
                            "dimension": "ROWS",
                            "startIndex": 5,
                            "endIndex": 7,
                        }
                    }
                },
                {
                    "findReplace": {
                        "find": "^t1\\-3$",
                        "replacement": "claimed",
                        "searchByRegex": True,
                        "matchEntireCell": True,
                        "range": {"sheetId": tasks.id, "startColumnIndex": 0, "endColumnIndex": 1},
                    }
                },
                {
                    "sortRange": {
                        "range": {"sheetId": tasks.id, "startRowIndex": 3},
                        "sortSpecs": [{"dimensionIndex": 0}],
                    }
                },
                {
                    "addNamedRange": {
                        "namedRange": {
                            "name": "Ids",
                            "range": {"sheetId": tasks.id, "endColumnIndex": 1},
                        }
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "endRowIndex": 1},
                            "warningOnly": True,
                        }
                    }
                },
            ]
        }
    )
    ws.update_note("B2", "a note")
    ws.format("A1:B1", {"textFormat": {"bold": True}})
    return sh.id


def _client_for(client: gspread.Client) -> gspread.Client:
    base = client.http_client.base_url  # type: ignore[attr-defined]
    return make_client(user="appender", emulator_host=base, **UNPACED)


def test_sigkill_after_acknowledged_writes_loses_nothing(
    tmp_path: Path, processes: list[Process]
) -> None:
    data = tmp_path / "emulator.sqlite"
    port = _free_port()
    first = Process(port, data)
    processes.append(first)
    client = _client(port)
    key = _acknowledged_writes(client)
    expected = _snapshot(client, key)
    first.kill()
    second = Process(port, data)
    processes.append(second)
    assert _snapshot(_client(port, "reader"), key) == expected
    assert len(expected["values"]["Tasks"]) == 61
    assert expected["meta"]["namedRanges"][0]["name"] == "Ids"
    assert "a note" in str(expected["cells"]) and "bold" in str(expected["cells"])


def test_one_data_file_one_emulator(tmp_path: Path, processes: list[Process]) -> None:
    data = tmp_path / "shared.sqlite"
    processes.append(Process(_free_port(), data))
    other = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "emulator",
            "--port",
            str(_free_port()),
            "--data",
            str(data),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode != 0
    assert "another emulator is using" in other.stderr


def test_in_process_restart_keeps_everything(tmp_path: Path) -> None:
    data = tmp_path / "emulator.sqlite"
    with EmulatorServer(data_path=data) as server:
        client = make_client(user="u", emulator_host=server.host_port, **UNPACED)
        key = _acknowledged_writes(client)
        expected = _snapshot(client, key)
        files = client.list_spreadsheet_files()
    with EmulatorServer(data_path=data) as server:
        client = make_client(user="u", emulator_host=server.host_port, **UNPACED)
        assert _snapshot(client, key) == expected
        assert client.list_spreadsheet_files() == files
        client.del_spreadsheet(key)
    with EmulatorServer(data_path=data) as server:
        client = make_client(user="u", emulator_host=server.host_port, **UNPACED)
        assert client.list_spreadsheet_files() == []
