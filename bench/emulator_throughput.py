"""Benchmark (not a test): requests per second the emulator serves to the real gspread client.

The emulator runs as its own process (``python -m agent emulator``), as it does for the agent;
client threads in this process send simple requests through ``make_client`` over loopback.
Goal: at least 500 simple requests per second on 2 cores, so that benchmarks of the agent
measure the agent.

    .venv/bin/python -m bench.emulator_throughput [--seconds 5] [--threads 4] [--data]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import gspread
import requests

from agent.sheets.client import make_client

REPO = Path(__file__).resolve().parents[1]
UNPACED: dict[str, int] = {"read_per_minute": 10**9, "write_per_minute": 10**9}

Operation = Callable[[gspread.Worksheet, int], object]


def _client(user: str, host: str) -> gspread.Client:
    """A gspread client for ``user`` that never paces itself."""
    return make_client(
        user=user,
        emulator_host=host,
        read_per_minute=UNPACED["read_per_minute"],
        write_per_minute=UNPACED["write_per_minute"],
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(port: int, data: Path | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "agent", "emulator", "--port", str(port)]
    if data is not None:
        command += ["--data", str(data)]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the emulator did not start: {proc.communicate()[1].decode()}")


def _read(ws: gspread.Worksheet, i: int) -> object:
    return ws.get(f"A{1 + i % 50}")


def _write(ws: gspread.Worksheet, i: int) -> object:
    return ws.update([[f"value {i}"]], f"B{1 + i % 50}")


def _mixed(ws: gspread.Worksheet, i: int) -> object:
    return _write(ws, i) if i % 5 == 0 else _read(ws, i)


def _run(host: str, key: str, op: Operation, threads: int, seconds: float) -> float:
    """Requests per second over ``seconds`` with ``threads`` clients (one connection each)."""
    sheets = [_client(f"bench-{n}", host).open_by_key(key).sheet1 for n in range(threads)]
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(n: int) -> None:
        ws, i = sheets[n], 0
        start.wait()
        while not stop.is_set():
            op(ws, i)
            i += 1
        counts[n] = i

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - began)


def main() -> None:
    """Start an emulator process, measure three request mixes, print requests per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--data", action="store_true", help="use a SQLite store (durable writes)")
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench.sqlite" if args.data else None
        proc = _start(port, data)
        try:
            host = f"127.0.0.1:{port}"
            sh = _client("setup", host).create("throughput")
            sh.sheet1.update([[f"row {r}", ""] for r in range(1, 51)], "A1")
            store = "SQLite (synchronous=FULL)" if data else "memory"
            print(
                f"emulator throughput: gspread via make_client, loopback, {args.threads} client "
                f"threads, emulator in its own process, {store} store, {args.seconds:g} s each"
            )
            for label, op in (
                ("values.get, 1 cell (read)", _read),
                ("values.update, 1 cell (write)", _write),
                ("mixed, 80% reads / 20% writes", _mixed),
            ):
                rate = _run(host, sh.id, op, args.threads, args.seconds)
                print(f"  {label:34s} {rate:8.0f} requests/s")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
