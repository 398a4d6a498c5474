"""Token bucket and retry classification (pure logic, fake clocks)."""

from __future__ import annotations

import requests

from agent.coordination.observer import LeaseObserver
from agent.sheets.client import is_idempotent, request_kind
from agent.sheets.pacing import TokenBucket
from agent.sheets.retry import FailureKind, RetryPolicy, classify_status, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_never_exceeds_quota_in_any_minute() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(300):
        bucket.acquire()
        stamps.append(clock.now)
    for i, start in enumerate(stamps):
        in_window = sum(1 for t in stamps[i:] if t < start + 60)
        assert in_window <= 60
    # and it does not pace far below the quota either
    assert stamps[-1] < 300 * 60 / 60 * 1.2


def test_penalty_holds_callers_back() -> None:
    clock = FakeClock()
    bucket = TokenBucket(600, clock=clock, sleep=clock.sleep)
    bucket.penalise(5.0)
    waited = bucket.acquire()
    assert waited >= 5.0


def test_classification() -> None:
    assert classify_status(429, idempotent=False) is FailureKind.RETRY
    assert classify_status(503, idempotent=True) is FailureKind.RETRY
    assert classify_status(503, idempotent=False) is FailureKind.AMBIGUOUS
    assert classify_status(400, idempotent=True) is FailureKind.FATAL
    assert classify_status(404, idempotent=False) is FailureKind.FATAL


def test_request_kinds() -> None:
    base = "https://sheets.googleapis.com/v4/spreadsheets/x"
    assert request_kind("GET", base + "/values:batchGet") == "read"
    assert request_kind("POST", base + ":batchUpdate") == "write"
    assert request_kind("POST", "https://www.googleapis.com/drive/v3/files") == "drive"
    assert not is_idempotent("POST", base + ":batchUpdate")
    assert not is_idempotent("POST", base + "/values/%27T%27%21A1:append")
    assert is_idempotent("POST", base + "/values:batchUpdate")
    assert is_idempotent("PUT", base + "/values/%27T%27%21A1")


def test_backoff_is_bounded_and_honours_retry_after() -> None:
    policy = RetryPolicy(max_tries=5, base_s=0.5, cap_s=4.0)
    assert all(0.25 <= policy.delay_s(n) <= 4.0 for n in range(1, 20))
    assert policy.delay_s(1, retry_after_s=7.0) >= 7.0
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


def test_observer_measures_unchanged_time_on_its_own_clock() -> None:
    clock = FakeClock()
    observer = LeaseObserver(clock)
    assert observer.observe("row", "v1") == 0.0
    clock.now = 30
    assert observer.observe("row", "v1") == 30
    assert observer.observe("row", "v2") == 0.0  # renewed: the clock starts again
    clock.now = 45
    assert observer.observe("row", "v2") == 15


def test_never_connected_is_retryable_even_for_writes() -> None:
    from urllib3.exceptions import NewConnectionError

    from agent.sheets.retry import classify_exception

    inner = NewConnectionError(None, "refused")  # type: ignore[arg-type]
    exc = requests.ConnectionError(inner)
    assert classify_exception(exc, idempotent=False) is FailureKind.RETRY
    assert classify_exception(requests.ReadTimeout(), idempotent=False) is FailureKind.AMBIGUOUS


def test_ordinary_requests_leave_the_last_token_to_critical_ones() -> None:
    from agent.sheets.pacing import critical

    clock = FakeClock()
    bucket = TokenBucket(6, clock=clock, sleep=clock.sleep)  # capacity 2: one spare token
    assert bucket.acquire() == 0.0  # the spare one
    with critical():
        assert bucket.acquire() == 0.0, "the reserved token is there for a renewal"
    # From an empty bucket an ordinary request waits for two tokens, a critical one for one.
    waits = {}
    for lane in ("ordinary", "critical"):
        clock = FakeClock()
        bucket = TokenBucket(6, clock=clock, sleep=clock.sleep)
        bucket.acquire()
        bucket.acquire(critical=True)
        waits[lane] = bucket.acquire(critical=lane == "critical")
    assert 0 < waits["critical"] < waits["ordinary"]


def test_resize_shares_the_quota_with_the_fleet() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)
    bucket.resize(60 / 10)  # ten agents on the account
    for _ in range(3):
        bucket.acquire()
    start = clock.now
    stamps = []
    for _ in range(30):
        bucket.acquire()
        stamps.append(clock.now)
    per_minute = len(stamps) / ((stamps[-1] - start) / 60)
    assert per_minute <= 6, per_minute
    assert per_minute >= 4, "not paced far below its share either"
