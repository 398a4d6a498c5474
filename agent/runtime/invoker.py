"""Running one callback on one task: the :class:`~agent.tasks.Task` built from the claimed row,
the URL or the Task as argument, and ``TASK_TIMEOUT_SECONDS``.

With ``TASK_TIMEOUT_SECONDS`` = 0 (the default) the callback runs in the calling thread, as it
always did, so closures and lambdas keep working; with a limit it runs in a child process
(:func:`agent.tasks.deadline.run_with_deadline`) that is killed, with what it started, once the
limit passes: a thread cannot be stopped, and a hung download would keep its lease renewed
forever. The child needs a callback importable by name (``TASK_HANDLER``'s form).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agent.config import Config
from agent.coordination.queue import Claim
from agent.tasks import Task, call_callback, wants_task
from agent.tasks.deadline import run_with_deadline
from agent.ytdlp.params import HandlerSettings


class Invoker:
    """Calls callbacks for one agent: decides once per callback whether it takes the Task."""

    def __init__(self, config: Config) -> None:
        self.timeout_s = config.task_timeout_seconds
        #: What a child process installs for the built-in handlers (``orc run`` installs the
        #: same in its own process; an embedding program's process keeps its own).
        self.settings = HandlerSettings.from_config(config)
        self._takes: dict[Any, bool] = {}
        #: Source ID -> (URL, name) of the Sources rows last read (the leader reads them;
        #: ("", "") when the agent has not read that source).
        self.sources: Callable[[], Mapping[str, tuple[str, str]]] = dict

    def task_of(self, claim: Claim) -> Task:
        """The task a callback sees for ``claim`` (attempt: the one this claim started)."""
        source_url, source_name = self.sources().get(claim.record.get("source_id", ""), ("", ""))
        return Task.from_row(
            claim.record,
            attempt=claim.lease.attempts,
            source_url=source_url,
            source_name=source_name,
        )

    def takes_task(self, callback: Callable[..., Any]) -> bool:
        """Whether ``callback`` takes the :class:`Task` rather than the URL (cached)."""
        try:
            if callback not in self._takes:
                self._takes[callback] = wants_task(callback)
            return self._takes[callback]
        except TypeError:  # an unhashable callable
            return wants_task(callback)

    def run(self, callback: Callable[..., Any], task: Task) -> Any:
        """What ``callback`` returned for ``task``; raises what it raised (or a timeout)."""
        takes_task = self.takes_task(callback)
        if self.timeout_s > 0:
            argument = task if takes_task else task.url
            return run_with_deadline(callback, argument, self.timeout_s, self.settings)
        return call_callback(callback, task, takes_task=takes_task)
