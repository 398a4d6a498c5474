"""The demo's parts, each alone: catalog, site, handler, agent environment, outcome, view."""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from agent.demo import catalog
from agent.demo.fleet import DEMO_SETTINGS, agent_environment
from agent.demo.handlers import SimulatedFailure, simulate, video_id_of
from agent.demo.outcome import DemoResult, api_usage, summary
from agent.demo.site import FeedSite
from agent.demo.view import Frame, line, live, summary_table
from agent.sources.urls import is_video_id


def test_catalog_lists_distinct_valid_videos_with_the_nasty_titles() -> None:
    expected = catalog.expected_video_ids()
    assert len(expected) == 25
    assert catalog.CHANNEL_PRIVATE.video_id not in expected
    assert all(is_video_id(v) for v in expected)
    assert catalog.BROKEN.issubset(expected) and catalog.FLAKY.issubset(expected)
    assert not catalog.BROKEN & catalog.FLAKY
    titles = {v.title for page in catalog.PAGES for v in page.videos}
    assert {catalog.FORMULA_TITLE, catalog.HTML_TITLE} <= titles
    urls = catalog.all_source_urls("http://127.0.0.1:1")
    assert urls[-1] == catalog.INVALID_SOURCE and len(set(urls)) == len(urls)


def test_site_serves_embeds_and_rss_literally_and_404s_the_rest() -> None:
    with FeedSite(catalog.PAGES) as site:
        html = urllib.request.urlopen(site.base_url + "/kitchen.html", timeout=5).read().decode()
        rss = urllib.request.urlopen(site.base_url + "/picks.xml", timeout=5).read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(site.base_url + "/nope", timeout=5)
    assert html.count('src="https://www.youtube.com/embed/') == len(catalog.KITCHEN)
    titles = [item.findtext("title") for item in ET.fromstring(rss).iter("item")]
    assert catalog.FORMULA_TITLE in titles and catalog.HTML_TITLE in titles
    assert missing.value.code == 404
    missing.value.close()
    assert site.hits == ["/kitchen.html", "/picks.xml", "/nope"]


def test_handler_fails_broken_videos_always_and_flaky_ones_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DEMO_TASK_SECONDS", "0")
    monkeypatch.setenv("DEMO_STATE_DIR", str(tmp_path))
    (broken, *_), (flaky, *_) = sorted(catalog.BROKEN), sorted(catalog.FLAKY)
    watch = "https://www.youtube.com/watch?v="
    assert video_id_of(watch + broken) == broken
    for _ in range(3):
        with pytest.raises(SimulatedFailure, match="cannot be processed"):
            simulate(watch + broken)
    with pytest.raises(SimulatedFailure, match="transient"):
        simulate(watch + flaky)
    simulate(watch + flaky)  # the retry works, whichever process runs it
    simulate(watch + catalog.SINGLE.video_id)


def test_agent_environment_drops_real_settings_and_keeps_the_rest() -> None:
    base = {
        "PATH": "/usr/bin",
        "SPREADSHEET_ID": "real-sheet",
        "service_account_file": "/etc/key.json",
        "TITLE_REGEX": "x",
        "PYTHONPATH": "/elsewhere",
    }
    env = agent_environment(base, {**DEMO_SETTINGS, "SPREADSHEET_ID": "demo"}, "/pkg")
    assert env["PATH"] == "/usr/bin" and env["SPREADSHEET_ID"] == "demo"
    assert "service_account_file" not in env and "TITLE_REGEX" not in env
    assert env["PYTHONPATH"].split(":") == ["/pkg", "/elsewhere"]


def _record(key: str) -> dict[str, str]:
    return {"video_key": key, "name": key, "error": ""}


def test_outcome_accounts_for_every_task_exactly_once() -> None:
    expected = frozenset({"a", "b", "c"})
    good = DemoResult(expected, [_record("a"), _record("b")], [_record("c")], 0, [], [], 0)
    assert good.complete and good.missing == [] and good.repeated == []
    twice = DemoResult(
        expected, [_record("a"), _record("b"), _record("c")], [_record("c")], 0, [], [], 0
    )
    assert not twice.complete and twice.repeated == ["c"]
    lost = DemoResult(expected, [_record("a")], [], 1, [], [], 0)
    assert not lost.complete and lost.missing == ["b", "c"]
    stranger = DemoResult(
        expected, [_record("a"), _record("b"), _record("c"), _record("z")], [], 0, [], [], 0
    )
    assert stranger.unexpected == ["z"] and not stranger.complete


def test_api_usage_reads_the_emulator_stats_document() -> None:
    stats: dict[str, Any] = {
        "requests": {"total": 12, "by_kind": {"read": 8, "write": 3, "drive": 1}},
        "users": {
            "orc-demo": {"read": 4, "write": 1, "drive": 1},
            "demo-agent-1": {"read": 4, "write": 2, "drive": 0},
        },
        "http_429_sent": 2,
    }
    usage = api_usage(stats, "orc-demo")
    assert (usage.total, usage.by_agents, usage.throttled) == (12, 6, 2)
    assert usage.by_user == {"orc-demo": 6, "demo-agent-1": 6}


def _snapshot(worker_name: str, error: str) -> dict[str, Any]:
    return {
        "spreadsheet_id": "s",
        "generated_at": 0,
        "workers": [
            {
                "id": "w",
                "name": worker_name,
                "status": "ACTIVE",
                "state": "active",
                "last_heartbeat": "2026-11-29T10:04:05Z",
                "heartbeat_age_s": 1.0,
                "tasks_processed": 2,
                "sources_processed": 1,
            }
        ],
        "leader": {"worker": worker_name, "term": 3, "expires_at": ""},
        "queues": {"Tasks": 1, "Tasks History": 2, "Tasks DLQ": 1, "Sources": 0},
        "states": {"Tasks": {}, "Sources": {}},
        "rates": {"tasks_per_minute": 0.0},
        "dlq": [
            {
                "tab": "Tasks DLQ",
                "id": "i",
                "url": "u",
                "name": catalog.HTML_TITLE,
                "error": error,
                "attempts": "2",
            }
        ],
        "missing_tabs": [],
    }


def test_views_show_cell_text_literally() -> None:
    frame = Frame(
        data=_snapshot("[bold red]agent[/bold red]", "[link=x]boom[/link]"),
        total=4,
        elapsed_s=3.0,
        work_s=2.0,
        api_calls=17,
        agents_running=1,
        agents=3,
    )
    console = Console(record=True, width=200, color_system=None)
    console.print(live(frame, "orc demo [not markup]"))
    text = console.export_text()
    for literal in (
        "[bold red]agent[/bold red]",
        "[link=x]boom[/link]",
        catalog.HTML_TITLE,
        "[not markup]",
    ):
        assert literal in text
    assert "3/4" in text and "90.0 tasks/min" in text
    assert "finished 3/4 (done 2, dlq 1)" in line(frame)


def test_summary_table_shows_failures_and_dead_letters() -> None:
    outcome = DemoResult(frozenset({"a", "b"}), [_record("a")], [], 0, [], [_record("s")], 0)
    usage = api_usage(
        {"requests": {"total": 5}, "users": {"demo-agent-1": {"read": 5}}}, "orc-demo"
    )
    result = summary("sheet", outcome, usage, {"demo-agent-1": 0}, 1.5)
    assert result["ok"] is False and result["tasks"]["missing"] == ["b"]
    console = Console(record=True, width=120, color_system=None)
    console.print(summary_table(result, [("Sources DLQ", "[x] bad")]))
    text = console.export_text()
    assert "FAILED" in text and "missing: b" in text and "[x] bad" in text
