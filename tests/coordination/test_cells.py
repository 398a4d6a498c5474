"""Cells are the spreadsheet's scarce resource: 10 million per spreadsheet, counted on the grid.

Google counts every cell of every tab's grid, empty or not, against the limit. A tab made 26
columns wide for 3 headers wastes 23 cells per row, so tabs are created with only the columns
they need, and queue rows cost no more than their headers.
"""

from __future__ import annotations

from agent.schema import ALL_TABS, TASKS_ARCHIVE
from agent.sheets.gateway import SheetsGateway


def test_tabs_are_created_with_only_the_columns_they_need(sheet: SheetsGateway) -> None:
    sheet.refresh()
    for spec in ALL_TABS:
        info = sheet.tab(spec.title)
        assert info.column_count == len(spec.columns), (
            f"{spec.title}: {info.column_count} columns for {len(spec.columns)} headers"
        )
    assert sheet.tab(TASKS_ARCHIVE.title).column_count == 3, "an Archive row costs 3 cells"
