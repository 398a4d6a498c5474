"""The Apps Script add-on as a process Python tests can drive: its real server functions run on
the API-backed Apps Script runtime (``tests/js/support/api/serve.js``), against the same
spreadsheet and emulator as the agents.

Each call is one Apps Script execution: ``call("addSources", [urls])``, ``call("requeueRows",
"Tasks DLQ", ids)``, ``call("getDashboard")``, and ``edit(tab, a1, value=...)`` for a person's
edit (the cells are written through the API first, then ``onEdit`` runs as the trigger would).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from agent.errors import AgentError

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "tests" / "js" / "support" / "api" / "serve.js"


class AddonError(AgentError):
    """A server function of the add-on threw (its message, as google.script.run reports it)."""


class AddonServer:
    """``node serve.js`` for one spreadsheet; a context manager that stops it on exit."""

    def __init__(self, emulator_host: str, spreadsheet_id: str) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed: the add-on runs on Node (npm ci)")
        self.lock_dir = tempfile.mkdtemp(prefix="addon-lock-")
        self.popen = subprocess.Popen(
            [
                node,
                str(SERVE),
                "--emulator",
                f"http://{emulator_host}",
                "--spreadsheet",
                spreadsheet_id,
                "--lock-dir",
                self.lock_dir,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.popen.stdout is not None
        line = self.popen.stdout.readline()
        if not line.startswith("listening "):
            err = self.popen.stderr.read() if self.popen.stderr else ""
            raise RuntimeError(f"the add-on server did not start: {line} {err[-2000:]}")
        self.url = line.split(" ", 1)[1].strip()

    @property
    def client(self) -> AddonClient:
        """A client of this server."""
        return AddonClient(self.url)

    def call(self, name: str, *args: Any, timeout_s: float = 120.0) -> Any:
        """See :meth:`AddonClient.call`."""
        return self.client.call(name, *args, timeout_s=timeout_s)

    def edit(
        self, tab: str, a1: str, *, value: str | None = None, old: str | None = None
    ) -> list[str]:
        """See :meth:`AddonClient.edit`."""
        return self.client.edit(tab, a1, value=value, old=old)

    def close(self) -> None:
        """Stop the server process."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream:
                stream.close()
        shutil.rmtree(self.lock_dir, ignore_errors=True)

    def __enter__(self) -> AddonServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AddonClient:
    """Calls to a running add-on server (``serve.js``) at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _post(self, path: str, body: dict[str, Any], timeout_s: float) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            answer = json.loads(response.read())
        if not answer["ok"]:
            raise AddonError(answer["error"])
        return answer["value"]

    def call(self, name: str, *args: Any, timeout_s: float = 120.0) -> Any:
        """Run the add-on's global function ``name`` in one execution; its JSON result."""
        return self._post("/call", {"name": name, "args": list(args)}, timeout_s)

    def edit(
        self, tab: str, a1: str, *, value: str | None = None, old: str | None = None
    ) -> list[str]:
        """Fire ``onEdit`` for ``a1`` of ``tab`` (value and old value for a single cell only);
        the toasts it showed."""
        body: dict[str, Any] = {"tab": tab, "a1": a1}
        if value is not None:
            body["value"] = value
        if old is not None:
            body["oldValue"] = old
        toasts: list[str] = self._post("/edit", body, 60.0)
        return toasts
