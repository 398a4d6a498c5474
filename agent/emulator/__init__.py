"""A local Google Sheets API v4 (and Drive v3 subset) emulator. Being built (issue 2)."""
