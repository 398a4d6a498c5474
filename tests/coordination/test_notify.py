"""NOTIFY_URL: JSON POSTs to a receiver on 127.0.0.1, never blocking, retried within bounds,
the URL's secrets never logged."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Iterator

import pytest
from sheets_emulator import EmulatorServer

from agent.clock import utc_iso
from agent.config import Config
from agent.coordination.enqueue import add_sources
from agent.observe.notify import TRIES, safe_url
from agent.runtime.telemetry import Telemetry
from agent.schema import LEADER_ELECTION, STALE_HEARTBEAT_SECONDS, TASKS_DLQ
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, read_tab, seed_tasks, wait_for
from tests.coordination.webhook import Receiver, webhook_receiver
from tests.sources.helpers import LocalSite, Route

SECRET_BITS = ("hunter2", "T0KEN-in-path", "key-in-query")


def _secret_url(receiver: Receiver) -> str:
    return f"http://ops:hunter2@127.0.0.1:{receiver.port}/hooks/T0KEN-in-path?k=key-in-query"


def _telemetry(url: str, **settings: object) -> Telemetry:
    config = Config.load(
        worker_name="notifier-test",
        spreadsheet_id="sheet-1",
        sheets_emulator_host="127.0.0.1:1",
        notify_url=url,
        **settings,
    )
    return Telemetry(config)


def _notifications(telemetry: Telemetry, kind: str, outcome: str) -> float:
    value = telemetry.metrics.registry.get_sample_value(
        "orc_notifications_total", {"event": kind, "outcome": outcome}
    )
    return value or 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as server:
        yield server


def test_an_event_is_posted_as_json_after_transient_failures(receiver: Receiver) -> None:
    receiver.replies = [500, 503]
    telemetry = _telemetry(receiver.url("/hook"))
    telemetry.cooldown("YouTube asks to confirm this is not a bot", 600)
    wait_for(lambda: receiver.events("fleet_cooldown"), 30, "the cool-down notice")
    telemetry.close()
    assert [r.status for r in receiver.received] == [500, 503, 200]
    (body,) = receiver.events("fleet_cooldown")
    assert body["worker"] == "notifier-test" and body["spreadsheet_id"] == "sheet-1"
    assert body["details"]["seconds"] == 600 and body["details"]["scope"] == "fleet"
    assert "not a bot" in body["text"]
    assert receiver.received[-1].headers["Content-Type"] == "application/json"
    assert _notifications(telemetry, "fleet_cooldown", "sent") == 1


def test_a_receiver_that_keeps_failing_is_tried_a_bounded_number_of_times(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    receiver.replies = [500] * (TRIES + 5)
    telemetry = _telemetry(_secret_url(receiver))
    telemetry.cooldown("429 from YouTube", 60)
    wait_for(lambda: _notifications(telemetry, "fleet_cooldown", "failed") == 1, 30, "the failure")
    telemetry.close()
    assert len(receiver.received) == TRIES
    assert f"to http://127.0.0.1:{receiver.port} failed: HTTP 500" in caplog.text
    for bit in SECRET_BITS:
        assert bit not in caplog.text


def test_sending_never_waits_for_the_receiver(receiver: Receiver) -> None:
    receiver.gate.clear()  # the receiver holds every request until released
    telemetry = _telemetry(receiver.url())
    for n in range(3):
        telemetry.cooldown(f"reason {n}", 30)
    assert receiver.waiting.acquire(timeout=30), "the first notice never arrived"
    assert receiver.received == [], "the receiver has not answered yet"
    receiver.gate.set()
    wait_for(lambda: len(receiver.events("fleet_cooldown")) == 3, 30, "three notices")
    reasons = [e["details"]["reason"] for e in receiver.events("fleet_cooldown")]
    assert reasons == ["reason 0", "reason 1", "reason 2"]
    telemetry.close()


def test_every_worker_stale_is_told_once_until_one_is_fresh(receiver: Receiver) -> None:
    telemetry = _telemetry(receiver.url())
    now = time.time()
    header = ["Worker ID", "Worker Name", "Last Heartbeat", "Status"]
    old = utc_iso(now - STALE_HEARTBEAT_SECONDS - 60)
    stale = [
        header,
        ["1", "a", old, "ACTIVE"],
        ["2", "b", old, "ACTIVE"],
        ["3", "c", "", "INACTIVE"],
    ]
    fresh = [*stale, ["4", "d", utc_iso(now), "ACTIVE"]]
    telemetry.on_workers_read(stale, now)
    telemetry.on_workers_read(stale, now)
    wait_for(lambda: receiver.events("workers_stale"), 30, "the stale notice")
    telemetry.on_workers_read(fresh, now)
    telemetry.on_workers_read(stale, now)
    wait_for(lambda: len(receiver.events("workers_stale")) == 2, 30, "the second notice")
    telemetry.close()
    first = receiver.events("workers_stale")[0]
    assert first["details"]["workers"] == ["a", "b"]
    assert first["details"]["freshest_heartbeat_age_s"] >= STALE_HEARTBEAT_SECONDS
    assert len(receiver.received) == 2


def test_notify_url_is_checked_and_never_echoed() -> None:
    with pytest.raises(Exception) as caught:
        _telemetry("ftp://ops:hunter2@example.test/x")
    assert "NOTIFY_URL" in str(caught.value) and "hunter2" not in str(caught.value)
    assert (
        safe_url("https://u:p@hooks.example.test:8443/T/k?x=1") == "https://hooks.example.test:8443"
    )


@pytest.fixture
def site() -> Iterator[LocalSite]:
    server = LocalSite()
    frames = "".join(
        f'<iframe src="https://www.youtube.com/embed/{vid}"></iframe>'
        for vid in ("nnnnnnnnnn1", "nnnnnnnnnn2")
    )
    server.routes["/embeds.html"] = Route(f"<html><title>Two videos</title>{frames}</html>")
    server.start()
    yield server
    server.stop()


def test_a_running_agent_tells_of_dlq_growth_and_a_finished_source(
    emulator: EmulatorServer,
    sheet: SheetsGateway,
    fleet: Fleet,
    receiver: Receiver,
    site: LocalSite,
) -> None:
    agent = fleet.start(
        "notifying",
        burst=False,
        NOTIFY_URL=_secret_url(receiver),
        NOTIFY_DLQ_THRESHOLD="3",
        MAX_ATTEMPTS="1",
        HANDLER_FAIL_EVERY="1",  # every task fails its first (and only) attempt
    )

    def leads() -> bool:
        _, rows = read_tab(sheet, LEADER_ELECTION)
        return any(r["worker_id"] == "notifying" for r in rows)

    wait_for(leads, 60, "the agent to lead")
    time.sleep(2.5)  # the leader has counted the (empty) DLQ: that is the baseline
    assert receiver.events() == []
    seed_tasks(sheet, 4)
    wait_for(lambda: len(read_tab(sheet, TASKS_DLQ)[1]) == 4, 60, "four dead letters")
    wait_for(lambda: receiver.events("dlq_growth"), 30, "the DLQ notice")
    add_sources(sheet, [site.url("/embeds.html")])
    wait_for(lambda: receiver.events("source_finished"), 60, "the source notice")
    agent.popen.send_signal(signal.SIGTERM)
    fleet.wait_all(timeout_s=60)

    growth = receiver.events("dlq_growth")[0]
    assert growth["worker"] == "notifying"
    assert growth["details"]["grown_by"] >= 3 and growth["details"]["threshold"] == 3
    assert growth["details"]["rows"]["Tasks DLQ"] >= 3
    (finished,) = receiver.events("source_finished")
    assert finished["details"]["name"] == "Two videos"
    assert finished["details"]["video_count"] == 2
    assert finished["details"]["tasks_added"] == 2
    assert finished["details"]["url"] == site.url("/embeds.html")
    assert all(r.path == "/hooks/T0KEN-in-path?k=key-in-query" for r in receiver.received)
    output = agent.output()
    assert f"sent to http://127.0.0.1:{receiver.port}" in output
    for bit in SECRET_BITS:
        assert bit not in output, f"{bit!r} was logged"
