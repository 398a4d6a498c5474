"""Cell values in and out: RAW and USER_ENTERED input, the three render options, number formats.

USER_ENTERED parsing covers what people and gspread type: numbers (``0042``, ``1,000``, ``1e3``),
percentages, simple currency, booleans, ISO and US dates and times, formulas, and the leading
apostrophe that forces text. Display formatting covers Google's automatic format and the common
``numberFormat`` patterns; anything fancier is shown in the automatic format (see docs).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, ClassVar

from sheets_emulator.model import JSON, Cell, Scalar

EPOCH = dt.datetime(1899, 12, 30)
SAFE_INT = 2**53
DATE_TYPES = frozenset({"DATE", "TIME", "DATE_TIME"})

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_PERCENT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%$")
_CURRENCY = re.compile(r"^([+-]?)\$\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)$")
_ISO_DATE = re.compile(
    r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class CellError:
    """A formula's error result (``#DIV/0!`` and friends)."""

    __slots__ = ("code", "message")

    TYPES: ClassVar[dict[str, str]] = {
        "#DIV/0!": "DIVIDE_BY_ZERO",
        "#VALUE!": "VALUE",
        "#REF!": "REF",
        "#NAME?": "NAME",
        "#NUM!": "NUM",
        "#N/A": "N_A",
        "#ERROR!": "ERROR",
    }

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        self.message = message

    def to_json(self) -> JSON:
        """``ErrorValue`` JSON."""
        return {"type": self.TYPES.get(self.code, "ERROR"), "message": self.message or self.code}


Effective = Scalar | CellError | None


