"""A yt-dlp request handler that checks the address of every connection it opens.

:class:`GuardedRequestsRH` is yt-dlp's own ``requests`` handler (``yt_dlp.networking``) with one
change: its connections are opened by :func:`open_checked`, which resolves the host, refuses it
when any address it resolves to is refused by the :class:`~agent.net.guard.AddressGuard`, and
connects only to the addresses it checked. Because the check sits where the socket is opened,
it holds for every request yt-dlp makes (pages, APIs, media, fragments), for every redirect hop
(``requests`` follows them through the same connection pools) and against DNS rebinding (the
address checked is the address connected to; the peer is checked again once connected).

Through a proxy (``proxy`` in yt-dlp's options, or ``HTTP(S)_PROXY``) the connection goes to
the proxy: the target's host is then checked by name before each hop (metadata names, literal
addresses, and what the name resolves to here), and the proxy must refuse the rest itself.

A refusal is raised as :class:`RefusedRequest`, a yt-dlp ``RequestError`` (not a transport
error, so neither yt-dlp nor the agent retries it); :func:`agent.net.refusals.find_refusal` digs it
out of the exception chain yt-dlp builds around it.
"""

from __future__ import annotations

import socket
from typing import Any

import requests.utils
import urllib3.connection
import urllib3.exceptions
import urllib3.util
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from yt_dlp.networking._requests import RequestsHTTPAdapter, RequestsRH
from yt_dlp.networking.exceptions import RequestError

from agent.errors import RefusedUrlError
from agent.net.guard import AddressGuard

_SocketOptions = list[tuple[int, int, int | bytes]] | None


class RefusedRequest(RequestError):  # type: ignore[misc]  # yt-dlp is untyped
    """The guard refused a connection; ``refusal`` is the agent's error with the reason."""

    def __init__(self, refusal: RefusedUrlError) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def _set_timeout(sock: socket.socket, timeout: Any) -> None:
    # urllib3 passes a float, None (blocking) or its own "default" sentinel (leave as is).
    if timeout is None or isinstance(timeout, int | float):
        sock.settimeout(timeout)


def open_checked(
    guard: AddressGuard,
    address: tuple[str, int],
    timeout: Any,
    source_address: tuple[str, int] | None = None,
    socket_options: _SocketOptions = None,
) -> socket.socket:
    """Connect to ``address`` only if every address its host resolves to is allowed.

    Raises :class:`RefusedRequest` for a refused address (before any packet is sent to it) and
    ``OSError`` when the connection itself fails.
    """
    host, port = address
    where = f"{host}:{port}"
    guard_host = host.strip("[]")
    try:
        guard.check_host(where, guard_host)
        infos = socket.getaddrinfo(guard_host, port, 0, socket.SOCK_STREAM)
        guard.check_addresses(where, guard_host, [str(info[4][0]) for info in infos])
    except RefusedUrlError as refusal:
        raise RefusedRequest(refusal) from None
    error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            _set_timeout(sock, timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            guard.check_address(where, guard_host, str(sock.getpeername()[0]))
            return sock
        except RefusedUrlError as refusal:
            sock.close()
            raise RefusedRequest(refusal) from None
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address to connect to for {where}")


def _guarded_new_conn(
    conn: urllib3.connection.HTTPConnection, guard: AddressGuard
) -> socket.socket:
    """urllib3's ``HTTPConnection._new_conn``, with :func:`open_checked` opening the socket."""
    try:
        return open_checked(
            guard,
            (conn._dns_host, conn.port or 80),
            conn.timeout,
            conn.source_address,
            conn.socket_options,
        )
    except socket.gaierror as exc:
        raise urllib3.exceptions.NameResolutionError(conn.host, conn, exc) from exc
    except TimeoutError as exc:
        raise urllib3.exceptions.ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from exc
    except OSError as exc:
        raise urllib3.exceptions.NewConnectionError(
            conn, f"Failed to establish a new connection: {exc}"
        ) from exc


def guarded_pool_classes(guard: AddressGuard) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes for http and https whose connections go through ``guard``."""

    class GuardedHTTPConnection(urllib3.connection.HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _guarded_new_conn(self, guard)

    class GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _guarded_new_conn(self, guard)

    class GuardedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}


class GuardedHTTPAdapter(RequestsHTTPAdapter):  # type: ignore[misc]
    """yt-dlp's ``requests`` adapter whose direct connections are checked by ``guard``.

    ``send`` runs once per hop (``requests`` follows redirects by calling it again), so the
    by-name check of proxied hops covers redirects as well.
    """

    def __init__(self, guard: AddressGuard, **kwargs: Any) -> None:
        self._guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = guarded_pool_classes(self._guard)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        url = str(request.url)
        host = urllib3.util.parse_url(url).host or ""
        try:
            self._guard.check_host(url, host)
            if requests.utils.select_proxy(url, kwargs.get("proxies") or {}):
                port = urllib3.util.parse_url(url).port or 443
                infos = socket.getaddrinfo(host.strip("[]"), port, 0, socket.SOCK_STREAM)
                self._guard.check_addresses(url, host, [str(i[4][0]) for i in infos])
        except RefusedUrlError as refusal:
            raise RefusedRequest(refusal) from None
        except OSError:
            pass  # the name does not resolve here; the proxy will say so
        return super().send(request, *args, **kwargs)


class GuardedRequestsRH(RequestsRH):  # type: ignore[misc]
    """yt-dlp's ``requests`` handler, every connection checked by an :class:`AddressGuard`."""

    def __init__(self, *, guard: AddressGuard, **kwargs: Any) -> None:
        self._guard = guard
        super().__init__(**kwargs)

    def _create_instance(self, cookiejar: Any, legacy_ssl_support: Any = None) -> Any:
        session = super()._create_instance(cookiejar, legacy_ssl_support=legacy_ssl_support)
        adapter = GuardedHTTPAdapter(
            self._guard,
            ssl_context=self._make_sslcontext(legacy_ssl_support=legacy_ssl_support),
            source_address=self.source_address,
            max_retries=urllib3.util.retry.Retry(False),
        )
        for prefix in ("https://", "http://"):
            session.adapters[prefix].close()
            session.mount(prefix, adapter)
        return session
