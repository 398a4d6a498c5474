"""The single source of truth for tab names, headers (English and Portuguese) and status values.

Columns are always found by header name, never by position: :class:`ColumnMap` reads a tab's
header row, accepts either language, keeps unknown (user) columns out of the way and names the
tab and header at fault when something the agent needs is missing.

``appsscript/Schema.js`` is generated from this module by :func:`render_schema_js`
(``orc schema-js``); a test fails when the committed file is stale.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from agent.errors import SchemaError

Language = Literal["en", "pt"]
LANGUAGES: tuple[Language, ...] = ("en", "pt")


class Status(str, Enum):
    """Status values of sources and tasks."""

    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    DONE = "DONE"
    FAILED = "FAILED"
    INVALID = "INVALID"


class WorkerStatus(str, Enum):
    """Status values of the Workers tab."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class FleetState(str, Enum):
    """The fleet control setting (the ``fleet-control`` row of ``Leader Election``)."""

    RUNNING = "RUNNING"  # claim, run and expand as usual
    PAUSED = "PAUSED"  # running callbacks finish; nothing new is claimed
    DRAIN = "DRAIN"  # queued tasks still run; no new source is expanded


@dataclass(frozen=True)
class Column:
    """One column: a stable key used in code, and its header in each language."""

    key: str
    en: str
    pt: str
    system: bool = False  # an extra column the agent needs beyond the original project's

    def header(self, language: Language) -> str:
        """The header text of this column in ``language``."""
        return self.en if language == "en" else self.pt


def _col(key: str, en: str, pt: str, *, system: bool = False) -> Column:
    return Column(key=key, en=en, pt=pt, system=system)


# Columns shared by several tabs.
ID = _col("id", "ID", "ID")
URL = _col("url", "URL", "URL")
NAME = _col("name", "Name", "Nome")
CLAIMED_AT = _col("claimed_at", "Claimed At", "Timestamp de Reivindicação")
COMPLETED_AT = _col("completed_at", "Completed At", "Timestamp de Conclusão")
STATUS = _col("status", "Status", "Status")
WORKER = _col("worker", "Worker", "Worker Atribuído")
VIDEO_KEY = _col("video_key", "Video Key", "Chave do Vídeo", system=True)
ATTEMPTS = _col("attempts", "Attempts", "Tentativas", system=True)
ERROR = _col("error", "Error", "Erro", system=True)
LEASE = _col("lease", "Lease", "Concessão", system=True)
#: What a callback returned (Tasks History) and the class of a failure (Tasks DLQ).
RESULT = _col("result", "Result", "Resultado", system=True)
ERROR_CLASS = _col("error_class", "Error Class", "Classe do Erro", system=True)

WORKER_COLUMNS: tuple[Column, ...] = (
    _col("worker_id", "Worker ID", "ID do Worker"),
    _col("worker_name", "Worker Name", "Nome do Worker"),
    _col("last_heartbeat", "Last Heartbeat", "Último Heartbeat"),
    STATUS,
    _col("tasks_processed", "Tasks Processed", "Tarefas Processadas"),
    _col("sources_processed", "Sources Processed", "Fontes Processadas"),
    # Which account the agent signs in with: agents of one account share its quota.
    _col("account", "Account", "Conta", system=True),
    # Until when the fleet pauses claiming after YouTube pushed back (bot check, rate limit).
    _col("cooldown_until", "Cooldown Until", "Pausa Até", system=True),
)

TASK_BASE: tuple[Column, ...] = (
    ID,
    _col("source_id", "Source ID", "ID da Fonte"),
    URL,
    NAME,
    _col("duration", "Duration", "Duração"),
    _col("created_at", "Created At", "Timestamp de Criação"),
    CLAIMED_AT,
    COMPLETED_AT,
    STATUS,
    WORKER,
)

SOURCE_BASE: tuple[Column, ...] = (
    ID,
    URL,
    NAME,
    _col("video_count", "Video Count", "Quantidade de Vídeos"),
    CLAIMED_AT,
    COMPLETED_AT,
    STATUS,
    WORKER,
)

LEADER_COLUMNS: tuple[Column, ...] = (
    _col("election_name", "Election Name", "Nome da Eleição"),
    _col("worker_id", "Worker ID", "Worker ID"),
    _col("expires_at", "Expires At", "Expira Em"),
    _col("term", "Term", "Mandato", system=True),
    LEASE,
)


@dataclass(frozen=True)
class TabSpec:
    """A tab the system owns: its title, its columns in order, and its role."""

    title: str
    columns: tuple[Column, ...]
    role: Literal["workers", "queue", "history", "dlq", "leader", "archive"]
    kind: Literal["task", "source", "worker", "leader"]
    #: Columns read when present and never created or required (per-source settings).
    optional: tuple[Column, ...] = ()

    def headers(self, language: Language) -> list[str]:
        """The header row as created in ``language``."""
        return [c.header(language) for c in self.columns]

    def column(self, key: str) -> Column:
        """The column with ``key``; raises ``KeyError`` when this tab has none."""
        for c in (*self.columns, *self.optional):
            if c.key == key:
                return c
        raise KeyError(f"tab {self.title!r} has no column {key!r}")


