"""Failures by kind, results and time limits, with real agent processes on the emulator.

The callbacks run real yt-dlp (its own YouTube extractor) against the YouTube-shaped site of
tests/ytdlp, through the site's proxy on 127.0.0.1.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.coordination.enqueue import enqueue_tasks
from agent.coordination.lease import parse_lease
from agent.schema import TASKS, TASKS_DLQ, TASKS_HISTORY, WORKERS
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, add_user_column, header_map, read_tab, wait_for
from tests.ytdlp.youtube_site import VID_DEFAULT, FakeYoutube, Video, make_certificate, playability

PRIVATE = "privateVid1"
BOT = "botCheckVd1"
YT = "tests.coordination.yt_handlers"


@pytest.fixture
def youtube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeYoutube]:
    fake = FakeYoutube(make_certificate(tmp_path_factory.mktemp("tls")))
    fake.videos[VID_DEFAULT] = Video(title="Playable")
    fake.videos[PRIVATE] = Video(
        playability(
            "LOGIN_REQUIRED", "Private video", "Sign in if you've been granted access to this video"
        )
    )
    fake.videos[BOT] = Video(
        playability(
            "LOGIN_REQUIRED",
            "Sign in to confirm you\u2019re not a bot",
            "This helps protect our community. Learn more",
        )
    )
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def _watch(video_id: str, title: str) -> dict[str, str]:
    return {
        "url": f"https://www.youtube.com/watch?v={video_id}",
        "name": title,
        "video_key": video_id,
    }


def test_unavailable_is_dead_lettered_at_once_and_a_result_lands_in_history(
    sheet: SheetsGateway, fleet: Fleet, youtube: FakeYoutube, tmp_path: Path
) -> None:
    add_user_column(sheet, TASKS_HISTORY, "Notes")
    private_id, playable_id = enqueue_tasks(
        sheet, [_watch(PRIVATE, "Secret"), _watch(VID_DEFAULT, "Playable")]
    )
    agent = fleet.start(
        "yt", handler=f"{YT}:watch", FAKE_YT_PROXY=youtube.proxy, OUTPUT_DIR=str(tmp_path / "out")
    )
    fleet.wait_all(timeout_s=120)
    assert agent.popen.returncode == 0, agent.output()[-3000:]
    _, dead = read_tab(sheet, TASKS_DLQ)
    assert [(r["id"], r["error_class"], r["attempts"]) for r in dead] == [
        (private_id, "private", "1")
    ]
    assert "Private video" in dead[0]["error"]
    _, done = read_tab(sheet, TASKS_HISTORY)
    assert [r["id"] for r in done] == [playable_id]
    written = Path(done[0]["result"])
    assert written.is_file() and written.is_relative_to(tmp_path / "out")
    (values,) = sheet.read([f"{quote_title(TASKS_HISTORY.title)}!A1:Z"])
    notes = values[0].index("Notes")
    assert values[1][notes] == "Playable (attempt 1)"  # a dict key filled its column, RAW


def test_a_bot_check_gives_the_task_back_and_cools_the_whole_fleet_down(
    sheet: SheetsGateway, fleet: Fleet, youtube: FakeYoutube, tmp_path: Path
) -> None:
    (bot_id,) = enqueue_tasks(sheet, [_watch(BOT, "Checked")])
    first = fleet.start("first", burst=False, handler=f"{YT}:watch", FAKE_YT_PROXY=youtube.proxy)

    def cooldown_cells() -> dict[str, str]:
        return {r["worker_name"]: r.get("cooldown_until", "") for r in read_tab(sheet, WORKERS)[1]}

    wait_for(lambda: bool(cooldown_cells().get("first")), 90, "the published cool-down")
    (row,) = read_tab(sheet, TASKS)[1]
    lease = parse_lease(row["lease"])
    assert (lease.state.value, lease.attempts) == ("PENDING", 0), row["lease"]
    assert not read_tab(sheet, TASKS_DLQ)[1]

    ids = set(enqueue_tasks(sheet, [{"url": f"https://example.test/c/{i}"} for i in range(3)]))
    second = fleet.start("second", burst=False)
    time.sleep(6)  # several heartbeats and claim polls of the second agent
    assert not fleet.task_log.exists(), "the second agent ran tasks during the cool-down"
    assert all(parse_lease(r["lease"]).state.value == "PENDING" for r in read_tab(sheet, TASKS)[1])

    # The first agent stops; a person clears its published pause: the fleet works again.
    first.popen.send_signal(signal.SIGTERM)
    first.popen.wait(timeout=60)
    cmap = header_map(sheet, WORKERS)
    values = read_tab(sheet, WORKERS)[1]
    position = next(i for i, r in enumerate(values) if r["worker_name"] == "first")
    letter = column_letter(cmap.col("cooldown_until"))
    sheet.write_values([(f"{quote_title(WORKERS.title)}!{letter}{position + 2}", [[""]])])
    wait_for(
        lambda: {r["id"] for r in read_tab(sheet, TASKS_HISTORY)[1]} == ids,
        60,
        "the second agent to run the tasks once the pause was cleared",
    )
    second.popen.send_signal(signal.SIGTERM)
    second.popen.wait(timeout=60)
    assert bot_id in {r["id"] for r in read_tab(sheet, TASKS)[1]}, "the bot-checked task waits"


def test_a_hung_callback_is_stopped_and_the_attempt_counts(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    (task_id,) = enqueue_tasks(sheet, [{"url": "https://example.test/hangs"}])
    agent = fleet.start("timer", handler=f"{YT}:hang", TASK_TIMEOUT_SECONDS="2", MAX_ATTEMPTS="2")
    fleet.wait_all(timeout_s=120)
    assert agent.popen.returncode == 0, agent.output()[-3000:]
    _, dead = read_tab(sheet, TASKS_DLQ)
    assert [(r["id"], r["error_class"], r["attempts"]) for r in dead] == [(task_id, "timeout", "2")]
    assert "TASK_TIMEOUT_SECONDS=2" in dead[0]["error"]


def test_tasks_of_a_higher_priority_are_claimed_first(sheet: SheetsGateway, fleet: Fleet) -> None:
    add_user_column(sheet, TASKS, "Priority")  # the optional column, as a person adds it
    enqueue_tasks(sheet, [{"url": f"https://example.test/low/{i}"} for i in range(15)])
    urgent = {f"https://example.test/high/{i}" for i in range(4)}
    enqueue_tasks(sheet, [{"url": url, "priority": "5"} for url in sorted(urgent)])
    agent = fleet.start("ranked", CLAIM_BATCH="4", CONCURRENCY="1")
    fleet.wait_all(timeout_s=120)
    assert agent.popen.returncode == 0, agent.output()[-3000:]
    started = [
        json.loads(line)["url"]
        for line in fleet.task_log.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["event"] == "start"
    ]
    assert len(started) == 19
    assert set(started[:4]) == urgent, started


def test_a_tasks_handler_cell_picks_a_builtin_and_refuses_foreign_code(
    sheet: SheetsGateway, fleet: Fleet
) -> None:
    add_user_column(sheet, TASKS, "Handler")  # the optional column the leader fills
    plain, builtin, foreign = enqueue_tasks(
        sheet,
        [
            {"url": "https://example.test/h/plain"},
            {"url": "https://example.test/h/builtin", "handler": "agent.handlers:noop"},
            {"url": "https://example.test/h/foreign", "handler": "os:system"},
        ],
    )
    agent = fleet.start("chooser")
    fleet.wait_all(timeout_s=120)
    assert agent.popen.returncode == 0, agent.output()[-3000:]
    ran = {json.loads(line)["url"] for line in fleet.task_log.read_text().splitlines()}
    assert ran == {"https://example.test/h/plain"}, "noop ran instead of the agent's callback"
    assert {r["id"] for r in read_tab(sheet, TASKS_HISTORY)[1]} == {plain, builtin}
    (dead,) = read_tab(sheet, TASKS_DLQ)[1]
    assert (dead["id"], dead["error_class"], dead["attempts"]) == (foreign, "refused", "1")
    assert "'os:system' refused" in dead["error"]
