"""Benchmark 4: what it costs the leader to expand a source, and to dedup against History.

An in-process :class:`~agent.runtime.Orchestrator` (user ``bench-leader``) leads; sources are
YouTube-shaped playlists served offline through yt-dlp by ``SOURCE_EXTRACTORS`` =
``bench.expansion:synthetic_extractors`` (:class:`~agent.sources.synthetic.SyntheticYoutubeIE`
over this module's :data:`CATALOG`). History is seeded with 0 and 100,000 rows (appended by the
setup user in as few calls as the payload limit allows).

Per History size: a 1-entry warm-up source builds the dedup index (the cold read of Tasks,
History and DLQ, once per term); then sources of 100, 1,000 and 5,000 entries, a tenth of them
already in History. For each, the leader cycle that expanded it is measured: Sheets calls (by
purpose, from the tap), wall time, the time of the dedup refresh, and the tasks queued. yt-dlp's
own expansion time for the same sizes comes from ``tests.sources.bench.expansion_speed``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.config import Config
from agent.coordination.enqueue import add_sources
from agent.runtime import Orchestrator
from agent.runtime.feed import task_id_for
from agent.schema import TASKS, TASKS_HISTORY
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps
from agent.sources.synthetic import Catalog, SyntheticYoutubeIE, flat_video, synthetic_id
from bench.common import BenchEmulator, wait_until
from bench.report import Section
from bench.tap import UserTally
from tests.coordination.harness import read_tab
from tests.sources.bench import expansion_speed, rescan_requests

#: What the synthetic extractor serves (filled by this benchmark before each source is added).
CATALOG = Catalog()
LEADER_USER = "bench-leader"
OVERLAP = 0.1  # share of a source's entries already in History


def synthetic_extractors() -> list[SyntheticYoutubeIE]:
    """``SOURCE_EXTRACTORS`` target: the extractor over :data:`CATALOG`."""
    return [SyntheticYoutubeIE(CATALOG)]


def history_key(i: int) -> str:
    """The video key of the ``i``-th seeded History row."""
    return synthetic_id(f"history-{i}")


def seed_history(gateway: SheetsGateway, rows: int) -> float:
    """Append ``rows`` DONE rows to Tasks History; seconds it took."""
    if rows <= 0:
        return 0.0
    (cmap,) = read_maps(gateway, [TASKS_HISTORY])
    started = time.perf_counter()
    chunk = 20_000
    for first in range(0, rows, chunk):
        batch = []
        for i in range(first, min(rows, first + chunk)):
            key = history_key(i)
            batch.append(
                cmap.row_from(
                    {
                        "id": task_id_for(key),
                        "url": f"https://www.youtube.com/watch?v={key}",
                        "name": f"old video {i}",
                        "status": "DONE",
                        "video_key": key,
                        "worker": "someone",
                        "attempts": "1",
                        "completed_at": "2026-01-01T00:00:00Z",
                    }
                )
            )
        gateway.append(TASKS_HISTORY.title, batch)
    return time.perf_counter() - started


class LeaderProbe:
    """Wraps the in-process leader's cycle, expand and dedup refresh to time and count them.

    ``records`` holds one entry per leader cycle that refreshed the dedup index or expanded a
    source: its wall time, the time spent in the refresh, the index size after it, and the
    Sheets calls the cycle made (by purpose, from the tap).
    """

    def __init__(self, orchestrator: Orchestrator, tally: Callable[[], UserTally]) -> None:
        self.orc = orchestrator
        self._tally = tally
        self.cycles = 0
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._in_cycle: dict[str, float] = {}
        leader = orchestrator.leader
        cycle, expand, refresh = leader.cycle, leader.expand, leader.feed.refresh_index

        def timed_cycle(term: int) -> Any:
            before, started = self._tally().copy(), time.perf_counter()
            self._in_cycle = {}
            try:
                return cycle(term)
            finally:
                if self._in_cycle:
                    record = {
                        "cycle_s": time.perf_counter() - started,
                        **self._in_cycle,
                        **_delta(before, self._tally()),
                    }
                    with self._lock:
                        self.records.append(record)
                with self._lock:
                    self.cycles += 1

        def timed_expand(claim: Any, term: int) -> None:
            started = time.perf_counter()
            try:
                expand(claim, term)
            finally:
                self._in_cycle["expand_s"] = time.perf_counter() - started

        def timed_refresh() -> None:
            started = time.perf_counter()
            try:
                refresh()
            finally:
                spent = time.perf_counter() - started
                self._in_cycle["dedup_s"] = self._in_cycle.get("dedup_s", 0.0) + spent
                self._in_cycle["index_keys"] = len(leader.feed.index)
                self._in_cycle["index_bytes"] = leader.feed.index.approx_bytes()

        leader.cycle = timed_cycle  # type: ignore[method-assign]
        leader.expand = timed_expand  # type: ignore[method-assign]
        leader.feed.refresh_index = timed_refresh  # type: ignore[method-assign]

    @property
    def expanded(self) -> list[dict[str, Any]]:
        """The records of cycles that expanded a source, in order."""
        with self._lock:
            return [r for r in self.records if "expand_s" in r]

    @property
    def cold(self) -> dict[str, Any] | None:
        """The first cycle that refreshed the index: the build from whole tabs."""
        with self._lock:
            return next((r for r in self.records if "dedup_s" in r), None)

    def wait_expanded(self, count: int, timeout_s: float) -> bool:
        """Wait until ``count`` sources have been expanded."""
        return wait_until(lambda: len(self.expanded) >= count, timeout_s, interval_s=0.1)


def _delta(before: UserTally, after: UserTally) -> dict[str, Any]:
    reads = Counter(after.reads)
    reads.subtract(before.reads)
    writes = Counter(after.writes)
    writes.subtract(before.writes)
    return {
        "reads": sum(reads.values()),
        "writes": sum(writes.values()),
        "reads_by_purpose": {k: v for k, v in reads.items() if v},
        "writes_by_purpose": {k: v for k, v in writes.items() if v},
    }


def leader_config(emulator: BenchEmulator, spreadsheet_id: str) -> Config:
    """A leader that heartbeats rarely (so its calls are the expansion's) and polls often."""
    return Config.load(
        worker_name=LEADER_USER,
        spreadsheet_id=spreadsheet_id,
        sheets_emulator_host=emulator.host,
        heartbeat_seconds=600,
        lease_seconds=1800,
        leader_lease_seconds=1800,
        poll_seconds=0.2,
        read_quota_per_minute=100_000,
        write_quota_per_minute=100_000,
        source_extractors=f"{__name__}:synthetic_extractors",
        ytdlp_sleep_requests=0,
    )


def add_playlist(name: str, size: int, overlap_from: int) -> str:
    """A playlist of ``size`` new videos, the first ``overlap_from`` of them from History."""
    entries = []
    for i in range(size):
        key = history_key(i) if i < overlap_from else synthetic_id(f"{name}-{i}")
        entries.append(flat_video(key, f"{name} video {i}", duration=60 + i % 600))
    return CATALOG.add_playlist(f"PL{name}", f"Playlist {name}", entries)


def history_run(
    emulator: BenchEmulator, history_rows: int, sizes: tuple[int, ...]
) -> dict[str, Any]:
    """One spreadsheet with ``history_rows`` in History; expand the warm-up, then each size."""
    gateway = emulator.new_sheet()
    seed_s = seed_history(gateway, history_rows)
    emulator.start_counting()
    orchestrator = Orchestrator(
        leader_config(emulator, gateway.spreadsheet_id), client=emulator.client(LEADER_USER)
    )
    results: list[dict[str, Any]] = []
    cold: dict[str, Any] | None = None
    try:
        probe = LeaderProbe(orchestrator, lambda: emulator.tap.tally(LEADER_USER))
        if not wait_until(lambda: probe.cycles >= 1, 60, interval_s=0.05):
            raise RuntimeError("the in-process agent never ran a leader cycle")
        plans = [("warm-up", 1), *((f"size {n:,}", n) for n in sizes)]
        for index, (label, size) in enumerate(plans):
            overlap = int(size * OVERLAP) if history_rows and size > 1 else 0
            url = add_playlist(f"H{history_rows}-{index}-{size}", size, overlap)
            add_sources(gateway, [url])
            if not probe.wait_expanded(index + 1, timeout_s=300):
                raise RuntimeError(f"source {label} was not expanded within 300 s")
            record = dict(probe.expanded[index])
            record.update({"label": label, "entries": size, "already_in_history": overlap})
            results.append(record)
        cold = probe.cold
    finally:
        orchestrator.close()
    queued = len(read_tab(emulator.probe(gateway), TASKS)[1])
    return {
        "history_rows": history_rows,
        "seed_s": round(seed_s, 1),
        "queued": queued,
        "cold_index": cold,
        "sources": results,
    }


def run(emulator: BenchEmulator, tmp: Path, quick: bool) -> Section:
    """Benchmark 4 as table rows."""
    del tmp
    section = Section("expansion")
    sizes = (100, 1_000) if quick else (100, 1_000, 5_000)
    histories = (5_000,) if quick else (0, 100_000)
    expansion_speed(10)  # yt-dlp's first use loads its extractors: keep it out of the figures
    ytdlp = {n: expansion_speed(n) for n in sizes}
    runs = [history_run(emulator, rows, sizes) for rows in histories]
    for run_ in runs:
        _add_cold_row(section, run_)
        for src in run_["sources"]:
            _add_row(section, run_["history_rows"], src, ytdlp.get(src["entries"]))
    rescans = [rescan_requests(n, new) for n, new in ((300, 5), (3_000, 5), (3_000, 40))]
    for r in rescans:
        section.add(
            f"rescan: {r['videos']:,}-video tab, {r['new']} new uploads",
            f"{r['rescan_pages']} page request(s), stopping after {r['stop_after_known']} known "
            f"in a row (a read without the stop: {r['rescan_without_stop_pages']}; "
            f"{r['found']} new found)",
        )
    section.data = {"ytdlp_only": ytdlp, "runs": runs, "overlap": OVERLAP, "rescans": rescans}
    _conclude(section, runs)
    return section


def _add_cold_row(section: Section, run_: dict[str, Any]) -> None:
    cold = run_.get("cold_index")
    if not cold:
        return
    section.add(
        f"History {run_['history_rows']:,}: index build at term start",
        f"dedup index built from whole Tasks, History, DLQ and Archive in "
        f"{cold['dedup_s']:.2f} s: {cold['index_keys']:,} keys = "
        f"{cold['index_bytes'] / 1e6:.2f} MB; that leader cycle (with the History heal and "
        f"rotation check it runs at term start) made {cold['reads']} reads + "
        f"{cold['writes']} writes in {cold['cycle_s']:.2f} s",
    )


def _add_row(
    section: Section, history: int, src: dict[str, Any], ytdlp: dict[str, Any] | None
) -> None:
    scenario = f"History {history:,}: {src['label']}"
    purposes = ", ".join(
        f"{k} {src['reads_by_purpose'].get(k, 0)}r+{src['writes_by_purpose'].get(k, 0)}w"
        for k in sorted(set(src["reads_by_purpose"]) | set(src["writes_by_purpose"]))
    )
    text = (
        f"{src['reads']} reads + {src['writes']} writes ({purposes}); leader cycle "
        f"{src['cycle_s']:.2f} s (dedup refresh {src.get('dedup_s', 0):.3f} s"
        + (f", yt-dlp alone {ytdlp['seconds']:.2f} s" if ytdlp else "")
        + f"); dedup index {src.get('index_keys', 0):,} keys before it = "
        f"{src.get('index_bytes', 0) / 1e6:.2f} MB"
    )
    section.add(scenario, text)


def _conclude(section: Section, runs: list[dict[str, Any]]) -> None:
    """Goal rows: constant calls, at most linear time, index memory."""
    for run_ in runs:
        measured = [s for s in run_["sources"] if s["label"] != "warm-up"]
        if len(measured) < 2:
            continue
        calls = {s["reads"] + s["writes"] for s in measured}
        small, large = measured[0], measured[-1]
        growth = large["entries"] / small["entries"]
        time_ratio = large["cycle_s"] / small["cycle_s"] if small["cycle_s"] else 0.0
        per_entry = [s["cycle_s"] / s["entries"] * 1000 for s in measured]
        section.add(
            f"History {run_['history_rows']:,}: goal",
            f"calls per source {sorted(calls)}; time x{time_ratio:.1f} for x{growth:.0f} "
            f"entries ({', '.join(f'{ms:.2f}' for ms in per_entry)} ms per entry); "
            f"{run_['queued']:,} tasks queued in all",
            "calls constant, time <= linear",
            len(calls) == 1 and time_ratio <= growth * 1.1,
        )
