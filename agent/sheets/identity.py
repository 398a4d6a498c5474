"""Which account a client signs in as: the quota identity the fleet shares.

Google counts the per-minute quotas per account, so the agents that share one account must
share its budget. The label is written in the agent's Workers row (never a secret): the
service account's e-mail when the credentials know it, or a short fingerprint of the bearer
token the emulator is given.
"""

from __future__ import annotations

import hashlib
from typing import Any

import gspread


def account_label(client: gspread.Client) -> str:
    """A label naming the account ``client`` signs in as ('' when it cannot be told)."""
    http: Any = client.http_client
    credentials = getattr(http, "auth", None)
    email = getattr(credentials, "service_account_email", None)
    if isinstance(email, str) and "@" in email:
        return email
    token = getattr(http, "token", None) or getattr(http, "user", None)
    if isinstance(token, str) and token:
        return "emulator:" + hashlib.sha256(token.encode()).hexdigest()[:10]
    return ""
