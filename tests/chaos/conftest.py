"""Fixtures of the chaos tests: the coordination tests' fresh spreadsheet."""

from __future__ import annotations

from tests.coordination.conftest import sheet

__all__ = ["sheet"]
