"""Real yt-dlp against pages served on 127.0.0.1: embeds, RSS, and failures."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from agent.errors import InvalidUrlError, SourceError
from agent.sources import ExpandOptions, ExpansionError, expand_source
from tests.sources.helpers import LOOPBACK_ALLOWED, LocalSite, Route

IDS = ["dQw4w9WgXcQ", "9bZkp7q19f0", "kJQP7kiw5Fk", "JGwWNGJdvx8"]
FORMULA = '=IMPORTXML("http://x","//a")'
HTML_TITLE = "<img src=x onerror=alert(1)>"


def embeds_page(ids: list[str], title: str = "Embeds") -> Route:
    frames = "\n".join(
        f'<iframe width="560" height="315" src="https://www.youtube.com/embed/{i}"></iframe>'
        for i in ids
    )
    return Route(body=f"<html><head><title>{title}</title></head><body>{frames}</body></html>")


def rss_feed(items: list[tuple[str, str]], title: str = "A feed") -> Route:
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<guid>{escape(link)}</guid></item>"
        for t, link in items
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>d</description>"
        f"{body}</channel></rss>"
    )
    return Route(body=xml, content_type="application/rss+xml")


def test_page_of_embeds_expands_to_its_videos_once_each(
    site: LocalSite, any_options: ExpandOptions
) -> None:
    site.routes["/embeds.html"] = embeds_page([IDS[0], IDS[1], IDS[0], IDS[2]], "My embeds")
    expansion = expand_source(site.url("/embeds.html"), any_options)
    assert [e.video_key for e in expansion.entries] == [IDS[0], IDS[1], IDS[2]]
    assert [e.url for e in expansion.entries] == [
        f"https://www.youtube.com/watch?v={i}" for i in IDS[:3]
    ]
    assert expansion.title == "My embeds"
    assert expansion.source.kind == "other"
    assert site.hits == ["/embeds.html"]  # one request: entries stay flat


def test_nocookie_embeds_are_recognised(site: LocalSite, any_options: ExpandOptions) -> None:
    frames = "".join(
        f'<iframe src="https://www.youtube-nocookie.com/embed/{i}?rel=0"></iframe>' for i in IDS[:3]
    )
    site.routes["/p.html"] = Route(body=f"<html><body>{frames}</body></html>")
    expansion = expand_source(site.url("/p.html"), any_options)
    assert [e.video_key for e in expansion.entries] == IDS[:3]


def test_rss_feed_keeps_titles_literally_and_drops_repeats(
    site: LocalSite, any_options: ExpandOptions
) -> None:
    site.routes["/feed.xml"] = rss_feed(
        [
            (FORMULA, f"https://www.youtube.com/watch?v={IDS[0]}"),
            (HTML_TITLE, f"https://youtu.be/{IDS[1]}"),
            ("Shorts link", f"https://www.youtube.com/shorts/{IDS[2]}"),
            ("Same video again", f"https://www.youtube.com/watch?v={IDS[0]}&t=5"),
        ],
        title="Feed & co",
    )
    expansion = expand_source(site.url("/feed.xml"), any_options)
    assert [(e.video_key, e.title) for e in expansion.entries] == [
        (IDS[0], FORMULA),
        (IDS[1], HTML_TITLE),
        (IDS[2], "Shorts link"),
    ]
    assert expansion.title == "Feed & co"
    assert expansion.skipped == {"duplicate": 1}
    assert expansion.total_seen == 4
    assert all("#" not in e.url for e in expansion.entries)  # smuggled data removed


def test_rss_feed_filters_apply(site: LocalSite) -> None:
    site.routes["/feed.xml"] = rss_feed(
        [
            ("Episode 1", f"https://www.youtube.com/watch?v={IDS[0]}"),
            ("Trailer", f"https://www.youtube.com/watch?v={IDS[1]}"),
            ("Episode 2", f"https://www.youtube.com/shorts/{IDS[2]}"),
            ("Episode 3", f"https://www.youtube.com/watch?v={IDS[3]}"),
        ]
    )
    options = ExpandOptions(
        policy="any",
        title_regex=r"^Episode",
        include_shorts=False,
        max_entries=1,
        url_guard=LOOPBACK_ALLOWED,
    )
    expansion = expand_source(site.url("/feed.xml"), options)
    assert [e.video_key for e in expansion.entries] == [IDS[0]]
    assert expansion.skipped == {"title_filter": 1, "shorts": 1, "max_entries": 1}


def test_rss_feed_with_other_links_gets_url_keys(
    site: LocalSite, any_options: ExpandOptions
) -> None:
    site.routes["/feed.xml"] = rss_feed(
        [("One", "https://media.example/v/1"), ("Two", "https://Media.Example/v/2#t=3")]
    )
    expansion = expand_source(site.url("/feed.xml"), any_options)
    assert [e.video_key for e in expansion.entries] == [
        "url:https://media.example/v/1",
        "url:https://media.example/v/2",
    ]
    assert expansion.entries[0].url == "https://media.example/v/1"


def test_page_with_one_embed_yields_it_without_resolving_it(
    site: LocalSite, any_options: ExpandOptions
) -> None:
    site.routes["/one.html"] = embeds_page([IDS[3]])
    expansion = expand_source(site.url("/one.html"), any_options)
    assert [e.video_key for e in expansion.entries] == [IDS[3]]


def test_policy_youtube_refuses_local_pages(site: LocalSite) -> None:
    site.routes["/embeds.html"] = embeds_page(IDS)
    with pytest.raises(InvalidUrlError) as info:
        expand_source(site.url("/embeds.html"), ExpandOptions(policy="youtube"))
    assert info.value.code == "unsupported_host"
    assert site.hits == []


def test_page_without_videos_is_unsupported_and_permanent(
    site: LocalSite, any_options: ExpandOptions
) -> None:
    site.routes["/plain.html"] = Route(body="<html><body><p>nothing</p></body></html>")
    with pytest.raises(ExpansionError) as info:
        expand_source(site.url("/plain.html"), any_options)
    assert not info.value.retry_later
    assert info.value.reason.startswith("Unsupported URL: http://127.0.0.1")


def test_missing_page_is_permanent_with_ytdlp_reason(
    site: LocalSite, any_options: ExpandOptions
) -> None:
    with pytest.raises(SourceError) as info:
        expand_source(site.url("/gone.xml"), any_options)
    assert not info.value.retry_later
    assert "HTTP Error 404" in info.value.reason
    assert not info.value.reason.startswith("ERROR")


def test_empty_feed_means_no_videos_found(site: LocalSite, any_options: ExpandOptions) -> None:
    site.routes["/feed.xml"] = rss_feed([])
    with pytest.raises(ExpansionError) as info:
        expand_source(site.url("/feed.xml"), any_options)
    assert not info.value.retry_later
    assert info.value.reason == "no videos found"


@pytest.mark.parametrize(
    ("status", "category"),
    [(429, "too_many_requests"), (503, "server_error"), (500, "server_error")],
)
def test_throttling_and_server_errors_are_retried_later(
    site: LocalSite, any_options: ExpandOptions, status: int, category: str
) -> None:
    site.routes["/feed.xml"] = Route(body="slow down", status=status, headers={"Retry-After": "1"})
    with pytest.raises(ExpansionError) as info:
        expand_source(site.url("/feed.xml"), any_options)
    assert info.value.retry_later
    assert info.value.category == category
    assert info.value.pause_s > 0
    assert f"HTTP Error {status}" in info.value.reason


def test_refused_connection_is_retried_later() -> None:
    stopped = LocalSite()  # bound, then closed without serving: the port refuses connections
    url = stopped.url("/feed.xml")
    stopped.server.server_close()
    with pytest.raises(ExpansionError) as info:
        expand_source(url, ExpandOptions(policy="any", url_guard=LOOPBACK_ALLOWED))
    assert info.value.retry_later
    assert info.value.category == "transport"


def test_silent_server_times_out_and_is_retried_later(site: LocalSite) -> None:
    site.routes["/slow.xml"] = Route(body="late", delay_s=2.0)
    with pytest.raises(ExpansionError) as info:
        expand_source(
            site.url("/slow.xml"),
            ExpandOptions(policy="any", socket_timeout=0.3, url_guard=LOOPBACK_ALLOWED),
        )
    assert info.value.retry_later
    assert info.value.category == "transport"
