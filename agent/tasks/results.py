"""What a callback returned, as cells of its Tasks History row.

:func:`result_cells` maps a result to row keys (as :meth:`~agent.schema.ColumnMap.row_from`
takes them):

- ``None``: nothing;
- text, a number, a path: the ``Result`` column;
- a list, tuple or set (e.g. the paths a handler wrote): one item a line in ``Result``;
- a dict: each key that matches a column people added to Tasks History (header compared
  without case or surrounding spaces) fills that column; a ``Result`` key (either language)
  fills ``Result``; every other key goes, as one JSON object, to ``Result``. System columns
  (Status, URL...) are never written from a result.

Every cell is cut to Google's 50,000 characters with a visible marker
(:data:`~agent.schema.TRUNCATION_MARKER`); the caller writes them RAW, so a result such as
``=IMPORTXML(...)`` stays text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any

from agent.schema import RESULT, USER_PREFIX, fit_cell


def cell_text(value: Any) -> str:
    """One value as the text of a cell (JSON for structures)."""
    if isinstance(value, str):
        return value
    if isinstance(value, PathLike):
        return str(value.__fspath__())
    if isinstance(value, (list, tuple, set, frozenset)):
        return "\n".join(cell_text(v) for v in value)
    if value is None or isinstance(value, (bool, int, float)):
        return "" if value is None else json.dumps(value)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _norm(header: str) -> str:
    return header.strip().casefold()


def result_cells(result: Any, extra_headers: Iterable[str] = ()) -> dict[str, str]:
    """Row keys and cell texts for ``result``; ``extra_headers``: History's own columns."""
    if result is None:
        return {}
    if not isinstance(result, Mapping):
        return {RESULT.key: fit_cell(cell_text(result))}
    by_norm = {_norm(h): h for h in extra_headers}
    result_names = {_norm(RESULT.en), _norm(RESULT.pt)}
    cells: dict[str, str] = {}
    rest: dict[str, Any] = {}
    for key, value in result.items():
        name = _norm(str(key))
        if name in result_names:
            cells[RESULT.key] = fit_cell(cell_text(value))
        elif name in by_norm:
            cells[USER_PREFIX + by_norm[name]] = fit_cell(cell_text(value))
        else:
            rest[str(key)] = value
    if rest and RESULT.key not in cells:
        cells[RESULT.key] = fit_cell(json.dumps(rest, ensure_ascii=False, default=str))
    elif rest:
        joined = cells[RESULT.key] + "\n" + json.dumps(rest, ensure_ascii=False, default=str)
        cells[RESULT.key] = fit_cell(joined)
    return cells
