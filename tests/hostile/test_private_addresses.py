"""Sheet editors cannot make the agents fetch private or metadata addresses (issue 17).

Real yt-dlp against real servers on 127.0.0.1 (and 127.0.0.2), with ``ALLOW_PRIVATE_URLS``
unset unless a test sets it: a source, a task typed by hand and handed to the ``metadata`` and
``download`` handlers, a redirect from an allowed address to a refused one, and a host name
that resolves to a private address. Each refusal is checked to have cost the server no request;
with the opt-in, the same case goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sheets_emulator import EmulatorServer

from agent import handlers
from agent.coordination.enqueue import add_sources, enqueue_tasks
from agent.errors import RefusedUrlError, SourceError
from agent.net.guard import AddressGuard
from agent.schema import SOURCES_DLQ, SOURCES_HISTORY, TASKS, TASKS_DLQ, TASKS_HISTORY
from agent.sources import ExpandOptions, expand_source
from tests.hostile.agent_run import fresh_sheet, run_agent_over
from tests.sources.helpers import LocalSite, Route

VIDEO_IDS = ["dQw4w9WgXcQ", "9bZkp7q19f0"]
CLIP = "FAKEVIDEO" * 256
PAGE = "<html><head><title>Internal {title}</title></head><body>{frames}</body></html>"
LOOPBACK = "refused: private address 127.0.0.1 (loopback)"


def embeds(title: str = "page") -> Route:
    frames = "".join(
        f'<iframe src="https://www.youtube.com/embed/{v}"></iframe>' for v in VIDEO_IDS
    )
    return Route(body=PAGE.format(title=title, frames=frames))


def serve(host: str = "127.0.0.1") -> LocalSite:
    site = LocalSite(host)
    site.routes["/embeds.html"] = embeds()
    site.routes["/clip.mp4"] = Route(CLIP, content_type="video/mp4")
    site.start()
    return site


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """An internal web site on 127.0.0.1: a page of embeds, a clip."""
    server = serve()
    yield server
    server.stop()


@pytest.fixture
def relay(site: LocalSite) -> Iterator[LocalSite]:
    """A site on 127.0.0.2 whose ``/go/*`` paths redirect (302) to the same path on ``site``."""
    server = serve("127.0.0.2")
    for path in ("/embeds.html", "/clip.mp4"):
        server.routes[f"/go{path}"] = Route(
            "moved", status=302, headers={"Location": site.url(path)}
        )
    yield server
    server.stop()


@pytest.fixture
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """OUTPUT_DIR for the handlers, and no ALLOW_PRIVATE_URLS in the environment."""
    out = tmp_path / "out"
    monkeypatch.setenv("OUTPUT_DIR", str(out))
    monkeypatch.delenv("ALLOW_PRIVATE_URLS", raising=False)
    return out


def options(opt_in: str = "") -> ExpandOptions:
    return ExpandOptions(
        policy="any", socket_timeout=5.0, url_guard=AddressGuard.from_setting(opt_in)
    )


def files_in(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


# ------------------------------------------------------------------ sources


def test_source_on_a_private_address_is_refused_without_a_request(site: LocalSite) -> None:
    with pytest.raises(RefusedUrlError) as info:
        expand_source(site.url("/embeds.html"), options())
    assert info.value.reason == LOOPBACK
    assert not info.value.retry_later
    assert site.hits == []


def test_source_on_an_opted_in_network_expands(site: LocalSite) -> None:
    expansion = expand_source(site.url("/embeds.html"), options("127.0.0.0/8"))
    assert [e.video_key for e in expansion.entries] == VIDEO_IDS
    assert site.hits == ["/embeds.html"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "refused: private address 169.254.169.254 (cloud metadata)",
        ),
        (
            "http://metadata.google.internal/computeMetadata/v1/?recursive=true",
            "refused: metadata host metadata.google.internal",
        ),
        ("http://metadata/computeMetadata/v1/", "refused: metadata host metadata"),
        ("http://[::1]:9/x", "refused: private address ::1 (loopback)"),
        (
            "http://[::ffff:169.254.169.254]/latest/meta-data/",
            "refused: private address ::ffff:169.254.169.254 (cloud metadata)",
        ),
        ("http://10.0.0.1:9/x", "refused: private address 10.0.0.1 (RFC 1918)"),
        ("http://100.64.0.1:9/x", "refused: private address 100.64.0.1 (CGNAT)"),
    ],
)
def test_metadata_and_private_urls_are_refused_as_dead_letters(url: str, reason: str) -> None:
    with pytest.raises(RefusedUrlError) as info:
        expand_source(url, options("127.0.0.0/8"))
    assert info.value.reason == reason
    assert not info.value.retry_later


@pytest.mark.parametrize("redirected", [False, True], ids=["direct", "redirect"])
def test_refused_source_goes_to_sources_dlq_with_the_reason_and_nothing_else(
    emulator_server: EmulatorServer, site: LocalSite, relay: LocalSite, redirected: bool
) -> None:
    client, sheet = fresh_sheet(emulator_server)
    url = relay.url("/go/embeds.html") if redirected else site.url("/embeds.html")
    (source_id,) = add_sources(sheet, [url])
    snapshot = run_agent_over(
        client,
        sheet,
        finished_sources=1,
        source_url_policy="any",
        allow_private_urls="127.0.0.2/32" if redirected else None,
    )
    (row,) = snapshot.rows(SOURCES_DLQ)
    assert row["id"] == source_id
    assert row["error"] == LOOPBACK
    assert row["attempts"] == "1"  # dead-lettered at once, not after MAX_ATTEMPTS
    assert row["name"] == "" and row["video_count"] == ""  # nothing fetched reaches a cell
    assert snapshot.rows(TASKS) == [] and snapshot.rows(SOURCES_HISTORY) == []
    assert site.hits == []
    assert relay.hits == (["/go/embeds.html"] if redirected else [])


def test_opted_in_source_is_expanded_by_the_leader(
    emulator_server: EmulatorServer, site: LocalSite
) -> None:
    client, sheet = fresh_sheet(emulator_server)
    add_sources(sheet, [site.url("/embeds.html")])
    snapshot = run_agent_over(
        client,
        sheet,
        finished_sources=1,
        source_url_policy="any",
        allow_private_urls="127.0.0.0/8",
    )
    (row,) = snapshot.rows(SOURCES_HISTORY)
    assert row["name"] == "Internal page" and row["video_count"] == "2"
    assert snapshot.rows(SOURCES_DLQ) == []
    assert site.hits == ["/embeds.html"]


# ------------------------------------------------------------------ tasks and handlers

HANDLERS: dict[str, Callable[[str], object]] = {
    "metadata": handlers.metadata,
    "download": handlers.download,
}


@pytest.mark.parametrize("name", list(HANDLERS))
def test_handler_refuses_a_private_address_without_a_request(
    name: str, site: LocalSite, output_dir: Path
) -> None:
    with pytest.raises(RefusedUrlError) as info:
        HANDLERS[name](site.url("/clip.mp4"))
    assert info.value.reason == LOOPBACK
    assert site.hits == []
    assert files_in(output_dir) == []


@pytest.mark.parametrize("name", list(HANDLERS))
def test_handler_fetches_from_an_opted_in_network(
    name: str, site: LocalSite, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "127.0.0.0/8")
    HANDLERS[name](site.url("/clip.mp4"))
    assert site.hits and set(site.hits) == {"/clip.mp4"}
    assert files_in(output_dir) == ["clip.info.json" if name == "metadata" else "clip.mp4"]


@pytest.mark.parametrize("name", list(HANDLERS))
def test_hand_typed_task_is_dead_lettered_at_once_without_a_request(
    name: str, emulator_server: EmulatorServer, site: LocalSite, output_dir: Path
) -> None:
    client, sheet = fresh_sheet(emulator_server)
    url = site.url("/clip.mp4")
    (task_id,) = enqueue_tasks(sheet, [{"url": url, "name": "typed", "video_key": "typed"}])
    snapshot = run_agent_over(
        client, sheet, callback=HANDLERS[name], source_url_policy="any", max_attempts=3
    )
    (row,) = snapshot.rows(TASKS_DLQ)
    assert row["id"] == task_id and row["attempts"] == "1"
    assert row["error"] == f"RefusedUrlError: {url}: {LOOPBACK}"
    assert snapshot.rows(TASKS_HISTORY) == []
    assert site.hits == []
    assert files_in(output_dir) == []


@pytest.mark.parametrize("name", list(HANDLERS))
def test_hand_typed_task_on_an_opted_in_network_is_run(
    name: str,
    emulator_server: EmulatorServer,
    site: LocalSite,
    output_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "127.0.0.0/8")
    client, sheet = fresh_sheet(emulator_server)
    (task_id,) = enqueue_tasks(sheet, [{"url": site.url("/clip.mp4"), "video_key": "typed"}])
    snapshot = run_agent_over(
        client, sheet, callback=HANDLERS[name], source_url_policy="any", max_attempts=3
    )
    assert [r["id"] for r in snapshot.rows(TASKS_HISTORY)] == [task_id]
    assert snapshot.rows(TASKS_DLQ) == []
    assert "/clip.mp4" in site.hits


def test_hand_typed_task_under_policy_youtube_must_be_its_rows_video(
    emulator_server: EmulatorServer, site: LocalSite, output_dir: Path
) -> None:
    client, sheet = fresh_sheet(emulator_server)
    other = f"https://www.youtube.com/watch?v={VIDEO_IDS[1]}"
    typed = enqueue_tasks(
        sheet,
        [
            {"url": site.url("/clip.mp4"), "video_key": VIDEO_IDS[0]},
            {"url": other, "video_key": VIDEO_IDS[0]},
        ],
    )
    seen: list[str] = []
    snapshot = run_agent_over(client, sheet, callback=seen.append, max_attempts=3)
    rows = {r["id"]: r for r in snapshot.rows(TASKS_DLQ)}
    assert sorted(rows) == sorted(typed)
    assert "refused: not a YouTube address: 127.0.0.1" in rows[typed[0]]["error"]
    assert f"the URL's video {VIDEO_IDS[1]} is not the row's video key" in rows[typed[1]]["error"]
    assert all(r["attempts"] == "1" for r in rows.values())
    assert seen == [] and site.hits == []


# ------------------------------------------------------------------ redirects


def test_redirect_to_a_refused_address_is_refused_at_that_hop(
    site: LocalSite, relay: LocalSite
) -> None:
    with pytest.raises(RefusedUrlError) as info:
        expand_source(relay.url("/go/embeds.html"), options("127.0.0.2/32"))
    assert info.value.reason == LOOPBACK
    assert relay.hits == ["/go/embeds.html"]  # the allowed first hop was fetched
    assert site.hits == []  # the refused one was not


@pytest.mark.parametrize("name", list(HANDLERS))
def test_handler_refuses_a_redirect_to_a_refused_address(
    name: str,
    site: LocalSite,
    relay: LocalSite,
    output_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "127.0.0.2/32")
    with pytest.raises(RefusedUrlError) as info:
        HANDLERS[name](relay.url("/go/clip.mp4"))
    assert info.value.reason == LOOPBACK
    assert relay.hits and set(relay.hits) == {"/go/clip.mp4"}
    assert site.hits == []
    assert files_in(output_dir) == []


def test_redirect_within_the_opt_in_is_followed(site: LocalSite, relay: LocalSite) -> None:
    expansion = expand_source(relay.url("/go/embeds.html"), options("127.0.0.0/8"))
    assert [e.video_key for e in expansion.entries] == VIDEO_IDS
    assert relay.hits == ["/go/embeds.html"]
    assert site.hits and set(site.hits) == {"/embeds.html"}  # yt-dlp may read the target twice


def test_handler_follows_a_redirect_within_the_opt_in(
    site: LocalSite, relay: LocalSite, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "127.0.0.0/8")
    handlers.download(relay.url("/go/clip.mp4"))
    assert files_in(output_dir) == ["clip.mp4"]
    assert "/clip.mp4" in site.hits


# ------------------------------------------------------------------ host names


def test_name_that_resolves_to_a_private_address_is_refused(site: LocalSite) -> None:
    url = f"http://localhost:{site.port}/embeds.html"
    with pytest.raises(RefusedUrlError) as info:
        expand_source(url, options())
    assert info.value.reason.startswith("refused: private address ")
    assert info.value.reason.endswith(", resolved from localhost")
    assert site.hits == []


def test_handler_refuses_a_name_that_resolves_to_a_private_address(
    site: LocalSite, output_dir: Path
) -> None:
    with pytest.raises(RefusedUrlError, match="resolved from localhost"):
        handlers.metadata(f"http://localhost:{site.port}/clip.mp4")
    assert site.hits == []


def test_name_that_resolves_into_the_opt_in_is_fetched(site: LocalSite) -> None:
    # localhost may also resolve to ::1 on other machines: the opt-in names both.
    url = f"http://localhost:{site.port}/embeds.html"
    expansion = expand_source(url, options("127.0.0.0/8,::1/128"))
    assert [e.video_key for e in expansion.entries] == VIDEO_IDS
    assert site.hits == ["/embeds.html"]


# ------------------------------------------------------------------ through a proxy


def test_through_a_proxy_a_refused_target_is_refused_before_the_proxy_sees_it(
    site: LocalSite, relay: LocalSite
) -> None:
    proxied = ExpandOptions(
        policy="any",
        socket_timeout=5.0,
        url_guard=AddressGuard.from_setting("127.0.0.2/32"),
        ytdlp_params={"proxy": relay.url("")},
    )
    with pytest.raises(RefusedUrlError) as info:
        expand_source(site.url("/embeds.html"), proxied)
    assert info.value.reason == LOOPBACK
    assert relay.hits == [] and site.hits == []


def test_through_a_proxy_an_allowed_target_is_asked_of_the_proxy(
    site: LocalSite, relay: LocalSite
) -> None:
    proxied = ExpandOptions(
        policy="any",
        socket_timeout=5.0,
        url_guard=AddressGuard.from_setting("127.0.0.0/8"),
        ytdlp_params={"proxy": relay.url("")},
    )
    with pytest.raises(SourceError):  # the relay is no real proxy: it answers 404
        expand_source(site.url("/embeds.html"), proxied)
    assert relay.hits == [site.url("/embeds.html")] and site.hits == []


# ------------------------------------------------------------------ https


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (files), made with ``cryptography``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[LocalSite]:
    """The internal site over HTTPS (a self-signed certificate for 127.0.0.1)."""
    import ssl

    server = LocalSite()
    server.routes["/embeds.html"] = embeds("over TLS")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    server.start()
    yield server
    server.stop()


def https_url(site: LocalSite, path: str, host: str = "127.0.0.1") -> str:
    return f"https://{host}:{site.port}{path}"


#: A literal address is refused by name before any hop; a name only where its socket is opened.
HOSTS = ["127.0.0.1", "localhost"]


@pytest.mark.parametrize("host", HOSTS)
def test_https_to_a_private_address_is_refused_before_the_handshake(
    tls_site: LocalSite, host: str
) -> None:
    with pytest.raises(RefusedUrlError) as info:
        expand_source(https_url(tls_site, "/embeds.html", host), options())
    assert info.value.reason.startswith("refused: private address ")
    assert tls_site.hits == []


@pytest.mark.parametrize("host", HOSTS)
def test_https_to_an_opted_in_address_goes_through_the_guarded_connection(
    tls_site: LocalSite, host: str
) -> None:
    opted_in = ExpandOptions(
        policy="any",
        socket_timeout=5.0,
        url_guard=AddressGuard.from_setting("127.0.0.1,::1"),
        ytdlp_params={"nocheckcertificate": True},
    )
    expansion = expand_source(https_url(tls_site, "/embeds.html", host), opted_in)
    assert expansion.title == "Internal over TLS"
    assert tls_site.hits == ["/embeds.html"]


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f.0.0.1", "0177.0.0.1"])
def test_odd_spellings_of_loopback_are_refused_where_they_are_connected_to(
    site: LocalSite, host: str
) -> None:
    # Not IP addresses to ``ipaddress``, but the resolver reads them as 127.0.0.1.
    with pytest.raises(RefusedUrlError) as info:
        expand_source(f"http://{host}:{site.port}/embeds.html", options())
    assert info.value.reason.startswith(LOOPBACK)
    assert site.hits == []
