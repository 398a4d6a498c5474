"""Lease cells: encoding, parsing, transitions, and the CAS pattern built from them."""

from __future__ import annotations

import re

import pytest

from agent.coordination.cas import cas_request, java_regex_literal, java_replacement_literal
from agent.coordination.lease import Lease, LeaseParseError, LeaseState, parse_lease, pending
from agent.schema import pending_lease


def test_pending_lease_matches_the_schema_template() -> None:
    assert pending("abc").encode() == pending_lease("abc") == "PENDING|abc|0|-|0"


def test_round_trip_and_transitions() -> None:
    lease = pending("3f2a").claimed_by("w1#s1", now_s=1_700_000_000)
    assert lease.encode() == "CLAIMED|3f2a|1|w1#s1|1700000000.0"
    assert parse_lease(lease.encode()) == lease
    renewed = lease.renewed().renewed()
    assert renewed.stamp == "1700000000.2"
    assert renewed.stamp_epoch_s == 1_700_000_000
    assert renewed.owner_name == "w1"
    done = renewed.finished(LeaseState.DONE, now_s=1_700_000_100)
    assert done.state is LeaseState.DONE and done.attempts == 1
    back = lease.released(not_before_s=1_700_000_050, refund=True)
    assert back.encode() == "PENDING|3f2a|0|-|1700000050"
    assert back.not_before_s == 1_700_000_050


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "expected 5 fields"),
        ("CLAIMED|x|1|w", "expected 5 fields"),
        ("RUNNING|x|1|w|0", "unknown state"),
        ("PENDING||0|-|0", "empty row id"),
        ("PENDING|x|one|-|0", "not a number"),
    ],
)
def test_garbage_is_rejected_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(LeaseParseError, match=problem):
        parse_lease(text)


@pytest.mark.parametrize(
    "value",
    [
        "CLAIMED|3f2a0c4e-8b1d-4e7a-9c2f-1a2b3c4d5e6f|2|worker-1#ab12|1700000000.3",
        "PENDING|id with spaces (and) [brackets] {x}*+?^$.\\|0|-|0",
        "DONE|é-ü-ß|1|naïve#1|0",
    ],
)
def test_cas_pattern_matches_exactly_the_old_value(value: str) -> None:
    pattern = java_regex_literal(value)
    assert re.fullmatch(pattern, value)
    assert not re.fullmatch(pattern, value + "x")
    assert not re.fullmatch(pattern, "x" + value)
    request = cas_request(7, 3, value, "NEW")["findReplace"]
    assert request["find"] == "^" + pattern + "$"
    assert request["matchCase"] and request["matchEntireCell"] and request["searchByRegex"]
    assert request["range"] == {
        "sheetId": 7,
        "startRowIndex": 1,
        "startColumnIndex": 3,
        "endColumnIndex": 4,
    }


def test_regex_literal_never_escapes_a_letter() -> None:
    # Java rejects a backslash before an ASCII letter that is not a known escape.
    escaped = java_regex_literal("abcXYZ019_-|.$")
    assert re.search(r"\\[A-Za-z]", escaped) is None


def test_replacement_literal_escapes_group_references() -> None:
    assert java_replacement_literal("cost $1 \\ now") == "cost \\$1 \\\\ now"


def test_lease_dataclass_is_frozen() -> None:
    lease = Lease(LeaseState.PENDING, "x")
    with pytest.raises(AttributeError):
        lease.attempts = 3  # type: ignore[misc]


def test_a_claim_carries_the_lease_length_its_holder_renews_within() -> None:
    lease = pending("3f2a").claimed_by("w1#s1", now_s=1_700_000_000, ttl_s=240)
    assert lease.encode() == "CLAIMED|3f2a|1|w1#s1|1700000000.0|240"
    assert parse_lease(lease.encode()) == lease
    assert lease.renewed().encode() == "CLAIMED|3f2a|1|w1#s1|1700000000.1|240"
    assert lease.renewed(ttl_s=300).ttl_s == 300
    assert lease.expires_after_s(120) == 240 and lease.expires_after_s(600) == 600
    assert lease.same_claim(lease.renewed().renewed(ttl_s=60))
    assert not lease.same_claim(lease.finished(LeaseState.DONE, now_s=1_700_000_100))
    done = lease.finished(LeaseState.DONE, now_s=1_700_000_100)
    assert done.encode() == "DONE|3f2a|1|w1#s1|1700000100", "terminal leases carry no length"
    assert parse_lease("CLAIMED|x|1|w#s|1.0|999999").ttl_s == 86_400, "capped at a day"
    with pytest.raises(LeaseParseError, match="lease length"):
        parse_lease("CLAIMED|x|1|w#s|1.0|soon")


def test_renewal_and_pending_patterns_match_what_they_say() -> None:
    from agent.coordination.cas import any_pending_pattern, any_renewal_pattern

    lease = pending("ab-1").claimed_by("w#s", now_s=1700, ttl_s=0)
    renewal = any_renewal_pattern("CLAIMED", "ab-1", 1, "w#s", "1700")
    for text, expected in [
        (lease.encode(), True),
        (lease.renewed().renewed().encode(), True),
        (lease.renewed(ttl_s=240).encode(), True),
        ("CLAIMED|ab-1|2|w#s|1700.0", False),  # another attempt is another claim
        ("CLAIMED|ab-1|1|w#t|1700.0", False),  # another session
        ("CLAIMED|ab-1|1|w#s|17001.0", False),
    ]:
        assert bool(re.fullmatch(renewal[1:-1], text)) is expected, text
    waiting = any_pending_pattern("ab-1")
    for text, expected in [
        ("PENDING|ab-1|0|-|0", True),
        ("PENDING|ab-1|2|-|1799999999", True),
        ("PENDING|ab-12|0|-|0", False),
        (lease.encode(), False),
    ]:
        assert bool(re.fullmatch(waiting[1:-1], text)) is expected, text