def normalize_number(value: float) -> int | float:
    """Integral doubles as ints (Google prints ``2``, not ``2.0``); big ints become doubles."""
    if isinstance(value, int):
        return value if -SAFE_INT < value < SAFE_INT else float(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < SAFE_INT:
        return int(value)
    return value


def raw_value(value: Any) -> Scalar | None:
    """A RAW input value as stored: strings as-is, ``""`` clears, numbers normalised."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return normalize_number(value)
    return str(value)


def parse_user_entered(
    value: Any, text_format: bool = False
) -> tuple[Scalar | None, str | None, JSON | None]:
    """A USER_ENTERED input as ``(value, formula, numberFormat)``; ``(None, None, None)`` clears."""
    if not isinstance(value, str):
        return raw_value(value), None, None
    if value == "":
        return None, None, None
    if text_format:
        return value, None, None
    if value.startswith("'"):
        return value[1:] or None, None, None
    if value.startswith("=") and len(value) > 1:
        return None, value, None
    return _parse_text(value)


def _parse_text(text: str) -> tuple[Scalar | None, str | None, JSON | None]:
    stripped = text.strip()
    upper = stripped.upper()
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE", None, None
    if stripped and _NUMBER.match(stripped) and any(ch.isdigit() for ch in stripped):
        number = normalize_number(float(stripped.replace(",", "")))
        fmt = {"type": "NUMBER", "pattern": "#,##0"} if "," in stripped else None
        if fmt and "." in stripped:
            fmt["pattern"] = "#,##0.00"
        return number, None, fmt
    match = _PERCENT.match(stripped)
    if match:
        digits = match.group(1)
        pattern = "0.00%" if "." in digits else "0%"
        return normalize_number(float(digits) / 100), None, {"type": "PERCENT", "pattern": pattern}
    match = _CURRENCY.match(stripped)
    if match:
        amount = float(match.group(2).replace(",", "")) * (-1 if match.group(1) == "-" else 1)
        pattern = '"$"#,##0.00'
        return normalize_number(amount), None, {"type": "CURRENCY", "pattern": pattern}
    parsed = _parse_datetime(stripped)
    if parsed is not None:
        return parsed
    return text, None, None


def _serial(moment: dt.datetime) -> int | float:
    delta = moment - EPOCH
    return normalize_number(delta.days + delta.seconds / 86400)


def _parse_datetime(text: str) -> tuple[Scalar, None, JSON] | None:
    try:
        match = _ISO_DATE.match(text)
        if match:
            y, sep, mo, d = (
                int(match.group(1)),
                match.group(2),
                int(match.group(3)),
                int(match.group(4)),
            )
            date_pattern = f"yyyy{sep}mm{sep}dd"
            return _date_result(dt.datetime(y, mo, d), date_pattern, match.groups()[4:])
        match = _US_DATE.match(text)
        if match:
            mo, d, y = int(match.group(1)), int(match.group(2)), int(match.group(3))
            return _date_result(dt.datetime(y, mo, d), "M/d/yyyy", match.groups()[3:])
        match = _TIME.match(text)
        if match:
            h, mi, s = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
            if h > 23 or mi > 59 or s > 59:
                return None
            serial = normalize_number((h * 3600 + mi * 60 + s) / 86400)
            pattern = "h:mm:ss" if match.group(3) else "h:mm"
            return serial, None, {"type": "TIME", "pattern": pattern}
    except ValueError:
        return None
    return None


def _date_result(
    day: dt.datetime, date_pattern: str, time_parts: tuple[str | None, ...]
) -> tuple[Scalar, None, JSON]:
    if time_parts[0] is None:
        return _serial(day), None, {"type": "DATE", "pattern": date_pattern}
    h, mi, s = int(time_parts[0]), int(time_parts[1] or 0), int(time_parts[2] or 0)
    moment = day.replace(hour=h, minute=mi, second=s)
    pattern = date_pattern + (" hh:mm:ss" if time_parts[2] else " hh:mm")
    return _serial(moment), None, {"type": "DATE_TIME", "pattern": pattern}


# -- output -------------------------------------------------------------------------------


def general_number(value: float) -> str:
    """Google's automatic number format: integers plain, others to ten significant digits."""
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else _scientific(value)
    if not math.isfinite(value):
        return "#NUM!"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e15 or magnitude < 1e-9:
        return _scientific(value)
    digits = max(0, 9 - math.floor(math.log10(magnitude)))
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _scientific(value: float) -> str:
    mantissa, exponent = f"{value:.5E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent)):02d}"


def format_number(value: int | float, number_format: JSON | None) -> str:
    """``value`` displayed with a ``NumberFormat`` (automatic when None or not understood)."""
    if not number_format:
        return general_number(value)
    kind = str(number_format.get("type", ""))
    pattern = str(number_format.get("pattern", ""))
    if kind in DATE_TYPES:
        return format_datetime(value, pattern or _DEFAULT_PATTERNS[kind])
    if kind == "TEXT":
        return general_number(value)
    if pattern:
        return _format_pattern(value, pattern)
    return general_number(value)


_DEFAULT_PATTERNS = {"DATE": "M/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "M/d/yyyy H:mm:ss"}
_DT_TOKEN = re.compile(
    r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|HH|H|ss|s|am/pm|AM/PM|\"[^\"]*\"|."
)


def format_datetime(serial: float, pattern: str) -> str:
    """A date/time serial number shown with a Sheets date pattern (common tokens only)."""
    try:
        moment = EPOCH + dt.timedelta(days=float(serial))
    except OverflowError:
        return general_number(serial)
    moment = moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
    tokens = _DT_TOKEN.findall(pattern)
    twelve = any(t.lower() == "am/pm" for t in tokens)
    out: list[str] = []
    for i, token in enumerate(tokens):
        out.append(_dt_piece(moment, token, tokens, i, twelve))
    return "".join(out)


def _dt_piece(moment: dt.datetime, token: str, tokens: list[str], i: int, twelve: bool) -> str:
    low = token.lower()
    hour = moment.hour % 12 or 12 if twelve else moment.hour
    prev = next((t.lower() for t in reversed(tokens[:i]) if t.strip(":-/ .")), "")
    nxt = next((t.lower() for t in tokens[i + 1 :] if t.strip(":-/ .")), "")
    minute_context = prev.startswith("h") or nxt.startswith("s")
    pieces = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "mmmm": moment.strftime("%B"),
        "mmm": moment.strftime("%b"),
        "mm": f"{moment.minute:02d}" if minute_context else f"{moment.month:02d}",
        "m": str(moment.minute) if minute_context else str(moment.month),
        "dddd": moment.strftime("%A"),
        "ddd": moment.strftime("%a"),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "hh": f"{hour:02d}",
        "h": str(hour),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "am/pm": "AM" if moment.hour < 12 else "PM",
    }
    if low in pieces:
        return pieces[low]
    if token.startswith('"'):
        return token.strip('"')
    return token


def _format_pattern(value: float, pattern: str) -> str:
    section = pattern.split(";")[0]
    prefix_match = re.match(r'^((?:"[^"]*"|[^0#.,%])*)', section)
    prefix = prefix_match.group(1) if prefix_match else ""
    core = section[len(prefix) :]
    suffix_match = re.search(r'((?:"[^"]*"|[^0#.,%E+])*)$', core)
    suffix = suffix_match.group(1) if suffix_match else ""
    core = core[: len(core) - len(suffix)] if suffix else core
    if "E" in core.upper():
        return _scientific(value)
    if "%" in core:
        value = value * 100
    decimals = len(core.split(".", 1)[1].rstrip("%").replace(",", "")) if "." in core else 0
    grouped = "," in core.split(".", 1)[0]
    body = f"{abs(value):,.{decimals}f}" if grouped else f"{abs(value):.{decimals}f}"
    sign = "-" if value < 0 and float(body.replace(",", "")) != 0 else ""
    percent = "%" if "%" in core else ""
    return sign + prefix.replace('"', "") + body + percent + suffix.replace('"', "")


def is_date_format(number_format: JSON | None) -> bool:
    """Whether a number format shows dates or times."""
    return number_format is not None and number_format.get("type") in DATE_TYPES


def display(value: Effective, number_format: JSON | None) -> str:
    """The formatted (displayed) text of an effective value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, CellError):
        return value.code
    return format_number(value, number_format)


def render(value: Effective, cell: Cell, value_option: str, datetime_option: str) -> Scalar | None:
    """A cell as ``values.get`` returns it for the given render options."""
    if value_option == "FORMULA" and cell.formula is not None:
        return cell.formula
    if value is None:
        return None
    number_format = cell.number_format()
    if value_option == "FORMATTED_VALUE":
        return display(value, number_format)
    if isinstance(value, CellError):
        return value.code
    if (
        datetime_option == "FORMATTED_STRING"
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and is_date_format(number_format)
    ):
        return display(value, number_format)
    return value


def extended_value(value: Effective) -> JSON | None:
    """``ExtendedValue`` JSON for an effective value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, CellError):
        return {"errorValue": value.to_json()}
    return {"numberValue": value}


def from_extended(ext: JSON) -> tuple[Scalar | None, str | None]:
    """``(value, formula)`` from ``ExtendedValue`` JSON."""
    if "formulaValue" in ext:
        formula = str(ext["formulaValue"])
        return (None, formula) if formula.startswith("=") else (formula or None, None)
    if "stringValue" in ext:
        return str(ext["stringValue"]) or None, None
    if "numberValue" in ext:
        number = ext["numberValue"]
        return normalize_number(float(number)) if number is not None else None, None
    if "boolValue" in ext:
        return bool(ext["boolValue"]), None
    return None, None
