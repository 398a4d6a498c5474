"""``requests`` adapters for gspread's session: in-process, or to the emulator over loopback.

gspread calls Google's URLs (``https://sheets.googleapis.com/v4/...`` and
``https://www.googleapis.com/drive/v3/...``) with no setting to change them; mounting an adapter
on those two prefixes of its session (:func:`mount`) sends them to the emulator instead:

* :class:`InProcessAdapter` calls the emulator's ``App`` directly (no socket);
* :class:`LoopbackAdapter` rewrites the URL to the emulator's ``http://host:port`` and sends it
  over HTTP with requests' own adapter.

This module needs ``requests`` (gspread depends on it); the rest of the package does not.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict

from sheets_emulator.transport import ClientTimeout, CutConnection, _phrase, call_app

if TYPE_CHECKING:
    from sheets_emulator.app import App

#: The URL prefixes gspread (and Google's clients) call.
GOOGLE_PREFIXES = ("https://sheets.googleapis.com/", "https://www.googleapis.com/")


class InProcessAdapter(BaseAdapter):
    """A ``requests`` transport that answers from the emulator's ``App`` in-process.

    ``token`` is sent as the bearer token (the quota account) unless a request carries its own
    ``Authorization``. The ``timeout`` a client passes is honoured (its read part).
    """

    def __init__(self, app: App, token: str | None = None) -> None:
        super().__init__()
        self.app = app
        self.token = token

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Answer one prepared request."""
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        body = request.body if isinstance(request.body, (bytes, str)) else None
        try:
            reply = call_app(
                self.app,
                request.method or "GET",
                request.url or "/",
                dict(request.headers),
                body,
                token=self.token,
                timeout_s=read_timeout,
            )
        except CutConnection as exc:
            raise requests.ConnectionError(f"Connection aborted: {exc}", request=request) from exc
        except ClientTimeout as exc:
            raise requests.ReadTimeout(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = reply.status
        response.reason = _phrase(reply.status)
        response.headers = CaseInsensitiveDict(reply.headers)
        response.headers["Content-Length"] = str(len(reply.body))
        response.raw = io.BytesIO(reply.body)
        response._content = reply.body
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""


class LoopbackAdapter(HTTPAdapter):
    """requests' HTTP adapter, with Google's URL prefix replaced by the emulator's base URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Send ``request`` to the emulator over HTTP."""
        url = request.url or ""
        for prefix in GOOGLE_PREFIXES:
            if url.startswith(prefix):
                request.url = self.base_url + url[len(prefix) :]
                break
        return super().send(request, *args, **kwargs)


def mount(session: requests.Session, adapter: BaseAdapter) -> requests.Session:
    """Mount ``adapter`` on Google's two URL prefixes of ``session``; returns the session."""
    for prefix in GOOGLE_PREFIXES:
        session.mount(prefix, adapter)
    return session
