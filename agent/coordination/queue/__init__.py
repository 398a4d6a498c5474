"""The claim queue: a queue tab with its History and DLQ (see :class:`QueueTab`).

One module per job: :mod:`.plan` (which rows to claim; pure), :mod:`.window` (reading windows
of rows), :mod:`.lookup` (finding rows by content), :mod:`.display` (display cells from the
lease), :mod:`.moves` (History / DLQ appends), :mod:`.tombstones` (removing moved rows) and
:mod:`.tab` (the claim cycle that ties them together).
"""

from __future__ import annotations

from agent.coordination.queue.lookup import ids_in_tail
from agent.coordination.queue.model import Claim, ClaimOutcome, Cycle, Problem
from agent.coordination.queue.tab import QueueTab

__all__ = ["Claim", "ClaimOutcome", "Cycle", "Problem", "QueueTab", "ids_in_tail"]
