"""The address policy (agent.net.guard) and the task-row check (agent.sources.task_urls)."""

from __future__ import annotations

import pytest

from agent.config import Config
from agent.errors import ConfigError, RefusedUrlError
from agent.net.guard import AddressGuard, address_kind, parse_networks
from agent.net.refusals import find_refusal
from agent.sources.task_urls import check_task_url

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "10.1.2.3": "RFC 1918",
    "172.16.0.1": "RFC 1918",
    "172.31.255.254": "RFC 1918",
    "192.168.1.1": "RFC 1918",
    "169.254.169.254": "cloud metadata",
    "169.254.1.1": "link-local",
    "100.64.0.1": "CGNAT",
    "100.127.255.254": "CGNAT",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.2.1": "reserved",  # documentation (TEST-NET-1): not global
    "198.18.0.1": "reserved",  # benchmarking
    "::": "unspecified",
    "::1": "loopback",
    "fe80::1": "link-local",
    "fe80::1%eth0": "link-local",
    "fc00::1": "unique local",
    "fd12:3456::1": "unique local",
    "ff02::1": "multicast",
    "::ffff:127.0.0.1": "loopback",  # IPv4-mapped
    "::ffff:169.254.169.254": "cloud metadata",
    "64:ff9b::a00:1": "RFC 1918",  # NAT64 of 10.0.0.1
    "2002:c0a8:0101::1": "RFC 1918",  # 6to4 of 192.168.1.1
    "2001:db8::1": "reserved",  # documentation
    "fd00:ec2::254": "unique local",  # AWS EC2 metadata over IPv6
    "169.254.170.2": "link-local",  # AWS ECS task metadata
    "100.100.100.200": "CGNAT",  # Alibaba Cloud metadata
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "142.250.184.206", "172.32.0.1", "100.128.0.1", "2a00:1450::1"]


@pytest.mark.parametrize(("ip", "kind"), list(REFUSED.items()))
def test_private_addresses_are_refused_with_what_they_are(ip: str, kind: str) -> None:
    reason = AddressGuard().refusal(ip)
    assert reason is not None
    assert reason.startswith("refused: private address ")
    assert reason.endswith(f"({kind})")


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_pass(ip: str) -> None:
    assert AddressGuard().refusal(ip) is None


def test_metadata_address_reason_reads_as_the_issue_says() -> None:
    with pytest.raises(RefusedUrlError) as info:
        AddressGuard().check_address(
            "http://169.254.169.254/", "169.254.169.254", "169.254.169.254"
        )
    assert info.value.reason.startswith("refused: private address 169.254.169.254")
    assert info.value.error_class == "refused"
    assert not info.value.retry_later


@pytest.mark.parametrize(
    "host", ["metadata.google.internal", "METADATA.google.internal.", "metadata", "[::1]"]
)
def test_metadata_names_and_literal_private_hosts_are_refused_before_resolving(host: str) -> None:
    with pytest.raises(RefusedUrlError, match="refused: "):
        AddressGuard.from_setting("::1/128" if host != "[::1]" else "").check_host("u", host)


def test_a_public_name_is_left_to_the_connection_check() -> None:
    AddressGuard().check_host("u", "www.youtube.com")  # no resolution here, no refusal


def test_opt_in_lets_only_its_networks_through() -> None:
    guard = AddressGuard.from_setting("127.0.0.2/32, 10.0.0.0/8,fd00::/8")
    assert guard.refusal("127.0.0.2") is None
    assert guard.refusal("::ffff:127.0.0.2") is None
    assert guard.refusal("10.200.0.1") is None
    assert guard.refusal("fd00::5") is None
    assert guard.refusal("127.0.0.1") == "refused: private address 127.0.0.1 (loopback)"
    assert guard.refusal("169.254.169.254") is not None


def test_a_name_that_resolves_to_a_refused_address_is_named_in_the_reason() -> None:
    with pytest.raises(RefusedUrlError) as info:
        AddressGuard().check_addresses("u", "intranet.example", ["8.8.8.8", "10.0.0.7"])
    assert info.value.reason == (
        "refused: private address 10.0.0.7 (RFC 1918), resolved from intranet.example"
    )


@pytest.mark.parametrize("text", ["", " ", ",", None])
def test_empty_opt_in_allows_nothing(text: str | None) -> None:
    assert parse_networks(text) == ()


@pytest.mark.parametrize("bad", ["127.0.0.0/33", "localhost", "10.0.0.0/8;rm", "::1/200"])
def test_bad_opt_in_names_the_variable_and_the_item(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_networks(f"127.0.0.0/8,{bad}")
    assert info.value.variable == "ALLOW_PRIVATE_URLS"
    assert repr(bad) in info.value.problem
    with pytest.raises(ConfigError, match="ALLOW_PRIVATE_URLS"):
        Config.load(
            worker_name="w", spreadsheet_id="s", sheets_emulator_host="h:1", allow_private_urls=bad
        )


def test_config_default_refuses_private_addresses() -> None:
    config = Config.load(worker_name="w", spreadsheet_id="s", sheets_emulator_host="h:1")
    assert config.url_guard.refusal("127.0.0.1") is not None
    assert address_kind(parse_networks("8.8.8.8")[0].network_address) is None


def test_refusal_is_found_through_yt_dlp_wrappers() -> None:
    from yt_dlp.utils import DownloadError, ExtractorError

    refusal = RefusedUrlError("u", "refused: private address 10.0.0.1 (RFC 1918)")
    wrapped = ExtractorError("Unable to download webpage", cause=refusal)
    try:
        raise DownloadError("ERROR: boom", exc_info=(type(wrapped), wrapped, None))
    except DownloadError as exc:
        assert find_refusal(exc) is refusal
    assert find_refusal(ValueError("other")) is None


VIDEO = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={VIDEO}",
        f"https://youtu.be/{VIDEO}",
        f"https://www.youtube.com/shorts/{VIDEO}",
    ],
)
def test_task_url_of_the_rows_video_passes_under_policy_youtube(url: str) -> None:
    check_task_url(url, VIDEO, "youtube")


@pytest.mark.parametrize(
    ("url", "key", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", VIDEO, "not a YouTube address"),
        ("http://127.0.0.1:8080/clip.mp4", VIDEO, "not a YouTube address"),
        (f"https://www.youtube.com/watch?v={VIDEO}", "aaaaaaaaaaa", "is not the row's video key"),
        (f"https://www.youtube.com/watch?v={VIDEO}", "", "is not the row's video key"),
        ("https://www.youtube.com/playlist?list=PLabcdefgh", VIDEO, "not a YouTube video URL"),
        ("https://www.youtube.com/@somebody", VIDEO, "not a YouTube video URL"),
        ("file:///etc/passwd", VIDEO, "refused: "),
    ],
)
def test_task_url_that_is_not_the_rows_youtube_video_is_refused(
    url: str, key: str, why: str
) -> None:
    with pytest.raises(RefusedUrlError) as info:
        check_task_url(url, key, "youtube")
    assert info.value.reason.startswith("refused: ")
    assert why in info.value.reason


def test_task_url_under_policy_any_must_still_be_http() -> None:
    check_task_url("http://127.0.0.1:8080/clip.mp4", "", "any")  # the handlers' guard decides
    with pytest.raises(RefusedUrlError, match="refused: "):
        check_task_url("javascript:alert(1)", "", "any")
