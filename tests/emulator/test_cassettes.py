"""Fidelity measured, not assumed: gspread's recorded Google traffic replayed on the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sheets_emulator import EmulatorServer

from agent.sheets.retry import RetryPolicy
from tests.conftest import ClientFactory
from tests.emulator.cassette_replay import EXCLUDED, Result, replay

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / ".." / "shared" / "reference" / "gspread-cassettes"


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.json")) if CASSETTES.is_dir() else []


def test_replay_gspread_cassettes(
    emulator: EmulatorServer, gclient_factory: ClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _cassettes()
    if not files:
        pytest.skip(f"no cassettes at {CASSETTES.resolve()} (the shared/ folder beside the clone)")
    client = gclient_factory(policy=RetryPolicy(max_tries=1))
    results: list[Result] = []
    for path in files:
        emulator.reset()
        results.append(replay(client, path))
    claimed = [r for r in results if r.name not in EXCLUDED]
    total = sum(r.total for r in results)
    matched = sum(r.matched for r in results)
    passed = sum(1 for r in results if r.passed)
    with capsys.disabled():
        print(
            f"\ncassette replay: {matched}/{total} interactions match ({matched / total:.1%}); "
            f"{passed}/{len(results)} cassettes match entirely ({passed / len(results):.1%}); "
            f"{len(EXCLUDED)} excluded: {', '.join(sorted(EXCLUDED))}"
        )
    failures = [r for r in claimed if not r.passed]
    report = "\n".join(
        f"{r.name}: {r.matched}/{r.total}\n  " + "\n  ".join(map(str, r.mismatches[:3]))
        for r in failures
    )
    assert not failures, f"{len(failures)} cassette(s) differ:\n{report}"
