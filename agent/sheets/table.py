"""The table seam: read a header row, build a :class:`~agent.schema.ColumnMap`, require its
columns, and turn data rows into records keyed by column key.

Every part of the agent (and the tests) that reads a tab by header goes through here, so the
rules (header row 1, either language, blank rows skipped, short rows padded) live in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.schema import ColumnMap, TabSpec
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway

Record = dict[str, str]
Values = Sequence[Sequence[object]]


def header_range(title: str) -> str:
    """The A1 range of a tab's header row."""
    return f"{quote_title(title)}!1:1"


def whole_range(title: str) -> str:
    """The A1 range of a whole tab (header included), as wide as any tab the agent makes."""
    return f"{quote_title(title)}!A1:ZZ"


def column_map(spec: TabSpec, values: Values, *, require: bool = True) -> ColumnMap:
    """The column map of ``spec`` from values whose first row is the header row.

    With ``require`` a :class:`~agent.errors.SchemaError` names the first missing header.
    """
    cmap = ColumnMap(spec, [str(c) for c in values[0]] if values else [])
    if require:
        cmap.require()
    return cmap


def read_maps(
    gateway: SheetsGateway, specs: Sequence[TabSpec], *, require: bool = True
) -> list[ColumnMap]:
    """The column maps of ``specs`` from one read of their header rows."""
    replies = gateway.read([header_range(spec.title) for spec in specs])
    return [
        column_map(spec, rows, require=require) for spec, rows in zip(specs, replies, strict=True)
    ]


def record(cmap: ColumnMap, row: Sequence[object]) -> Record:
    """One row as text keyed by column key ('' for cells past the row's end)."""
    return {k: (str(row[i]) if i < len(row) else "") for k, i in cmap.index.items()}


def records(cmap: ColumnMap, rows: Values) -> list[Record]:
    """Data rows (no header) as records; rows with no text at all are skipped."""
    return [record(cmap, row) for row in rows if any(str(c).strip() for c in row)]


def table(
    spec: TabSpec, values: Values, *, require: bool = False
) -> tuple[ColumnMap, list[Record]]:
    """A tab read whole (header first) as its column map and its records."""
    cmap = column_map(spec, values, require=require)
    return cmap, records(cmap, values[1:])


def read_table(
    gateway: SheetsGateway, spec: TabSpec, *, require: bool = False
) -> tuple[ColumnMap, list[Record]]:
    """Every data row of a tab (one read), as records keyed by column key."""
    (values,) = gateway.read([whole_range(spec.title)])
    return table(spec, values, require=require)
