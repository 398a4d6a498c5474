"""The display columns of a queue row (Status, Claimed At, Worker, Attempts), derived from
its lease and rewritten by position when they disagree (cosmetic; see docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.clock import utc_iso
from agent.coordination.batch import WriteBatch
from agent.coordination.cas import set_cell_request
from agent.coordination.lease import Lease, LeaseState
from agent.coordination.rows import QueueRow
from agent.schema import ColumnMap, Status

#: Display columns rewritten from the lease.
DISPLAY_KEYS = ("status", "claimed_at", "worker", "attempts")


def display_of(lease: Lease) -> dict[str, str]:
    """The display columns a row with ``lease`` should show."""
    held = lease.state is not LeaseState.PENDING
    return {
        "status": Status(lease.state.value).value,
        "claimed_at": utc_iso(lease.stamp_epoch_s) if held and lease.stamp_epoch_s else "",
        "worker": lease.owner_name if held else "",
        "attempts": str(lease.attempts),
    }


def project(
    rows: Sequence[QueueRow],
    planned: Mapping[str, Lease],
    cmap: ColumnMap,
    sheet_id: int,
    batch: WriteBatch,
) -> None:
    """Add writes for display cells that disagree with the lease (``planned`` wins)."""
    for row in rows:
        lease = planned.get(row.row_id, row.lease)
        if lease is None:
            continue
        for key, text in display_of(lease).items():
            if key in cmap.index and row.value(cmap, key) != text:
                request = set_cell_request(sheet_id, row.row_number - 1, cmap.col(key), text)
                batch.add(request, display=True)
