"""A source's own handler: the ``Handler`` cell its tasks carry, loaded once per name.

The leader copies a source's ``Handler`` setting into each of its tasks (the optional Tasks
column ``Handler``). A cell anyone who can edit the sheet can type must not choose any code on
the agent's machine (``os:system`` would run the URL as a command), so a handler named there
is accepted only when it is a built-in (``agent.handlers``) or lives in the module of the
agent's own callback (``TASK_HANDLER``'s module, which the operator chose). Anything else is
refused, and the task goes to Tasks DLQ with the class ``refused``.
"""

from __future__ import annotations

import threading
from typing import Any

from agent.errors import AgentError
from agent.runtime.handler import Callback, load_handler

BUILTIN_MODULE = "agent.handlers"


class HandlerRefusedError(AgentError):
    """A task names a handler this agent does not run."""

    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"handler {spec[:120]!r} refused: {reason}")
        self.spec = spec


class HandlerChoice:
    """The callback for each task: its own ``Handler`` cell, else the agent's callback."""

    def __init__(self) -> None:
        self._loaded: dict[str, Callback] = {}
        self._lock = threading.Lock()

    def pick(self, cell: str, default: Callback) -> Callback:
        """The callback to run for a task whose Handler cell is ``cell`` ('' for none)."""
        spec = cell.strip()
        if not spec:
            return default
        module = spec.partition(":")[0]
        own = getattr(default, "__module__", None)
        if module != BUILTIN_MODULE and module != own:
            raise HandlerRefusedError(
                spec, f"only {BUILTIN_MODULE}:* and functions of {own or 'the agent callback'}"
            )
        with self._lock:
            if spec not in self._loaded:
                try:
                    self._loaded[spec] = load_handler(spec)
                except AgentError as exc:
                    raise HandlerRefusedError(spec, str(exc)) from None
            return self._loaded[spec]


def handler_cell(record: dict[str, Any]) -> str:
    """The Handler cell of a task record ('' when the column is absent)."""
    return str(record.get("handler", "") or "")
