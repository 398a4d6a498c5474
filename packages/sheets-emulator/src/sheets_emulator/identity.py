"""Who a request is: the account its credential belongs to (quota), and a client label (stats).

Google counts the per-minute quotas per *user*, which for a service account is the account, not
the process or machine using its key: ten workers signed in with one key are one user. Here the
credential is the bearer token; :class:`Accounts` maps tokens to accounts (a table filled by
``PUT /_emulator/tokens``), and a token nobody registered is an account of its own. Every
decision about who a request is goes through :meth:`Accounts.identify`, so that checking real
OAuth tokens (401/403) can be added in one place.

The client label is for stats only and never for quota: a client may name itself with a
``worker/<label>`` product token in its ``User-Agent`` (URL-quoted), as the agent does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

ANONYMOUS = "anonymous"
_LABEL = re.compile(r"(?:^|\s)worker/(\S+)")


@dataclass(frozen=True)
class Identity:
    """The account a request counts against, and the label its client gave itself."""

    account: str
    token: str | None
    label: str | None

    @property
    def stats_user(self) -> str:
        """The name requests are counted under in ``stats.users``: label, else account."""
        return self.label or self.account


class Accounts:
    """The token -> account table and the one function that identifies a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}

    def register(self, tokens: Mapping[str, Any]) -> dict[str, str]:
        """Add or change tokens (a ``None`` account removes one); returns the whole table."""
        checked: dict[str, str | None] = {}
        for token, account in tokens.items():
            if not isinstance(token, str) or not token:
                raise ValueError("tokens must be non-empty strings")
            if account is not None and (not isinstance(account, str) or not account):
                raise ValueError(f"the account for token {token[:4]}... must be a string")
            checked[token] = account
        with self._lock:
            for token, account in checked.items():
                if account is None:
                    self._tokens.pop(token, None)
                else:
                    self._tokens[token] = account
            return dict(self._tokens)

    def table(self) -> dict[str, str]:
        """Every registered token and its account."""
        with self._lock:
            return dict(self._tokens)

    def reset(self) -> None:
        """Forget every registered token."""
        with self._lock:
            self._tokens.clear()

    def identify(self, headers: Mapping[str, str]) -> Identity:
        """The identity of a request (``headers`` keys in lower case)."""
        token = bearer_token(headers)
        with self._lock:
            account = ANONYMOUS if token is None else self._tokens.get(token, token)
        return Identity(account, token, client_label(headers))


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The bearer token of ``Authorization``, or None."""
    value = headers.get("authorization") or ""
    if value.lower().startswith("bearer "):
        token = value[7:].strip()
        if token:
            return token
    return None


def client_label(headers: Mapping[str, str]) -> str | None:
    """The ``worker/<label>`` product token of ``User-Agent``, or None."""
    found = _LABEL.search(headers.get("user-agent") or "")
    return unquote(found.group(1)) if found else None
