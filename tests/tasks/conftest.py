"""Fixtures for the task tests: a local web site on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

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
