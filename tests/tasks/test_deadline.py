"""TASK_TIMEOUT_SECONDS: callbacks in a child process, killed (with their children) on time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import handlers
from agent.tasks import ErrorClass, Task, classify_task_failure
from agent.tasks.deadline import ChildFailure, run_with_deadline
from agent.tasks.failures import TaskTimeoutError
from agent.ytdlp.params import HandlerSettings
from tests.sources.helpers import LocalSite
from tests.tasks import callbacks
from tests.ytdlp.youtube_site import LOOPBACK_GUARD


class HangingServer:
    """Accepts connections, reads the request, never answers; notes when a client goes away."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.closed_by_client = threading.Event()
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with conn:
            if conn.recv(65536):
                self.requests += 1
            while True:  # never answer; b"" means the client's side was closed
                try:
                    if not conn.recv(65536):
                        self.closed_by_client.set()
                        return
                except OSError:
                    self.closed_by_client.set()
                    return

    def stop(self) -> None:
        self._stop = True
        self.sock.close()


#: Long enough for a child to start and reach the hang on a loaded machine (the fork server is
#: warmed up first), short enough to keep the tests quick.
TIMEOUT_S = 6.0


@pytest.fixture(autouse=True)
def _warm_fork_server() -> None:
    """Start the fork server (and its imports) before a test's clock matters."""
    run_with_deadline(handlers.noop, "https://example.test/", 60, HandlerSettings())


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.stop()


def test_a_hung_download_is_stopped_and_counts_as_a_timeout(
    hanging: HangingServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{hanging.port}/video.mp4"
    settings = HandlerSettings(output_dir=tmp_path, guard=LOOPBACK_GUARD)
    with pytest.raises(TaskTimeoutError) as info:
        run_with_deadline(handlers.download, url, TIMEOUT_S, settings)
    failure = classify_task_failure(info.value)
    assert failure.error_class is ErrorClass.TIMEOUT and failure.counts_attempt
    assert hanging.requests == 1  # yt-dlp really was waiting on the server
    assert hanging.closed_by_client.wait(5)  # the killed child's socket went away


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def test_the_callbacks_own_children_are_killed_too(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    with pytest.raises(TaskTimeoutError):
        run_with_deadline(
            callbacks.hang_with_a_grandchild, str(pid_file), TIMEOUT_S, HandlerSettings()
        )
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_results_and_tasks_cross_the_process_boundary() -> None:
    task = Task(id="t", url="https://example.test/v", attempt=3, extra={"Notes": "n"})
    assert run_with_deadline(callbacks.echo_task, task, 30, HandlerSettings()) == {
        "url": "https://example.test/v",
        "attempt": "3",
        "Notes": "n",
    }
    assert run_with_deadline(handlers.noop, "https://example.test/v", 30, HandlerSettings()) is None


def test_failures_are_classified_in_the_child(site: LocalSite, tmp_path: Path) -> None:
    settings = HandlerSettings(output_dir=tmp_path, guard=LOOPBACK_GUARD)
    with pytest.raises(ChildFailure) as info:
        run_with_deadline(handlers.metadata, site.url("/missing"), 30, settings)
    failure = classify_task_failure(info.value)
    assert failure.error_class is ErrorClass.EXTRACTOR
    assert "HTTP Error 404" in failure.reason
    with pytest.raises(ChildFailure) as info:
        run_with_deadline(callbacks.raise_value_error, "u", 30, settings)
    assert classify_task_failure(info.value).error_class is ErrorClass.CALLBACK
    assert "cannot handle u" in info.value.failure.reason
    with pytest.raises(ChildFailure) as info:
        run_with_deadline(callbacks.die, "u", 30, settings)
    assert "exit code 3" in info.value.failure.reason
