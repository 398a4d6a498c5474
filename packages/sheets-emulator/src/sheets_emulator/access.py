"""May the caller: strict authentication, and per-spreadsheet sharing, over :mod:`.identity`.

Tokens are registered by whoever issued them (a test's token server, ``PUT /_emulator/tokens``)
and map to the account they were issued for (:class:`~sheets_emulator.identity.Accounts`); that
account is the quota identity. With ``strict`` off (the default) a token the table does not know
is an account of its own, so fleets without real credentials keep working. With ``strict`` on
(``PUT /_emulator/access {"strict": true}``):

* a request without a token, or with an unknown or revoked one, gets Google's 401
  ``UNAUTHENTICATED``;
* a spreadsheet is open to the account that created it and to the accounts it was shared with
  through Drive v3 ``permissions.create`` (what gspread's ``Spreadsheet.share`` sends); any other
  account gets the Sheets API's 403 ``PERMISSION_DENIED`` (Drive answers 404, as Google's Drive
  does for a file the caller cannot see). Spreadsheets created before strict mode (no recorded
  owner) stay open to every known account.

The quota project of a request is its ``x-goog-user-project`` header when sent (user
credentials with a quota project), else the project in a service account's address
(``name@PROJECT.iam.gserviceaccount.com``), else ``default``: each project has its own
per-project quota window.

Sharing is kept in memory: it does not survive a restart of an emulator run with ``--data``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sheets_emulator.errors import ApiError, drive_not_found
from sheets_emulator.identity import Accounts, Identity

UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
MISSING_MESSAGE = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
PERMISSION_DENIED_MESSAGE = "The caller does not have permission"
DEFAULT_PROJECT = "default"

_SA_PROJECT = re.compile(r"^[^@]+@([a-z][a-z0-9-]*)\.iam\.gserviceaccount\.com$")
_PERMISSIONS = re.compile(r"^/drive/v3/files/(?P<file>[^/]+)/permissions(?:/(?P<perm>[^/]+))?/?$")
_ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
_TYPES = ("user", "group", "domain", "anyone")


@dataclass(frozen=True)
class Caller:
    """One request's identity and the project its quota is charged to."""

    identity: Identity
    project: str

    @property
    def account(self) -> str:
        """The account (the quota user)."""
        return self.identity.account


