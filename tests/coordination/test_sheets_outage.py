"""The Sheets API failing past the client's retries: nothing is stranded, nothing is lost.

Found by the chaos suite: when the emulator was killed while the leader appended a source's
tasks, the source stayed CLAIMED by a leader that renewed it forever and never came back to it,
and the videos of an append that never landed were already in the dedup index, so a retry would
have skipped them. These tests fail that step on purpose, with the real stack around it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sheets_emulator import EmulatorServer

from agent.coordination.enqueue import add_sources
from agent.coordination.lease import LeaseState
from agent.coordination.queue import ClaimOutcome, QueueTab
from agent.coordination.queue.layout import TabLayout
from agent.errors import AmbiguousWriteError, SheetsError
from agent.runtime import Orchestrator
from agent.runtime import leader as leader_module
from agent.schema import SOURCES, SOURCES_DLQ, SOURCES_HISTORY, TASKS, TASKS_DLQ, TASKS_HISTORY
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from agent.sheets.retry import RetryPolicy
from tests.coordination.harness import agent_config, make_sheet, read_tab, seed_tasks, wait_for
from tests.sources.helpers import LocalSite, Route

IDS = ["aaaaaaaaaa1", "bbbbbbbbbb2", "cccccccccc3", "dddddddddd4"]


def _embeds(ids: list[str]) -> str:
    frames = "".join(f'<iframe src="https://www.youtube.com/embed/{i}"></iframe>' for i in ids)
    return f"<html><head><title>Embeds</title></head><body>{frames}</body></html>"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    server = LocalSite()
    server.routes["/embeds.html"] = Route(_embeds(IDS))
    server.start()
    yield server
    server.stop()


def _run_in_thread(orchestrator: Orchestrator, **kwargs: Any) -> tuple[threading.Thread, list]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            orchestrator.run(lambda url: time.sleep(0.01), **kwargs)
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    thread = threading.Thread(target=target, name="agent-run", daemon=True)
    thread.start()
    return thread, errors


@pytest.mark.parametrize("landed", [False, True], ids=["append-lost", "append-landed"])
def test_a_failed_task_append_neither_strands_the_source_nor_loses_videos(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    site: LocalSite,
    monkeypatch: pytest.MonkeyPatch,
    landed: bool,
) -> None:
    """The leader's first append of a source's tasks fails (applied or not), past retries."""
    real_append = SheetsGateway.append
    failures: list[str] = []

    def failing_append(self: SheetsGateway, title: str, rows: list[list[Any]]) -> Any:
        if title == TASKS.title and not failures:
            failures.append(title)
            if landed:  # applied, but the answer was lost
                real_append(self, title, rows)
                raise AmbiguousWriteError("POST values:append: ConnectionError")
            raise SheetsError("POST values:append: ConnectionError", retryable=True)
        return real_append(self, title, rows)

    monkeypatch.setattr(SheetsGateway, "append", failing_append)
    add_sources(sheet, [site.url("/embeds.html")])
    config = agent_config(emulator.host_port, sheet, "leader")
    with Orchestrator(config) as orchestrator:
        thread, errors = _run_in_thread(orchestrator)

        def settled() -> bool:
            _, history = read_tab(sheet, SOURCES_HISTORY)
            _, tasks_done = read_tab(sheet, TASKS_HISTORY)
            return len(history) == 1 and len(tasks_done) >= len(IDS)

        try:
            wait_for(settled, 60, "the source to be expanded again and its tasks done")
        finally:
            orchestrator.request_stop()
            thread.join(timeout=30)
    assert failures, "the fault was injected"
    assert not errors, errors
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert sorted(r["video_key"] for r in history) == sorted(IDS), "every video once"
    _, sources = read_tab(sheet, SOURCES)
    assert not [r for r in sources if r.get("id")], "no source left behind in Sources"


def _insert_column(sheet: SheetsGateway, at: int) -> None:
    """A person inserts a blank column into Tasks at index ``at``."""
    person = SheetsGateway(sheet.client, sheet.spreadsheet_id)
    span = {"sheetId": person.tab(TASKS.title).sheet_id, "dimension": "COLUMNS"}
    span |= {"startIndex": at, "endIndex": at + 1}
    person.batch_update([{"insertDimension": {"range": span, "inheritFromBefore": True}}])


def _expand_until_done(emulator: EmulatorServer, sheet: SheetsGateway, url: str) -> list[str]:
    """Add the source, run a leader in this process until every video ran; the video keys in
    Tasks History."""
    add_sources(sheet, [url])
    config = agent_config(emulator.host_port, sheet, "leader")
    with Orchestrator(config) as orchestrator:
        thread, errors = _run_in_thread(orchestrator)
        try:
            wait_for(
                lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) >= len(IDS), 60, "every task done"
            )
        finally:
            orchestrator.request_stop()
            thread.join(timeout=30)
    assert not errors, errors
    return sorted(r["video_key"] for r in read_tab(sheet, TASKS_HISTORY)[1])


def test_a_column_inserted_during_an_expansion_never_shifts_the_tasks_appended(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    site: LocalSite,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the chaos run: the leader placed the values of the tasks it appended by the
    Tasks columns as last read, before a slow expansion; a person inserted a column left of
    Worker meanwhile, and 158 tasks landed one cell off (the lease in the Error column),
    claimable by nobody. The header is now read again right before the append."""
    real_expand = leader_module.expand_source

    def expand_then_a_person_inserts_a_column(*args: Any, **kwargs: Any) -> Any:
        expansion = real_expand(*args, **kwargs)
        (header,) = sheet.read([f"'{TASKS.title}'!1:1"])
        _insert_column(sheet, header[0].index("Worker"))
        return expansion

    monkeypatch.setattr(leader_module, "expand_source", expand_then_a_person_inserts_a_column)
    assert _expand_until_done(emulator, sheet, site.url("/embeds.html")) == sorted(IDS)


