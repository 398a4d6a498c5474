"""Failures by kind, from real yt-dlp's own YouTube extractor against YouTube-shaped answers.

Each page is what YouTube sends for that case, in the shape yt-dlp's ``_video.py`` reads; the
message the classifier sees is the one yt-dlp builds from it (with its own hints appended).
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
import yt_dlp

from agent import handlers
from agent.tasks.failures import (
    Disposition,
    ErrorClass,
    TaskTimeoutError,
    classify_task_failure,
    message_class,
)
from agent.ytdlp.params import HandlerSettings, handler_params, open_ydl
from tests.ytdlp.youtube_site import LOOPBACK_GUARD, FakeYoutube, Video, playability

VID = "dQw4w9WgXcQ"
WATCH = f"https://www.youtube.com/watch?v={VID}"

# (class, disposition, the video as the site serves it)
CASES: dict[str, tuple[ErrorClass, Disposition, Video]] = {
    "bot_check": (
        ErrorClass.BOT_CHECK,
        Disposition.RELEASE,
        Video(
            playability(
                "LOGIN_REQUIRED",
                "Sign in to confirm you\u2019re not a bot",
                "This helps protect our community. Learn more",
            )
        ),
    ),
    "captcha": (
        ErrorClass.BOT_CHECK,
        Disposition.RELEASE,
        Video(playability("LOGIN_REQUIRED", "Please complete the check", captcha=True)),
    ),
    "http_429": (ErrorClass.RATE_LIMITED, Disposition.RELEASE, Video(http_status=429)),
    "try_again_later": (
        ErrorClass.RATE_LIMITED,
        Disposition.RELEASE,
        Video(playability("UNPLAYABLE", "This content isn't available, try again later.")),
    ),
    "private": (
        ErrorClass.PRIVATE,
        Disposition.DEAD_LETTER,
        Video(
            playability(
                "LOGIN_REQUIRED",
                "Private video",
                "Sign in if you've been granted access to this video",
            )
        ),
    ),
    "removed": (
        ErrorClass.REMOVED,
        Disposition.DEAD_LETTER,
        Video(
            playability("ERROR", "Video unavailable", "This video has been removed by the uploader")
        ),
    ),
    "members_only": (
        ErrorClass.MEMBERS_ONLY,
        Disposition.DEAD_LETTER,
        Video(
            playability(
                "UNPLAYABLE",
                "Join this channel to get access to members-only content like this video, "
                "and other exclusive perks.",
            )
        ),
    ),
    "age_restricted": (
        ErrorClass.AGE_RESTRICTED,
        Disposition.DEAD_LETTER,
        Video(
            playability(
                "LOGIN_REQUIRED",
                "Sign in to confirm your age",
                "This video may be inappropriate for some users.",
            )
        ),
    ),
    "geo_blocked": (
        ErrorClass.GEO_BLOCKED,
        Disposition.DEAD_LETTER,
        Video(
            playability(
                "UNPLAYABLE",
                "Video unavailable",
                "The uploader has not made this video available in your country",
            )
        ),
    ),
    "server_error": (ErrorClass.SERVER_ERROR, Disposition.RETRY, Video(http_status=503)),
}


def extract(params: dict[str, Any]) -> BaseException:
    """What real yt-dlp raises for the watch URL with the handlers' parameters."""
    settings = HandlerSettings(extra_params=params, guard=LOOPBACK_GUARD)
    ydl_params = handler_params(settings, {"skip_download": True})
    with (
        pytest.raises(yt_dlp.utils.YoutubeDLError) as info,
        open_ydl(ydl_params, settings) as ydl,
    ):
        ydl.extract_info(WATCH, download=False)
    return info.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_youtube_answer_is_classified(youtube: FakeYoutube, case: str) -> None:
    error_class, disposition, video = CASES[case]
    youtube.videos[VID] = video
    failure = classify_task_failure(extract(youtube.params()))
    assert failure.error_class is error_class, failure.reason
    assert failure.disposition is disposition
    assert failure.counts_attempt is (disposition is Disposition.RETRY)
    assert failure.fleet_cooldown is (
        error_class in (ErrorClass.BOT_CHECK, ErrorClass.RATE_LIMITED)
    )
    assert VID in failure.reason and not failure.reason.startswith("ERROR")
    assert "GET /watch" in youtube.requests  # yt-dlp's YouTube extractor asked our site


def test_bot_check_reason_keeps_ytdlp_hint(youtube: FakeYoutube) -> None:
    youtube.videos[VID] = CASES["bot_check"][2]
    failure = classify_task_failure(extract(youtube.params()))
    assert "not a bot" in failure.reason
    assert "--cookies" in failure.reason  # yt-dlp's own login hint, appended by _video.py


def test_network_failure_is_retried(youtube: FakeYoutube) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    failure = classify_task_failure(extract({**youtube.params(), "proxy": dead, "retries": 0}))
    assert failure.error_class is ErrorClass.NETWORK, failure.reason
    assert failure.disposition is Disposition.RETRY


def test_handler_failure_is_classified_through_the_handler(
    youtube: FakeYoutube, routed: HandlerSettings
) -> None:
    youtube.videos[VID] = CASES["private"][2]
    with pytest.raises(yt_dlp.utils.DownloadError) as info:
        handlers.metadata(WATCH)
    assert classify_task_failure(info.value).error_class is ErrorClass.PRIVATE


def test_callback_error_and_timeout() -> None:
    own = classify_task_failure(KeyError("transcript"))
    assert own.error_class is ErrorClass.CALLBACK
    assert own.reason == "KeyError: 'transcript'"
    assert own.disposition is Disposition.RETRY
    timeout = classify_task_failure(TaskTimeoutError(30))
    assert timeout.error_class is ErrorClass.TIMEOUT
    assert "TASK_TIMEOUT_SECONDS=30" in timeout.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sign in to confirm you’re not a bot", ErrorClass.BOT_CHECK),
        ("Sign in to confirm you're not a bot", ErrorClass.BOT_CHECK),
        ("This video is available to this channel's members on level: X", ErrorClass.MEMBERS_ONLY),
        ("This live event will begin in 3 hours.", ErrorClass.UPCOMING),
        (
            "Video unavailable. This video is no longer available because the YouTube account "
            "associated with this video has been terminated.",
            ErrorClass.REMOVED,
        ),
        ("Unsupported URL: https://example.com/", None),
    ],
)
def test_message_rules(text: str, expected: ErrorClass | None) -> None:
    assert message_class(text) is expected
