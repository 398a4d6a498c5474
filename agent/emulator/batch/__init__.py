"""``spreadsheets.batchUpdate`` request handlers, one module per family."""

from agent.emulator.batch import cells as cells  # registers handlers
from agent.emulator.batch import ranges as ranges
from agent.emulator.batch import search as search
from agent.emulator.batch import sheets as sheets
from agent.emulator.batch.registry import HANDLERS, KNOWN_KINDS, BatchContext

__all__ = ["HANDLERS", "KNOWN_KINDS", "BatchContext"]
