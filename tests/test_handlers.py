"""Built-in callbacks against a real local server: noop, metadata, download; refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import handlers
from agent.errors import AgentError
from tests.sources.helpers import LOOPBACK_OPT_IN, LocalSite, Route

CLIP = "FAKEVIDEO" * 512


@pytest.fixture
def media_site() -> Iterator[LocalSite]:
    site = LocalSite()
    site.routes["/clip.mp4"] = Route(CLIP, content_type="video/mp4")
    site.start()
    yield site
    site.stop()


@pytest.fixture
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "out"
    monkeypatch.setenv("OUTPUT_DIR", str(out))
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", LOOPBACK_OPT_IN)  # the media site is on 127.0.0.1
    return out


def test_noop_does_nothing() -> None:
    assert handlers.noop("https://example.test/v") is None


def test_metadata_writes_info_json(media_site: LocalSite, output_dir: Path) -> None:
    path = handlers.metadata(media_site.url("/clip.mp4"))
    assert path.parent == output_dir.resolve()
    info = json.loads(path.read_text(encoding="utf-8"))
    assert info["id"] == "clip"
    assert info["url"] == media_site.url("/clip.mp4")


def test_download_saves_the_file_under_output_dir(media_site: LocalSite, output_dir: Path) -> None:
    handlers.download(media_site.url("/clip.mp4"))
    files = list(output_dir.iterdir())
    assert [f.name for f in files] == ["clip.mp4"]
    assert files[0].read_text() == CLIP


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "--exec=rm -rf /", "ftp://x/y"]
)
def test_handlers_refuse_anything_but_http(url: str, output_dir: Path) -> None:
    with pytest.raises(AgentError, match="only http"):
        handlers.download(url)
    with pytest.raises(AgentError, match="only http"):
        handlers.metadata(url)
    assert not output_dir.exists() or not list(output_dir.iterdir())
