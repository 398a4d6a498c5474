"""A local Google Sheets API v4 (and Drive v3 subset) emulator, faithful enough for gspread.

Layers: :mod:`~sheets_emulator.httpserver` (HTTP) -> :mod:`~sheets_emulator.app` (routing,
latency, quota, faults, stats, control endpoints) -> ``api_*`` and :mod:`~sheets_emulator.batch`
handlers (plain values in, plain values out) -> :mod:`~sheets_emulator.service` (locks and
transactions) -> :mod:`~sheets_emulator.store` (memory or SQLite). See docs/emulator.md.
"""

from sheets_emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
