"""Pure units of the emulator: Java regex translation, A1 notation, field masks, formatting."""

from __future__ import annotations

import re

import pytest
from sheets_emulator import a1
from sheets_emulator.fieldmask import apply_mask, merge_masked, parse_mask
from sheets_emulator.javaregex import (
    JavaRegexError,
    as_literal,
    compile_java,
    expander,
    parse_replacement,
    translate,
)
from sheets_emulator.values import format_number, general_number, parse_user_entered


@pytest.mark.parametrize(
    ("java", "text", "matches"),
    [
        (r"\Qa.b*c\E", "a.b*c", True),
        (r"\Qa.b*c\E", "axbbc", False),
        (r"[\Q]-[\E]+", "]-[", True),
        (r"(?<year>\d{4})-\k<year>", "2024-2024", True),
        (r"a++b", "aaab", True),
        (r"a*+a", "aaa", False),
        (r"x(?i)ABC", "xabc", True),
        (r"X(?i)abc", "xabc", False),
        (r"\p{Alpha}+\p{Digit}", "abc1", True),
        (r"\P{Digit}+", "abc", True),
        (r"\p{L}+", "ação", True),
        (r"a\hb", "a\tb", True),
        (r"end\z", "end", True),
        (r"[a-c[x-z]]+", "abxz", True),
        (r"\x{41}\0101\e", "AA\x1b", True),
        (r"[&|~]+", "&|~", True),
    ],
)
def test_java_regex_translation(java: str, text: str, matches: bool) -> None:
    assert bool(compile_java(java).fullmatch(text)) is matches


@pytest.mark.parametrize(
    "java", [r"[a-z&&[^aeiou]]", r"\Gx", r"(unclosed", r"\p{Nope}", r"[^a[^b]]"]
)
def test_java_regex_rejections(java: str) -> None:
    with pytest.raises(JavaRegexError):
        compile_java(java)


def test_named_groups_become_python_syntax() -> None:
    assert translate(r"(?<n>a)\k<n>") == "(?P<n>a)(?P=n)"


@pytest.mark.parametrize(
    ("pattern", "replacement", "text", "expected"),
    [
        (r"(a)(b)", "$2$1", "ab", "ba"),
        (r"(a)", "$10", "a", "a0"),
        (r"(?<x>a)", "[${x}]", "a", "[a]"),
        (r"a", r"\$1 \\ \q", "a", "$1 \\ q"),
        (r"(a)|(b)", "<$2>", "a", "<>"),
    ],
)
def test_java_replacements(pattern: str, replacement: str, text: str, expected: str) -> None:
    compiled = compile_java(pattern)
    assert compiled.sub(expander(parse_replacement(replacement, compiled)), text) == expected


@pytest.mark.parametrize("replacement", ["$", "$2", "${nope}", "x\\", "$a"])
def test_bad_java_replacements(replacement: str) -> None:
    with pytest.raises(JavaRegexError):
        parse_replacement(replacement, re.compile("(a)"))


def test_literal_patterns_are_recognised() -> None:
    assert as_literal(r"^CLAIMED\|w\-1\.x\:2$") == "CLAIMED|w-1.x:2"
    assert as_literal("plain") == "plain"
    assert as_literal(r"^a.b$") is None
    assert as_literal(r"\d+") is None
    assert as_literal(r"\Qa\E") is None


@pytest.mark.parametrize(
    ("text", "title", "bounds", "word"),
    [
        ("Sheet1!A1:B2", "Sheet1", a1.Bounds(0, 2, 0, 2), None),
        ("'It''s'!C3", "It's", a1.Bounds(2, 3, 2, 3), None),
        ("'My Sheet'", "My Sheet", None, None),
        ("A:C", None, a1.Bounds(0, None, 0, 3), "A:C"),
        ("2:5", None, a1.Bounds(1, 5, 0, None), "2:5"),
        ("A2:2", None, a1.Bounds(1, 2, 0, None), "A2:2"),
        ("D4:A1", None, a1.Bounds(0, 4, 0, 4), "D4:A1"),
        ("Sheet1!Named", "Sheet1", None, "Named"),
        ("Tasks", None, None, "Tasks"),
    ],
)
def test_a1_parsing(
    text: str, title: str | None, bounds: a1.Bounds | None, word: str | None
) -> None:
    parsed = a1.parse_range(text)
    assert parsed is not None
    assert (parsed.title, parsed.bounds, parsed.word) == (title, bounds, word)


def test_a1_printing() -> None:
    assert [a1.col_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert all(a1.col_index(a1.col_letters(i)) == i for i in range(2000))
    assert a1.format_box("Sheet1", a1.Box(0, 1, 1, 2)) == "Sheet1!B1"
    assert a1.format_box("D3", a1.Box(0, 4, 0, 4)) == "'D3'!A1:D4"
    assert a1.quote_title("It's") == "'It''s'"
    assert a1.parse_range("'unclosed!A1") is None
    assert a1.parse_cells("A:2") is None


def test_field_masks() -> None:
    mask = parse_mask("a/b,a.c,d(e,f),g")
    assert mask == {"a": {"b": {}, "c": {}}, "d": {"e": {}, "f": {}}, "g": {}}
    value = {"a": {"b": 1, "c": 2, "x": 3}, "d": [{"e": 1, "z": 2}], "q": 0}
    assert apply_mask(value, mask) == {"a": {"b": 1, "c": 2}, "d": [{"e": 1}]}
    target = {"a": {"b": 1, "keep": 1}, "g": 5}
    merge_masked(target, {"a": {"b": 2}}, parse_mask("a.b,g"))
    assert target == {"a": {"b": 2, "keep": 1}}


@pytest.mark.parametrize(
    ("typed", "value", "shown"),
    [
        ("0042", 42, "42"),
        ("1,234.5", 1234.5, "1,234.50"),
        ("12%", 0.12, "12%"),
        ("$3.5", 3.5, "$3.50"),
        ("2020-01-01", 43831, "2020-01-01"),
        ("1/2/2020", 43832, "1/2/2020"),
        ("10:30", 0.4375, "10:30"),
        ("true", True, None),
        ("2026-11-29T10:04:05Z", "2026-11-29T10:04:05Z", None),
        ("'=1+1", "=1+1", None),
    ],
)
def test_user_entered_parsing(typed: str, value: object, shown: str | None) -> None:
    parsed, formula, fmt = parse_user_entered(typed)
    assert (parsed, formula) == (value, None)
    if shown is not None:
        assert isinstance(parsed, (int, float))
        assert format_number(parsed, fmt) == shown


def test_automatic_number_format() -> None:
    assert [general_number(v) for v in (2, 1.5, 0.0009765625, 1 / 3, 1e20)] == [
        "2",
        "1.5",
        "0.0009765625",
        "0.3333333333",
        "1E+20",
    ]
