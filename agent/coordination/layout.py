"""``orc init``: create or repair the tabs, headers, validation and header protection.

Idempotent: a second run changes nothing. Existing headers (in either language) are kept;
missing ones are added after the last used column, in the tab's language; user columns stay.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.coordination.control import control_row
from agent.coordination.leadership import initial_lease
from agent.schema import (
    ALL_TABS,
    FLEET_CONTROL_NAME,
    LEADER_ELECTION,
    LEADER_ELECTION_NAME,
    ColumnMap,
    Language,
    Status,
    TabSpec,
    WorkerStatus,
)
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import header_range

log = logging.getLogger(__name__)

PROTECTION_DESCRIPTION = "yt-gsheet-orchestrator header row"


@dataclass
class InitReport:
    """What ``orc init`` changed."""

    tabs_created: list[str] = field(default_factory=list)
    headers_added: dict[str, list[str]] = field(default_factory=dict)
    validations_set: list[str] = field(default_factory=list)
    protections_added: list[str] = field(default_factory=list)
    leader_row_added: bool = False
    control_row_added: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything was changed."""
        return bool(
            self.tabs_created
            or self.headers_added
            or self.protections_added
            or self.leader_row_added
            or self.control_row_added
        )


def init_spreadsheet(gateway: SheetsGateway, language: Language = "en") -> InitReport:
    """Create or repair every tab the system needs."""
    report = InitReport()
    _create_missing_tabs(gateway, report)
    headers = gateway.read([header_range(spec.title) for spec in ALL_TABS])
    writes: list[tuple[str, Sequence[Sequence[str]]]] = []
    maps: dict[str, ColumnMap] = {}
    for spec, rows in zip(ALL_TABS, headers, strict=True):
        current = list(rows[0]) if rows else []
        tab_language = ColumnMap(spec, current).language if current else language
        wanted = _repaired_header(spec, current, tab_language)
        if wanted != current:
            added = [h for h in wanted if h not in current]
            report.headers_added[spec.title] = added
            last = column_letter(len(wanted) - 1)
            writes.append((f"{quote_title(spec.title)}!A1:{last}1", [wanted]))
        maps[spec.title] = ColumnMap(spec, wanted)
    _ensure_width(gateway, maps)
    gateway.write_values(writes)
    _ensure_leader_row(gateway, maps[LEADER_ELECTION.title], report)
    _apply_formatting(gateway, maps, report)
    return report


def _create_missing_tabs(gateway: SheetsGateway, report: InitReport) -> None:
    gateway.refresh()
    requests = []
    for spec in ALL_TABS:
        if spec.title not in gateway.tabs:
            requests.append(
                {
                    "addSheet": {
                        "properties": {
                            "title": spec.title,
                            "gridProperties": {
                                "rowCount": 1000,
                                "columnCount": len(spec.columns),
                                "frozenRowCount": 1,
                            },
                        }
                    }
                }
            )
            report.tabs_created.append(spec.title)
    if requests:
        gateway.batch_update(requests)
        gateway.refresh()


def _repaired_header(spec: TabSpec, current: list[str], language: Language) -> list[str]:
    header = [str(h) for h in current]
    while header and not header[-1].strip():
        header.pop()
    present = {h.strip() for h in header}
    for column in spec.columns:
        if column.en not in present and column.pt not in present:
            header.append(column.header(language))
    return header


def _ensure_width(gateway: SheetsGateway, maps: dict[str, ColumnMap]) -> None:
    requests = []
    for title, cmap in maps.items():
        info = gateway.tab(title)
        if info.column_count < cmap.width:
            requests.append(
                {
                    "appendDimension": {
                        "sheetId": info.sheet_id,
                        "dimension": "COLUMNS",
                        "length": cmap.width - info.column_count,
                    }
                }
            )
    if requests:
        gateway.batch_update(requests)
        gateway.refresh()


def _ensure_leader_row(gateway: SheetsGateway, cmap: ColumnMap, report: InitReport) -> None:
    """Append the election row and the fleet control row when either is missing."""
    (values,) = gateway.read([f"{quote_title(LEADER_ELECTION.title)}!A2:Z20"])
    name_col = cmap.col("election_name")
    names = {row[name_col].strip() for row in values if name_col < len(row)}
    rows = []
    if LEADER_ELECTION_NAME not in names:
        rows.append(
            cmap.row_from(
                {"election_name": LEADER_ELECTION_NAME, "term": "0", "lease": initial_lease()}
            )
        )
        report.leader_row_added = True
    if FLEET_CONTROL_NAME not in names:
        rows.append(control_row(cmap))
        report.control_row_added = True
    if rows:
        gateway.append(LEADER_ELECTION.title, rows)


def _apply_formatting(
    gateway: SheetsGateway, maps: dict[str, ColumnMap], report: InitReport
) -> None:
    meta = gateway.spreadsheet.fetch_sheet_metadata(
        params={"fields": "sheets.properties,sheets.protectedRanges"}
    )
    protected = {
        sheet["properties"]["title"]
        for sheet in meta.get("sheets", [])
        for rng in sheet.get("protectedRanges", [])
        if rng.get("description") == PROTECTION_DESCRIPTION
    }
    requests: list[dict[str, Any]] = []
    for title, cmap in maps.items():
        info = gateway.tab(title)
        if "status" in cmap.index:
            requests.append(_status_validation(info.sheet_id, cmap))
            report.validations_set.append(title)
        if title not in protected:
            requests.append(_header_protection(info.sheet_id))
            report.protections_added.append(title)
    gateway.batch_update(requests)


def _status_validation(sheet_id: int, cmap: ColumnMap) -> dict[str, Any]:
    if cmap.spec.kind == "worker":
        allowed = [s.value for s in WorkerStatus]
    else:
        allowed = [s.value for s in Status]
    column = cmap.col("status")
    return {
        "setDataValidation": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": 1,
                "startColumnIndex": column,
                "endColumnIndex": column + 1,
            },
            "rule": {
                "condition": {
                    "type": "ONE_OF_LIST",
                    "values": [{"userEnteredValue": v} for v in allowed],
                },
                "inputMessage": "Set by the agents: " + ", ".join(allowed),
                "strict": False,
                "showCustomUi": True,
            },
        }
    }


def _header_protection(sheet_id: int) -> dict[str, Any]:
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                "description": PROTECTION_DESCRIPTION,
                "warningOnly": True,
            }
        }
    }