WORKERS = TabSpec("Workers", WORKER_COLUMNS, "workers", "worker")
#: Optional in Tasks: the source's priority, copied into each task at expansion; claimed
#: highest first within the claim window (agent.coordination.queue.plan).
TASK_PRIORITY = _col("priority", "Priority", "Prioridade")
#: Optional in Tasks: the source's Handler, copied at expansion (agent.runtime.choice).
TASK_HANDLER_COLUMN = _col("handler", "Handler", "Handler")
TASKS = TabSpec(
    "Tasks",
    (*TASK_BASE, VIDEO_KEY, ATTEMPTS, ERROR, LEASE),
    "queue",
    "task",
    optional=(TASK_PRIORITY, TASK_HANDLER_COLUMN),
)
#: Optional per-source settings in Sources (DESIGN section 9), parsed by
#: :func:`agent.sources.settings.parse_source_settings`.
SOURCE_SETTING_COLUMNS: tuple[Column, ...] = (
    _col("handler", "Handler", "Handler"),
    _col("title_regex", "Title Regex", "Regex do Título"),
    _col("min_duration", "Min Duration", "Duração Mínima"),
    _col("max_duration", "Max Duration", "Duração Máxima"),
    _col("max_entries", "Max Entries", "Máximo de Vídeos"),
    _col("shorts", "Shorts", "Shorts"),
    _col("streams", "Streams", "Transmissões"),
    _col("rescan_hours", "Rescan Hours", "Horas entre Varreduras"),
    _col("priority", "Priority", "Prioridade"),
)

TASKS_HISTORY = TabSpec(
    "Tasks History", (*TASK_BASE, VIDEO_KEY, ATTEMPTS, RESULT), "history", "task"
)
TASKS_DLQ = TabSpec(
    "Tasks DLQ", (*TASK_BASE, VIDEO_KEY, ERROR, ATTEMPTS, ERROR_CLASS), "dlq", "task"
)
SOURCES = TabSpec(
    "Sources",
    (*SOURCE_BASE, ATTEMPTS, ERROR, LEASE),
    "queue",
    "source",
    optional=SOURCE_SETTING_COLUMNS,
)
SOURCES_HISTORY = TabSpec("Sources History", SOURCE_BASE, "history", "source")
SOURCES_DLQ = TabSpec("Sources DLQ", (*SOURCE_BASE, ERROR, ATTEMPTS), "dlq", "source")
LEADER_ELECTION = TabSpec("Leader Election", LEADER_COLUMNS, "leader", "leader")
#: Where the oldest History rows go when History nears its size limit: three cells a task,
#: kept so that an archived video is never queued again.
TASKS_ARCHIVE = TabSpec("Tasks Archive", (ID, VIDEO_KEY, COMPLETED_AT), "archive", "task")

ALL_TABS: tuple[TabSpec, ...] = (
    WORKERS,
    TASKS,
    TASKS_HISTORY,
    TASKS_DLQ,
    SOURCES,
    SOURCES_HISTORY,
    SOURCES_DLQ,
    LEADER_ELECTION,
    TASKS_ARCHIVE,
)
TABS_BY_TITLE: Mapping[str, TabSpec] = {t.title: t for t in ALL_TABS}

#: The single row of ``Leader Election`` that the agents compete for.
LEADER_ELECTION_NAME = "orchestrator-leader"
#: The row of ``Leader Election`` whose Lease cell holds the :class:`FleetState`: every
#: agent's heartbeat already reads that tab, so the setting costs no read of its own.
FLEET_CONTROL_NAME = "fleet-control"
#: Separator of the fields of a lease cell: ``STATE|id|attempts|owner|stamp``.
LEASE_SEPARATOR = "|"
#: The lease cell of a row that waits in a queue tab, as written by anyone who queues it.
PENDING_LEASE_TEMPLATE = "PENDING|{id}|0|-|0"
#: A worker whose last heartbeat is older than this is shown as stale.
STALE_HEARTBEAT_SECONDS = 120
#: Google's limit on the characters in one cell.
MAX_CELL_CHARS = 50_000
#: Prefix of the keys under which user columns travel with a row (``user:My Notes``).
USER_PREFIX = "user:"
#: Marker appended to text cut to fit a cell.
TRUNCATION_MARKER = " …[truncated]"
#: Prefix a requeue puts on the ID cell of the DLQ rows it is about to remove.
REQUEUE_MARK = "requeuing:"


def pending_lease(row_id: str) -> str:
    """The lease cell of a queued row whose ID is ``row_id``."""
    return PENDING_LEASE_TEMPLATE.format(id=row_id)


