"""The fleet control cell: ``RUNNING``, ``PAUSED`` or ``DRAIN`` for the whole fleet.

It is the Lease cell of the ``fleet-control`` row of ``Leader Election``, a tab every agent's
heartbeat reads whole at each interval, so agents learn the setting at no extra cost. The cell
holds the bare state (``PAUSED``), so a person may also type it; it is read without regard to
case or surrounding blanks. A missing row or an empty cell means ``RUNNING``.

:func:`set_fleet_state` writes it (``orc pause`` / ``resume`` / ``drain``): by a ``findReplace``
that matches only a state value in the Lease column, so a row moved meanwhile is still the one
written; when the cell holds something else (a typo), by position from the read just made, RAW.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.coordination.cas import occurrences, pattern_cas_request
from agent.errors import SchemaError
from agent.schema import FLEET_CONTROL_NAME, LEADER_ELECTION, ColumnMap, FleetState
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import column_map

#: Matches a cell of the Lease column that holds a state exactly as the agents write it.
STATE_PATTERN = "^(?:" + "|".join(s.value for s in FleetState) + ")$"


@dataclass(frozen=True)
class ControlCell:
    """What the ``fleet-control`` row holds: its row number (0: no row) and its text."""

    row_number: int
    text: str

    @property
    def state(self) -> FleetState | None:
        """The state written there; ``RUNNING`` when empty; ``None`` when unreadable."""
        return parse_fleet_state(self.text)


def parse_fleet_state(text: str) -> FleetState | None:
    """``text`` as a state (any case, blanks ignored; empty is ``RUNNING``); None if not one."""
    cleaned = text.strip().upper()
    if not cleaned:
        return FleetState.RUNNING
    try:
        return FleetState(cleaned)
    except ValueError:
        return None


def find_control_cell(values: Sequence[Sequence[str]]) -> ControlCell:
    """The ``fleet-control`` row in the values of ``Leader Election`` read from A1."""
    if not values:
        return ControlCell(0, "")
    cmap = column_map(LEADER_ELECTION, values, require=False)
    if "election_name" not in cmap.index or "lease" not in cmap.index:
        return ControlCell(0, "")
    name_col, lease_col = cmap.col("election_name"), cmap.col("lease")
    for offset, row in enumerate(values[1:]):
        if name_col < len(row) and row[name_col].strip() == FLEET_CONTROL_NAME:
            return ControlCell(offset + 2, row[lease_col] if lease_col < len(row) else "")
    return ControlCell(0, "")


def control_range() -> str:
    """The range read to find the cell: the same one the heartbeat reads."""
    return f"{quote_title(LEADER_ELECTION.title)}!A1:Z20"


def read_fleet_state(gateway: SheetsGateway) -> tuple[FleetState | None, str]:
    """One read: the state and the cell's raw text (``None`` when that text is no state)."""
    (values,) = gateway.read([control_range()])
    cell = find_control_cell(values)
    return cell.state, cell.text


def set_fleet_state(gateway: SheetsGateway, state: FleetState) -> str:
    """Write ``state`` to the control cell (creating the row if needed); return the old text."""
    if LEADER_ELECTION.title not in gateway.tabs:
        raise SchemaError(LEADER_ELECTION.title, "missing: run `orc init` first")
    (values,) = gateway.read([control_range()])
    if not values:
        raise SchemaError(LEADER_ELECTION.title, "no header row: run `orc init` first")
    cmap = column_map(LEADER_ELECTION, values)
    cell = find_control_cell(values)
    if cell.row_number == 0:
        gateway.append(LEADER_ELECTION.title, [control_row(cmap, state)])
        return ""
    lease_col = cmap.col("lease")
    if cell.text.strip() in {s.value for s in FleetState} and cell.text == cell.text.strip():
        sheet_id = gateway.tab(LEADER_ELECTION.title).sheet_id
        (reply,) = gateway.batch_update(
            [pattern_cas_request(sheet_id, lease_col, STATE_PATTERN, state.value)]
        )
        if occurrences(reply) >= 1:
            return cell.text
    # Empty, typed by hand in another case, or unreadable: written by position, RAW.
    a1 = f"{quote_title(LEADER_ELECTION.title)}!{column_letter(lease_col)}{cell.row_number}"
    gateway.write_values([(a1, [[state.value]])])
    return cell.text


def fleet_status(records: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """``orc status``'s ``fleet``: the state (``UNREADABLE`` when the cell holds no state)
    and the cell's text, from the records of ``Leader Election``."""
    for record in records:
        if record.get("election_name", "").strip() == FLEET_CONTROL_NAME:
            text = record.get("lease", "")
            state = parse_fleet_state(text)
            return {"state": state.value if state else "UNREADABLE", "cell": text}
    return {"state": FleetState.RUNNING.value, "cell": ""}


def control_row(cmap: ColumnMap, state: FleetState = FleetState.RUNNING) -> list[str | None]:
    """The ``fleet-control`` row holding ``state`` (``orc init`` appends it ``RUNNING``)."""
    return cmap.row_from({"election_name": FLEET_CONTROL_NAME, "lease": state.value})


__all__ = [
    "ControlCell",
    "control_range",
    "control_row",
    "find_control_cell",
    "fleet_status",
    "parse_fleet_state",
    "read_fleet_state",
    "set_fleet_state",
]
