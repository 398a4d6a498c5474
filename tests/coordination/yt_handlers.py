"""Callbacks for agent processes that run real yt-dlp against the YouTube-shaped site.

``FAKE_YT_PROXY`` is the site's proxy (tests/ytdlp/youtube_site.py); the agent's own handler
settings are kept, with yt-dlp routed through the proxy (its certificate is the test's own).
"""

from __future__ import annotations

import dataclasses
import os
import time

from agent import handlers
from agent.tasks import Task
from agent.ytdlp import params


def _route() -> None:
    settings = params.current()
    extra = {"proxy": os.environ["FAKE_YT_PROXY"], "nocheckcertificate": True, "cachedir": False}
    params.configure(dataclasses.replace(settings, extra_params=extra))


def watch(task: Task) -> dict[str, str]:
    """The built-in ``metadata`` handler on the task; its path and the task's context back."""
    _route()
    path = handlers.metadata(task.url)
    return {"Result": str(path), "Notes": f"{task.title} (attempt {task.attempt})"}


def hang(url: str) -> None:
    """Never returns on its own (TASK_TIMEOUT_SECONDS stops it)."""
    time.sleep(300)
