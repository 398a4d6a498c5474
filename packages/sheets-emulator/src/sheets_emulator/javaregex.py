"""Java regular expressions (as Sheets' findReplace takes them) translated to Python's ``re``.

Covered: ``\\Q...\\E`` quoting (outside and inside classes), possessive quantifiers (native on
Python >= 3.11, downgraded to greedy before), named groups ``(?<n>...)`` and ``\\k<n>``,
``\\p{...}`` POSIX and common Unicode classes, ``\\h \\H \\v \\V \\R \\z \\Z \\e \\a \\cX
\\0oct \\x{h..h}``, inline flags anywhere (``(?i)`` mid-pattern becomes a scoped group), union
classes ``[a-z[A-Z]]``. Rejected with :class:`JavaRegexError`: class intersections (``&&``),
``\\G``, ``\\X``, and anything Python then refuses to compile.

Replacements follow ``java.util.regex.Matcher``: ``$n`` / ``${name}`` are group references
(greedy on digits while the group exists), ``\\x`` is a literal ``x``, a lone ``$`` is an error.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

_POSSESSIVE = sys.version_info >= (3, 11)
_VERTICAL = r"\n\x0b\f\r\x85\u2028\u2029"
_HORIZONTAL = r" \t\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000"
_PUNCT = re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_CLASS_BODIES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": r"\x00-\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": _PUNCT,
    "Graph": "a-zA-Z0-9" + _PUNCT,
    "Print": "a-zA-Z0-9 " + _PUNCT,
    "Blank": r" \t",
    "Cntrl": r"\x00-\x1f\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": r" \t\n\x0b\f\r",
    "javaWhitespace": r"\s",
    "IsWhite_Space": r"\s",
    "N": r"\d",
    "Nd": r"\d",
    "IsDigit": r"\d",
}
_OUTSIDE_ONLY = {  # classes Python can express only as a whole bracket expression
    "L": r"[^\W\d_]",
    "IsL": r"[^\W\d_]",
    "IsLetter": r"[^\W\d_]",
    "IsAlphabetic": r"[^\W\d_]",
    "javaLetter": r"[^\W\d_]",
    "javaLetterOrDigit": r"[^\W_]",
}
_NOT_OUTSIDE = {
    "L": r"[\W\d_]",
    "IsL": r"[\W\d_]",
    "IsLetter": r"[\W\d_]",
    "IsAlphabetic": r"[\W\d_]",
    "javaLetter": r"[\W\d_]",
    "javaLetterOrDigit": r"[\W_]",
}
_FLAG_MAP = {"i": "i", "m": "m", "s": "s", "x": "x"}
_IGNORED_FLAGS = set("duUc")


class JavaRegexError(ValueError):
    """A Java pattern or replacement the emulator cannot honour (Google would reject it too)."""


class _Translator:
    """One pass over a Java pattern producing a Python pattern."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.i = 0
        self.out: list[str] = []
        self.closers: list[int] = [0]  # per group depth: scoped-flag groups to close

    def run(self) -> str:
        src = self.src
        while self.i < len(src):
            ch = src[self.i]
            if ch == "\\":
                self.out.append(self._escape(in_class=False))
            elif ch == "[":
                self.out.append(self._char_class())
            elif ch == "(":
                self._open_group()
            elif ch == ")":
                self.out.append(")" * self.closers.pop() + ")")
                if not self.closers:
                    raise JavaRegexError("Unmatched closing ')'")
                self.i += 1
            elif ch == "+" and self.out and self._after_quantifier():
                self.out.append("+" if _POSSESSIVE else "")
                self.i += 1
            else:
                self.out.append(ch)
                self.i += 1
        if len(self.closers) != 1:
            raise JavaRegexError("Unclosed group")
        return "".join(self.out) + ")" * self.closers[0]

    def _after_quantifier(self) -> bool:
        last = self.out[-1]
        if last in ("*", "+", "?"):
            return True
        return last == "}" and bool(re.search(r"\{\d+(,\d*)?\}$", "".join(self.out[-24:])))

    def _open_group(self) -> None:
        src = self.src
        rest = src[self.i :]
        named = re.match(r"\(\?<([A-Za-z][A-Za-z0-9]*)>", rest)
        if named:
            self.out.append(f"(?P<{named.group(1)}>")
            self.i += named.end()
            self.closers.append(0)
            return
        flags = re.match(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?(\)|:)", rest)
        if flags and (flags.group(1) or flags.group(2)):
            on, off = self._flags(flags.group(1)), self._flags(flags.group(2) or "")
            spec = on + (f"-{off}" if off else "")
            self.i += flags.end()
            if flags.group(3) == ":":
                self.out.append(f"(?{spec}:" if spec else "(?:")
                self.closers.append(0)
            elif spec and not self.out and not off:
                self.out.append(f"(?{spec})")
            elif spec:
                self.out.append(f"(?{spec}:")
                self.closers[-1] += 1
            return
        self.out.append("(")
        self.i += 1
        self.closers.append(0)

    @staticmethod
    def _flags(letters: str) -> str:
        out = ""
        for letter in letters:
            if letter in _FLAG_MAP:
                out += _FLAG_MAP[letter]
            elif letter not in _IGNORED_FLAGS:
                raise JavaRegexError(f"Unknown inline modifier: {letter}")
        return out

    def _quote(self, in_class: bool) -> str:
        end = self.src.find("\\E", self.i)
        literal = self.src[self.i : end if end >= 0 else len(self.src)]
        self.i = end + 2 if end >= 0 else len(self.src)
        if in_class:
            return "".join("\\" + ch if not ch.isalnum() else ch for ch in literal)
        return re.escape(literal)

    def _escape(self, in_class: bool) -> str:
        src = self.src
        if self.i + 1 >= len(src):
            raise JavaRegexError("Unexpected internal error: pattern ends with a backslash")
        ch = src[self.i + 1]
        self.i += 2
        if ch == "Q":
            return self._quote(in_class)
        if ch in "pP":
            return self._property(ch == "P", in_class)
        simple = self._simple_escape(ch, in_class)
        if simple is not None:
            return simple
        if ch == "c" and self.i < len(src):
            self.i += 1
            return re.escape(chr(ord(src[self.i - 1]) ^ 64))
        if ch == "0":
            digits = re.match(r"[0-7]{1,3}", src[self.i :])
            if not digits:
                raise JavaRegexError("Illegal octal escape sequence")
            self.i += digits.end()
            return re.escape(chr(int(digits.group(0), 8)))
        if ch == "x" and src.startswith("{", self.i):
            end = src.find("}", self.i)
            if end < 0:
                raise JavaRegexError("Unclosed hexadecimal escape sequence")
            code = src[self.i + 1 : end]
            self.i = end + 1
            return re.escape(chr(int(code, 16)))
        if ch == "k" and not in_class:
            named = re.match(r"<([A-Za-z][A-Za-z0-9]*)>", src[self.i :])
            if not named:
                raise JavaRegexError("\\k is not followed by '<' for named capturing group")
            self.i += named.end()
            return f"(?P={named.group(1)})"
        if ch in "GX":
            raise JavaRegexError(f"\\{ch} is not supported")
        return "\\" + ch

    @staticmethod
    def _simple_escape(ch: str, in_class: bool) -> str | None:
        if ch == "h":
            return _HORIZONTAL if in_class else f"[{_HORIZONTAL}]"
        if ch == "v":
            return _VERTICAL if in_class else f"[{_VERTICAL}]"
        if ch in "HV" and not in_class:
            return f"[^{_HORIZONTAL if ch == 'H' else _VERTICAL}]"
        table = {"e": r"\x1b", "a": r"\x07"}
        if ch in table:
            return table[ch]
        if in_class:
            return None
        return {"R": rf"(?:\r\n|[{_VERTICAL}])", "z": r"\Z", "Z": r"(?=\n?\Z)"}.get(ch)

    def _property(self, negated: bool, in_class: bool) -> str:
        src = self.src
        if src.startswith("{", self.i):
            end = src.find("}", self.i)
            if end < 0:
                raise JavaRegexError("Unclosed character family")
            name = src[self.i + 1 : end]
            self.i = end + 1
        else:
            name = src[self.i : self.i + 1]
            self.i += 1
        name = name[2:] if name.startswith("Is") and name[2:] in _CLASS_BODIES else name
        if name in _CLASS_BODIES:
            body = _CLASS_BODIES[name]
            if in_class:
                if negated:
                    raise JavaRegexError(f"\\P{{{name}}} inside a class is not supported")
                return body
            return f"[{'^' if negated else ''}{body}]"
        if name in _OUTSIDE_ONLY and not in_class:
            return _NOT_OUTSIDE[name] if negated else _OUTSIDE_ONLY[name]
        raise JavaRegexError(f"Unknown character property name {{{name}}}")

    def _char_class(self) -> str:
        src = self.src
        self.i += 1
        parts = ["["]
        if src.startswith("^", self.i):
            parts.append("^")
            self.i += 1
        parts.append(self._class_body())
        parts.append("]")
        return "".join(parts)

    def _class_body(self) -> str:
        src = self.src
        body: list[str] = []
        first = True
        while self.i < len(src):
            ch = src[self.i]
            if ch == "]" and not first:
                self.i += 1
                return "".join(body)
            first = False
            if ch == "\\":
                body.append(self._escape(in_class=True))
            elif ch == "[":
                self.i += 1
                if src.startswith("^", self.i):
                    raise JavaRegexError("Negated nested character classes are not supported")
                body.append(self._class_body())
            elif src.startswith("&&", self.i):
                raise JavaRegexError("Character class intersection (&&) is not supported")
            elif ch in "&~|" or (ch == "-" and body and body[-1] == "-"):
                body.append("\\" + ch)
                self.i += 1
            else:
                body.append(ch)
                self.i += 1
        raise JavaRegexError("Unclosed character class")