@pytest.mark.parametrize("left_of", ["worker", "attempts"])  # left of Video Key, or right of it
def test_a_column_inserted_between_the_header_read_and_the_append_costs_no_task(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    site: LocalSite,
    monkeypatch: pytest.MonkeyPatch,
    left_of: str,
) -> None:
    """The round trip between that fresh header read and the append was still open: a column
    inserted inside it shifted the appended rows (no lease where the Lease column is now), and
    the dedup index counted their videos as queued, so nobody ever ran them. Now the header is
    read once more after the append; when it changed, the source is expanded again, and the
    index counts a Tasks row only when its Lease cell holds a lease."""
    real_fresh = TabLayout.fresh
    inserted: list[int] = []

    def fresh_then_a_person_inserts_a_column(layout: TabLayout) -> Any:
        cmap = real_fresh(layout)
        if layout.spec.title == TASKS.title and not inserted:
            _insert_column(sheet, cmap.col(left_of))
            inserted.append(cmap.col(left_of))
        return cmap

    monkeypatch.setattr(TabLayout, "fresh", fresh_then_a_person_inserts_a_column)
    assert _expand_until_done(emulator, sheet, site.url("/embeds.html")) == sorted(IDS)
    assert inserted, "the column went in between the header read and the append"
    _, done = read_tab(sheet, SOURCES_HISTORY)
    assert len(done) == 1


def test_an_agent_rides_out_an_outage_longer_than_its_retries(tmp_path: Path) -> None:
    """The emulator goes away for longer than the client retries; the agent waits for it."""
    data = tmp_path / "sheets.sqlite"
    first = EmulatorServer(port=0, data_path=data).start()
    port = first.port
    policy = RetryPolicy(max_tries=2, base_s=0.05, cap_s=0.1)  # spent in well under a second
    client = make_client(
        user="agent", emulator_host=first.host_port, timeout_s=2.0, policy=policy, **UNPACED
    )
    sheet = make_sheet(client)
    ids = seed_tasks(sheet, 40)
    config = agent_config(first.host_port, sheet, "survivor", claim_batch=2)
    second: EmulatorServer | None = None
    orchestrator = Orchestrator(config, client=client).start()
    try:
        thread, errors = _run_in_thread(orchestrator)
        wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) >= 4, 30, "some tasks done")
        first.stop()
        time.sleep(3.0)  # many times the retry budget
        assert thread.is_alive() and not errors, errors
        second = EmulatorServer(port=port, data_path=data).start()
        wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) >= len(ids), 60, "the drain")
    finally:
        orchestrator.request_stop()
        thread.join(timeout=30)
        orchestrator.close()
        for server in (first, second):
            if server is not None:
                server.stop()
    assert not errors, errors
    _, history = read_tab_after(data, sheet.spreadsheet_id, TASKS_HISTORY)
    assert sorted(r["id"] for r in history) == sorted(ids), "each task once in History"


