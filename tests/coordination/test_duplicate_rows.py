"""One task in two rows: never claimed twice, and one of the rows is removed.

It happens for real: an append whose answer was lost is sent again and both copies land; a
person copies a row; a requeue's append lands late beside the row it replaced. The two rows have
the same ID, and their leases may differ (here: their attempt counts).
"""

from __future__ import annotations

from agent.schema import TASKS, TASKS_HISTORY
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, check_drained, overlaps, read_tab, seed_tasks


def _duplicate_with_other_attempts(sheet: SheetsGateway, index: int) -> str:
    """Append a copy of the ``index``-th task row whose lease counts one more attempt."""
    (values,) = sheet.read([f"{quote_title(TASKS.title)}!A1:ZZ"])
    header, row = values[0], list(values[1 + index])
    lease_col = header.index("Lease")
    row += [""] * (len(header) - len(row))
    state, row_id, attempts, *rest = row[lease_col].split("|")
    row[lease_col] = "|".join([state, row_id, str(int(attempts) + 1), *rest])
    sheet.append(TASKS.title, [row])
    return row_id


def test_a_task_in_two_rows_runs_once_and_one_row_goes(sheet: SheetsGateway, fleet: Fleet) -> None:
    ids = set(seed_tasks(sheet, 6))
    doubled = {_duplicate_with_other_attempts(sheet, i) for i in range(3)}
    for n in range(3):
        fleet.start(f"agent-{n}", CLAIM_BATCH="2", HANDLER_SLEEP_S="1")
    fleet.wait_all(timeout_s=120)
    check_drained(sheet, ids)
    assert overlaps(fleet.task_log) == []
    starts = [line for line in fleet.task_log.read_text().splitlines() if '"start"' in line]
    assert len(starts) == len(ids), f"{len(starts)} executions of {len(ids)} tasks"
    _, history = read_tab(sheet, TASKS_HISTORY)
    assert sorted(r["id"] for r in history) == sorted(ids)
    assert doubled <= {r["id"] for r in history}
