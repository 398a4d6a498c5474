"""A stand-in for Google's token endpoints on 127.0.0.1, strict enough to catch real mistakes.

One server answers, on its own port:

* ``POST /token``: OAuth 2.0 token endpoint. ``jwt-bearer`` grants (service-account keys): the
  assertion's RS256 signature is checked against the registered public key of its ``iss``,
  with Google's ``aud`` and ``exp`` in the future. ``refresh_token`` grants (people,
  ``gcloud auth application-default login``). ``authorization_code`` grants with PKCE (the
  browser flow of gspread's ``oauth()``).
* ``GET /auth``: the authorization page, which "consents" at once and redirects with a code.
* ``POST /sts``: the Security Token Service exchange of workload identity federation: the
  subject token is a JWT whose RS256 signature is checked against the identity provider's key.
* ``POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken``: IAM Credentials
  impersonation, allowed only for registered (source, target) pairs.
* ``/computeMetadata/v1/...``: the GCE/GKE/Cloud Run metadata server (``Metadata-Flavor``).
* ``GET /v1/projects/N``: Cloud Resource Manager, answering 403 as it does for a workload
  without ``resourcemanager.projects.get`` (an external account asks for its project ID).

Every access token issued is pushed to the emulator (``PUT /_emulator/tokens``) with the
account it was issued for, as Google's own servers know who a token belongs to.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
IAM_SCOPE = "https://www.googleapis.com/auth/iam"
#: What ``gcloud auth application-default login`` consents to without ``--scopes``.
GCLOUD_SCOPES = (
    "openid https://www.googleapis.com/auth/userinfo.email "
    "https://www.googleapis.com/auth/cloud-platform "
    "https://www.googleapis.com/auth/sqlservice.login"
)
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
#: The audience Google requires in a service account's assertion, whatever its token_uri.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class KeyPair:
    """An RSA key: the private part as PEM (what a key file holds) and the public key."""

    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        """A new 2048-bit key."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def pem(self) -> str:
        """The private key in PKCS#8 PEM."""
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    @property
    def secret_body(self) -> str:
        """A line from the middle of the PEM body: if it shows up anywhere, the key leaked."""
        lines = self.pem.strip().splitlines()
        return lines[len(lines) // 2]

    def sign_jwt(self, claims: dict[str, Any], kid: str = "k1") -> str:
        """An RS256 JWT of ``claims``."""
        head = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode())
        body = b64url(json.dumps(claims).encode())
        signature = self.private.sign(
            f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{head}.{body}.{b64url(signature)}"


class BadGrant(Exception):
    """An OAuth error answer: ``error`` code and description (HTTP 400 unless said)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def verify_rs256(token: str, key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims of ``token`` when its RS256 signature is ``key``'s; BadGrant otherwise."""
    try:
        head, body, signature = token.split(".")
        header = json.loads(b64url_decode(head))
        claims = json.loads(b64url_decode(body))
    except ValueError:
        raise BadGrant("invalid_grant", "Invalid JWT: malformed.") from None
    if header.get("alg") != "RS256":
        raise BadGrant("invalid_grant", "Invalid JWT: alg must be RS256.")
    try:
        key.verify(
            b64url_decode(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        raise BadGrant("invalid_grant", "Invalid JWT Signature.") from None
    if float(claims.get("exp", 0)) < time.time():
        raise BadGrant("invalid_grant", "Invalid JWT: Token must be a short-lived token.")
    return dict(claims)


@dataclass
class Issued:
    """One access token handed out."""

    account: str
    grant: str
    scope: str
    token: str


@dataclass
class _User:
    account: str
    client_id: str
    client_secret: str
    #: refresh token -> the scopes granted when the person consented
    refresh_tokens: dict[str, str] = field(default_factory=dict)


class TokenServer:
    """The token endpoints; start with ``with TokenServer(...) as server:``."""

    def __init__(self, emulator_url: str | None = None, *, expires_in: int = 3600) -> None:
        self.emulator_url = emulator_url
        self.expires_in = expires_in
        #: When False, tokens are issued but the emulator is not told (it will not know them).
        self.register_tokens = True
        self.issued: list[Issued] = []
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._service_accounts: dict[str, rsa.RSAPublicKey] = {}
        self._users: dict[str, _User] = {}
        self._idps: dict[str, tuple[rsa.RSAPublicKey, str]] = {}
        self._impersonation: set[tuple[str, str]] = set()
        self._tokens: dict[str, tuple[str, str]] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self.oauth_user: _User | None = None
        self.metadata_account: str | None = None
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._tls: ThreadingHTTPServer | None = None

    def serve_tls(self, context: ssl.SSLContext) -> int:
        """Also answer over TLS (as Google's fixed endpoint); returns the port."""
        self._tls = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._tls.daemon_threads = True
        self._tls.socket = context.wrap_socket(self._tls.socket, server_side=True)
        threading.Thread(target=self._tls.serve_forever, daemon=True).start()
        return int(self._tls.server_address[1])

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> TokenServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        for server in (self._http, self._tls):
            if server is not None:
                server.shutdown()
                server.server_close()

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT`` (what ``GCE_METADATA_HOST`` takes)."""
        return f"127.0.0.1:{self._http.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://{self.host_port}"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint (a key's ``token_uri``)."""
        return f"{self.url}/token"

    @property
    def sts_url(self) -> str:
        """The STS endpoint (an external account's ``token_url``)."""
        return f"{self.url}/sts"

    def iam_url(self, email: str) -> str:
        """The IAM Credentials ``generateAccessToken`` URL for ``email``."""
        return f"{self.url}/v1/projects/-/serviceAccounts/{email}:generateAccessToken"

    # -- who exists --------------------------------------------------------------------------

    def add_service_account(self, email: str, key: KeyPair) -> None:
        """A service account whose key ``key`` may sign assertions."""
        self._service_accounts[email] = key.private.public_key()

    def add_user(
        self, account: str, client_id: str, client_secret: str, scopes: str = GCLOUD_SCOPES
    ) -> str:
        """A person who consented to ``scopes`` for an OAuth client; returns the refresh token."""
        user = self._users.setdefault(account, _User(account, client_id, client_secret))
        token = "1//refresh-" + secrets.token_urlsafe(16)
        user.refresh_tokens[token] = scopes
        return token

    def revoke_refresh_token(self, token: str) -> None:
        """The person withdrew the app's access (or the token expired)."""
        for user in self._users.values():
            user.refresh_tokens.pop(token, None)

    def set_oauth_client(self, account: str, client_id: str, client_secret: str) -> None:
        """The OAuth client the browser flow signs ``account`` in with."""
        self.oauth_user = _User(account, client_id, client_secret)

    def add_identity_provider(self, issuer: str, key: KeyPair, principal_prefix: str) -> None:
        """An OIDC provider trusted by a workload identity pool."""
        self._idps[issuer] = (key.private.public_key(), principal_prefix)

    def allow_impersonation(self, source: str, target: str) -> None:
        """``source`` holds Service Account Token Creator on ``target``."""
        self._impersonation.add((source, target))

    def issued_to(self, account: str) -> list[Issued]:
        """Access tokens issued for ``account``."""
        with self._lock:
            return [i for i in self.issued if i.account == account]

    # -- issuing -----------------------------------------------------------------------------

    def issue(self, account: str, grant: str, scope: str) -> str:
        """A new access token for ``account``, told to the emulator."""
        token = "ya29.test-" + secrets.token_urlsafe(24)
        with self._lock:
            self.issued.append(Issued(account, grant, scope, token))
            self._tokens[token] = (account, scope)
        if self.emulator_url and self.register_tokens:
            requests.put(
                f"{self.emulator_url}/_emulator/tokens",
                json={"tokens": {token: account}},
                timeout=10,
            ).raise_for_status()
        return token

    def token_grant(self, form: dict[str, str]) -> dict[str, Any]:
        """Answer ``POST /token``."""
        grant = form.get("grant_type", "")
        if grant == JWT_BEARER:
            return self._jwt_bearer(form.get("assertion", ""))
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == "authorization_code":
            return self._code(form)
        raise BadGrant("unsupported_grant_type", f"Unsupported grant type: {grant}")

    def _answer(self, account: str, grant: str, scope: str, **extra: Any) -> dict[str, Any]:
        token = self.issue(account, grant, scope)
        return {
            "access_token": token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
            "scope": scope,
            **extra,
        }

    def _jwt_bearer(self, assertion: str) -> dict[str, Any]:
        try:
            claims = json.loads(b64url_decode(assertion.split(".")[1]))
        except (ValueError, IndexError):
            raise BadGrant("invalid_grant", "Invalid JWT: malformed.") from None
        email = str(claims.get("iss", ""))
        key = self._service_accounts.get(email)
        if key is None:
            raise BadGrant("invalid_grant", "Invalid grant: account not found")
        claims = verify_rs256(assertion, key)
        if claims.get("aud") != GOOGLE_TOKEN_AUDIENCE:
            raise BadGrant("invalid_grant", "Invalid JWT: Failed audience check.")
        return self._answer(email, "jwt-bearer", str(claims.get("scope", "")))

    def _refresh(self, form: dict[str, str]) -> dict[str, Any]:
        for user in self._users.values():
            granted = user.refresh_tokens.get(form.get("refresh_token", ""))
            if granted is None:
                continue
            if (form.get("client_id"), form.get("client_secret")) != (
                user.client_id,
                user.client_secret,
            ):
                raise BadGrant("invalid_client", "Unauthorized", status=401)
            asked = form.get("scope", "")
            if not set(asked.split()) <= set(granted.split()):
                # Google: a refresh may narrow the consented scopes, never widen them.
                raise BadGrant("invalid_scope", "Bad Request")
            return self._answer(user.account, "refresh_token", asked or granted)
        raise BadGrant("invalid_grant", "Token has been expired or revoked.")

    def _code(self, form: dict[str, str]) -> dict[str, Any]:
        pending = self._codes.pop(form.get("code", ""), None)
        if pending is None or self.oauth_user is None:
            raise BadGrant("invalid_grant", "Malformed auth code.")
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != pending["challenge"]:
            raise BadGrant("invalid_grant", "Invalid code verifier.")
        if form.get("redirect_uri") != pending["redirect_uri"]:
            raise BadGrant("redirect_uri_mismatch", "Bad Request")
        user = self.oauth_user
        if (form.get("client_id"), form.get("client_secret")) != (
            user.client_id,
            user.client_secret,
        ):
            raise BadGrant("invalid_client", "Unauthorized", status=401)
        refresh = self.add_user(
            user.account, user.client_id, user.client_secret, scopes=pending["scope"]
        )
        return self._answer(
            user.account, "authorization_code", pending["scope"], refresh_token=refresh
        )

    def authorize(self, query: dict[str, str]) -> str:
        """Answer ``GET /auth``: the URL to redirect the browser to (consent given)."""
        if self.oauth_user is None or query.get("client_id") != self.oauth_user.client_id:
            raise BadGrant("invalid_client", "The OAuth client was not found.", status=401)
        if query.get("code_challenge_method") != "S256":
            raise BadGrant("invalid_request", "PKCE S256 is required here.")
        code = "4/code-" + secrets.token_urlsafe(12)
        self._codes[code] = {
            "challenge": query.get("code_challenge", ""),
            "redirect_uri": query.get("redirect_uri", ""),
            "scope": query.get("scope", ""),
        }
        answer = urlencode(
            {"state": query.get("state", ""), "code": code, "scope": query.get("scope", "")}
        )
        return f"{query.get('redirect_uri', '')}?{answer}"

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """Answer ``POST /sts`` (RFC 8693 token exchange)."""
        if form.get("grant_type") != TOKEN_EXCHANGE:
            raise BadGrant("invalid_request", "Invalid value for grant_type.")
        subject = form.get("subject_token", "")
        try:
            issuer = json.loads(b64url_decode(subject.split(".")[1])).get("iss", "")
        except (ValueError, IndexError):
            raise BadGrant("invalid_grant", "Unable to parse the ID Token.") from None
        known = self._idps.get(issuer)
        if known is None:
            raise BadGrant("invalid_grant", "The issuer is not trusted by the pool.")
        key, prefix = known
        claims = verify_rs256(subject, key)
        if claims.get("aud") != form.get("audience"):
            raise BadGrant("invalid_grant", "The audience in ID Token does not match.")
        principal = f"{prefix}{claims.get('sub')}"
        token = self.issue(principal, "token-exchange", form.get("scope", ""))
        return {
            "access_token": token,
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }

    def impersonate(self, target: str, bearer: str, body: dict[str, Any]) -> dict[str, Any]:
        """Answer ``generateAccessToken`` for ``target`` on behalf of the ``bearer`` token."""
        with self._lock:
            known = self._tokens.get(bearer)
        if known is None:
            raise BadGrant(
                "UNAUTHENTICATED", "Request had invalid authentication credentials.", 401
            )
        source, granted = known
        if not {IAM_SCOPE, CLOUD_PLATFORM_SCOPE} & set(granted.split()):
            raise BadGrant(
                "PERMISSION_DENIED", "Request had insufficient authentication scopes.", 403
            )
        if (source, target) not in self._impersonation:
            raise BadGrant(
                "PERMISSION_DENIED", "Permission 'iam.serviceAccounts.getAccessToken' denied", 403
            )
        scope = " ".join(body.get("scope", []))
        token = self.issue(target, "impersonation", scope)
        expire = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + self.expires_in))
        return {"accessToken": token, "expireTime": expire}

    def metadata_token(self, scopes: str) -> dict[str, Any]:
        """The metadata server's token for the instance's service account."""
        if self.metadata_account is None:
            raise BadGrant("not_found", "no service account", 404)
        token = self.issue(self.metadata_account, "metadata", scopes.replace(",", " "))
        return {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}


class _Handler(BaseHTTPRequestHandler):
    tokens: TokenServer

    def log_message(self, *_: Any) -> None:
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        content = "application/json" if not isinstance(body, bytes) else "text/plain"
        self.send_header("Content-Type", content)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            value = json.loads(raw or "{}")
            return value if isinstance(value, dict) else {}
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def _client_auth(self, form: dict[str, str]) -> dict[str, str]:
        """Client credentials sent as HTTP Basic (RFC 6749 2.3.1) join the form's."""
        header = self.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
            form = {**form, "client_id": client_id, "client_secret": client_secret}
        return form

    def _fail(self, exc: BadGrant) -> None:
        body: dict[str, Any]
        if exc.error.isupper():  # a Google API error envelope (IAM Credentials)
            body = {"error": {"code": exc.status, "message": exc.description, "status": exc.error}}
        else:
            body = {"error": exc.error, "error_description": exc.description}
        self._send(exc.status, body)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        self.tokens.requests.append(f"POST {path}")
        try:
            if path == "/token":
                self._send(200, self.tokens.token_grant(self._client_auth(self._form())))
            elif path == "/sts":
                self._send(200, self.tokens.exchange(self._form()))
            elif path.endswith(":generateAccessToken"):
                target = path.rsplit("/", 1)[1].removesuffix(":generateAccessToken")
                bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                self._send(200, self.tokens.impersonate(target, bearer, self._form()))
            else:
                self._send(404, {"error": "not_found"})
        except BadGrant as exc:
            self._fail(exc)

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        self.tokens.requests.append(f"GET {split.path}")
        try:
            if split.path == "/auth":
                self._send(302, b"", {"Location": self.tokens.authorize(query)})
            elif split.path.startswith("/v1/projects/"):  # Cloud Resource Manager
                raise BadGrant(
                    "PERMISSION_DENIED",
                    "The caller does not have permission",
                    403,
                )
            elif split.path == "/" or split.path.startswith("/computeMetadata/"):
                self._metadata(split.path, query)
            else:
                self._send(404, {"error": "not_found"})
        except BadGrant as exc:
            self._fail(exc)

    def _metadata(self, path: str, query: dict[str, str]) -> None:
        flavor = {"Metadata-Flavor": "Google"}
        if self.headers.get("Metadata-Flavor") != "Google":
            self._send(403, b"Missing Metadata-Flavor:Google header.", flavor)
            return
        if path == "/":
            self._send(200, b"computeMetadata/\n", flavor)
            return
        rest = path.removeprefix("/computeMetadata/v1/")
        if rest.startswith("instance/service-accounts/") and rest.endswith("/token"):
            self._send(200, self.tokens.metadata_token(query.get("scopes", "")), flavor)
        elif rest.startswith("instance/service-accounts/"):
            email = self.tokens.metadata_account or ""
            info = {
                "aliases": ["default"],
                "email": email,
                "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            }
            self._send(200, info, flavor)
        elif rest == "project/project-id":
            self._send(200, b"orc-metadata-project", flavor)
        elif rest == "universe/universe-domain":
            self._send(200, b"googleapis.com", flavor)
        else:
            self._send(404, b"Not Found", flavor)


def _handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"tokens": server})


def tokens_in(server: TokenServer) -> Iterator[str]:
    """Every access token the server issued (for leak checks)."""
    for issued in server.issued:
        yield issued.token
