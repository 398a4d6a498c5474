"""The check a task's URL passes before any callback sees it: a task row is checked like a source.

Anyone who can edit the spreadsheet can type a task row or change a queued row's URL. Under
``SOURCE_URL_POLICY=youtube`` the URL must be a YouTube video URL whose video id is the row's
``Video Key`` (what the leader wrote when it queued the video); under ``any`` it must pass
:func:`~agent.sources.urls.classify_url` (http or https, well formed). Where the URL's address
may be fetched is then the built-in handlers' guard's to decide (:mod:`agent.net`).
"""

from __future__ import annotations

from agent.errors import InvalidUrlError, RefusedUrlError
from agent.sources.urls import Policy, classify_url, youtube_id


def check_task_url(url: str, row_video_key: str, policy: Policy) -> None:
    """Raise :class:`~agent.errors.RefusedUrlError` when the task row's URL must not be run."""
    try:
        ref = classify_url(url, policy)
    except InvalidUrlError as exc:
        raise RefusedUrlError(url[:200], f"refused: {exc.reason}") from None
    if policy != "youtube":
        return
    video_id = youtube_id(ref.url) if ref.kind == "video" else None
    if video_id is None:
        raise RefusedUrlError(url[:200], "refused: not a YouTube video URL (policy youtube)")
    if video_id != row_video_key.strip():
        raise RefusedUrlError(
            url[:200],
            f"refused: the URL's video {video_id} is not the row's video key "
            f"{row_video_key.strip()[:40]!r}",
        )
