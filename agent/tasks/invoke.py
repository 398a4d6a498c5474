"""Call a callback with the URL (the original one-argument form) or with the :class:`Task`.

The rule (:func:`wants_task`), decided once per callback from its signature:

- the first parameter is annotated ``Task`` (the class, or the string ``"Task"`` /
  ``"agent.tasks.Task"`` under ``from __future__ import annotations``), or
- the first parameter is named ``task`` and carries no other annotation,

then the callback gets the :class:`Task`; otherwise it gets ``task.url`` (a ``str``), as before.
A callable whose signature cannot be read (some built-ins) gets the URL.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from agent.tasks.model import Task

_TASK_NAMES = {"Task", "agent.tasks.Task", "agent.tasks.model.Task", "tasks.Task"}


def _names_task(annotation: object) -> bool:
    if annotation is Task:
        return True
    if isinstance(annotation, str):
        return annotation.strip().strip("'\"") in _TASK_NAMES
    return False


def wants_task(callback: Callable[..., Any]) -> bool:
    """True when ``callback`` takes a :class:`Task` (see the module's rule)."""
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):
        return False
    params = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if not params:
        return False
    first = params[0]
    if first.annotation is not inspect.Parameter.empty:
        return _names_task(first.annotation)
    return first.name == "task"


def call_callback(
    callback: Callable[..., Any], task: Task, *, takes_task: bool | None = None
) -> Any:
    """Run ``callback`` on ``task`` and return what it returned.

    ``takes_task``: the answer of :func:`wants_task`, when the caller computed it once already.
    """
    if takes_task is None:
        takes_task = wants_task(callback)
    return callback(task if takes_task else task.url)
