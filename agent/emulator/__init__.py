"""A local Google Sheets API v4 (and Drive v3 subset) emulator, faithful enough for gspread.

Layers: :mod:`~agent.emulator.httpserver` (HTTP) -> :mod:`~agent.emulator.app` (routing,
latency, quota, faults, stats, control endpoints) -> ``api_*`` and :mod:`~agent.emulator.batch`
handlers (plain values in, plain values out) -> :mod:`~agent.emulator.service` (locks and
transactions) -> :mod:`~agent.emulator.store` (memory or SQLite). See docs/emulator.md.
"""

from agent.emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
