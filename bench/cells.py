"""``python -m bench.cells [TASKS]``: the cells a spreadsheet uses per finished task, measured.

Google counts every cell of every tab's grid against the 10-million-cell limit, empty or not.
This makes a spreadsheet as `orc init` does, appends TASKS History rows (and as many Archive
rows, as rotation would leave them) through the agent's own gateway, and reads the grids' sizes
back from the emulator's metadata: the figures docs/protocol.md quotes.
"""

from __future__ import annotations

import sys

from sheets_emulator import EmulatorServer

from agent.coordination.layout import init_spreadsheet
from agent.schema import TASKS_ARCHIVE, TASKS_HISTORY
from agent.sheets.client import make_client
from agent.sheets.gateway import SheetsGateway
from agent.sheets.table import read_maps

OPEN = 10_000_000  # requests per minute: the measurement never paces itself


def grid_cells(gateway: SheetsGateway) -> dict[str, int]:
    """rowCount x columnCount of every tab, from one metadata read."""
    gateway.refresh()
    return {t.title: t.row_count * t.column_count for t in gateway.tabs.values()}


def measure(tasks: int) -> dict[str, int]:
    """Cells of each tab before and after ``tasks`` History rows and ``tasks`` Archive rows."""
    with EmulatorServer() as server:
        client = make_client(
            user="bench-cells",
            emulator_host=server.host_port,
            read_per_minute=OPEN,
            write_per_minute=OPEN,
            token="bench-cells",  # noqa: S106 (an emulator account name, not a secret)
        )
        gateway = SheetsGateway(client, client.create("cells").id)
        init_spreadsheet(gateway)
        before = grid_cells(gateway)
        empty = sum(before.values())
        history, archive = read_maps(gateway, [TASKS_HISTORY, TASKS_ARCHIVE])
        for start in range(0, tasks, 20_000):
            count = min(20_000, tasks - start)
            rows = [
                history.row_from(
                    {
                        "id": f"id-{start + i}",
                        "url": f"https://youtu.be/{i:011d}",
                        "name": f"video {i}",
                        "status": "DONE",
                        "attempts": "1",
                        "video_key": f"{i:011d}",
                        "completed_at": "2026-12-01T10:00:00Z",
                    }
                )
                for i in range(count)
            ]
            gateway.append(TASKS_HISTORY.title, rows)
            archived = [
                archive.row_from(
                    {
                        "id": f"id-{start + i}",
                        "video_key": f"{i:011d}",
                        "completed_at": "2026-12-01T10:00:00Z",
                    }
                )
                for i in range(count)
            ]
            gateway.append(TASKS_ARCHIVE.title, archived)
        after = grid_cells(gateway)
    return {
        "empty spreadsheet": empty,
        "Tasks History": after[TASKS_HISTORY.title],
        "Tasks Archive": after[TASKS_ARCHIVE.title],
        "all tabs": sum(after.values()),
        "History per task": round(
            (after[TASKS_HISTORY.title] - before[TASKS_HISTORY.title]) / tasks
        ),
        "Archive per task": round(
            (after[TASKS_ARCHIVE.title] - before[TASKS_ARCHIVE.title]) / tasks
        ),
    }


def main() -> None:
    """Print the figures."""
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"{tasks:,} finished tasks")
    for name, cells in measure(tasks).items():
        print(f"{name:<20} {cells:>12,} cells")


if __name__ == "__main__":
    main()
