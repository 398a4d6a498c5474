"""What the agent loop needs around one task: its context, its callback, its outcome.

- :mod:`agent.tasks.model`: :class:`Task`, built from a claimed row;
- :mod:`agent.tasks.invoke`: call a callback with the URL or the :class:`Task`;
- :mod:`agent.tasks.results`: turn what a callback returned into History cells;
- :mod:`agent.tasks.failures`: classify a failure (unavailable, rate-limited, network...);
- :mod:`agent.tasks.cooldown`: growing, jittered pauses after rate limits;
- :mod:`agent.tasks.deadline`: ``TASK_TIMEOUT_SECONDS``, callbacks in a child process.

Pure logic: nothing here talks to Sheets. See docs/youtube.md for how the loop calls it.
"""

from agent.tasks.failures import Disposition, ErrorClass, TaskFailure, classify_task_failure
from agent.tasks.invoke import call_callback, wants_task
from agent.tasks.model import Task
from agent.tasks.results import result_cells

__all__ = [
    "Disposition",
    "ErrorClass",
    "Task",
    "TaskFailure",
    "call_callback",
    "classify_task_failure",
    "result_cells",
    "wants_task",
]
