"""Callbacks run by agent processes in the tests: they log when each task starts and ends.

Settings come from the environment so that one handler serves every scenario:
``TASK_LOG`` (a file, JSON lines appended), ``HANDLER_SLEEP_S`` (seconds per task),
``HANDLER_FAIL_EVERY`` (fail the first attempt of every Nth URL, by a hash of the URL).
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from agent.errors import AgentError


def _log(event: str, url: str) -> None:
    path = os.environ.get("TASK_LOG")
    if not path:
        return
    line = json.dumps(
        {
            "event": event,
            "url": url,
            "worker": os.environ.get("WORKER_NAME", ""),
            "pid": os.getpid(),
            "t": time.time(),
        }
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _should_fail(url: str) -> bool:
    every = int(os.environ.get("HANDLER_FAIL_EVERY", "0") or 0)
    if every <= 0:
        return False
    digest = int(hashlib.sha256(url.encode()).hexdigest()[:8], 16)
    return digest % every == 0


def logged(url: str) -> None:
    """Log start, sleep, maybe fail, log end."""
    _log("start", url)
    try:
        time.sleep(float(os.environ.get("HANDLER_SLEEP_S", "0") or 0))
        if _should_fail(url):
            marker = os.environ.get("TASK_LOG", "") + ".failed"
            seen = set()
            if os.path.exists(marker):
                with open(marker, encoding="utf-8") as handle:
                    seen = set(handle.read().split())
            if url not in seen:
                with open(marker, "a", encoding="utf-8") as handle:
                    handle.write(url + "\n")
                raise AgentError(f"injected failure for {url}")
    finally:
        _log("end", url)
