"""The demo's web site on 127.0.0.1: pages of YouTube embeds and an RSS feed, for yt-dlp.

yt-dlp's generic extractor reads a page with two or more ``/embed/ID`` iframes, and an RSS 2.0
feed, as playlists, so the leader expands them as it would a real page, offline.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from html import escape as html_escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from xml.sax.saxutils import escape as xml_escape

from agent.demo.catalog import Page


def render_embeds(page: Page) -> str:
    """An HTML page with one YouTube iframe per video."""
    frames = "\n".join(
        f'  <iframe width="560" height="315" title="{html_escape(v.title)}" '
        f'src="https://www.youtube.com/embed/{v.video_id}"></iframe>'
        for v in page.videos
    )
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html_escape(page.title)}</title></head>\n"
        f"<body><h1>{html_escape(page.title)}</h1>\n{frames}\n</body></html>\n"
    )


def render_rss(page: Page, base_url: str) -> str:
    """An RSS 2.0 feed with one item per video (titles escaped, kept literally)."""
    items = "".join(
        f"<item><title>{xml_escape(v.title)}</title><link>{xml_escape(v.url)}</link>"
        f"<guid>{xml_escape(v.url)}</guid></item>"
        for v in page.videos
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(page.title)}</title><link>{xml_escape(base_url)}/</link>"
        f"<description>Videos picked for the orc demo</description>{items}"
        "</channel></rss>\n"
    )


def render(page: Page, base_url: str) -> tuple[str, str]:
    """(content type, body) of ``page``."""
    if page.kind == "rss":
        return "application/rss+xml; charset=utf-8", render_rss(page, base_url)
    return "text/html; charset=utf-8", render_embeds(page)


class FeedSite:
    """A ``ThreadingHTTPServer`` on a free port of 127.0.0.1 serving the demo pages.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, pages: Sequence[Page], host: str = "127.0.0.1", port: int = 0) -> None:
        self.pages = {page.path: page for page in pages}
        self.hits: list[str] = []
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="demo-site",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.hits.append(path)
                page = site.pages.get(path)
                if page is None:
                    status, content_type, body = 404, "text/plain; charset=utf-8", "not found\n"
                else:
                    status = 200
                    content_type, body = render(page, site.base_url)
                data = body.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the live view shows what matters."""

        return Handler

    def start(self) -> FeedSite:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FeedSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
