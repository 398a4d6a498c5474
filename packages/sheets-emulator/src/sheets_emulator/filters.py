"""Basic filters: which rows a sheet's ``basicFilter`` hides (``rowMetadata.hiddenByFilter``).

The filter's range's first row is its header and never hidden. A row is hidden when, for any
column with criteria (``filterSpecs[].columnIndex`` or the older ``criteria`` map keyed by
column index), its cell's displayed text is in ``hiddenValues`` or fails ``condition``. Hidden
rows are worked out from the current cells at every read: Google's UI leaves rows as they were
until the filter is applied again, a difference that only shows after edits under a filter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sheets_emulator.errors import bad_request
from sheets_emulator.formula import Evaluator
from sheets_emulator.model import JSON, Sheet, Spreadsheet
from sheets_emulator.values import display

Test = Callable[[str], bool]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[list[str]], Test]:
    def make(args: list[str]) -> Test:
        want = _number(args[0]) if args else None
        if want is None:
            raise bad_request("This condition needs one number.")

        def test(text: str) -> bool:
            got = _number(text)
            return got is not None and compare(got, want)

        return test

    return make


def _text(compare: Callable[[str, str], bool]) -> Callable[[list[str]], Test]:
    def make(args: list[str]) -> Test:
        want = (args[0] if args else "").casefold()
        return lambda text: compare(text.casefold(), want)

    return make


CONDITIONS: dict[str, Callable[[list[str]], Test]] = {
    "BLANK": lambda _: lambda text: text == "",
    "NOT_BLANK": lambda _: lambda text: text != "",
    "TEXT_EQ": _text(lambda a, b: a == b),
    "TEXT_NOT_EQ": _text(lambda a, b: a != b),
    "TEXT_CONTAINS": _text(lambda a, b: b in a),
    "TEXT_NOT_CONTAINS": _text(lambda a, b: b not in a),
    "TEXT_STARTS_WITH": _text(lambda a, b: a.startswith(b)),
    "TEXT_ENDS_WITH": _text(lambda a, b: a.endswith(b)),
    "NUMBER_EQ": _numeric(lambda a, b: a == b),
    "NUMBER_NOT_EQ": _numeric(lambda a, b: a != b),
    "NUMBER_GREATER": _numeric(lambda a, b: a > b),
    "NUMBER_GREATER_THAN_EQ": _numeric(lambda a, b: a >= b),
    "NUMBER_LESS": _numeric(lambda a, b: a < b),
    "NUMBER_LESS_THAN_EQ": _numeric(lambda a, b: a <= b),
}


def _criteria(spec: JSON) -> list[tuple[int, JSON]]:
    if spec.get("criteria"):  # "if both fields are specified ... this field takes precedence"
        return [(int(col), crit or {}) for col, crit in spec["criteria"].items()]
    return [
        (int(item.get("columnIndex", 0)), item.get("filterCriteria") or {})
        for item in spec.get("filterSpecs") or []
    ]


def normalized(spec: JSON) -> JSON:
    """The filter as stored and answered: "both criteria and filter_specs are populated in
    responses" (the discovery document's BasicFilter)."""
    out = dict(spec)
    pairs = _criteria(spec)
    out.pop("criteria", None)
    out.pop("filterSpecs", None)
    if pairs:
        out["criteria"] = {str(col): crit for col, crit in pairs}
        out["filterSpecs"] = [{"columnIndex": col, "filterCriteria": crit} for col, crit in pairs]
    return out


def _test(criteria: JSON) -> Test:
    hidden = {str(v).casefold() for v in criteria.get("hiddenValues") or []}
    condition = criteria.get("condition") or {}
    kind = condition.get("type")
    check: Test | None = None
    if kind:
        make = CONDITIONS.get(str(kind))
        if make is None:
            raise bad_request(f"The filter condition {kind} is not supported by the emulator.")
        args = [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]
        check = make(args)

    def shown(text: str) -> bool:
        if text.casefold() in hidden:
            return False
        return check is None or check(text)

    return shown


def validate(spec: JSON) -> None:
    """Google's 400 for criteria the emulator cannot evaluate (at ``setBasicFilter``)."""
    for _, criteria in _criteria(spec):
        _test(criteria)


def hidden_rows(ss: Spreadsheet, sheet: Sheet, ev: Evaluator | None = None) -> set[int]:
    """Row indexes the sheet's basic filter hides (empty without a filter or criteria)."""
    spec: Any = sheet.meta.get("basicFilter")
    if not isinstance(spec, dict):
        return set()
    tests = [(col, _test(crit)) for col, crit in _criteria(spec)]
    if not tests:
        return set()
    grid = spec.get("range") or {}
    r0 = int(grid.get("startRowIndex", 0))
    r1 = int(grid.get("endRowIndex", sheet.row_count))
    evaluator = ev or Evaluator(ss)
    hidden: set[int] = set()
    for r in range(r0 + 1, r1):  # the first row is the header
        for col, shown in tests:
            if not shown(_displayed(evaluator, sheet, r, col)):
                hidden.add(r)
                break
    return hidden


def _displayed(ev: Evaluator, sheet: Sheet, r: int, c: int) -> str:
    cell = sheet.cell(r, c)
    if cell is None or not cell.has_value():
        return ""
    if cell.formula is None:
        value = cell.value
        return value if isinstance(value, str) else display(value, cell.number_format())
    return str(display(ev.cell_value(sheet, r, c), cell.number_format()))
