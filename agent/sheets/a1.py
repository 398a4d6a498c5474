"""A1 notation helpers."""

from __future__ import annotations

import re

_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def column_letter(index: int) -> str:
    """The column letters of 0-based ``index`` (0 -> A, 26 -> AA)."""
    if index < 0:
        raise ValueError("column index must be >= 0")
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_title(title: str) -> str:
    """A sheet title as it goes in a range: always single-quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def rows_range(title: str, first_row: int, last_row: int | None, width: int) -> str:
    """Rows ``first_row``..``last_row`` (1-based, inclusive; None = to the end), ``width`` cols."""
    last_col = column_letter(max(width, 1) - 1)
    end = f"{last_col}{last_row}" if last_row is not None else last_col
    return f"{quote_title(title)}!A{first_row}:{end}"


def column_range(title: str, column_index: int, first_row: int, last_row: int | None = None) -> str:
    """One column from ``first_row`` (1-based) to ``last_row`` or the end."""
    letter = column_letter(column_index)
    end = f"{letter}{last_row}" if last_row is not None else letter
    return f"{quote_title(title)}!{letter}{first_row}:{end}"


def first_row_of(updated_range: str) -> int:
    """The first row number of a range such as ``'Tasks'!A12:N20``."""
    cell = updated_range.rsplit("!", 1)[-1].split(":", 1)[0]
    match = _CELL.match(cell)
    if not match:
        raise ValueError(f"cannot read a row number from {updated_range!r}")
    return int(match.group(2))
