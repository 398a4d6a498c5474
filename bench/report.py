"""The figures of a run: one table (terminal and Markdown), a JSON file and a PNG chart."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Line:
    """One row of the table: a scenario of a benchmark, its figures, and a goal when it has one.

    ``met`` is ``"yes"``, ``"NO"`` or ``""`` (no goal on this row).
    """

    bench: str
    scenario: str
    figures: str
    goal: str = ""
    met: str = ""


@dataclass
class Section:
    """What one benchmark measured: table rows, JSON-ready data and diagnoses."""

    name: str
    lines: list[Line] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, scenario: str, figures: str, goal: str = "", met: bool | None = None) -> None:
        """Append a row; ``met`` None means the row has no goal."""
        verdict = "" if met is None else ("yes" if met else "NO")
        self.lines.append(Line(self.name, scenario, figures, goal, verdict))


def yes(flag: bool) -> str:
    """``yes`` / ``NO``."""
    return "yes" if flag else "NO"


def render_text(sections: list[Section], width: int = 150) -> str:
    """The table for a terminal: figures wrapped, one block per row."""
    rows = [line for section in sections for line in section.lines]
    if not rows:
        return "(no figures)"
    bench_w = max(len("benchmark"), *(len(r.bench) for r in rows))
    scen_w = min(34, max(len("scenario"), *(len(r.scenario) for r in rows)))
    goal_w = min(22, max(len("goal"), *(len(r.goal) for r in rows)))
    fig_w = max(40, width - bench_w - scen_w - goal_w - 4 - 12)
    head = f"{'benchmark':<{bench_w}}  {'scenario':<{scen_w}}  {'figures':<{fig_w}}  "
    head += f"{'goal':<{goal_w}}  met"
    out = [head, "-" * len(head)]
    for row in rows:
        fig_lines = textwrap.wrap(row.figures, fig_w) or [""]
        scen_lines = textwrap.wrap(row.scenario, scen_w) or [""]
        goal_lines = textwrap.wrap(row.goal, goal_w) or [""]
        height = max(len(fig_lines), len(scen_lines), len(goal_lines))
        for i in range(height):
            bench = row.bench if i == 0 else ""
            met = row.met if i == 0 else ""
            out.append(
                f"{bench:<{bench_w}}  {_at(scen_lines, i):<{scen_w}}  "
                f"{_at(fig_lines, i):<{fig_w}}  {_at(goal_lines, i):<{goal_w}}  {met}".rstrip()
            )
    return "\n".join(out)


def _at(lines: list[str], i: int) -> str:
    return lines[i] if i < len(lines) else ""


def render_markdown(sections: list[Section]) -> str:
    """The same table in Markdown."""
    out = ["| benchmark | scenario | figures | goal | met |", "|---|---|---|---|---|"]
    for section in sections:
        for row in section.lines:
            cells = [row.bench, row.scenario, row.figures, row.goal, row.met]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def write_json(sections: list[Section], meta: dict[str, Any], path: Path) -> None:
    """Every figure, row and note as JSON."""
    body = {"meta": meta, "sections": {s.name: asdict(s) for s in sections}}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n", encoding="utf-8")
