"""``findReplace`` (Java regex, ``$1`` references, Google's counts) and ``deleteDuplicates``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sheets_emulator import a1, dimensions, filters
from sheets_emulator.batch.registry import BatchContext, handler
from sheets_emulator.errors import CELL_TOO_LONG, MAX_CELL_CHARS, bad_request
from sheets_emulator.formula import Evaluator
from sheets_emulator.javaregex import (
    JavaRegexError,
    Part,
    as_literal,
    compile_java,
    expander,
    parse_replacement,
)
from sheets_emulator.model import JSON, Cell, Sheet
from sheets_emulator.values import display, parse_user_entered

Replacer = Callable[[str], tuple[str, int]]


@dataclass
class _Counts:
    values: int = 0
    formulas: int = 0
    occurrences: int = 0
    rows: set[tuple[int, int]] = field(default_factory=set)
    sheets: set[int] = field(default_factory=set)

    def reply(self) -> JSON:
        counts = {
            "valuesChanged": self.values,
            "formulasChanged": self.formulas,
            "rowsChanged": len(self.rows),
            "sheetsChanged": len(self.sheets),
            "occurrencesChanged": self.occurrences,
        }
        return {"findReplace": {k: v for k, v in counts.items() if v}}


def _replacer(payload: JSON) -> Replacer:
    """A function mapping a cell's text to ``(new text, occurrences)``."""
    find = payload.get("find")
    if not isinstance(find, str) or find == "":
        raise bad_request("The find string must not be empty.")
    replacement = payload.get("replacement") or ""
    if not isinstance(replacement, str):
        raise bad_request("The replacement must be a string.")
    match_case = bool(payload.get("matchCase"))
    entire = bool(payload.get("matchEntireCell"))
    regex = bool(payload.get("searchByRegex"))
    literal = as_literal(find) if regex else find
    if entire and literal is not None and (not regex or "$" not in replacement):
        new = replacement if not regex else parse_literal_replacement(replacement)
        return _equality(literal, new, match_case)
    flags = 0 if match_case else re.IGNORECASE
    try:
        pattern = compile_java(find, flags) if regex else re.compile(re.escape(find), flags)
        parts: list[Part] = parse_replacement(replacement, pattern) if regex else [replacement]
    except JavaRegexError as exc:
        raise bad_request(f"Invalid regular expression {find!r}: {exc}") from None
    build = expander(parts)
    if entire:

        def whole(text: str) -> tuple[str, int]:
            match = pattern.fullmatch(text)
            return (build(match), 1) if match else (text, 0)

        return whole
    return lambda text: pattern.subn(build, text)


def parse_literal_replacement(text: str) -> str:
    """A Java replacement without group references: backslash escapes resolved."""
    return "".join(
        part for part in parse_replacement(text, re.compile("")) if isinstance(part, str)
    )


@dataclass(frozen=True)
class _Equality:
    """Whole-cell match of a literal (the compare-and-set shape): a fast path."""

    literal: str
    new: str
    match_case: bool

    def __call__(self, text: str) -> tuple[str, int]:
        if self.match_case:
            return (self.new, 1) if text == self.literal else (text, 0)
        return (self.new, 1) if text.casefold() == self.literal.casefold() else (text, 0)


def _equality(literal: str, new: str, match_case: bool) -> Replacer:
    return _Equality(literal, new, match_case)


def _scopes(ctx: BatchContext, payload: JSON) -> list[tuple[Sheet, a1.Box]]:
    chosen = [k for k in ("range", "sheetId", "allSheets") if payload.get(k) not in (None, False)]
    if len(chosen) != 1:
        raise bad_request("Exactly one of range, sheetId or allSheets must be set.")
    if chosen[0] == "range":
        return [ctx.grid(payload["range"])]
    sheets = [ctx.sheet(payload["sheetId"])] if chosen[0] == "sheetId" else list(ctx.ss.sheets)
    return [(s, a1.Box(0, s.row_count, 0, s.col_count)) for s in sheets]


