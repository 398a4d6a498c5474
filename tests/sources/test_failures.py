"""Error classification: retry later (bot checks, throttling, transport) or dead letter."""

from __future__ import annotations

import pytest
from yt_dlp.networking.exceptions import CertificateVerifyError, HTTPError, TransportError
from yt_dlp.utils import DownloadError, ExtractorError, UnsupportedError

from agent.errors import SourceError
from agent.schema import MAX_CELL_CHARS
from agent.sources import ExpansionError, classify_failure, expand_source
from agent.sources.failures import PAUSES, clean_reason, exception_chain
from agent.sources.synthetic import Catalog, flat_video, synthetic_id
from tests.sources.helpers import synthetic_options

URL = "https://www.youtube.com/playlist?list=PLfailure0001"
BOT = (
    "Sign in to confirm you\u2019re not a bot. Use --cookies-from-browser or --cookies for the "
    "authentication. See https://github.com/yt-dlp/yt-dlp/wiki/FAQ for how to pass cookies."
)
RATE = (
    "This content isn't available, try again later. The current session has been rate-limited "
    "by YouTube for up to an hour."
)


@pytest.mark.parametrize(
    ("message", "category"),
    [
        (BOT, "bot_check"),
        ("Sign in to confirm you're not a bot", "bot_check"),
        ("YouTube is requiring a captcha challenge before playback", "bot_check"),
        (RATE, "rate_limited"),
        ("Unable to download API page: HTTP Error 429: Too Many Requests", "too_many_requests"),
        ("The playlist does not exist.", "permanent"),
        ("This playlist is private", "permanent"),
        ("This channel does not have a videos tab", "permanent"),
        ("Private video. Sign in if you've been granted access to this video", "permanent"),
        ("Sign in to confirm your age", "permanent"),
    ],
)
def test_extractor_messages_through_ytdlp(message: str, category: str) -> None:
    catalog = Catalog()
    catalog.add_playlist("PLfailure0001", "x", [flat_video(synthetic_id(1), "x")])
    catalog.fail(URL, message)
    with pytest.raises(ExpansionError) as info:
        expand_source(URL, synthetic_options(catalog))
    error = info.value
    assert isinstance(error, SourceError)
    assert error.category == category
    assert error.retry_later is (category != "permanent")
    assert error.pause_s == PAUSES[category]
    assert message.split(".")[0] in error.reason
    assert error.url == URL


def test_bot_check_on_a_channel_tab_is_not_mistaken_for_a_missing_tab() -> None:
    catalog = Catalog()
    from agent.sources.synthetic import SyntheticChannel

    root = catalog.add_channel("@c", SyntheticChannel("C", "UC" + "x" * 22, {"videos": []}))
    catalog.fail(f"{root}/videos", BOT)
    with pytest.raises(ExpansionError) as info:
        expand_source(root, synthetic_options(catalog, include_shorts=False))
    assert info.value.retry_later


def _download_error(cause: BaseException, message: str) -> DownloadError:
    """Build the exception as yt-dlp does: an ExtractorError caused by ``cause``, wrapped."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise ExtractorError(message, cause=inner, ie="generic", video_id="x") from inner
    except ExtractorError as outer:
        return DownloadError(f"ERROR: {outer}", outer.exc_info)


def _http_error(status: int, reason: str) -> HTTPError:
    class _Response:
        def __init__(self) -> None:
            self.status, self.reason, self.url = status, reason, "http://x"
            self.headers: dict[str, str] = {}

        def close(self) -> None:
            return None

    return HTTPError(_Response())


@pytest.mark.parametrize(
    ("cause", "category"),
    [
        (_http_error(429, "Too Many Requests"), "too_many_requests"),
        (_http_error(503, "Service Unavailable"), "server_error"),
        (_http_error(404, "Not Found"), "permanent"),
        (_http_error(403, "Forbidden"), "permanent"),
        (TransportError("Connection reset by peer"), "transport"),
        (TimeoutError("The read operation timed out"), "transport"),
        (CertificateVerifyError("certificate verify failed"), "permanent"),
        (UnsupportedError("http://x/plain.html"), "permanent"),
    ],
)
def test_walks_the_exception_chain(cause: BaseException, category: str) -> None:
    error = classify_failure(URL, _download_error(cause, "Unable to download webpage"))
    assert error.category == category


def test_chain_walk_visits_exc_info_cause_and_context() -> None:
    root = TransportError("refused")
    wrapped = _download_error(root, "Unable to download webpage")
    chain = list(exception_chain(wrapped))
    assert chain[0] is wrapped
    assert root in chain
    assert len(chain) == len({id(e) for e in chain})


def test_reasons_are_cleaned_and_capped() -> None:
    assert clean_reason("\x1b[0;31mERROR:\x1b[0m [generic] x: boom") == "[generic] x: boom"
    assert clean_reason("ERROR: oops; please report this issue on https://x, see y") == "oops"
    long = clean_reason("ERROR: " + "y" * (MAX_CELL_CHARS + 10))
    assert len(long) == MAX_CELL_CHARS


def test_classifying_an_expansion_error_returns_it() -> None:
    error = ExpansionError(URL, "no videos found", category="permanent")
    assert classify_failure(URL, error) is error
    assert not error.retry_later and error.pause_s == 0


def test_unexpected_ytdlp_exception_becomes_a_dead_letter() -> None:
    catalog = Catalog()
    broken = {"_type": "url", "ie_key": "Youtube", "title": "no url field"}
    url = catalog.add_playlist("PLbroken0001", "Broken", [broken])
    with pytest.raises(ExpansionError) as info:
        expand_source(url, synthetic_options(catalog))
    assert not info.value.retry_later
    assert info.value.category == "permanent"
    assert info.value.reason == "yt-dlp failed: KeyError: 'url'"