UNPACED: dict[str, Any] = {"read_per_minute": 1_000_000, "write_per_minute": 1_000_000}


def read_tab_after(data: Path, spreadsheet_id: str, spec: Any) -> tuple[Any, Any]:
    """Read a tab from the persisted data with a fresh emulator (the test's ones are stopped)."""
    with EmulatorServer(port=0, data_path=data) as server:
        client = make_client(user="audit", emulator_host=server.host_port, **UNPACED)
        return read_tab(SheetsGateway(client, spreadsheet_id), spec)


def test_a_move_that_failed_half_way_is_not_appended_twice(
    sheet: SheetsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History's append lands, the DLQ's fails past retries; the agent retries the whole move."""
    seed_tasks(sheet, 2)
    queue = QueueTab(
        sheet, TASKS, TASKS_HISTORY, TASKS_DLQ, owner="agent#1", lease_s=60, max_attempts=1
    )
    queue.load()
    first, second = queue.claim(2).won
    outcomes = [
        ClaimOutcome(first, LeaseState.DONE),
        ClaimOutcome(second, LeaseState.FAILED, "boom"),
    ]
    real_append = SheetsGateway.append

    def dlq_down(self: SheetsGateway, title: str, rows: list[list[Any]]) -> Any:
        if title == TASKS_DLQ.title:
            raise SheetsError("POST values:append: ConnectionError", retryable=True)
        return real_append(self, title, rows)

    monkeypatch.setattr(SheetsGateway, "append", dlq_down)
    with pytest.raises(SheetsError):
        queue.claim(0, outcomes)
    monkeypatch.undo()
    assert len(queue.claim(0, outcomes).moved) == 2  # the worker's retry, same outcomes
    queue.flush_tombstones()
    queue.remove_tombstones()

    _, history = read_tab(sheet, TASKS_HISTORY)
    _, dead = read_tab(sheet, TASKS_DLQ)
    _, queued = read_tab(sheet, TASKS)
    assert [r["id"] for r in history] == [first.row_id], "History once"
    assert [r["id"] for r in dead] == [second.row_id]
    assert not [r for r in queued if r.get("id")]


def test_a_source_whose_tasks_are_always_refused_ends_in_the_dlq(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    site: LocalSite,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refusal that is not an outage counts attempts: no endless retry every few seconds."""
    real_append = SheetsGateway.append
    refusals: list[str] = []

    def refusing_append(self: SheetsGateway, title: str, rows: list[list[Any]]) -> Any:
        if title == TASKS.title:
            refusals.append(title)
            raise SheetsError("POST values:append: HTTP 400 (grid limits)", status=400)
        return real_append(self, title, rows)

    monkeypatch.setattr(SheetsGateway, "append", refusing_append)
    add_sources(sheet, [site.url("/embeds.html")])
    config = agent_config(emulator.host_port, sheet, "leader", max_attempts=2)
    with Orchestrator(config) as orchestrator:
        thread, errors = _run_in_thread(orchestrator)
        try:
            wait_for(lambda: bool(read_tab(sheet, SOURCES_DLQ)[1]), 60, "the source in Sources DLQ")
        finally:
            orchestrator.request_stop()
            thread.join(timeout=30)
    assert not errors, errors
    (dead,) = read_tab(sheet, SOURCES_DLQ)[1]
    assert dead["url"] == site.url("/embeds.html")
    assert "HTTP 400" in dead["error"] and dead["attempts"] == "2"
    assert len(refusals) == 2, "tried once per attempt, then stopped"
