"""Ready clients on an emulator: gspread, and google-api-python-client's Sheets service.

Each needs its client library installed (the emulator itself needs none). ``server`` is an
:class:`EmulatorServer`, or the base URL of one running elsewhere (a ``python -m
sheets_emulator`` process, say: HTTP only). ``in_process=True`` skips the socket
(:mod:`sheets_emulator.transport`); otherwise requests go over HTTP. ``token`` is the bearer
token, which the emulator maps to the quota account (``PUT /_emulator/tokens``; a token nobody
registered is an account of its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gspread

    from sheets_emulator.app import App
    from sheets_emulator.server import EmulatorServer

DEFAULT_TOKEN = "emulator-user"  # noqa: S105 (the emulator checks no token)


def _url(server: EmulatorServer | str) -> str:
    return server if isinstance(server, str) else server.url


def _app(server: EmulatorServer | str) -> App:
    if isinstance(server, str):
        raise ValueError("in_process needs an EmulatorServer, not a URL")
    return server.app


def gspread_client(
    server: EmulatorServer | str, token: str = DEFAULT_TOKEN, *, in_process: bool = False
) -> gspread.Client:
    """An unmodified ``gspread.Client`` whose session is mounted on the emulator."""
    import gspread
    from google.oauth2.credentials import Credentials

    from sheets_emulator.requests_adapter import InProcessAdapter, LoopbackAdapter, mount

    client = gspread.Client(Credentials(token=token))  # type: ignore[no-untyped-call]
    adapter = InProcessAdapter(_app(server)) if in_process else LoopbackAdapter(_url(server))
    mount(client.http_client.session, adapter)
    return client


def sheets_service(
    server: EmulatorServer | str, token: str = DEFAULT_TOKEN, *, in_process: bool = False
) -> Any:
    """``googleapiclient.discovery.build("sheets", "v4")`` from the discovery document that
    ships in the package, calling the emulator."""
    from googleapiclient.discovery import build

    if in_process:
        from sheets_emulator.transport import InProcessHttp

        http = InProcessHttp(_app(server), token)
        return build("sheets", "v4", http=http, static_discovery=True)
    from google.oauth2.credentials import Credentials

    return build(
        "sheets",
        "v4",
        credentials=Credentials(token=token),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": _url(server)},
        static_discovery=True,
    )
