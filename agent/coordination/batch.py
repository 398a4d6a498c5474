"""Collecting many requests into one ``spreadsheets.batchUpdate``.

Callers add requests with an optional reply handler; :meth:`WriteBatch.flush` sends them as one
API call. When the outcome is ambiguous (the call may or may not have been applied) every
handler is told so (``None``) and resolves it by reading the sheet back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.errors import AmbiguousWriteError
from agent.sheets.gateway import SheetsGateway

ReplyHandler = Callable[[dict[str, Any] | None], None]


@dataclass
class WriteBatch:
    """Requests waiting to go out together, in order."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    handlers: list[ReplyHandler | None] = field(default_factory=list)

    def add(self, request: dict[str, Any], on_reply: ReplyHandler | None = None) -> None:
        """Queue ``request``; ``on_reply`` gets its reply (``None`` when ambiguous)."""
        self.requests.append(request)
        self.handlers.append(on_reply)

    def extend(self, other: WriteBatch) -> None:
        """Append every request of ``other`` after ours."""
        self.requests.extend(other.requests)
        self.handlers.extend(other.handlers)

    def __len__(self) -> int:
        return len(self.requests)

    def flush(self, gateway: SheetsGateway) -> bool:
        """Send everything as one call; return False when the outcome was ambiguous."""
        if not self.requests:
            return True
        requests, handlers = self.requests, self.handlers
        self.requests, self.handlers = [], []
        try:
            replies = gateway.batch_update(requests)
        except AmbiguousWriteError:
            for handler in handlers:
                if handler is not None:
                    handler(None)
            return False
        for handler, reply in zip(handlers, replies, strict=False):
            if handler is not None:
                handler(reply)
        return True
