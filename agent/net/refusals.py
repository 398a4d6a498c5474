"""Finding the guard's refusal in the exception chain yt-dlp builds (without importing yt-dlp)."""

from __future__ import annotations

from agent.errors import RefusedUrlError


def find_refusal(exc: BaseException | None) -> RefusedUrlError | None:
    """The refusal somewhere in ``exc``'s chain, or None.

    yt-dlp wraps errors in ``DownloadError`` (the cause in ``exc_info``), ``ExtractorError`` and
    ``RequestError`` (in ``cause``); Python's ``__cause__`` and ``__context__`` are walked too.
    :class:`agent.net.transport.RefusedRequest` carries the refusal as ``refusal``.
    """
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, RefusedUrlError):
            return current
        carried = getattr(current, "refusal", None)
        if isinstance(carried, RefusedUrlError):
            return carried
        exc_info = getattr(current, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1:
            pending.append(exc_info[1])
        pending.extend([getattr(current, "cause", None), current.__cause__, current.__context__])
    return None
