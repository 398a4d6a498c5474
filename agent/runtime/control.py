"""This agent's view of the fleet control setting, refreshed by every heartbeat read.

The heartbeat hands :meth:`FleetControl.observe` the ``Leader Election`` values it has just
read for leadership, so knowing the setting costs no request of its own. The loop asks
:meth:`FleetControl.claims_tasks` before claiming; the leader asks
:meth:`FleetControl.expands_sources` before claiming a source.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from agent.coordination.control import find_control_cell
from agent.schema import FleetState

log = logging.getLogger(__name__)


class FleetControl:
    """The last fleet state seen (``RUNNING`` until a heartbeat says otherwise)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = FleetState.RUNNING
        self._bad_text: str | None = None
        #: Called with the new state whenever it changes (metrics, logs).
        self.on_change: Callable[[FleetState], None] = lambda state: None

    @property
    def state(self) -> FleetState:
        """The state this agent acts on."""
        with self._lock:
            return self._state

    def claims_tasks(self) -> bool:
        """Whether new tasks may be claimed (not ``PAUSED``)."""
        return self.state is not FleetState.PAUSED

    def expands_sources(self) -> bool:
        """Whether new sources may be claimed and expanded (``RUNNING`` only)."""
        return self.state is FleetState.RUNNING

    def observe(self, leader_values: Sequence[Sequence[str]]) -> None:
        """Take the setting from a fresh read of ``Leader Election`` (from A1).

        A cell that holds no state keeps the last one, with one warning naming the cell.
        """
        cell = find_control_cell(leader_values)
        state = cell.state
        if state is None:
            if self._bad_text != cell.text:
                self._bad_text = cell.text
                log.warning(
                    "Leader Election, fleet-control row %d: %r is not RUNNING, PAUSED or "
                    "DRAIN; keeping %s",
                    cell.row_number,
                    cell.text[:80],
                    self.state.value,
                )
            return
        self._bad_text = None
        self.set(state)

    def set(self, state: FleetState) -> None:
        """Act on ``state`` from now on."""
        with self._lock:
            changed = state is not self._state
            self._state = state
        if changed:
            log.info("fleet control: %s", state.value)
            self.on_change(state)
