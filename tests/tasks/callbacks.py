"""Callbacks for the deadline tests: module-level, so a child process can import them."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from agent.tasks import Task


def echo_task(task: Task) -> dict[str, str]:
    """Return what the task carried, to check it crossed into the child intact."""
    return {"url": task.url, "attempt": str(task.attempt), **task.extra}


def raise_value_error(url: str) -> None:
    """The callback's own failure."""
    raise ValueError(f"cannot handle {url}")


def die(url: str) -> None:
    """The child dies without a word."""
    os._exit(3)


def hang_with_a_grandchild(url: str) -> None:
    """Start a long ``sleep`` (its pid written to the file ``url`` names), then hang."""
    child = subprocess.Popen(["sleep", "300"])
    Path(url).write_text(str(child.pid), encoding="utf-8")
    time.sleep(300)
