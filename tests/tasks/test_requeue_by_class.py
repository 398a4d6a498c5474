"""``orc requeue tasks --error-class CLASS``: only that class goes back, found by ID."""

from __future__ import annotations

from agent.schema import TASKS, TASKS_DLQ, ColumnMap
from agent.sheets.a1 import quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import read_tab
from tests.hostile.conftest import OrcRunner, orc, sheet  # noqa: F401  (fixtures)

ROWS = [("t-1", "rate_limited"), ("t-2", "private"), ("t-3", "rate_limited"), ("t-4", "")]


def seed_dlq(gateway: SheetsGateway) -> None:
    (header,) = gateway.read([f"{quote_title(TASKS_DLQ.title)}!1:1"])
    cmap = ColumnMap(TASKS_DLQ, header[0])
    rows = [
        cmap.row_from(
            {
                "id": row_id,
                "url": f"https://www.youtube.com/watch?v={row_id:0>11}",
                "status": "FAILED",
                "error": f"{error_class or 'old'} failure",
                "error_class": error_class,
                "attempts": "3",
                "video_key": f"{row_id:0>11}",
            }
        )
        for row_id, error_class in ROWS
    ]
    gateway.append(TASKS_DLQ.title, [["" if v is None else v for v in r] for r in rows])


def test_requeue_by_error_class(orc: OrcRunner, sheet: SheetsGateway) -> None:  # noqa: F811
    seed_dlq(sheet)
    env = {"SPREADSHEET_ID": sheet.spreadsheet_id}
    done = orc("requeue", "tasks", "--error-class", "rate_limited", env=env)
    assert done.code == 0, done.out + done.err
    assert sorted(done.out.split()) == sorted(["requeued", "t-1", "requeued", "t-3"])
    _, queued = read_tab(sheet, TASKS)
    _, dead = read_tab(sheet, TASKS_DLQ)
    assert sorted(r["id"] for r in queued) == ["t-1", "t-3"]
    assert all(r["status"] == "PENDING" and r["attempts"] == "0" for r in queued)
    assert sorted((r["id"], r["error_class"]) for r in dead) == [("t-2", "private"), ("t-4", "")]


def test_error_class_is_checked_and_exclusive(orc: OrcRunner, sheet: SheetsGateway) -> None:  # noqa: F811
    env = {"SPREADSHEET_ID": sheet.spreadsheet_id}
    assert orc("requeue", "tasks", "--error-class", "nonsense", env=env).code == 2
    assert orc("requeue", "tasks", "--all", "--error-class", "private", env=env).code == 2
    assert orc("requeue", "sources", "--error-class", "private", env=env).code == 2
