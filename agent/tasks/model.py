"""The :class:`Task` a callback may take instead of the bare URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from agent.schema import USER_PREFIX


def _duration(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


@dataclass(frozen=True)
class Task:
    """One claimed task, as a callback sees it.

    ``extra`` holds the row's own columns (those people added to the Tasks tab), keyed by
    their header text; ``attempt`` is 1 on the first try.
    """

    id: str
    url: str
    video_key: str = ""
    title: str = ""
    duration_s: float | None = None
    source_id: str = ""
    source_url: str = ""
    source_name: str = ""
    attempt: int = 1
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Picklable (for a child process), although ``extra`` is a read-only mapping."""
        fields = (
            self.id,
            self.url,
            self.video_key,
            self.title,
            self.duration_s,
            self.source_id,
            self.source_url,
            self.source_name,
            self.attempt,
            dict(self.extra),
        )
        return (_rebuild, fields)

    @classmethod
    def from_row(
        cls,
        cells: Mapping[str, str],
        *,
        attempt: int,
        source_url: str = "",
        source_name: str = "",
    ) -> Task:
        """A task from a row's cells keyed as :class:`~agent.schema.ColumnMap` keys them.

        ``cells`` has the schema keys (``id``, ``url``, ``name``, ``duration``, ``source_id``,
        ``video_key``) and ``"user:<header>"`` for the row's own columns. The source's URL and
        name come from the Sources row the loop looked up (or "" when it did not).
        """
        extra = {
            key[len(USER_PREFIX) :]: str(value)
            for key, value in cells.items()
            if key.startswith(USER_PREFIX)
        }
        return cls(
            id=str(cells.get("id", "")),
            url=str(cells.get("url", "")),
            video_key=str(cells.get("video_key", "")),
            title=str(cells.get("name", "")),
            duration_s=_duration(str(cells.get("duration", ""))),
            source_id=str(cells.get("source_id", "")),
            source_url=source_url,
            source_name=source_name,
            attempt=max(1, attempt),
            extra=MappingProxyType(extra),
        )


def _rebuild(
    task_id: str,
    url: str,
    video_key: str,
    title: str,
    duration_s: float | None,
    source_id: str,
    source_url: str,
    source_name: str,
    attempt: int,
    extra: dict[str, str],
) -> Task:
    return Task(
        task_id,
        url,
        video_key,
        title,
        duration_s,
        source_id,
        source_url,
        source_name,
        attempt,
        MappingProxyType(dict(extra)),
    )
