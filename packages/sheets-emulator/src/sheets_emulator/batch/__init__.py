"""``spreadsheets.batchUpdate`` request handlers, one module per family."""

from sheets_emulator.batch import cells as cells  # registers handlers
from sheets_emulator.batch import ranges as ranges
from sheets_emulator.batch import search as search
from sheets_emulator.batch import sheets as sheets
from sheets_emulator.batch.registry import HANDLERS, KNOWN_KINDS, BatchContext

__all__ = ["HANDLERS", "KNOWN_KINDS", "BatchContext"]
