"""The HTTP layer: the standard library's threading server, HTTP/1.1 keep-alive, one write per
response (with ``TCP_NODELAY``), and connections tracked so that stopping really stops."""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sheets_emulator.app import App, Reply, error_reply
from sheets_emulator.errors import ApiError

log = logging.getLogger("sheets_emulator.http")
MAX_BODY = 64 * 1024 * 1024


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections and in-flight requests."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._cond = threading.Condition()
        self._active = 0
        self.stopping = False
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse-DNS lookup ``HTTPServer.server_bind`` does."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, conn: socket.socket, add: bool) -> None:
        """Remember or forget an open connection."""
        with self._cond:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def begin(self) -> None:
        """A request started."""
        with self._cond:
            self._active += 1

    def end(self) -> None:
        """A request finished."""
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log (not print) errors such as clients that hang up mid-request."""
        log.debug("connection from %s failed", client_address, exc_info=True)

    def close_connections(self, wait_s: float = 5.0) -> None:
        """Let in-flight requests finish (up to ``wait_s``), then close every connection."""
        self.stopping = True
        with self._cond:
            self._cond.wait_for(lambda: self._active == 0, timeout=wait_s)
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SheetsEmulator/1.0"
    timeout = 300
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        if self.server.stopping:
            self.close_connection = True
            return
        self.server.begin()
        try:
            try:
                body = self._read_body()
            except ValueError:
                self.close_connection = True
                self._send(error_reply(ApiError(400, "Malformed request body framing.")))
                return
            if body is None:
                self.close_connection = True
                self._send(error_reply(ApiError(413, "Request payload too large.")))
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                reply = self.server.app.handle(self.command, self.path, headers, body)
            except Exception:
                log.exception("emulator: %s %s failed", self.command, self.path)
                reply = error_reply(ApiError(500, "Internal error encountered."))
            if reply.cut:
                self.close_connection = True
                return
            self._send(reply)
        finally:
            self.server.end()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def _send(self, reply: Reply) -> None:
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {reply.status} {phrase}", f"Date: {formatdate(usegmt=True)}"]
        for name, value in reply.headers.items():
            lines.append(f"{name}: {value}")
        if reply.status != 204:
            lines.append(f"Content-Length: {len(reply.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + (reply.body if reply.status != 204 else b""))