def _cells(sheet: Sheet, box: a1.Box, replace: Replacer) -> list[tuple[int, int, Cell]]:
    """The cells of a rectangle that may match (blank cells never do)."""
    if isinstance(replace, _Equality) and box.c1 - box.c0 == 1:
        return _column_candidates(sheet, box, replace)
    found: list[tuple[int, int, Cell]] = []
    rows = sheet.rows
    c0, c1 = box.c0, box.c1
    window = ((1 << (c1 - c0)) - 1) << c0
    for r in range(box.r0, min(box.r1, len(rows))):
        row = rows[r]
        if row.mask & window:
            cells = row.cells
            for c in range(c0, min(c1, len(cells))):
                cell = cells[c]
                if cell is not None and (cell.value is not None or cell.formula is not None):
                    found.append((r, c, cell))
    return found


def _column_candidates(sheet: Sheet, box: a1.Box, equal: _Equality) -> list[tuple[int, int, Cell]]:
    """One column, one literal: text cells compared in a comprehension, others kept for a look."""
    rows, c, bit = sheet.rows, box.c0, 1 << box.c0
    span = range(box.r0, min(box.r1, len(rows)))
    if equal.match_case:
        lit = equal.literal
        return [
            (r, c, cell)
            for r in span
            if rows[r].mask & bit
            and (cell := rows[r].cells[c]) is not None
            and (cell.value == lit or cell.value.__class__ is not str)
        ]
    folded = equal.literal.casefold()
    return [
        (r, c, cell)
        for r in span
        if rows[r].mask & bit
        and (cell := rows[r].cells[c]) is not None
        and ((v := cell.value).__class__ is not str or str(v).casefold() == folded)
    ]


def _replaced_cell(cell: Cell, new: str) -> Cell | None:
    if cell.formula is not None:
        if new.startswith("=") and len(new) > 1:
            return Cell(None, new, cell.extra)
        value, formula, _ = parse_user_entered(new)
        return cell.with_value(value, formula)
    if isinstance(cell.value, str):
        return cell.with_value(new or None)
    value, formula, _ = parse_user_entered(new)
    return cell.with_value(value, formula)


@handler("findReplace")
def find_replace(ctx: BatchContext, payload: JSON) -> JSON:
    """Find and replace in a range, a sheet or all sheets; empty cells never match."""
    replace = _replacer(payload)
    formulas = bool(payload.get("includeFormulas"))
    counts = _Counts()
    see_hidden = ctx.service.behaviour.find_replace_hidden_rows
    for sheet, box in _scopes(ctx, payload):
        hidden = set() if see_hidden else filters.hidden_rows(ctx.ss, sheet)
        for r, c, cell in _cells(sheet, box, replace):
            if r in hidden:
                continue
            if cell.formula is not None:
                if not formulas:
                    continue
                text = cell.formula
            else:
                value = cell.value
                text = value if isinstance(value, str) else display(value, cell.number_format())
            new, hits = replace(text)
            if not hits:
                continue
            if len(new) > MAX_CELL_CHARS:
                raise bad_request(CELL_TOO_LONG)
            ctx.txn.set_cell(sheet, r, c, _replaced_cell(cell, new))
            counts.occurrences += hits
            if cell.formula is not None:
                counts.formulas += 1
            else:
                counts.values += 1
            counts.rows.add((sheet.sheet_id, r))
            counts.sheets.add(sheet.sheet_id)
    return counts.reply()


# -- deleteDuplicates -------------------------------------------------------------------------


def _comparison_columns(sheet: Sheet, box: a1.Box, specs: object) -> list[int]:
    if not specs:
        return list(range(box.c0, box.c1))
    if not isinstance(specs, list):
        raise bad_request("comparisonColumns must be a list of DimensionRange.")
    cols: list[int] = []
    for spec in specs:
        if not isinstance(spec, dict) or spec.get("dimension", "COLUMNS") != "COLUMNS":
            raise bad_request("comparisonColumns must be COLUMNS dimension ranges.")
        if int(spec.get("sheetId", sheet.sheet_id)) != sheet.sheet_id:
            raise bad_request("comparisonColumns must be on the range's sheet.")
        start = int(spec.get("startIndex", box.c0))
        end = int(spec.get("endIndex", box.c1))
        if start < box.c0 or end > box.c1 or start >= end:
            raise bad_request("comparisonColumns must lie within the range.")
        cols.extend(c for c in range(start, end) if c not in cols)
    return cols


