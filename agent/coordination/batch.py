"""Collecting many requests into one ``spreadsheets.batchUpdate``.

Callers add requests with an optional reply handler; :meth:`WriteBatch.flush` sends them as one
API call. When the outcome is ambiguous (the call may or may not have been applied) every
handler is told so (``None``) and resolves it by reading the sheet back.

Requests are lease-critical (a claim, a renewal, a finish, a tombstone, leadership) or display
only (the Workers row, Status and Worker cells). They travel together, one write per cycle, but
a display request never takes a lease down with it: when Google refuses a mixed batch (a
protected or deleted tab, a bad range: the whole batch fails), the critical requests are sent
again on their own, and the refusing tab's display writes are skipped for a while (see
:mod:`agent.sheets.refusals`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.errors import AmbiguousWriteError, SheetsError
from agent.sheets.gateway import SheetsGateway
from agent.sheets.refusals import sheet_ids_of

ReplyHandler = Callable[[dict[str, Any] | None], None]

#: Google answers a refused batch (protection, missing grid, bad range) with this status.
REFUSED_STATUS = 400


@dataclass
class WriteBatch:
    """Requests waiting to go out together, in order."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    handlers: list[ReplyHandler | None] = field(default_factory=list)
    display: list[bool] = field(default_factory=list)

    def add(
        self,
        request: dict[str, Any],
        on_reply: ReplyHandler | None = None,
        *,
        display: bool = False,
    ) -> None:
        """Queue ``request``; ``on_reply`` gets its reply (``None`` when ambiguous).

        ``display`` marks a request that only shows state: it may be dropped when its tab
        refuses writes, and it never makes a lease-critical request of the batch fail.
        """
        if display and on_reply is not None:
            raise ValueError("display requests take no reply handler")
        self.requests.append(request)
        self.handlers.append(on_reply)
        self.display.append(display)

    def extend(self, other: WriteBatch) -> None:
        """Append every request of ``other`` after ours."""
        self.requests.extend(other.requests)
        self.handlers.extend(other.handlers)
        self.display.extend(other.display)

    def __len__(self) -> int:
        return len(self.requests)

    def flush(self, gateway: SheetsGateway) -> bool:
        """Send everything as one call; return False when the outcome was ambiguous."""
        items = list(zip(self.requests, self.handlers, self.display, strict=True))
        self.requests, self.handlers, self.display = [], [], []
        items = [
            item
            for item in items
            if not (item[2] and gateway.refusals.blocked(sheet_ids_of(item[0])))
        ]
        if not items:
            return True
        try:
            replies = gateway.batch_update([request for request, _, _ in items])
        except AmbiguousWriteError:
            for _, handler, _ in items:
                if handler is not None:
                    handler(None)
            return False
        except SheetsError as exc:
            if exc.status != REFUSED_STATUS:
                raise
            critical = [item for item in items if not item[2]]
            _diagnose(gateway, items, exc, lost_leases=len(critical) == len(items))
            if len(critical) == len(items):
                raise
            retry = WriteBatch()
            for request, handler, _ in critical:
                retry.add(request, handler)
            return retry.flush(gateway)
        gateway.refusals.cleared(
            sheet_id for request, _, shown in items if shown for sheet_id in sheet_ids_of(request)
        )
        for (_, handler, _), reply in zip(items, replies, strict=False):
            if handler is not None:
                handler(reply)
        return True


def _diagnose(
    gateway: SheetsGateway,
    items: list[tuple[dict[str, Any], ReplyHandler | None, bool]],
    exc: SheetsError,
    *,
    lost_leases: bool,
) -> None:
    """Find which tabs refused (one metadata read) and record them with the reason."""
    try:
        protected = gateway.protections()
    except SheetsError:
        protected = {}
    targets = {
        sheet_id
        for request, _, shown in items
        if shown or lost_leases
        for sheet_id in sheet_ids_of(request)
    }
    named = {sid: reason for sid, reason in protected.items() if sid in targets}
    what = (
        "claims and lease renewals there fail until it is fixed"
        if lost_leases
        else "leases are unaffected; its display cells are skipped for now"
    )
    if named:
        for sheet_id, reason in named.items():
            gateway.refusals.record(gateway.title_of(sheet_id), sheet_id, reason, what=what)
        return
    message = str(exc).split("HTTP 400: ", 1)[-1]
    for sheet_id in targets:
        gateway.refusals.record(
            gateway.title_of(sheet_id) or f"sheet {sheet_id}",
            sheet_id,
            f"Google refused the write ({message})",
            what=what,
        )
