"""The schema module: headers in both languages, column lookup, the generated Schema.js."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent import schema
from agent.errors import SchemaError

ROOT = Path(__file__).resolve().parents[1]


def test_schema_js_is_current() -> None:
    committed = (ROOT / "appsscript" / "Schema.js").read_text(encoding="utf-8")
    assert committed == schema.render_schema_js(), (
        "appsscript/Schema.js is stale: run `orc schema-js`"
    )


def test_schema_js_puts_one_column_per_line() -> None:
    text = schema.render_schema_js()
    body = json.loads(
        text[text.index("Object.freeze(") + len("Object.freeze(") : text.rindex(");")]
    )
    for spec in schema.ALL_TABS:
        columns = body["tabs"][spec.title]["columns"]
        assert [c["key"] for c in columns] == [c.key for c in spec.columns]
        for column in spec.columns:
            line = json.dumps(
                {"key": column.key, "en": column.en, "pt": column.pt}, ensure_ascii=False
            )
            assert f"\n        {line}" in text, line


@pytest.mark.parametrize("language", ["en", "pt"])
def test_column_map_reads_either_language(language: schema.Language) -> None:
    headers = ["My Notes", *schema.TASKS.headers(language)]
    cmap = schema.ColumnMap(schema.TASKS, headers)
    cmap.require()
    assert cmap.language == language
    assert cmap.col("id") == 1
    assert cmap.extra == ["My Notes"]


def test_missing_header_names_tab_and_header() -> None:
    headers = [h for h in schema.TASKS.headers("pt") if h != "Timestamp de Criação"]
    cmap = schema.ColumnMap(schema.TASKS, headers)
    with pytest.raises(SchemaError) as info:
        cmap.require()
    assert "Tasks" in str(info.value)
    assert "Timestamp de Criação" in str(info.value)


def test_duplicate_header_is_rejected() -> None:
    with pytest.raises(SchemaError, match="appears twice"):
        schema.ColumnMap(schema.WORKERS, ["Worker ID", "Status", "Status"])


def test_row_from_leaves_user_columns_untouched() -> None:
    headers = [*schema.SOURCES.headers("en")[:3], "User Column", *schema.SOURCES.headers("en")[3:]]
    cmap = schema.ColumnMap(schema.SOURCES, headers)
    row = cmap.row_from({"id": "x", "url": "u"})
    assert row[headers.index("User Column")] is None
    assert row[0] == "x"


def test_fit_cell_truncates_with_marker() -> None:
    text = "a" * (schema.MAX_CELL_CHARS + 10)
    cut = schema.fit_cell(text)
    assert len(cut) == schema.MAX_CELL_CHARS
    assert cut.endswith(schema.TRUNCATION_MARKER)
    assert schema.fit_cell("short") == "short"
