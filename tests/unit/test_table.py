"""The table seam without a spreadsheet: header row -> column map -> records."""

from __future__ import annotations

import pytest

from agent.errors import SchemaError
from agent.schema import TASKS, WORKERS
from agent.sheets.table import column_map, header_range, records, table, whole_range

WORKER_HEADER = [
    "Worker ID",
    "Worker Name",
    "Notes",
    "Last Heartbeat",
    "Status",
    "Tasks Processed",
    "Sources Processed",
]


def test_ranges_quote_the_title() -> None:
    assert header_range("Tasks DLQ") == "'Tasks DLQ'!1:1"
    assert whole_range("it's") == "'it''s'!A1:ZZ"


def test_records_are_keyed_by_column_padded_and_skip_blank_rows() -> None:
    values = [WORKER_HEADER, ["w1", "alpha", "my note", "", "ACTIVE"], ["", " ", ""], ["w2", "b"]]
    cmap, rows = table(WORKERS, values)
    assert cmap.col("status") == 4 and cmap.extra == ["Notes"]
    assert rows[0]["worker_name"] == "alpha" and rows[0]["status"] == "ACTIVE"
    assert rows[0]["sources_processed"] == "", "a short row reads as blank cells"
    assert "Notes" not in rows[0] and len(rows) == 2, "user columns and blank rows stay out"
    assert records(cmap, values[3:]) == [rows[1]]


def test_a_missing_header_is_named_when_required_and_tolerated_when_not() -> None:
    values = [[h for h in WORKER_HEADER if h != "Status"]]
    with pytest.raises(SchemaError, match="'Status' is missing or renamed"):
        column_map(WORKERS, values)
    assert "status" not in column_map(WORKERS, values, require=False).index
    assert table(TASKS, [])[1] == [], "an empty tab has no records"
