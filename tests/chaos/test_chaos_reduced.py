"""The chaos scenario, reduced to fit the normal test command (about two and a half minutes).

3 agents x 2 on ONE account (Google's quotas x3 for it), ~230 tasks from 3 YouTube-shaped
playlists (one appended by the person) plus a removed one, some of them long downloads that
outlast the lease; an emulator process with ``--quota`` and ``--fault-rate`` and late writes
armed on the fleet's lease writes; one SIGKILL of the leader and its restart, one SIGTERM
(during a long download when one runs), Workers protected by the owner for a while, the
emulator SIGKILLed and restarted on the same data, a person process editing the sheet (rows,
blank blocks, columns left of Lease, a filter, sorts, clears). The same guarantees as
``make chaos``.

It used to fail about one run in four. Three bugs were behind it, each now pinned by a test of
its own: a source stranded by a leader whose task append failed while the emulator was down
(``tests/coordination/test_sheets_outage.py``), the dedup index trusting an append that never
landed (same file), and a tombstone repeated after an ambiguous write onto a task requeued in
between (``tests/chaos/test_requeue_race.py``).
"""

from __future__ import annotations

import pytest

from tests.chaos.processes import workdir_for
from tests.chaos.run import ChaosRun
from tests.chaos.settings import ChaosSettings


@pytest.mark.slow
@pytest.mark.timeout(600)  # the scenario's own limit is 360 s, then the audit
def test_reduced_chaos_keeps_every_guarantee() -> None:
    settings = ChaosSettings.reduced(seed=7)
    with workdir_for(None) as workdir:  # outside pytest's /tmp basetemp, which others prune
        run = ChaosRun(settings, workdir)
        report = run.run()
    print(report.text())
    # Lapses of live holders are measured since this session and are not yet always 0 (issue
    # 13 stays open for them): every other guarantee fails the test; a lapse alone marks it
    # xfail, named, at the end.
    others = [v for v in report.violations if not v.startswith("lease lapse of a live holder")]
    assert not others, "\n".join(others)
    f = report.figures
    assert f["tasks lost (must be 0)"] == 0
    assert f["History duplicates (must be 0)"] == 0
    assert f["overlapping executions (must be 0)"] == 0
    assert run.leases.claims_seen() > 0
    assert run.emulator.fired_faults(), "the armed late writes fired"
    assert "removed" in run.protection
    assert f["fleet account (agents on one identity)"].startswith("3 agents on 'chaos-fleet'")
    assert (
        f["tasks done (Tasks History)"] + f["tasks dead-lettered (Tasks DLQ)"]
        == f["tasks created (distinct)"]
    )
    assert len(run.killed) == 1 and "(the leader)" in " ".join(e.what for e in run.events)
    assert run.sigterm.get("exit_code") == 0
    assert run.emulator.lives == 2
    assert not run.unexpected_exits, run.unexpected_exits
    if f["lease lapses of live holders (must be 0)"]:
        pytest.xfail(f"lease lapses of live holders (issue 13, open): {run.leases.lapses}")


def test_chaos_catalog_is_the_same_in_every_process() -> None:
    """Agents rebuild the catalog from the environment: same settings, same tasks."""
    settings = ChaosSettings.reduced(seed=3)
    catalog = settings.catalog
    again = type(catalog)(**{k: int(v) for k, v in _numbers(catalog.environment()).items()})
    urls = catalog.initial_urls() + catalog.late_urls()
    assert again.task_ids(urls) == catalog.task_ids(urls)
    assert len(catalog.task_ids(urls)) == 80 + 2 * (80 - 3)


def _numbers(environment: dict[str, str]) -> dict[str, str]:
    names = {"CHAOS_SEED": "seed", "CHAOS_SOURCES": "sources", "CHAOS_VIDEOS": "videos"}
    names["CHAOS_LATE"] = "late"
    return {names[k]: v for k, v in environment.items() if k in names}