@handler("deleteDuplicates")
def delete_duplicates(ctx: BatchContext, payload: JSON) -> JSON:
    """Remove rows of a range that repeat an earlier row's comparison columns.

    Comparison is on displayed text, case-insensitive; blank cells are equal, so all-blank rows
    are duplicates of the first one (rows past the sheet's data included). Cells in the range
    shift up over removed rows and blank rows fill the end of the range (as Google does);
    content outside the range stays where it is.
    """
    sheet, box = ctx.grid(payload.get("range"))
    cols = _comparison_columns(sheet, box, payload.get("comparisonColumns"))
    ev = Evaluator(ctx.ss)
    last = min(box.r1, len(sheet.rows))
    seen: set[tuple[str, ...]] = set()
    keep: list[int] = []
    for r in range(box.r0, last):
        key = _row_key(ev, sheet, r, cols)
        if key not in seen:
            seen.add(key)
            keep.append(r)
    removed = (last - box.r0) - len(keep)
    blank_kept = ("",) * len(cols) in seen
    whole_rows = box.c0 == 0 and box.c1 >= sheet.col_count
    if whole_rows and ctx.service.behaviour.delete_duplicates_shrinks_grid:
        return _delete_from_grid(ctx, sheet, box, keep, last, blank_kept)
    if removed:
        if whole_rows:
            _drop_rows(ctx, sheet, box, keep, last)
        else:
            _shift_cells(ctx, sheet, box, keep, last)
    unmaterialised = box.r1 - max(last, box.r0)  # all blank: duplicates of the first blank row
    if unmaterialised > 0:
        removed += unmaterialised - (0 if blank_kept else 1)
    return {"deleteDuplicates": {"duplicatesRemovedCount": removed} if removed else {}}


def _row_key(ev: Evaluator, sheet: Sheet, r: int, cols: list[int]) -> tuple[str, ...]:
    cells = sheet.rows[r].cells
    parts: list[str] = []
    for c in cols:
        cell = cells[c] if c < len(cells) else None
        if cell is None:
            parts.append("")
        elif cell.formula is None and cell.value.__class__ is str:
            parts.append(str(cell.value).casefold())
        else:
            value = cell.value if cell.formula is None else ev.cell_value(sheet, r, c)
            parts.append(display(value, cell.number_format()).casefold())
    return tuple(parts)


def _delete_from_grid(
    ctx: BatchContext, sheet: Sheet, box: a1.Box, keep: list[int], last: int, blank_kept: bool
) -> JSON:
    """Delete the duplicate rows from the grid (rowCount shrinks, ranges below move up)."""
    kept = set(keep)
    gone = [r for r in range(box.r0, last) if r not in kept]
    runs = _runs(gone)
    tail = max(last, box.r0) + (0 if blank_kept else 1)  # blank rows past the data
    if tail < box.r1:
        runs.append((tail, box.r1))
    for start, end in runs[::-1]:
        dimensions.delete(ctx.txn, sheet, "ROWS", start, end)
    removed = sum(end - start for start, end in runs)
    return {"deleteDuplicates": {"duplicatesRemovedCount": removed} if removed else {}}


def _drop_rows(ctx: BatchContext, sheet: Sheet, box: a1.Box, keep: list[int], last: int) -> None:
    kept = set(keep)
    gone = [r for r in range(box.r0, last) if r not in kept]
    for start, end in _runs(gone)[::-1]:
        ctx.txn.delete_rows(sheet, start, end)
    fill_at = box.r1 - len(gone)
    if fill_at < len(sheet.rows):
        ctx.txn.insert_rows(sheet, fill_at, len(gone))


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for r in indexes:
        if runs and runs[-1][1] == r:
            runs[-1] = (runs[-1][0], r + 1)
        else:
            runs.append((r, r + 1))
    return runs


def _shift_cells(ctx: BatchContext, sheet: Sheet, box: a1.Box, keep: list[int], last: int) -> None:
    slices = [[sheet.cell(r, c) for c in range(box.c0, box.c1)] for r in keep]
    for offset in range(last - box.r0):
        cells = slices[offset] if offset < len(slices) else [None] * box.width
        for j, cell in enumerate(cells):
            ctx.txn.set_cell(sheet, box.r0 + offset, box.c0 + j, cell)