def fit_cell(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` as a cell can hold it: valid Unicode, at most ``limit`` characters.

    Lone surrogates (from broken JSON upstream) become U+FFFD instead of failing the request;
    text that is too long is cut with a visible marker.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


class ColumnMap:
    """Where each known column of one tab sits, found from the tab's header row.

    Either language is accepted per column (a tab may even mix them after a partial migration).
    Columns nobody knows (added by users) are recorded in ``extra`` and never written.
    """

    def __init__(self, spec: TabSpec, header_row: Sequence[str]) -> None:
        self.spec = spec
        self.width = len(header_row)
        self.index: dict[str, int] = {}
        self.language: Language = "en"
        seen: dict[str, int] = {}
        for position, raw in enumerate(header_row):
            text = str(raw).strip()
            if text:
                if text in seen:
                    raise SchemaError(spec.title, f"header {text!r} appears twice")
                seen[text] = position
        pt_hits = 0
        for column in (*spec.columns, *spec.optional):
            for language in LANGUAGES:
                position_or_none = seen.get(column.header(language))
                if position_or_none is not None:
                    self.index[column.key] = position_or_none
                    if language == "pt" and column.pt != column.en:
                        pt_hits += 1
                    break
        if pt_hits:
            self.language = "pt"
        known = {c.header(lang) for c in (*spec.columns, *spec.optional) for lang in LANGUAGES}
        self.extra = [t for t in seen if t not in known]
        #: Position of each user column, keyed ``USER_PREFIX + header``.
        self.user_index = {USER_PREFIX + t: seen[t] for t in self.extra}

    def missing(self) -> list[Column]:
        """Columns of the spec that the header row lacks."""
        return [c for c in self.spec.columns if c.key not in self.index]

    def require(self, keys: Sequence[str] | None = None) -> None:
        """Raise :class:`SchemaError` naming the first missing header among ``keys`` (all)."""
        wanted = [self.spec.column(k) for k in keys] if keys else list(self.spec.columns)
        for column in wanted:
            if column.key not in self.index:
                raise SchemaError(
                    self.spec.title,
                    f"header {column.header(self.language)!r} is missing or renamed "
                    f"(run `orc init` to repair the header row)",
                )

    def col(self, key: str) -> int:
        """0-based position of column ``key``; raises :class:`SchemaError` if absent."""
        try:
            return self.index[key]
        except KeyError:
            self.require([key])
            raise

    def get(self, row: Sequence[str], key: str) -> str:
        """The cell of ``row`` under column ``key`` ('' when the row is short)."""
        position = self.col(key)
        return str(row[position]) if position < len(row) else ""

    def row_from(self, values: Mapping[str, str]) -> list[str | None]:
        """A row as wide as the header: known keys filled, every other cell ``None``.

        ``None`` cells are skipped by the Sheets API, so user columns are left untouched.
        Keys ``USER_PREFIX + header`` fill user columns of that header when this tab has one.
        """
        row: list[str | None] = [None] * max(self.width, 1)
        for key, value in values.items():
            if key.startswith(USER_PREFIX):
                if key in self.user_index:
                    row[self.user_index[key]] = value
                continue
            row[self.col(key)] = value
        return row


def render_schema_js() -> str:
    """The text of ``appsscript/Schema.js``, generated from this module."""
    tabs = {
        spec.title: {
            "role": spec.role,
            "kind": spec.kind,
            "columns": [{"key": c.key, "en": c.en, "pt": c.pt} for c in spec.columns],
            "optionalColumns": [{"key": c.key, "en": c.en, "pt": c.pt} for c in spec.optional],
        }
        for spec in ALL_TABS
    }
    payload = {
        "tabs": tabs,
        "taskStatus": [s.value for s in Status],
        "workerStatus": [s.value for s in WorkerStatus],
        "leaderElectionName": LEADER_ELECTION_NAME,
        "fleetControlName": FLEET_CONTROL_NAME,
        "fleetStates": [s.value for s in FleetState],
        "leaseSeparator": LEASE_SEPARATOR,
        "pendingLeaseTemplate": PENDING_LEASE_TEMPLATE,
        "staleHeartbeatSeconds": STALE_HEARTBEAT_SECONDS,
        "maxCellChars": MAX_CELL_CHARS,
        "truncationMarker": TRUNCATION_MARKER,
        "requeueMark": REQUEUE_MARK,
    }
    body = _js_object(payload, "")
    return (
        "// Generated by `orc schema-js` from agent/schema.py. Do not edit by hand.\n"
        "/* exported SCHEMA */\n"
        f"const SCHEMA = Object.freeze({body});\n"
    )


def _js_object(value: object, indent: str) -> str:
    """JSON laid out for review: nested objects and lists indented, each column on one line."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        if set(value) == {"key", "en", "pt"}:
            return json.dumps(value, ensure_ascii=False)
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_js_object(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
        items = [f"{inner}{_js_object(v, inner)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)
