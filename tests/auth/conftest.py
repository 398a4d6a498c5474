"""Fixtures for sign-in tests: a token server, a strict emulator, shared sheets, real ``orc``.

The emulator runs in strict mode (unknown tokens get 401, unshared spreadsheets 403); the
spreadsheet is created by ``owner@example.test`` and shared through Drive ``permissions.create``
(gspread's ``share``) with the account under test, as a person would in the Sheets UI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from sheets_emulator import EmulatorServer

from agent.sheets.client import make_client
from tests.auth.tls import GOOGLE_HOSTS, ConnectProxy, make_ca_and_cert, tls_context
from tests.auth.tokenserver import TokenServer
from tests.coordination.harness import make_sheet

ROOT = Path(__file__).resolve().parents[2]
OWNER = "owner@example.test"
OWNER_TOKEN = "owner-token"
#: Filled by the ``tokens`` fixture: the environment that routes Google's token host to it.
GOOGLE_ENDPOINT_ENV: dict[str, str] = {}
UNPACED: dict[str, Any] = {"read_per_minute": 1_000_000, "write_per_minute": 1_000_000}


@dataclass(frozen=True)
class Run:
    """What one ``orc`` process did."""

    code: int
    out: str
    err: str

    @property
    def everything(self) -> str:
        """stdout and stderr together (for leak checks)."""
        return self.out + self.err


@pytest.fixture
def strict(emulator: EmulatorServer) -> EmulatorServer:
    """The session emulator, reset, in strict access mode, with the owner's token known."""
    response = requests.put(f"{emulator.url}/_emulator/access", json={"strict": True}, timeout=10)
    response.raise_for_status()
    emulator.register_tokens({OWNER_TOKEN: OWNER})
    return emulator


@pytest.fixture
def tokens(strict: EmulatorServer, tmp_path: Path) -> Iterator[TokenServer]:
    """A token server on 127.0.0.1 that tells the emulator about every token it issues.

    It also stands in for ``https://oauth2.googleapis.com/token`` (where google-auth sends
    every ``authorized_user`` refresh): ``GOOGLE_ENDPOINT_ENV`` holds what a process needs to
    reach it there (a CONNECT proxy and a test CA).
    """
    folder = tmp_path / "tls"
    folder.mkdir()
    ca, cert, key = make_ca_and_cert(folder)
    with TokenServer(strict.url) as server:
        port = server.serve_tls(tls_context(cert, key))
        with ConnectProxy(GOOGLE_HOSTS, port) as proxy:
            GOOGLE_ENDPOINT_ENV.clear()
            GOOGLE_ENDPOINT_ENV.update(
                {
                    "HTTPS_PROXY": proxy.url,
                    "NO_PROXY": "127.0.0.1,localhost",
                    "REQUESTS_CA_BUNDLE": str(ca),
                }
            )
            yield server
            GOOGLE_ENDPOINT_ENV.clear()


@pytest.fixture
def owner(strict: EmulatorServer) -> gspread.Client:
    """The owner's gspread client (a bearer token the emulator maps to ``OWNER``)."""
    return make_client(user="owner", token=OWNER_TOKEN, emulator_host=strict.host_port, **UNPACED)


SheetFactory = Callable[..., str]


@pytest.fixture
def shared_sheet(owner: gspread.Client) -> SheetFactory:
    """``shared_sheet(*accounts)``: a new initialised spreadsheet shared with ``accounts``."""

    def build(*accounts: str) -> str:
        gateway = make_sheet(owner)
        for account in accounts:
            gateway.spreadsheet.share(account, perm_type="user", role="writer", notify=False)
        return gateway.spreadsheet_id

    return build


OrcRunner = Callable[..., Run]


@pytest.fixture
def orc(strict: EmulatorServer, tmp_path: Path) -> OrcRunner:
    """``orc(*args, env={...})``: run ``python -m agent`` as a process, environment clean.

    ``HOME`` and gcloud's folder are empty temporary ones, and the metadata server is a closed
    port unless the test says otherwise, so nothing of the machine's own sign-in is found.
    """
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
        environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "HOME": str(home),
            "CLOUDSDK_CONFIG": str(home / "gcloud"),
            "GCE_METADATA_HOST": "127.0.0.1:9",
            "GCE_METADATA_IP": "127.0.0.1:9",
            "GCE_METADATA_TIMEOUT": "1",
            "GCE_METADATA_DETECT_RETRIES": "1",
            "WORKER_NAME": "auth-test",
            "SHEETS_EMULATOR_HOST": strict.host_port,
            "COLUMNS": "200",
            **GOOGLE_ENDPOINT_ENV,
        }
        environ.update(env or {})
        done = subprocess.run(
            [sys.executable, "-m", "agent", *args],
            env=environ,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
