"""Sources expand into tasks end to end: real yt-dlp on 127.0.0.1, the emulator, agent processes."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from agent.coordination.enqueue import add_sources
from agent.schema import SOURCES, SOURCES_DLQ, SOURCES_HISTORY, TASKS, TASKS_HISTORY
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, add_user_column, header_map, read_tab, wait_for
from tests.sources.helpers import LocalSite, Route

IDS = ["aaaaaaaaaa1", "bbbbbbbbbb2", "cccccccccc3", "dddddddddd4", "eeeeeeeeee5"]
FORMULA = '=IMPORTXML("http://x","//a")'
HTML = "<img src=x onerror=alert(1)>"


def _embed_page(ids: list[str]) -> str:
    frames = "".join(
        f'<iframe width="560" height="315" src="https://www.youtube.com/embed/{i}"></iframe>'
        for i in ids
    )
    return f"<html><head><title>Embeds page</title></head><body>{frames}</body></html>"


def _rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>{title.replace('&', '&amp;').replace('<', '&lt;')}</title>"
        f"<link>https://www.youtube.com/watch?v={vid}</link></item>"
        for vid, title in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed of videos</title>'
        f"<link>http://127.0.0.1/</link><description>d</description>{body}</channel></rss>"
    )


@pytest.fixture
def site() -> Iterator[LocalSite]:
    server = LocalSite()
    server.routes["/embeds.html"] = Route(_embed_page([IDS[0], IDS[1], IDS[2], IDS[0]]))
    server.routes["/feed.xml"] = Route(
        _rss([(IDS[3], FORMULA), (IDS[4], HTML), (IDS[1], "plain")]),
        content_type="application/rss+xml",
    )
    server.start()
    yield server
    server.stop()


def test_sources_expand_into_tasks_once(
    sheet: SheetsGateway, fleet: Fleet, site: LocalSite
) -> None:
    add_sources(sheet, [site.url("/embeds.html"), site.url("/feed.xml"), site.url("/gone.html")])
    fleet.start("leader-1")
    fleet.wait_all(timeout_s=120)
    assert fleet.agents[0].popen.returncode == 0, fleet.agents[0].output()[-3000:]

    _, history = read_tab(sheet, TASKS_HISTORY)
    keys = sorted(row["video_key"] for row in history)
    assert keys == sorted(IDS), "each video once, across sources and within one"
    by_key = {row["video_key"]: row for row in history}
    assert by_key[IDS[3]]["name"] == FORMULA, "a formula title must stay literal text"
    assert by_key[IDS[4]]["name"] == HTML
    assert by_key[IDS[0]]["url"] == f"https://www.youtube.com/watch?v={IDS[0]}"

    _, done_sources = read_tab(sheet, SOURCES_HISTORY)
    counts = {row["url"]: row["video_count"] for row in done_sources}
    assert counts[site.url("/embeds.html")] == "3"
    assert counts[site.url("/feed.xml")] == "3"
    assert all(row["name"] for row in done_sources)
    _, dead = read_tab(sheet, SOURCES_DLQ)
    assert [row["url"] for row in dead] == [site.url("/gone.html")]
    assert "404" in dead[0]["error"]

    # The same feed again: every video is known, so nothing is queued.
    add_sources(sheet, [site.url("/feed.xml")])
    fleet.start("leader-2")
    fleet.wait_all(timeout_s=120)
    _, history_again = read_tab(sheet, TASKS_HISTORY)
    assert len(history_again) == len(IDS)
    _, sources_left = read_tab(sheet, SOURCES)
    assert not [r for r in sources_left if r.get("id")]


def test_subscription_mode_rescans_for_new_videos_only(
    sheet: SheetsGateway, fleet: Fleet, site: LocalSite
) -> None:
    site.routes["/channel.xml"] = Route(
        _rss([(IDS[0], "first"), (IDS[1], "second")]), content_type="application/rss+xml"
    )
    (source_id,) = add_sources(sheet, [site.url("/channel.xml")])
    agent = fleet.start("subscriber", burst=False, RESCAN_HOURS="0.0005")  # every 1.8 s
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 2, 60, "the first scan")
    site.routes["/channel.xml"] = Route(
        _rss([(IDS[2], "third"), (IDS[0], "first"), (IDS[1], "second")]),
        content_type="application/rss+xml",
    )
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 3, 60, "the rescan")
    wait_for(lambda: _source(sheet, source_id)["video_count"] == "3", 30, "the new count")
    wait_for(lambda: _source(sheet, source_id)["status"] == "PENDING", 30, "the status shown")
    agent.popen.send_signal(signal.SIGTERM)
    assert agent.popen.wait(timeout=30) == 0
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert sorted(r["video_key"] for r in history) == sorted(IDS[:3])
    kept = _source(sheet, source_id)
    assert kept["lease"].startswith("PENDING|") and kept["status"] == "PENDING"
    assert kept["name"] == "Feed of videos"
    assert not read_tab(sheet, SOURCES_HISTORY)[1], "a subscribed source never goes to History"


def _source(sheet: SheetsGateway, source_id: str) -> dict[str, str]:
    _, rows = read_tab(sheet, SOURCES)
    return next(r for r in rows if r["id"] == source_id)


def test_per_source_settings_apply_at_expansion_and_rescans(
    sheet: SheetsGateway, fleet: Fleet, site: LocalSite
) -> None:
    for header in ("Title Regex", "Rescan Hours", "Priority", "Max Entries"):
        add_user_column(sheet, SOURCES, header)  # the optional columns, added by a person
    add_user_column(sheet, TASKS, "Priority")
    site.routes["/a.xml"] = Route(
        _rss([(IDS[0], "keep one"), (IDS[1], "skip this")]), content_type="application/rss+xml"
    )
    site.routes["/b.xml"] = Route(_rss([(IDS[3], "keep b")]), content_type="application/rss+xml")
    a_id, b_id = add_sources(sheet, [site.url("/a.xml"), site.url("/b.xml")])
    cmap = header_map(sheet, SOURCES)
    _, rows = read_tab(sheet, SOURCES)
    cells = {a_id: ("^keep", "0.0005", "7", ""), b_id: ("", "", "", "lots")}
    writes = []
    for number, row in enumerate(rows, start=2):
        for header, value in zip(
            ("title_regex", "rescan_hours", "priority", "max_entries"),
            cells[row["id"]],
            strict=True,
        ):
            letter = column_letter(cmap.col(header))
            writes.append((f"{quote_title(SOURCES.title)}!{letter}{number}", [[value]]))
    sheet.write_values(writes)

    agent = fleet.start("settings", burst=False, CLAIM_BATCH="1", HANDLER_SLEEP_S="1.5")
    wait_for(
        lambda: any(r.get("priority") == "7" for r in read_tab(sheet, TASKS)[1]),
        60,
        "a task carrying its source's priority",
    )
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 1, 60, "the first scan's task")
    site.routes["/a.xml"] = Route(
        _rss([(IDS[2], "keep new"), (IDS[0], "keep one"), (IDS[1], "skip this")]),
        content_type="application/rss+xml",
    )
    wait_for(lambda: len(read_tab(sheet, TASKS_HISTORY)[1]) == 2, 60, "the rescan (own hours)")
    agent.popen.send_signal(signal.SIGTERM)
    assert agent.popen.wait(timeout=30) == 0
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert sorted(r["video_key"] for r in history) == sorted([IDS[0], IDS[2]]), "Title Regex"
    _, dead = read_tab(sheet, SOURCES_DLQ)
    assert [r["id"] for r in dead] == [b_id]
    assert "'Max Entries'" in dead[0]["error"] and "lots" in dead[0]["error"]
