"""What the chaos monitor sees of the Tasks leases: renewals, and takeovers of live holders.

Every poll hands :meth:`LeaseWatch.see` the Tasks lease cells (any order: the row ID inside the
cell names the row wherever a sort or an insert moved it). A claim is one ``(row, attempts,
owner, claimed stamp)``; each change of its renewal counter is a renewal seen. When a row's
claim gives way to another owner's claim, the old holder either gave it back (a release, a
failure retried elsewhere: the new claim follows the last renewal closely), was dead (its
process SIGKILLed: an expired lease taken over as designed), or was alive and had not renewed
within its lease length: a lapse of a live holder, which must never happen. A renewal gap of a
live holder longer than its lease length is a late renewal (a lapse waiting to happen).
Liveness is judged by the runner's own record of its processes, through
``dead_at(worker, since)``: when that worker's process alive at ``since`` died, or None while
it lives.

Polls are ``poll_s`` apart, so a gap is measured to within a poll, and a claim that lives less
than a poll may go unseen (the task log's overlap check covers short tasks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.coordination.lease import LeaseParseError, LeaseState, parse_lease

ClaimKey = tuple[str, int, str, str]  # (row id, attempts, owner, claimed stamp)


@dataclass
class _Claim:
    first_seen: float
    last_change: float
    last_seen: float
    renewals: str
    ttl_s: int
    longest_gap_s: float = 0.0


@dataclass
class LeaseWatch:
    """Claims seen in Tasks, their renewal gaps, and takeovers of live holders."""

    #: ``dead_at(worker_name, since_t)``: when the process of that name alive at ``since_t``
    #: died (SIGKILL, exit), in the runner's clock; None while it lives.
    dead_at: Callable[[str, float], float | None]
    #: The lease length of a claim that states none (``LEASE_SECONDS``).
    default_lease_s: float
    claims: dict[ClaimKey, _Claim] = field(default_factory=dict)
    current: dict[str, ClaimKey] = field(default_factory=dict)  # row id -> claim now in the cell
    lapses: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    takeovers_of_dead: int = 0
    longest: tuple[float, str] = (0.0, "")

    def see(self, t: float, cells: list[str]) -> None:
        """One poll's lease cells, at runner time ``t``."""
        for text in cells:
            try:
                lease = parse_lease(text)
            except LeaseParseError:
                continue  # blank, a header, a person's garbage
            row = lease.row_id
            if lease.state is not LeaseState.CLAIMED:
                self.current.pop(row, None)
                continue
            key = (row, lease.attempts, lease.owner, lease.stamp.partition(".")[0])
            renewals = lease.stamp.partition(".")[2]
            claim = self.claims.get(key)
            if claim is None:
                self._new_claim(t, row, key)
                self.claims[key] = _Claim(t, t, t, renewals, lease.ttl_s)
                continue
            if renewals != claim.renewals:
                self._gap(claim, t, key)
                claim.last_change = t
                claim.renewals = renewals
            claim.last_seen = t
            claim.ttl_s = lease.ttl_s

    def lease_s(self, claim: _Claim) -> float:
        """The length the holder promised to renew within."""
        return max(float(claim.ttl_s), self.default_lease_s)

    def _alive(self, key: ClaimKey, claim: _Claim, t: float) -> bool:
        died = self.dead_at(key[2].split("#", 1)[0], claim.first_seen)
        return died is None or died > t

    def _gap(self, claim: _Claim, t: float, key: ClaimKey) -> None:
        gap = t - claim.last_change
        claim.longest_gap_s = max(claim.longest_gap_s, gap)
        lease = self.lease_s(claim)
        if gap > self.longest[0]:
            self.longest = (gap, f"{key[2]} on {key[0]}, lease {lease:.0f} s")
        if gap > lease:
            self.late.append(f"row {key[0]}: {key[2]} renewed after {gap:.1f} s, lease {lease:.0f}")

    def _new_claim(self, t: float, row: str, key: ClaimKey) -> None:
        before = self.current.get(row)
        self.current[row] = key
        if before is None or before[2] == key[2]:
            return
        old = self.claims[before]
        if key[1] <= before[1]:
            # Not a takeover, which counts one more attempt than the claim it takes: a new life
            # of the task (requeued from the DLQ, attempts 0 again) whose finish and removal
            # fell between two polls, or a claim given back with its attempt refunded.
            return
        if not self._alive(before, old, t):
            self.takeovers_of_dead += 1
            return
        silent = t - old.last_change
        if silent < self.lease_s(old):
            return  # given back (a release, a retry elsewhere) and claimed again at once
        self.lapses.append(
            f"row {row}: {before[2]} (alive, last renewal seen {silent:.1f} s before, lease "
            f"{self.lease_s(old):.0f} s) taken over by {key[2]} at {t:.1f} s"
        )

    def longest_gap_text(self) -> str:
        """The longest gap between two renewals seen of a live holder, and whose it was."""
        gap, who = self.longest
        return f"{gap:.1f} ({who})" if who else "0.0 (no renewal seen)"

    def claims_seen(self) -> int:
        """Distinct claims seen."""
        return len(self.claims)
