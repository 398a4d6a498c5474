"""``TASK_TIMEOUT_SECONDS``: run a callback in a child process that can be stopped.

Why a child process: a Python thread cannot be stopped from outside. A download stuck on a
socket, or an ffmpeg or Deno child that never returns, would keep its worker thread forever,
and the agent's heartbeat would keep renewing the task's lease, so no other agent could take
the row. A child process can be killed, with everything it started (it runs in its own
process group), and the attempt then counts as a ``timeout`` failure.

How: a ``forkserver`` context (Linux): one clean server process (no threads, no Sheets
client) is started once with ``agent.handlers`` and ``yt_dlp`` imported, and every task's
child is forked from it, so a child costs milliseconds, not an interpreter start
(:func:`child_overhead` measures it). The callback must be importable by name (a module-level
function, as ``TASK_HANDLER`` names it) and its argument and result picklable (a URL, a
:class:`~agent.tasks.Task`, text, dicts, paths). A child's exception is classified in the child
(where yt-dlp's exception chain and warnings live) and comes back as a :class:`ChildFailure`
carrying the :class:`~agent.tasks.failures.TaskFailure`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from agent.errors import AgentError
from agent.tasks.failures import TaskFailure, TaskTimeoutError, classify_task_failure
from agent.ytdlp.params import HandlerSettings, configure

#: Modules the fork server imports once, so that children start with them loaded. A child
#: also re-imports the program's main module as ``__mp_main__`` (multiprocessing's rule; ``orc``
#: and ``python -m agent`` guard their entry point): ``agent.cli`` makes that free.
PRELOAD = ("agent.cli", "agent.handlers", "agent.tasks", "yt_dlp")
_lock = threading.Lock()
_context: Any = None


class ChildFailure(AgentError):
    """The callback failed in its child process; ``failure`` is the classified failure."""

    def __init__(self, failure: TaskFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def _mp_context() -> Any:
    global _context
    with _lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _context = context
        return _context


def _child(
    out: Connection, callback: Callable[[Any], Any], argument: Any, settings: HandlerSettings
) -> None:
    """Body of the child process: run, then send ``("ok", result)`` or ``("fail", failure)``."""
    os.setpgrp()  # its own group: killed together with ffmpeg/deno it starts
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    configure(settings)
    try:
        result = callback(argument)
    except BaseException as exc:  # everything is reported to the parent, classified
        out.send(("fail", classify_task_failure(exc)))
        return
    try:
        out.send(("ok", result))
    except Exception as exc:  # an unpicklable result
        failure = classify_task_failure(AgentError(f"result cannot be sent back: {exc}"))
        out.send(("fail", failure))


def _kill_group(process: Any) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.join(5)


def run_with_deadline(
    callback: Callable[[Any], Any],
    argument: Any,
    timeout_s: float,
    settings: HandlerSettings | None = None,
) -> Any:
    """``callback(argument)`` in a child process, stopped after ``timeout_s`` seconds.

    Returns what the callback returned. Raises :class:`~agent.tasks.failures.TaskTimeoutError`
    when it ran too long (the child and its own children are killed), :class:`ChildFailure`
    when it raised (or the child died), with the failure classified.
    """
    context = _mp_context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(send, callback, argument, settings or HandlerSettings.from_env()),
        daemon=True,
    )
    process.start()
    send.close()
    try:
        if not receive.poll(timeout_s if timeout_s > 0 else None):
            _kill_group(process)
            raise TaskTimeoutError(timeout_s)
        try:
            kind, payload = receive.recv()
        except EOFError:
            process.join(5)
            code = process.exitcode
            raise ChildFailure(
                classify_task_failure(AgentError(f"callback process died (exit code {code})"))
            ) from None
    finally:
        receive.close()
    process.join(5)
    if kind == "fail":
        raise ChildFailure(payload)
    return payload


def child_overhead(runs: int = 20) -> float:
    """Mean seconds to run a no-op callback in a child (after the fork server started)."""
    from agent.handlers import noop

    run_with_deadline(noop, "https://example.invalid/", 60, HandlerSettings())
    started = time.perf_counter()
    for _ in range(runs):
        run_with_deadline(noop, "https://example.invalid/", 60, HandlerSettings())
    return (time.perf_counter() - started) / runs
