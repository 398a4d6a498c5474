"""The only place the benchmarks read the emulator's stats: :func:`counts`.

Every figure per agent comes from here: read and write counts per client (``users`` in the
stats: the client's label, today the bearer token, which the agent sets to its worker name), the
429s sent and the quota's refusals. The tap names the sender of each request the same way
(``bench.tap._user``). When the emulator changes how it tells clients apart (a fleet sharing one
quota identity, told apart by a client label), these are the two places that change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EmulatorCounts:
    """What the emulator counted since its stats were last reset."""

    #: client name -> ``{"read": n, "write": n, "drive": n}``
    by_client: dict[str, Counter[str]] = field(default_factory=dict)
    #: every 429 the emulator answered (quota and injected faults)
    http_429: int = 0
    #: requests the quota refused, by limit (``read_per_user``, ``write_per_project`` ...)
    quota_refused: dict[str, int] = field(default_factory=dict)

    def of_clients(self, prefix: str) -> Counter[str]:
        """Reads, writes and Drive calls summed over the clients whose name starts ``prefix``."""
        out: Counter[str] = Counter()
        for client, kinds in self.by_client.items():
            if client.startswith(prefix):
                out.update(kinds)
        return out


def counts(stats: Mapping[str, Any]) -> EmulatorCounts:
    """Read ``stats`` (the JSON of ``GET /_emulator/stats`` or ``EmulatorServer.stats()``)."""
    by_client = {
        str(client): Counter({kind: int(n) for kind, n in kinds.items()})
        for client, kinds in stats["users"].items()
    }
    return EmulatorCounts(
        by_client=by_client,
        http_429=int(stats["http_429_sent"]),
        quota_refused={str(k): int(v) for k, v in stats["quota"]["by_limit"].items()},
    )
