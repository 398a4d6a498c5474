"""A webhook receiver on 127.0.0.1 for the notification tests: it records every POST.

``replies`` lists the statuses of the next answers (then 200); while ``gate`` is clear, each
request waits for it before answering (a receiver that hangs).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One POST as it arrived."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int  # what the receiver answered


@dataclass
class Receiver:
    """What the server saw and how it answers."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    replies: list[int] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    waiting: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        """A URL of this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def events(self, kind: str | None = None, *, answered: int = 200) -> list[dict[str, Any]]:
        """The bodies received (of ``kind``) that were answered ``answered``."""
        with self.lock:
            return [
                r.body
                for r in self.received
                if r.status == answered and (kind is None or r.body.get("event") == kind)
            ]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """Serve a :class:`Receiver` on a free loopback port until the block ends."""
    receiver = Receiver()
    receiver.gate.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            receiver.waiting.release()
            receiver.gate.wait(timeout=60)
            with receiver.lock:
                status = receiver.replies.pop(0) if receiver.replies else 200
                receiver.received.append(Received(self.path, dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.gate.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
