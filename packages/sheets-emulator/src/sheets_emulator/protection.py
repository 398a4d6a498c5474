"""Protected ranges enforced: a protection that is not warning-only refuses changes from
accounts that are not among its editors.

Google: "editors: The users and groups with edit access to the protected range"; warning-only
protections only warn in the UI, so API writes go through; the spreadsheet's creator (its owner)
can always edit. A change is found by comparing a write transaction's rows with the rows it
started from (:func:`check`), so every path that writes (values.*, every batchUpdate request)
is covered by one check:

* a cell whose content changed inside a protected box (its current coordinates), outside the
  protection's ``unprotectedRanges``;
* rows deleted, moved (sortRange, deleteDuplicates) or inserted inside a protected box;
* for a whole-sheet protection, also a change of the grid's size, and deleting the sheet.

Inserting rows above or columns left of a protected range moves it, as in Google; inserting or
deleting rows or columns inside it is refused.
The account a request acts for is :data:`ACCOUNT`, set by the application around each handler.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from sheets_emulator import a1
from sheets_emulator.errors import ApiError
from sheets_emulator.model import JSON, Row, Sheet, Spreadsheet

if TYPE_CHECKING:
    from sheets_emulator.txn import Txn

#: The account of the request being handled (None: the emulator itself, never refused).
ACCOUNT: ContextVar[str | None] = ContextVar("sheets_emulator_account", default=None)
PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. Please contact the spreadsheet owner "
    "to remove protection if you need to edit."
)
EMAIL_DOMAIN = "emulator.invalid"


def email_of(account: str) -> str:
    """An account as the e-mail address that ``editors.users`` lists."""
    return account if "@" in account else f"{account}@{EMAIL_DOMAIN}"


def can_edit(ss: Spreadsheet, item: JSON, account: str | None) -> bool:
    """Whether ``account`` may change what protection ``item`` covers."""
    if account is None or account == ss.owner:
        return True
    users = (item.get("editors") or {}).get("users") or []
    return account in users or email_of(account) in users


def present(ss: Spreadsheet, item: JSON, account: str | None) -> JSON:
    """A protection as ``account`` sees it: ``requestingUserCanEdit`` for them, and ``editors``
    only for those who can edit (Google shows editors only to users with edit access)."""
    out = dict(item)
    if item.get("warningOnly"):  # "every user can edit data in the protected range"
        out["requestingUserCanEdit"] = True
        if not can_edit(ss, item, account):
            out.pop("editors", None)
    elif can_edit(ss, item, account):
        out["requestingUserCanEdit"] = True
    else:
        out.pop("requestingUserCanEdit", None)
        out.pop("editors", None)
    return out


def _blocking(ss: Spreadsheet, meta: JSON, account: str | None) -> list[JSON]:
    return [
        item
        for item in meta.get("protectedRanges") or []
        if not item.get("warningOnly") and not can_edit(ss, item, account)
    ]


def _box(sheet: Sheet, item: JSON, ss: Spreadsheet) -> a1.Box | None:
    grid = item.get("range")
    if grid is None and item.get("namedRangeId") is not None:
        named = next(
            (n for n in ss.named_ranges if n.get("namedRangeId") == item["namedRangeId"]), None
        )
        grid = (named or {}).get("range")
    if not isinstance(grid, dict):
        return None
    return a1.Box(
        int(grid.get("startRowIndex", 0)),
        int(grid.get("endRowIndex", max(sheet.row_count, len(sheet.rows)))),
        int(grid.get("startColumnIndex", 0)),
        int(grid.get("endColumnIndex", sheet.col_count)),
    )


def _whole_sheet(item: JSON) -> bool:
    grid = item.get("range")
    return isinstance(grid, dict) and not any(
        k in grid for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")
    )


def _unprotected(item: JSON) -> list[a1.Box]:
    out = []
    for grid in item.get("unprotectedRanges") or []:
        out.append(
            a1.Box(
                int(grid.get("startRowIndex", 0)),
                int(grid.get("endRowIndex", 2**31)),
                int(grid.get("startColumnIndex", 0)),
                int(grid.get("endColumnIndex", 2**31)),
            )
        )
    return out


def _inside(box: a1.Box, r: int, c: int) -> bool:
    return box.r0 <= r < box.r1 and box.c0 <= c < box.c1


def _cells_changed(
    old: list[Row], new: list[Row], before: a1.Box, after: a1.Box, allowed: list[a1.Box]
) -> bool:
    """Whether a cell inside the protected box (``after``, current coordinates) differs from the
    cell it was (``before``: columns may have moved left or right of the box, with it)."""
    dc = after.c0 - before.c0
    was_by_rid = {row.rid: row for row in old}
    for r in range(after.r0, min(after.r1, len(new))):
        row = new[r]
        was = was_by_rid.get(row.rid)
        if was is row and dc == 0:
            continue  # untouched by this write (rows are copied before their first change)
        width = max(len(row.cells), len(was.cells) + dc if was is not None else 0)
        for c in range(after.c0, min(after.c1, width)):
            then = was.get(c - dc) if was is not None and c - dc >= 0 else None
            if row.get(c) is not then and not any(_inside(b, r, c) for b in allowed):
                return True
    return False


def _rows_moved(old: list[Row], new: list[Row], before: a1.Box, after: a1.Box) -> bool:
    """Whether rows inside the protected box were deleted, moved or inserted."""
    old_ids = [row.rid for row in old[before.r0 : before.r1]]
    new_ids = [row.rid for row in new[after.r0 : after.r1]]
    known = {row.rid for row in old}
    while new_ids and new_ids[-1] not in known and len(new_ids) > len(old_ids):
        new_ids.pop()  # rows materialised past the old end by a write (checked as cells)
    return old_ids != new_ids


def _without_range(item: JSON) -> JSON:
    return {k: v for k, v in item.items() if k != "range"}


def check(txn: Txn, account: str | None) -> None:
    """Google's 400 when the transaction changed something protected against ``account``."""
    ss = txn.ss
    if account is None or account == ss.owner:
        return
    for sheet, old_rows, old_meta, old_grid in txn.originals():
        blocking = _blocking(ss, old_meta, account)
        if not blocking:
            continue
        if sheet not in ss.sheets:
            raise ApiError(400, PROTECTED_MESSAGE)  # a protected sheet was deleted
        current = {str(p.get("protectedRangeId")): p for p in sheet.meta.get("protectedRanges", [])}
        for item in blocking:
            _check_one(
                ss, sheet, item, current.get(str(item.get("protectedRangeId"))), old_rows, old_grid
            )


def _check_one(
    ss: Spreadsheet,
    sheet: Sheet,
    before: JSON,
    after: JSON | None,
    old_rows: list[Row],
    old_grid: tuple[int, int],
) -> None:
    if after is None or _without_range(after) != _without_range(before):
        raise ApiError(400, PROTECTED_MESSAGE)  # the protection itself changed or went away
    whole = _whole_sheet(before)
    if whole and (sheet.row_count, sheet.col_count) != old_grid:
        raise ApiError(400, PROTECTED_MESSAGE)
    box_after = _box(sheet, after, ss)
    box_before = _box(sheet, before, ss)
    if box_after is None or box_before is None:
        return
    if box_after.c1 - box_after.c0 != box_before.c1 - box_before.c0:
        raise ApiError(400, PROTECTED_MESSAGE)  # columns inserted or deleted inside it
    if _rows_moved(old_rows, sheet.rows, box_before, box_after):
        raise ApiError(400, PROTECTED_MESSAGE)
    if _cells_changed(old_rows, sheet.rows, box_before, box_after, _unprotected(after)):
        raise ApiError(400, PROTECTED_MESSAGE)
