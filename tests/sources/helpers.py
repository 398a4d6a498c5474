"""Helpers for the sources tests: a real HTTP server on 127.0.0.1, synthetic options."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.net.guard import AddressGuard
from agent.sources import ExpandOptions
from agent.sources.synthetic import Catalog, SyntheticYoutubeIE

#: ``ALLOW_PRIVATE_URLS=127.0.0.0/8``: the opt-in every test serving pages on 127.0.0.1 sets.
LOOPBACK_OPT_IN = "127.0.0.0/8"
LOOPBACK_ALLOWED = AddressGuard.from_setting(LOOPBACK_OPT_IN)


@dataclass
class Route:
    """What the test server answers on one path."""

    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class LocalSite:
    """A ``ThreadingHTTPServer`` on a free port of ``host`` (127.0.0.1), serving :class:`Route`
    objects; ``hits`` lists the paths it was asked for."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                route = site.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(body="not here", status=404, content_type="text/plain")
                if route.delay_s:
                    time.sleep(route.delay_s)
                body = route.body.encode()
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def synthetic_options(catalog: Catalog, **fields: Any) -> ExpandOptions:
    """Options whose first extractor serves ``catalog``."""
    return ExpandOptions(extra_extractors=(SyntheticYoutubeIE(catalog),), **fields)