def unauthenticated(missing: bool = False) -> ApiError:
    """Google's 401 for a request without valid credentials."""
    reason = "CREDENTIALS_MISSING" if missing else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
    detail = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "sheets.googleapis.com", "method": "google.apps.sheets.v4"},
    }
    message = MISSING_MESSAGE if missing else UNAUTHENTICATED_MESSAGE
    return ApiError(
        401,
        message,
        details=[detail],
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def permission_denied() -> ApiError:
    """The Sheets API's 403 for a spreadsheet the caller has no access to."""
    return ApiError(403, PERMISSION_DENIED_MESSAGE)


def project_of_account(account: str) -> str | None:
    """The project in a service account's address, or None."""
    found = _SA_PROJECT.match(account)
    return found.group(1) if found else None


class Access:
    """Strict mode and per-spreadsheet sharing, on top of the token table."""

    def __init__(self, accounts: Accounts) -> None:
        self._lock = threading.Lock()
        self.accounts = accounts
        self.strict = False
        self._owners: dict[str, str] = {}
        self._shared: dict[str, dict[str, dict[str, Any]]] = {}

    def reset(self) -> None:
        """Forget sharing and leave strict mode (the token table resets on its own)."""
        with self._lock:
            self.strict = False
            self._owners.clear()
            self._shared.clear()

    def describe(self) -> dict[str, Any]:
        """What ``GET /_emulator/access`` shows."""
        with self._lock:
            return {
                "strict": self.strict,
                "owners": dict(self._owners),
                "shared": {k: sorted(v) for k, v in self._shared.items()},
            }

    def identify(self, headers: Mapping[str, str]) -> Caller | ApiError:
        """The caller of a request (``headers`` in lower case), or the 401 to send."""
        identity = self.accounts.identify(headers)
        if self.strict:
            if identity.token is None:
                return unauthenticated(missing=True)
            if identity.token not in self.accounts.table():
                return unauthenticated()
        user_project = (headers.get("x-goog-user-project") or "").strip() or None
        project = user_project or project_of_account(identity.account) or DEFAULT_PROJECT
        return Caller(identity, project)

    # -- sharing -----------------------------------------------------------------------------

    def record_owner(self, spreadsheet_id: str, account: str) -> None:
        """``account`` created ``spreadsheet_id``."""
        with self._lock:
            self._owners.setdefault(spreadsheet_id, account)

    def may_open(self, spreadsheet_id: str, caller: Caller) -> bool:
        """Whether ``caller`` may use the spreadsheet (always, outside strict mode)."""
        with self._lock:
            if not self.strict:
                return True
            owner = self._owners.get(spreadsheet_id)
            if owner is None:
                return True
            shared = self._shared.get(spreadsheet_id, {})
            return caller.account == owner or caller.account in shared or "anyone" in shared

    def permissions(
        self, method: str, path: str, caller: Caller, body: bytes, exists: bool
    ) -> tuple[int, Any] | None:
        """Drive v3 ``permissions`` create, list, delete; None when ``path`` is not one."""
        found = _PERMISSIONS.match(path)
        if found is None:
            return None
        file_id, perm_id = found.group("file"), found.group("perm")
        if not exists or not self.may_open(file_id, caller):
            raise drive_not_found(file_id)
        if method == "POST" and perm_id is None:
            return 200, self._create(file_id, caller, body)
        if method == "GET" and perm_id is None:
            return 200, {"kind": "drive#permissionList", "permissions": self._list(file_id)}
        if method == "DELETE" and perm_id is not None:
            with self._lock:
                shared = self._shared.get(file_id, {})
                for key, perm in list(shared.items()):
                    if perm["id"] == perm_id:
                        del shared[key]
                        return 204, None
            raise ApiError(404, f"Permission not found: {perm_id}.", drive_reason="notFound")
        raise ApiError(405, f"Method not allowed: {method} {path}", drive_reason="badRequest")

    def _create(self, file_id: str, caller: Caller, body: bytes) -> dict[str, Any]:
        try:
            spec = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(
                400, "Invalid JSON payload received.", drive_reason="parseError"
            ) from None
        if not isinstance(spec, dict):
            raise ApiError(400, "Invalid JSON payload received.", drive_reason="parseError")
        kind, role = spec.get("type"), spec.get("role")
        if kind not in _TYPES:
            raise ApiError(400, "Invalid permission type specified", drive_reason="invalid")
        if role not in _ROLES:
            raise ApiError(400, "Invalid permission role specified", drive_reason="invalid")
        email = spec.get("emailAddress") or spec.get("domain") or ""
        if kind in ("user", "group") and not email:
            raise ApiError(
                400, "The permission emailAddress field is required", drive_reason="required"
            )
        key = "anyone" if kind == "anyone" else str(email)
        perm = {"kind": "drive#permission", "id": _perm_id(key), "type": kind, "role": role}
        with self._lock:
            self._owners.setdefault(file_id, caller.account)
            self._shared.setdefault(file_id, {})[key] = perm
        return dict(perm)

    def _list(self, file_id: str) -> list[dict[str, Any]]:
        with self._lock:
            owner = self._owners.get(file_id)
            out = [dict(p) for p in self._shared.get(file_id, {}).values()]
        if owner is not None:
            out.insert(
                0,
                {
                    "kind": "drive#permission",
                    "id": _perm_id(owner),
                    "type": "user",
                    "role": "owner",
                },
            )
        return out


def _perm_id(key: str) -> str:
    # Drive's permission IDs are opaque; a stable digest of the grantee keeps them repeatable.
    import hashlib

    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def control(access: Access, method: str, name: str, body: bytes) -> tuple[int, Any] | None:
    """``/_emulator/access``: ``GET`` shows it, ``PUT {"strict": true|false}`` sets strict mode;
    None for any other control endpoint."""
    if name != "access":
        return None
    if method == "GET":
        return 200, access.describe()
    if method in ("PUT", "POST", "PATCH"):
        strict = _object(body).get("strict")
        if not isinstance(strict, bool):
            raise ValueError("strict must be true or false")
        with access._lock:
            access.strict = strict
        return 200, access.describe()
    return None


def _object(body: bytes) -> dict[str, Any]:
    value = json.loads(body or b"{}")
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value
