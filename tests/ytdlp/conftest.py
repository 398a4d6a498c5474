"""Fixtures for the yt-dlp tests: a local site on 127.0.0.1, an output directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sources.helpers import LocalSite


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
