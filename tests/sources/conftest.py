"""Fixtures for the sources tests: a real HTTP server on 127.0.0.1 and a synthetic catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.sources import ExpandOptions
from agent.sources.synthetic import Catalog
from tests.sources.helpers import LOOPBACK_ALLOWED, LocalSite


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A local web site for yt-dlp's generic extractor, stopped at the end of the test."""
    server = LocalSite()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def any_options() -> ExpandOptions:
    """Options of policy ``any`` (local pages, 127.0.0.0/8 opted in), short timeouts."""
    return ExpandOptions(policy="any", socket_timeout=2.0, url_guard=LOOPBACK_ALLOWED)


@pytest.fixture
def catalog() -> Catalog:
    """An empty catalog of YouTube-shaped results."""
    return Catalog()
