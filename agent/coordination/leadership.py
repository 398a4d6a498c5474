"""Leadership: one lease cell on the ``Leader Election`` tab, taken and renewed by CAS.

Lease cell: ``<election name>|<term>|<owner or ->|<renewals>[|<ttl s>]``; the optional last
field is the lease length the holder promises to renew within (it grows with the fleet on one
account, see :mod:`agent.coordination.timing`). The term grows at every
takeover and is the fencing token leader work checks. Expiry is judged on this agent's
monotonic clock from when it first saw the current value (see observer.py), never on wall
clocks, so agents whose clocks disagree by minutes still never both lead: a holder stops
acting a safety margin before anyone else may take over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent.clock import utc_iso
from agent.coordination.batch import WriteBatch
from agent.coordination.cas import cas_request, occurrences, set_cell_request
from agent.coordination.lease import MAX_TTL_S
from agent.coordination.observer import LeaseObserver
from agent.schema import LEADER_ELECTION, LEADER_ELECTION_NAME, ColumnMap
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import column_map

log = logging.getLogger(__name__)

FREE = "-"
#: A leader stops acting this fraction of the lease after its last confirmed renewal.
SAFETY_FRACTION = 0.8


@dataclass(frozen=True)
class LeaderLease:
    """A parsed leader lease cell."""

    election: str
    term: int
    owner: str
    renewals: int
    ttl_s: int = 0

    def encode(self) -> str:
        """The cell text."""
        text = f"{self.election}|{self.term}|{self.owner}|{self.renewals}"
        return f"{text}|{self.ttl_s}" if self.ttl_s and self.owner != FREE else text

    @property
    def owner_name(self) -> str:
        """The worker name of the holder ('' when free)."""
        return "" if self.owner == FREE else self.owner.split("#", 1)[0]


def parse_leader_lease(text: str) -> LeaderLease | None:
    """Parse a leader lease cell; ``None`` when it is not one."""
    parts = text.strip().split("|")
    if len(parts) == 5 and parts[4].isdigit():
        ttl, parts = min(int(parts[4]), MAX_TTL_S), parts[:4]
    else:
        ttl = 0
    if len(parts) != 4 or not parts[1].isdigit() or not parts[3].lstrip("-").isdigit():
        return None
    return LeaderLease(parts[0], int(parts[1]), parts[2] or FREE, int(parts[3]), ttl)


def initial_lease() -> str:
    """The lease cell of a fresh election row: nobody leads, term 0."""
    return LeaderLease(LEADER_ELECTION_NAME, 0, FREE, 0).encode()


class LeaderElection:
    """This agent's view of the election, and its claim on it."""

    def __init__(
        self,
        gateway: SheetsGateway,
        owner: str,
        lease_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway = gateway
        self.owner = owner
        self.lease_s = lease_s
        self._monotonic = monotonic
        self._wall = wall_clock
        self.observer = LeaseObserver(monotonic)
        self.cmap: ColumnMap | None = None
        self.seen: LeaderLease | None = None
        self.term = 0
        self._valid_until = 0.0
        self.held: LeaderLease | None = None
        self._lock = threading.Lock()
        self.terms_won: list[int] = []
        #: The lease length written into this agent's leadership (0: observers use their own).
        self.ttl_s = 0

    # ------------------------------------------------------------------ state
    def is_leader(self) -> bool:
        """Whether this agent may act as leader right now."""
        with self._lock:
            return self.term > 0 and self._monotonic() < self._valid_until

    def current_term(self) -> int:
        """The term this agent leads in (0 when it does not lead)."""
        return self.term if self.is_leader() else 0

    def check_term(self, term: int) -> bool:
        """Fencing: whether leader work started in ``term`` may go on."""
        return term > 0 and self.is_leader() and self.term == term

    # ------------------------------------------------------------------ cycle
    def header_range(self) -> str:
        """The range the heartbeat reads for the election (whole tab; it has a row or two)."""
        return f"'{LEADER_ELECTION.title}'!A1:Z20"

    def plan(
        self, values: Sequence[Sequence[str]], batch: WriteBatch, *, renew_only: bool = False
    ) -> None:
        """From a fresh read of the tab, add renewal or takeover (and display) to ``batch``.

        ``renew_only`` (an agent that is stopping) keeps a leadership it holds but takes none.
        """
        if not values:
            return
        self.cmap = column_map(LEADER_ELECTION, values)
        found = self._find_row(values)
        if found is None:
            return
        row_number, text = found
        lease = parse_leader_lease(text)
        if lease is None:
            log.warning("Leader Election: unreadable lease cell %r; left alone", text)
            return
        self.seen = lease
        age = self.observer.observe("leader", text)
        if lease.owner == self.owner and lease.term == self.term:
            new = LeaderLease(
                lease.election, lease.term, self.owner, lease.renewals + 1, self.ttl_s
            )
        elif not renew_only and (lease.owner == FREE or age >= max(self.lease_s, lease.ttl_s)):
            new = LeaderLease(lease.election, lease.term + 1, self.owner, 0, self.ttl_s)
        else:
            if self.term and lease.term != self.term:
                self._step_down("another agent took over")
            return
        self._add_cas(text, new, batch)
        self._add_display(row_number, new, batch)

    def _find_row(self, values: Sequence[Sequence[str]]) -> tuple[int, str] | None:
        assert self.cmap is not None
        name_col, lease_col = self.cmap.col("election_name"), self.cmap.col("lease")
        for offset, row in enumerate(values[1:]):
            if name_col < len(row) and row[name_col].strip() == LEADER_ELECTION_NAME:
                return offset + 2, row[lease_col] if lease_col < len(row) else ""
        return None

    def _add_cas(self, old: str, new: LeaderLease, batch: WriteBatch) -> None:
        assert self.cmap is not None
        sent_at = self._monotonic()
        sheet_id = self.gateway.tab(LEADER_ELECTION.title).sheet_id
        request = cas_request(sheet_id, self.cmap.col("lease"), old, new.encode())

        def on_reply(reply: dict[str, Any] | None) -> None:
            if reply is None:
                reply = self._read_back(new)
            if occurrences(reply) >= 1:
                self._confirmed(new, sent_at)
            elif self.term:
                self._step_down("renewal lost")

        batch.add(request, on_reply)

    def _read_back(self, new: LeaderLease) -> dict[str, Any]:
        (values,) = self.gateway.read([self.header_range()])
        if not values:
            return {}
        found = self._find_row(values)
        won = found is not None and found[1] == new.encode()
        return {"findReplace": {"occurrencesChanged": 1}} if won else {}

    def _confirmed(self, new: LeaderLease, sent_at: float) -> None:
        with self._lock:
            if new.term != self.term:
                log.info("became leader, term %d", new.term)
                self.terms_won.append(new.term)
            self.term = new.term
            self.held = new
            # Counted from when the request left: the observers' clocks start later than that.
            self._valid_until = sent_at + max(self.lease_s, new.ttl_s) * SAFETY_FRACTION

    def _step_down(self, why: str) -> None:
        with self._lock:
            if self.term:
                log.info("no longer leader (term %d): %s", self.term, why)
            self.term = 0
            self._valid_until = 0.0

    def _add_display(self, row_number: int, new: LeaderLease, batch: WriteBatch) -> None:
        assert self.cmap is not None
        sheet_id = self.gateway.tab(LEADER_ELECTION.title).sheet_id
        cells = {
            "worker_id": new.owner_name,
            "expires_at": utc_iso(self._wall() + max(self.lease_s, new.ttl_s)),
            "term": str(new.term),
        }
        for key, text in cells.items():
            request = set_cell_request(sheet_id, row_number - 1, self.cmap.col(key), text)
            batch.add(request, display=True)

    def release(self) -> None:
        """Give up leadership at once (shutdown): the next agent need not wait for expiry."""
        held = self.held
        if not self.term or self.cmap is None or held is None:
            return
        freed = LeaderLease(held.election, held.term, FREE, held.renewals + 1)
        self._step_down("released")
        batch = WriteBatch()
        sheet_id = self.gateway.tab(LEADER_ELECTION.title).sheet_id
        batch.add(cas_request(sheet_id, self.cmap.col("lease"), held.encode(), freed.encode()))
        batch.flush(self.gateway)


__all__ = ["LeaderElection", "LeaderLease", "initial_lease", "parse_leader_lease"]
