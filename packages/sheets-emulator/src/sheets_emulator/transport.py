"""In-process transports: a client's requests go to :meth:`App.handle` with no socket.

The quota, faults, stats, token table and JSON are those of the HTTP server, since both call the
same :class:`~sheets_emulator.app.App`; only the socket is skipped. A cut connection becomes the
client's connection error; a client timeout is honoured (the request runs in a thread, and the
client gives up on it while the emulator carries on, as over a socket).

* :class:`InProcessHttp`: an ``httplib2.Http``-like object for ``google-api-python-client``
  (``build("sheets", "v4", http=InProcessHttp(app), static_discovery=True)``); stdlib only.
* :class:`sheets_emulator.requests_adapter.InProcessAdapter`: a ``requests`` adapter for
  gspread's session (needs ``requests``, which gspread brings).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sheets_emulator.app import App, Reply


class CutConnection(ConnectionResetError):
    """The emulator cut the connection (a ``lost_cut`` or late ``cut`` fault)."""


class ClientTimeout(TimeoutError):
    """The client's timeout passed before the emulator answered."""


def call_app(
    app: App,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | str | None,
    *,
    token: str | None = None,
    timeout_s: float | None = None,
) -> Reply:
    """Send one request to ``app`` as the HTTP layer would; raise on a cut or a timeout."""
    split = urlsplit(url)
    target = split.path + (f"?{split.query}" if split.query else "")
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    if token is not None and "authorization" not in lowered:
        lowered["authorization"] = f"Bearer {token}"
    data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    reply = _run(lambda: app.handle(method.upper(), target, lowered, data), timeout_s)
    if reply.cut:
        raise CutConnection("the emulator closed the connection without answering")
    return reply


def _run(job: Callable[[], Reply], timeout_s: float | None) -> Reply:
    if timeout_s is None:
        return job()
    box: list[Reply | BaseException] = []

    def work() -> None:
        try:
            box.append(job())
        except BaseException as exc:  # handed to the caller below
            box.append(exc)

    thread = threading.Thread(target=work, name="sheets-emulator-inprocess", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not box:
        raise ClientTimeout(f"no answer within {timeout_s} s")
    result = box[0]
    if isinstance(result, BaseException):
        raise result
    return result


class HttpResponse(dict[str, str]):
    """What ``httplib2.Response`` offers ``google-api-python-client``: headers (lower-case keys)
    with ``status`` and ``reason``."""

    def __init__(self, status: int, reason: str, headers: Mapping[str, str]) -> None:
        super().__init__({k.lower(): v for k, v in headers.items()})
        self["status"] = str(status)
        self.status = status
        self.reason = reason


class InProcessHttp:
    """An ``httplib2.Http`` stand-in that answers from the emulator's ``App`` in-process.

    ``token`` is sent as the bearer token (the quota account) unless a request carries its own
    ``Authorization``; ``timeout_s`` is the client's timeout (None: wait for every answer).
    """

    def __init__(self, app: App, token: str | None = None, timeout_s: float | None = None):
        self.app = app
        self.token = token
        self.timeout = timeout_s

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[HttpResponse, bytes]:
        """Answer one request: ``(response, content)`` as ``httplib2.Http.request`` does."""
        reply = call_app(
            self.app, method, uri, headers or {}, body, token=self.token, timeout_s=self.timeout
        )
        return HttpResponse(reply.status, _phrase(reply.status), reply.headers), reply.body

    def close(self) -> None:
        """Nothing to close (``googleapiclient`` calls it)."""


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
