"""What ``orc demo`` shows: a live view while agents work, then a summary.

The live view shows ``orc status``'s snapshot (:func:`agent.status.snapshot`) in a compact
form that fits a 24-line terminal, with a progress bar toward the number of tasks the sources
list, the throughput measured since the agents started, and the API calls used so far.
Everything that comes from cells is shown as :class:`rich.text.Text`, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from agent.schema import (
    SOURCES,
    SOURCES_DLQ,
    SOURCES_HISTORY,
    TASKS,
    TASKS_ARCHIVE,
    TASKS_DLQ,
    TASKS_HISTORY,
)
from agent.status import STATE_STYLE

QUEUE_ORDER = tuple(
    spec.title
    for spec in (
        SOURCES,
        SOURCES_HISTORY,
        SOURCES_DLQ,
        TASKS,
        TASKS_HISTORY,
        TASKS_DLQ,
        TASKS_ARCHIVE,
    )
)
DLQ_ROWS = 4


@dataclass(frozen=True)
class Frame:
    """One refresh of the live view."""

    data: Mapping[str, Any]  # an agent.status.snapshot()
    total: int
    elapsed_s: float
    work_s: float  # seconds since the agents started
    api_calls: int
    agents_running: int
    agents: int

    @property
    def done(self) -> int:
        """Rows in Tasks History."""
        return int(self.data["queues"].get(TASKS_HISTORY.title, 0))

    @property
    def dead(self) -> int:
        """Rows in Tasks DLQ."""
        return int(self.data["queues"].get(TASKS_DLQ.title, 0))

    @property
    def finished(self) -> int:
        """Tasks that reached History or the DLQ."""
        return self.done + self.dead

    @property
    def tasks_per_minute(self) -> float:
        """Finished tasks per minute since the agents started."""
        return round(60.0 * self.finished / self.work_s, 1) if self.work_s > 1 else 0.0


def live(frame: Frame, header: str) -> RenderableType:
    """The live view, about 20 lines so that it fits a small terminal."""
    return Group(_progress_panel(frame, header), _queues_line(frame), _workers(frame), _dlq(frame))


def _progress_panel(frame: Frame, header: str) -> Panel:
    bar = Table.grid(padding=(0, 1))
    bar.add_column(no_wrap=True)
    bar.add_column(ratio=1)
    bar.add_column(no_wrap=True)
    bar.add_row(
        Text("tasks finished", style="bold"),
        ProgressBar(total=max(frame.total, 1), completed=min(frame.finished, frame.total)),
        Text(f"{frame.finished}/{frame.total}  ({frame.done} done, {frame.dead} in DLQ)"),
    )
    leader = frame.data["leader"]
    facts = Text(
        f"{frame.elapsed_s:5.1f} s · agents running {frame.agents_running}/{frame.agents} · "
        f"{frame.tasks_per_minute} tasks/min · API calls by the agents {frame.api_calls}"
    )
    leading = Text("leader ") + Text(leader["worker"] or "(none)", style="bold")
    leading.append(f"  term {leader['term']}")
    return Panel(Group(bar, facts, leading), title=Text(header), title_align="left")


def _queues_line(frame: Frame) -> Text:
    queues = frame.data["queues"]
    text = Text("queues  ", style="bold")
    parts = [f"{title} {queues[title]}" for title in QUEUE_ORDER if title in queues]
    text.append(" · ".join(parts))
    return text


def _table(title: str) -> Table:
    return Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left", pad_edge=False
    )


def _workers(frame: Frame) -> Table:
    table = _table("Workers")
    for column in ("name", "state", "heartbeat age", "tasks", "sources"):
        table.add_column(column, no_wrap=True)
    for worker in frame.data["workers"]:
        age = worker["heartbeat_age_s"]
        table.add_row(
            Text(worker["name"]),
            Text(worker["state"], style=STATE_STYLE.get(worker["state"], "")),
            Text("" if age is None else f"{age:.0f} s"),
            Text(str(worker["tasks_processed"])),
            Text(str(worker["sources_processed"])),
        )
    return table


def _dlq(frame: Frame) -> Table:
    table = _table("Dead letters (latest)")
    table.expand = True
    table.add_column("tab", no_wrap=True, width=11)
    table.add_column("video or source", no_wrap=True, overflow="ellipsis", width=32)
    table.add_column("error", no_wrap=True, overflow="ellipsis", ratio=1)
    for entry in frame.data["dlq"][-DLQ_ROWS:]:
        what = entry["name"] or short_url(entry["url"])
        table.add_row(Text(entry["tab"]), Text(what), Text(entry["error"]))
    return table


def short_url(url: str) -> str:
    """``url`` without its scheme and ``www.`` (the end of a URL says more than its start)."""
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url


def line_key(frame: Frame) -> tuple[object, ...]:
    """What must change for :func:`line` to be worth printing again."""
    leader = frame.data["leader"]
    queues = tuple(sorted(frame.data["queues"].items()))
    return (frame.finished, frame.dead, queues, leader["worker"], frame.agents_running)


def line(frame: Frame) -> str:
    """One plain line for logs (``--no-live``)."""
    queues = frame.data["queues"]
    leader = frame.data["leader"]
    return (
        f"[{frame.elapsed_s:5.1f}s] finished {frame.finished}/{frame.total} "
        f"(done {frame.done}, dlq {frame.dead})  queued tasks {queues.get(TASKS.title, 0)} "
        f"sources {queues.get(SOURCES.title, 0)}  leader {leader['worker'] or '-'} "
        f"(term {leader['term']})  agents {frame.agents_running}/{frame.agents}  "
        f"API calls {frame.api_calls}"
    )


def summary_table(result: Mapping[str, Any], dlq_errors: list[tuple[str, str]]) -> Group:
    """The end-of-run summary: tasks, sources, agents, API calls, and what went to the DLQ."""
    tasks, sources, calls = result["tasks"], result["sources"], result["api_calls"]
    table = Table(title="orc demo: summary", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("result", "ok" if result["ok"] else "FAILED"),
        ("time", f"{result['elapsed_s']} s"),
        ("tasks", f"{tasks['expected']} listed by the sources"),
        ("  done (Tasks History)", str(tasks["done"])),
        ("  dead-lettered (Tasks DLQ)", str(tasks["dead_lettered"])),
        ("  still queued", str(tasks["left_in_queue"])),
        ("sources", f"{sources['done']} expanded, {sources['dead_lettered']} dead-lettered"),
        ("API calls", f"{calls['by_agents']} by the agents, {calls['by_demo_view']} by this view"),
    ]
    for name, info in result["agents"].items():
        rows.append(
            (
                f"  {name}",
                f"{info['tasks_processed']} tasks, {info['api_calls']} API calls, "
                f"exit code {info['exit_code']}",
            )
        )
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    parts: list[RenderableType] = [table]
    if dlq_errors:
        errors = Table(title="Dead letters", show_lines=False)
        errors.add_column("tab")
        errors.add_column("error", overflow="fold")
        for tab, error in dlq_errors:
            errors.add_row(Text(tab), Text(error))
        parts.append(errors)
    if tasks.get("stray_rows"):
        parts.append(
            Text(
                f"note: Tasks keeps {tasks['stray_rows']} row(s) with no ID and no lease "
                "(display cells only): not tasks; nobody claims them",
                style="yellow",
            )
        )
    for label in ("missing", "repeated", "unexpected"):
        if tasks[label]:
            parts.append(Text(f"{label}: {', '.join(tasks[label])}", style="red"))
    return Group(*parts)