def translate(pattern: str) -> str:
    """A Python ``re`` pattern equivalent to a Java one."""
    return _Translator(pattern).run()


def compile_java(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a Java pattern; :class:`JavaRegexError` when it cannot be honoured."""
    try:
        return re.compile(translate(pattern), flags)
    except re.error as exc:
        raise JavaRegexError(f"{exc.msg} near index {exc.pos}") from None


Part = str | int | tuple[str]


def parse_replacement(text: str, pattern: re.Pattern[str]) -> list[Part]:
    """A Java replacement string split into literal text, group numbers and ``(name,)``."""
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                raise JavaRegexError("character to be escaped is missing")
            literal.append(text[i + 1])
            i += 2
            continue
        if ch != "$":
            literal.append(ch)
            i += 1
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        i, ref = _group_ref(text, i + 1, pattern)
        parts.append(ref)
    if literal:
        parts.append("".join(literal))
    return parts


def _group_ref(text: str, i: int, pattern: re.Pattern[str]) -> tuple[int, Part]:
    if i >= len(text):
        raise JavaRegexError("Illegal group reference: group index is missing")
    if text[i] == "{":
        end = text.find("}", i)
        if end < 0:
            raise JavaRegexError("named capturing group is missing trailing '}'")
        name = text[i + 1 : end]
        if name not in pattern.groupindex:
            raise JavaRegexError(f"No group with name {{{name}}}")
        return end + 1, (name,)
    if not ("0" <= text[i] <= "9"):
        raise JavaRegexError("Illegal group reference")
    number = int(text[i])
    i += 1
    if number > pattern.groups:
        raise JavaRegexError(f"No group {number}")
    while i < len(text) and "0" <= text[i] <= "9":
        longer = number * 10 + int(text[i])
        if longer > pattern.groups:
            break
        number = longer
        i += 1
    return i, number


def expander(parts: list[Part]) -> Callable[[re.Match[str]], str]:
    """A function building the replacement for one match (unmatched groups give "")."""
    if all(isinstance(p, str) for p in parts):
        constant = "".join(p for p in parts if isinstance(p, str))
        return lambda _match: constant

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, int):
                out.append(match.group(part) or "")
            else:
                out.append(match.group(part[0]) or "")
        return "".join(out)

    return expand


_LITERAL_ESCAPE = re.compile(r"\\(.)", re.S)


def as_literal(pattern: str) -> str | None:
    """The exact text a Java pattern of escaped literal characters matches, else None.

    ``^a\\|b\\.c$`` (anchors allowed) gives ``a|b.c``; used for a fast equality path.
    """
    body = pattern
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    if "\\Q" in body or "\\E" in body:
        return None
    stripped = _LITERAL_ESCAPE.sub(lambda m: "" if not m.group(1).isalnum() else "\x00", body)
    if "\x00" in stripped or re.search(r"[.^$*+?()\[\]{}|\\]", stripped):
        return None
    return _LITERAL_ESCAPE.sub(lambda m: m.group(1), body)
