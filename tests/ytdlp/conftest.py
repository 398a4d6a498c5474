"""Fixtures for the yt-dlp tests: local sites on 127.0.0.1 (plain, YouTube-shaped), OUTPUT_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.ytdlp.options import YtdlpOptions
from agent.ytdlp.params import HandlerSettings, configure
from tests.sources.helpers import LocalSite
from tests.ytdlp.youtube_site import LOOPBACK_GUARD, FakeYoutube, make_certificate


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A local web site, stopped at the end of the test."""
    server = LocalSite()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``OUTPUT_DIR`` for the handlers, under the test's temporary directory."""
    out = tmp_path / "out"
    monkeypatch.setenv("OUTPUT_DIR", str(out))
    return out


@pytest.fixture(scope="session")
def youtube_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for YouTube's host names, made once per run."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def youtube(youtube_cert: tuple[Path, Path]) -> Iterator[FakeYoutube]:
    """A YouTube-shaped site behind a proxy on 127.0.0.1 (see ``youtube_site``)."""
    fake = FakeYoutube(youtube_cert)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def routed(youtube: FakeYoutube, output_dir: Path) -> Iterator[HandlerSettings]:
    """Handler settings that send yt-dlp to ``youtube``, installed for the handlers."""
    settings = HandlerSettings(
        output_dir=output_dir,
        extra_params=youtube.params(),
        options=YtdlpOptions(),
        guard=LOOPBACK_GUARD,
    )
    configure(settings)
    try:
        yield settings
    finally:
        configure(None)
