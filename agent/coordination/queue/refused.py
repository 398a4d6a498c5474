"""Moves that History or DLQ refuse (a protection that leaves the agents' account out)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.coordination.lease import LeaseState
from agent.coordination.queue.model import ClaimOutcome
from agent.errors import SheetsError
from agent.schema import TabSpec
from agent.sheets.gateway import SheetsGateway


def record_refused_move(
    gateway: SheetsGateway,
    outcomes: Sequence[ClaimOutcome],
    targets: tuple[TabSpec, TabSpec],
    exc: SheetsError,
) -> None:
    """Name the refusing tab (History for DONE, DLQ for FAILED) and why, once per refusal.

    The protections are read once (one metadata read) while the tab is not yet known to
    refuse; the rows themselves stay finished in the queue tab and move later.
    """
    history, dlq = targets
    wanted = {history if o.state is LeaseState.DONE else dlq for o in outcomes}
    infos = [gateway.tab(spec.title) for spec in wanted]
    if all(gateway.refusals.blocked([info.sheet_id]) for info in infos):
        return
    try:
        protected = gateway.protections()
    except SheetsError:
        protected = {}
    for info in infos:
        reason = protected.get(info.sheet_id) or f"Google refused the write ({exc})"
        what = "finished rows wait in the queue tab and move once it accepts them"
        gateway.refusals.record(info.title, info.sheet_id, reason, what=what)
