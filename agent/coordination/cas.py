"""Compare-and-set on one cell with the Sheets API's ``findReplace`` request.

A ``findReplace`` whose pattern matches only the exact old value of a cell, limited to one
column, changes that cell if and only if it still holds that value; ``occurrencesChanged`` in the
reply says whether it did. Requests inside one ``batchUpdate`` apply together, in order.
"""

from __future__ import annotations

from typing import Any


def java_regex_literal(text: str) -> str:
    """``text`` as a regex matching itself, valid in Java and Python alike.

    Every character that is not a letter, a digit or ``_`` gets a backslash: a backslash before
    a non-alphanumeric character is always a literal in both dialects.
    """
    return "".join(ch if ch.isalnum() or ch == "_" else "\\" + ch for ch in text)


def java_replacement_literal(text: str) -> str:
    """``text`` as a Java replacement string with no group references."""
    return text.replace("\\", "\\\\").replace("$", "\\$")


def column_grid_range(
    sheet_id: int,
    column_index: int | None,
    *,
    start_row_index: int = 1,
    to_end: bool = False,
) -> dict[str, int]:
    """A GridRange covering one column below the header row (every column when None; with
    ``to_end``, that column and every column to its right)."""
    grid = {"sheetId": sheet_id, "startRowIndex": start_row_index}
    if column_index is not None:
        grid["startColumnIndex"] = column_index
        if not to_end:
            grid["endColumnIndex"] = column_index + 1
    return grid


def exact_pattern(old: str) -> str:
    """The whole-cell pattern matching exactly ``old``."""
    return "^" + java_regex_literal(old) + "$"


def cas_request(
    sheet_id: int, column_index: int | None, old: str, new: str, *, to_end: bool = False
) -> dict[str, Any]:
    """A findReplace request that turns the cell holding exactly ``old`` into ``new``."""
    return pattern_cas_request(sheet_id, column_index, exact_pattern(old), new, to_end=to_end)


def pattern_cas_request(
    sheet_id: int, column_index: int | None, pattern: str, new: str, *, to_end: bool = False
) -> dict[str, Any]:
    """A findReplace request that turns every cell of the column matching ``pattern`` (a
    whole-cell regex valid in Java and Python) into ``new``.

    With ``column_index`` None it searches every column below the header: a pattern that names
    the row's ID matches the same one cell wherever people moved the columns.
    """
    return {
        "findReplace": {
            "find": pattern,
            "replacement": java_replacement_literal(new),
            "matchCase": True,
            "matchEntireCell": True,
            "searchByRegex": True,
            "includeFormulas": False,
            "range": column_grid_range(sheet_id, column_index, to_end=to_end),
        }
    }


def any_renewal_pattern(state: str, row_id: str, attempts: int, owner: str, claimed: str) -> str:
    """Matches the claim ``state|row_id|attempts|owner|claimed.N[|ttl]`` for any N and ttl.

    A renewal whose answer was lost may land late; the holder's next compare-and-set must still
    match its own claim, whatever renewal count the cell reached meanwhile.
    """
    head = "|".join((state, row_id, str(attempts), owner, claimed))
    return "^" + java_regex_literal(head) + r"\.[0-9]+(?:\|[0-9]+)?$"


def any_pending_pattern(row_id: str) -> str:
    """Matches ``PENDING|row_id|attempts|-|not-before`` for any attempts and not-before.

    A claim made with it takes every waiting copy of a task at once (a row appended twice, a
    copy pasted by hand), so two agents can never each claim one copy.
    """
    return "^" + java_regex_literal("PENDING|" + row_id + "|") + r"[0-9]+\|\-\|[0-9]+$"


def occurrences(reply: dict[str, Any]) -> int:
    """``occurrencesChanged`` of a findReplace reply (0 when omitted)."""
    return int(reply.get("findReplace", {}).get("occurrencesChanged", 0))


def delete_duplicates_request(
    sheet_id: int, column_indexes: list[int], end_row_index: int | None = None
) -> dict[str, Any]:
    """Remove every row whose values in ``column_indexes`` repeat an earlier row's, header included.

    The range spans whole rows (no column bounds) so user columns move with their rows; with
    ``end_row_index`` it stops above that row (0-based, exclusive).
    """
    grid: dict[str, int] = {"sheetId": sheet_id, "startRowIndex": 0}
    if end_row_index is not None:
        grid["endRowIndex"] = end_row_index
    return {
        "deleteDuplicates": {
            "range": grid,
            "comparisonColumns": [
                {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": index,
                    "endIndex": index + 1,
                }
                for index in column_indexes
            ],
        }
    }


def set_cell_request(sheet_id: int, row_index: int, column_index: int, text: str) -> dict[str, Any]:
    """An unconditional write of ``text`` (as a string, never a formula) to one cell."""
    return {
        "updateCells": {
            "rows": [{"values": [{"userEnteredValue": {"stringValue": text}}]}],
            "fields": "userEnteredValue",
            "start": {"sheetId": sheet_id, "rowIndex": row_index, "columnIndex": column_index},
        }
    }
