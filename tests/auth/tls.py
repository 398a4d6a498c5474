"""Google's fixed token endpoint, reached offline: a test CA, a TLS listener and a CONNECT proxy.

google-auth sends every ``authorized_user`` refresh to ``https://oauth2.googleapis.com/token``
whatever the file says (it ignores the file's ``token_uri`` on purpose). To exercise that real
path, the agent's process gets ``HTTPS_PROXY`` pointing at :class:`ConnectProxy`, which tunnels
``CONNECT oauth2.googleapis.com:443`` (and the two other hosts below, nothing else) to a TLS
listener of the token server whose certificate for those names is signed by a throw-away CA
given as ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import datetime as dt
import select
import socket
import socketserver
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

GOOGLE_TOKEN_HOST = "oauth2.googleapis.com"
#: Google hosts google-auth calls at fixed addresses: the token endpoint of people's
#: credentials, Cloud Resource Manager (an external account looks up its project there) and
#: IAM Credentials (an ``impersonated_service_account`` file ignores any other endpoint).
GOOGLE_HOSTS = (
    GOOGLE_TOKEN_HOST,
    "cloudresourcemanager.googleapis.com",
    "iamcredentials.googleapis.com",
)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca_and_cert(
    folder: Path, hosts: tuple[str, ...] = GOOGLE_HOSTS
) -> tuple[Path, Path, Path]:
    """Write ``ca.pem``, and a certificate for ``hosts`` signed by it; return the three paths."""
    host = hosts[0]
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("orc test CA"))
        .issuer_name(_name("orc test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / f"{host}.pem", folder / f"{host}.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context for ``cert``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 that tunnels ``hosts`` (port 443) to a local port."""

    def __init__(self, hosts: tuple[str, ...], target_port: int) -> None:
        self.hosts = hosts
        self.target_port = target_port
        self.tunnels: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (what ``HTTPS_PROXY`` takes)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, target = request_line.partition(" ")
        target = target.split(" ", 1)[0]
        if method != "CONNECT" or target not in {f"{h}:443" for h in self.hosts}:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.tunnels.append(target)
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            _pump(client, upstream)


def _pump(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [], 30)
        if not readable:
            return
        for sock in readable:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)
