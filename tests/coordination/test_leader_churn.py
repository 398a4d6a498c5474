"""A source held by a leader that died is taken over by the next leader at once.

Found by the full chaos run: two sources stayed CLAIMED for 17 minutes. Only the leader reads
Sources, so only the leader's lease clock watched them, and the chaos SIGKILLed the leader
every ~26 s: no leader lived the 30 s lease needed to see a dead claim unchanged for a lease.
Sources are claimed by leaders only, in the batch that renews their leadership, so a source
whose holder no longer leads is held by a deposed leader: dead, or fenced by its term and
about to give it back. The new leader takes it over without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.coordination.enqueue import add_sources
from agent.coordination.leadership import LeaderLease
from agent.coordination.lease import Lease, LeaseState
from agent.schema import (
    LEADER_ELECTION,
    LEADER_ELECTION_NAME,
    SOURCES,
    SOURCES_HISTORY,
    ColumnMap,
)
from agent.sheets.a1 import column_letter, quote_title
from agent.sheets.gateway import SheetsGateway
from tests.coordination.harness import Fleet, header_map, read_tab, wait_for
from tests.sources.helpers import LocalSite, Route

GHOST = "ghost#5e55"  # a leader SIGKILLed in the middle of an expansion
IDS = ["aaaaaaaaaa1", "bbbbbbbbbb2"]


@pytest.fixture
def site() -> Iterator[LocalSite]:
    server = LocalSite()
    frames = "".join(f'<iframe src="https://www.youtube.com/embed/{i}"></iframe>' for i in IDS)
    server.routes["/embeds.html"] = Route(f"<html><title>Two</title><body>{frames}</body></html>")
    server.start()
    yield server
    server.stop()


def _write(
    sheet: SheetsGateway, spec_title: str, cells: dict[str, str], row: int, cmap: ColumnMap
) -> None:
    title = quote_title(spec_title)
    sheet.write_values(
        [(f"{title}!{column_letter(cmap.col(k))}{row}", [[v]]) for k, v in cells.items()]
    )


def _leave_a_dead_leader(sheet: SheetsGateway, url: str) -> None:
    """The sheet as a leader SIGKILLed mid-expansion leaves it: its leadership (term 4) and
    its claim on the source, both renewed a moment ago."""
    (row_id,) = add_sources(sheet, [url])
    claim = Lease(LeaseState.CLAIMED, row_id, 1, GHOST, "1796000000.3")
    cmap = header_map(sheet, SOURCES)
    cells = {"lease": claim.encode(), "status": "CLAIMED", "worker": "ghost", "attempts": "1"}
    _write(sheet, SOURCES.title, cells, 2, cmap)
    _, rows = read_tab(sheet, LEADER_ELECTION)
    assert rows[0]["election_name"] == LEADER_ELECTION_NAME
    leading = LeaderLease(LEADER_ELECTION_NAME, 4, GHOST, 12).encode()
    _write(sheet, LEADER_ELECTION.title, {"lease": leading}, 2, header_map(sheet, LEADER_ELECTION))


def test_a_dead_leaders_source_is_taken_over_without_waiting_a_lease(
    sheet: SheetsGateway, fleet: Fleet, site: LocalSite
) -> None:
    url = site.url("/embeds.html")
    _leave_a_dead_leader(sheet, url)
    # A source lease far longer than this test waits; leadership passes in a few seconds.
    settings = {"LEASE_SECONDS": "600", "LEADER_LEASE_SECONDS": "5", "HEARTBEAT_SECONDS": "1"}
    fleet.start("next-leader", burst=False, **settings)
    agent = fleet.agents[0]
    wait_for(lambda: "became leader" in agent.output(), 30, "a new leader")
    assert "became leader, term 5" in agent.output(), agent.output()[-3000:]
    wait_for(lambda: bool(read_tab(sheet, SOURCES_HISTORY)[1]), 60, "the source to be expanded")
    output = agent.output()
    fleet.stop(grace_s=30)
    _, done = read_tab(sheet, SOURCES_HISTORY)
    assert [(r["url"], r["video_count"]) for r in done] == [(url, "2")]
    assert "who lost the leadership" in output, output[-3000:]
