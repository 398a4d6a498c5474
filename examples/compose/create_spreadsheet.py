"""Create the compose fleet's spreadsheet in the emulator once; write its ID to a file.

Usage: ``python create_spreadsheet.py PATH`` with ``SHEETS_EMULATOR_HOST`` set. When PATH
already names a spreadsheet the emulator has, nothing is created (a restarted fleet keeps its
data). ``orc init`` then creates the tabs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import gspread

from agent.sheets.client import make_client


def main(argv: list[str]) -> int:
    """Create (or find) the spreadsheet and write its ID to ``argv[0]``."""
    if len(argv) != 1:
        print("usage: create_spreadsheet.py PATH", file=sys.stderr)
        return 2
    target = Path(argv[0])
    client = make_client(user="compose-setup")
    if target.exists():
        try:
            client.open_by_key(target.read_text(encoding="utf-8").strip())
            return 0
        except gspread.exceptions.SpreadsheetNotFound:
            pass
    spreadsheet = client.create("orc compose fleet")
    target.write_text(spreadsheet.id + "\n", encoding="utf-8")
    print(f"created spreadsheet {spreadsheet.id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
