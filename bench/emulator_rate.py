"""The emulator's own speed, so that the other figures are known to measure the agent.

Runs :func:`bench.emulator_throughput.main` (owned by the emulator's engineer) with its
own command line and reads the requests per second it prints.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys

from bench import emulator_throughput
from bench.report import Section

_LINE = re.compile(r"^\s+(?P<label>.+?)\s+(?P<rate>[\d,.]+) requests/s\s*$")
GOAL_PER_S = 500.0


def run(quick: bool) -> Section:
    """Requests per second for the three mixes, as table rows."""
    section = Section("emulator")
    argv = ["bench.emulator_throughput", "--seconds", "1" if quick else "5"]
    saved, buffer = sys.argv, io.StringIO()
    try:
        sys.argv = argv
        with contextlib.redirect_stdout(buffer):
            emulator_throughput.main()
    finally:
        sys.argv = saved
    text = buffer.getvalue()
    rates: dict[str, float] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            rates[match.group("label")] = float(match.group("rate").replace(",", ""))
    section.data = {"command": " ".join(["python -m", *argv]), "output": text, "rates": rates}
    header = text.splitlines()[0] if text else ""
    for label, rate in rates.items():
        section.add(label, f"{rate:,.0f} requests/s", f">= {GOAL_PER_S:g}/s", rate >= GOAL_PER_S)
    if header:
        section.notes.append(header)
    return section
