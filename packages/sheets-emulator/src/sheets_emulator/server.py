"""``EmulatorServer``: the emulator as a library (background thread) or a foreground server."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from sheets_emulator.app import App, Settings
from sheets_emulator.httpserver import EmulatorHTTPServer
from sheets_emulator.service import Service
from sheets_emulator.sqlite_store import SQLiteStore
from sheets_emulator.store import MemoryStore, Store


class EmulatorServer:
    """A local Google Sheets API v4 (and Drive v3 subset) server on loopback.

    ``port=0`` picks a free port; ``data_path`` persists to SQLite (memory otherwise).
    Use :meth:`start`/:meth:`stop` (or ``with``) for a background server, or
    :meth:`serve_forever` to serve in the calling thread until :meth:`stop` or Ctrl-C.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_path: str | Path | None = None,
        latency_ms: int = 0,
        quota: bool = False,
        fault_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.data_path = Path(data_path) if data_path else None
        store: Store = SQLiteStore(self.data_path) if self.data_path else MemoryStore()
        settings = Settings(latency_ms=latency_ms, quota=quota, fault_rate=fault_rate, seed=seed)
        self.app = App(Service(store), settings)
        self._httpd: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._closed = False

    @property
    def host_port(self) -> str:
        """``host:port`` (what ``SHEETS_EMULATOR_HOST`` takes)."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host_port}"

    def start(self) -> EmulatorServer:
        """Bind and serve in a background thread; returns self."""
        if self._closed:
            raise RuntimeError("this EmulatorServer was stopped; create a new one")
        if self._httpd is not None:
            return self
        try:
            self._httpd = EmulatorHTTPServer((self.host, self.port), self.app)
        except OSError:
            self.stop()  # release the store (and its data-path lock)
            raise
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sheets-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` is called (from another thread or a signal) or Ctrl-C."""
        self.start()
        try:
            while not self._stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving, close every connection and the store. Safe to call twice."""
        with self._stop_lock:
            if self._closed:
                return
            self._closed = True
            httpd, thread = self._httpd, self._thread
            if httpd is not None:
                httpd.shutdown()
                httpd.close_connections()
                httpd.server_close()
            if thread is not None:
                thread.join(timeout=10)
            self.app.cancel_late()
            self.app.service.store.close()
            self._stopped.set()

    def stats(self) -> dict[str, Any]:
        """The same JSON as ``GET /_emulator/stats``."""
        return self.app.stats_json()

    def configure(self, **settings: Any) -> dict[str, Any]:
        """The same as ``PUT /_emulator/config``: change latency, quota and faults at run time."""
        return self.app.configure(**settings)

    def reset(self, stats_only: bool = False) -> None:
        """The same as ``POST /_emulator/reset``."""
        self.app.reset(stats_only=stats_only)

    def register_tokens(self, tokens: dict[str, str | None]) -> dict[str, str]:
        """The same as ``PUT /_emulator/tokens``: map bearer tokens to quota accounts."""
        return self.app.accounts.register(tokens)

    def arm_fault(
        self,
        kind: str,
        *,
        method: str | None = None,
        path: str | None = None,
        body: str | None = None,
        account: str | None = None,
        times: int = 1,
        delay_ms: int | None = None,
        answer: str = "error",
    ) -> dict[str, Any]:
        """The same as ``POST /_emulator/faults``: the next ``times`` matching requests get
        fault ``kind``; returns the armed fault (with its ``id``)."""
        given = {"method": method, "path": path, "body": body, "account": account}
        spec: dict[str, Any] = {"kind": kind, "times": times, "answer": answer}
        spec["match"] = {k: v for k, v in given.items() if v is not None}
        if delay_ms is not None:
            spec["delay_ms"] = delay_ms
        return self.app.faults.arm(spec)

    def faults(self) -> dict[str, Any]:
        """The same as ``GET /_emulator/faults``: what is armed and what fired."""
        return self.app.faults.listing()

    def disarm_faults(self, fault_id: int | None = None) -> int:
        """The same as ``DELETE /_emulator/faults[?id=N]``; returns how many were disarmed."""
        return self.app.faults.disarm(fault_id)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
