"""Per-source settings: each optional Sources column parsed, or an error naming the column."""

from __future__ import annotations

import pytest

from agent.schema import SOURCES, ColumnMap
from agent.sources import ExpandOptions
from agent.sources.settings import SourceSettingsError, parse_source_settings


def test_blank_cells_keep_the_global_settings() -> None:
    settings = parse_source_settings({"handler": " ", "priority": ""})
    assert settings == parse_source_settings({})
    options = ExpandOptions(max_entries=7)
    assert settings.apply(options) is options
    assert settings.rescan_after_h(12) == 12


def test_every_column_parses() -> None:
    settings = parse_source_settings(
        {
            "handler": "subtitles",
            "title_regex": r"^Part \d+",
            "min_duration": "1:30",
            "max_duration": "1h",
            "max_entries": "50",
            "shorts": "no",
            "streams": "Sim",
            "rescan_hours": "6,5",
            "priority": "-3",
        }
    )
    assert settings.handler == "agent.handlers:subtitles"
    assert (settings.min_duration_s, settings.max_duration_s) == (90.0, 3600.0)
    assert (settings.max_entries, settings.shorts, settings.streams) == (50, False, True)
    assert (settings.rescan_hours, settings.priority) == (6.5, -3)
    options = settings.apply(ExpandOptions())
    assert options.title_regex == r"^Part \d+"
    assert (options.min_duration_s, options.max_duration_s) == (90.0, 3600.0)
    assert (options.max_entries, options.include_shorts, options.include_streams) == (
        50,
        False,
        True,
    )
    assert parse_source_settings({"handler": "mywork.jobs:transcribe"}).handler == (
        "mywork.jobs:transcribe"
    )


@pytest.mark.parametrize(
    ("cells", "column", "language"),
    [
        ({"handler": "rm -rf /"}, "Handler", "en"),
        ({"title_regex": "(unclosed"}, "Title Regex", "en"),
        ({"title_regex": "(unclosed"}, "Regex do Título", "pt"),
        ({"min_duration": "soon"}, "Min Duration", "en"),
        ({"min_duration": "10m", "max_duration": "1m"}, "Duração Máxima", "pt"),
        ({"max_entries": "-1"}, "Max Entries", "en"),
        ({"shorts": "maybe"}, "Shorts", "en"),
        ({"streams": "talvez"}, "Transmissões", "pt"),
        ({"rescan_hours": "-2"}, "Rescan Hours", "en"),
        ({"priority": "high"}, "Prioridade", "pt"),
        ({"priority": "5000"}, "Priority", "en"),
    ],
)
def test_bad_cells_name_their_column(cells: dict[str, str], column: str, language: str) -> None:
    with pytest.raises(SourceSettingsError) as info:
        parse_source_settings(cells, language)  # type: ignore[arg-type]
    assert info.value.column == column
    assert column in str(info.value)


def test_optional_columns_are_read_when_present_and_never_required() -> None:
    headers = [*SOURCES.headers("pt"), "Prioridade", "Minhas Notas", "Shorts"]
    cmap = ColumnMap(SOURCES, headers)
    cmap.require()  # no optional column is demanded
    assert cmap.col("priority") == headers.index("Prioridade")
    assert cmap.col("shorts") == headers.index("Shorts")
    assert cmap.extra == ["Minhas Notas"]  # settings are not people's own columns
    assert "min_duration" not in cmap.index
    assert ColumnMap(SOURCES, SOURCES.headers("en")).missing() == []
