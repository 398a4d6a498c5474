"""A small formula evaluator: arithmetic, text, comparisons, references and common functions.

Formulas are stored as typed and evaluated when read (with a per-request memo and cycle
detection), so a formula always reflects the cells it references. Functions outside the short
list in :data:`FUNCTIONS` evaluate to ``#NAME?``; see docs/emulator.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Union

from sheets_emulator import a1
from sheets_emulator.model import Sheet, Spreadsheet
from sheets_emulator.values import CellError, Effective, normalize_number

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
      \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
  | (?P<name>[A-Za-z_][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),;%:])
    )""",
    re.VERBOSE,
)

Grid = list[list[Effective]]
Value = Union[Effective, Grid]


class FormulaError(Exception):
    """A formula that does not parse."""


class Evaluator:
    """Evaluates formula cells of one spreadsheet, memoising results for one request."""

    def __init__(self, ss: Spreadsheet) -> None:
        self.ss = ss
        self._memo: dict[tuple[int, int, int], Effective] = {}
        self._active: set[tuple[int, int, int]] = set()

    def cell_value(self, sheet: Sheet, row: int, col: int) -> Effective:
        """The effective value of a cell (formulas computed)."""
        cell = sheet.cell(row, col)
        if cell is None:
            return None
        if cell.formula is None:
            return cell.value
        key = (sheet.sheet_id, row, col)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return CellError("#REF!", "Circular dependency detected.")
        self._active.add(key)
        try:
            result = self.evaluate(cell.formula, sheet)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def evaluate(self, formula: str, sheet: Sheet) -> Effective:
        """The value of ``formula`` (with its leading ``=``) on ``sheet``."""
        try:
            tokens = _tokenize(formula[1:] if formula.startswith("=") else formula)
            parser = _Parser(tokens, self, sheet)
            value = parser.parse()
        except FormulaError as exc:
            return CellError("#ERROR!", f"Formula parse error. {exc}".strip())
        except RecursionError:
            return CellError("#ERROR!", "Formula too deep.")
        if isinstance(value, list):
            value = value[0][0] if value and value[0] else None
        if isinstance(value, float):
            if not math.isfinite(value):
                return CellError("#NUM!", "Number out of range.")
            return normalize_number(value)
        return value

    def range_values(self, sheet: Sheet, box: a1.Box) -> Grid:
        """A rectangle of effective values."""
        return [
            [self.cell_value(sheet, r, c) for c in range(box.c0, box.c1)]
            for r in range(box.r0, box.r1)
        ]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FormulaError(f"Unexpected character at {pos + 1}.")
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the token list, evaluating as it goes."""

    LEVELS: tuple[tuple[str, ...], ...] = (
        ("=", "<>", "<", ">", "<=", ">="),
        ("&",),
        ("+", "-"),
        ("*", "/"),
        ("^",),
    )

    def __init__(self, tokens: list[tuple[str, str]], ev: Evaluator, sheet: Sheet) -> None:
        self.tokens = tokens
        self.i = 0
        self.ev = ev
        self.sheet = sheet

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError("Unexpected end of formula.")
        self.i += 1
        return token

    def parse(self) -> Value:
        if not self.tokens:
            raise FormulaError("Empty formula.")
        value = self.binary(0)
        if self.peek() is not None:
            raise FormulaError(f"Unexpected {self.peek()[1]!r}.")  # type: ignore[index]
        return value

    def binary(self, level: int) -> Value:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (
            (token := self.peek()) is not None
            and token[0] == "op"
            and token[1] in self.LEVELS[level]
        ):
            self.take()
            right = self.binary(level + 1)
            left = _apply(token[1], _scalar(left), _scalar(right))
        return left

    def unary(self) -> Value:
        token = self.peek()
        if token == ("op", "-"):
            self.take()
            return _apply("*", -1, _scalar(self.unary()))
        if token == ("op", "+"):
            self.take()
            return self.unary()
        value = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            value = _apply("/", _scalar(value), 100)
        return value

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.reference(text)
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return text.upper() == "TRUE"
            named = self.ev.ss.named_range(text)
            if named is not None:
                return self.named(named)
            return CellError("#NAME?", f"Unknown range name: '{text}'.")
        if (kind, text) == ("op", "("):
            value = self.binary(0)
            if self.take() != ("op", ")"):
                raise FormulaError("Missing ')'.")
            return value
        raise FormulaError(f"Unexpected {text!r}.")

    def reference(self, text: str) -> Value:
        parsed = a1.parse_range(text.replace("$", ""))
        if parsed is None or parsed.bounds is None:
            return CellError("#REF!", f"Bad reference {text}.")
        sheet = self.sheet if parsed.title is None else self.ev.ss.sheet_by_title(parsed.title)
        if sheet is None:
            return CellError("#REF!", f"Unresolved sheet name '{parsed.title}'.")
        box = parsed.bounds.clamp(sheet.row_count, sheet.col_count)
        if box.height == 1 and box.width == 1 and ":" not in text:
            return self.ev.cell_value(sheet, box.r0, box.c0)
        return self.ev.range_values(sheet, box)

    def named(self, named: dict[str, Any]) -> Value:
        grid = named.get("range", {})
        sheet = self.ev.ss.sheet_by_id(int(grid.get("sheetId", 0)))
        if sheet is None:
            return CellError("#REF!", "Named range points nowhere.")
        bounds = a1.Bounds(
            grid.get("startRowIndex", 0),
            grid.get("endRowIndex"),
            grid.get("startColumnIndex", 0),
            grid.get("endColumnIndex"),
        )
        return self.ev.range_values(sheet, bounds.clamp(sheet.row_count, sheet.col_count))

    def call(self, name: str) -> Value:
        self.take()  # "("
        args: list[Value] = []
        if self.peek() != ("op", ")"):
            while True:
                args.append(self.binary(0))
                token = self.take()
                if token in (("op", ","), ("op", ";")):
                    continue
                if token == ("op", ")"):
                    break
                raise FormulaError("Expected ',' or ')'.")
        else:
            self.take()
        function = FUNCTIONS.get(name)
        if function is None:
            return CellError("#NAME?", f"Unknown function: '{name}'.")
        try:
            return function(args)
        except (TypeError, ValueError, IndexError):
            return CellError("#VALUE!", f"Bad arguments to {name}.")


def _scalar(value: Value) -> Effective:
    if isinstance(value, list):
        return value[0][0] if value and value[0] else None
    return value


def _number(value: Effective) -> float | CellError:
    if isinstance(value, CellError):
        return value
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return CellError("#VALUE!", f"Function expects a number, got text '{value}'.")


def _text(value: Effective) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(normalize_number(value))
    return str(value.code if isinstance(value, CellError) else value)


def _apply(op: str, left: Effective, right: Effective) -> Effective:
    for side in (left, right):
        if isinstance(side, CellError):
            return side
    if op == "&":
        return _text(left) + _text(right)
    if op in ("=", "<>", "<", ">", "<=", ">="):
        return _compare(op, left, right)
    a, b = _number(left), _number(right)
    if isinstance(a, CellError):
        return a
    if isinstance(b, CellError):
        return b
    if op == "/" and b == 0:
        return CellError("#DIV/0!", "Function DIVIDE parameter 2 cannot be zero.")
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        result = a**b
    except (OverflowError, ZeroDivisionError, ValueError):
        return CellError("#NUM!", "Number out of range.")
    return result if isinstance(result, float) else CellError("#NUM!", "Number out of range.")


def _compare(op: str, left: Effective, right: Effective) -> bool:
    def key(v: Effective) -> tuple[int, Any]:
        if v is None:
            return (0, 0)
        if isinstance(v, bool):
            return (2, v)
        if isinstance(v, (int, float)):
            return (0, v)
        return (1, str(v).casefold())

    a, b = key(left), key(right)
    if left is None and isinstance(right, str):
        a = (1, "")
    if right is None and isinstance(left, str):
        b = (1, "")
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[op]


def _flat(args: list[Value]) -> list[Effective]:
    out: list[Effective] = []
    for arg in args:
        if isinstance(arg, list):
            out.extend(v for row in arg for v in row)
        else:
            out.append(arg)
    return out


def _numbers(args: list[Value]) -> list[float] | CellError:
    out: list[float] = []
    for arg in args:
        if isinstance(arg, list):
            for v in (v for row in arg for v in row):
                if isinstance(v, CellError):
                    return v
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(float(v))
        else:
            n = _number(arg)
            if isinstance(n, CellError):
                return n
            out.append(n)
    return out


def _aggregate(
    fn: Callable[[list[float]], float], empty: float | None = 0.0
) -> Callable[[list[Value]], Effective]:
    def run(args: list[Value]) -> Effective:
        nums = _numbers(args)
        if isinstance(nums, CellError):
            return nums
        if not nums:
            return empty if empty is not None else CellError("#DIV/0!", "No values.")
        return fn(nums)

    return run


def _if(args: list[Value]) -> Effective:
    cond = _scalar(args[0])
    if isinstance(cond, CellError):
        return cond
    truthy = bool(_number(cond)) if not isinstance(cond, str) else cond != ""
    picked = args[1] if truthy else (args[2] if len(args) > 2 else False)
    return _scalar(picked)


def _logic(combine: Callable[[list[bool]], bool]) -> Callable[[list[Value]], Effective]:
    def run(args: list[Value]) -> Effective:
        flags: list[bool] = []
        for v in _flat(args):
            if isinstance(v, CellError):
                return v
            if v is not None and not isinstance(v, str):
                flags.append(bool(v))
        return combine(flags)

    return run


def _iferror(args: list[Value]) -> Effective:
    value = _scalar(args[0])
    if isinstance(value, CellError):
        return _scalar(args[1]) if len(args) > 1 else ""
    return value


def _text_fn(fn: Callable[..., Any]) -> Callable[[list[Value]], Effective]:
    def run(args: list[Value]) -> Effective:
        scalars = [_scalar(a) for a in args]
        for v in scalars:
            if isinstance(v, CellError):
                return v
        result: Effective = fn(*scalars)
        return result

    return run


def _round(args: list[Value]) -> Effective:
    value = _number(_scalar(args[0]))
    places = _number(_scalar(args[1])) if len(args) > 1 else 0.0
    if isinstance(value, CellError):
        return value
    if isinstance(places, CellError):
        return places
    factor = 10.0 ** int(places)
    rounded: float = math.floor(abs(value) * factor + 0.5) / factor
    return rounded if value >= 0 else -rounded


def _num_fn(fn: Callable[..., float]) -> Callable[[list[Value]], Effective]:
    def run(args: list[Value]) -> Effective:
        numbers: list[float] = []
        for arg in args:
            number = _number(_scalar(arg))
            if isinstance(number, CellError):
                return number
            numbers.append(number)
        return fn(*numbers)

    return run


def _int_arg(args: list[Value], index: int, default: int) -> int:
    if index >= len(args):
        return default
    number = _number(_scalar(args[index]))
    if isinstance(number, CellError):
        raise ValueError(number.code)
    return int(number)


def _left(args: list[Value]) -> Effective:
    return _text(_scalar(args[0]))[: _int_arg(args, 1, 1)]


def _right(args: list[Value]) -> Effective:
    count = _int_arg(args, 1, 1)
    return _text(_scalar(args[0]))[-count:] if count else ""


def _mid(args: list[Value]) -> Effective:
    start = _int_arg(args, 1, 1) - 1
    return _text(_scalar(args[0]))[start : start + _int_arg(args, 2, 0)]


def _count(args: list[Value]) -> Effective:
    numbers = _numbers(args)
    return 0.0 if isinstance(numbers, CellError) else float(len(numbers))


FUNCTIONS: dict[str, Callable[[list[Value]], Effective]] = {
    "SUM": _aggregate(sum),
    "AVERAGE": _aggregate(lambda xs: sum(xs) / len(xs), None),
    "MIN": _aggregate(min),
    "MAX": _aggregate(max),
    "COUNT": _count,
    "COUNTA": lambda args: float(sum(1 for v in _flat(args) if v is not None and v != "")),
    "ABS": _num_fn(abs),
    "ROUND": _round,
    "INT": _num_fn(lambda v: float(math.floor(v))),
    "MOD": _num_fn(lambda a, b: a % b),
    "POWER": _num_fn(lambda a, b: a**b),
    "SQRT": _num_fn(math.sqrt),
    "LEN": _text_fn(lambda v: float(len(_text(v)))),
    "UPPER": _text_fn(lambda v: _text(v).upper()),
    "LOWER": _text_fn(lambda v: _text(v).lower()),
    "TRIM": _text_fn(lambda v: " ".join(_text(v).split())),
    "CONCATENATE": lambda args: "".join(_text(v) for v in _flat(args)),
    "CONCAT": lambda args: "".join(_text(v) for v in _flat(args)),
    "LEFT": _left,
    "RIGHT": _right,
    "MID": _mid,
    "IF": _if,
    "IFERROR": _iferror,
    "AND": _logic(all),
    "OR": _logic(any),
    "NOT": _text_fn(lambda v: not bool(_number(v))),
    "ISBLANK": _text_fn(lambda v: v is None),
    "VALUE": _text_fn(lambda v: _number(v)),
}
