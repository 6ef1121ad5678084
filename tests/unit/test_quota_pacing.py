"""The Azure and GCP pacer: quota headers hold sending until the quota resets, a 429 backs off."""

from __future__ import annotations

import pytest

from auditor.collect.pacing import CLOUD_PACES, MARGIN, QuotaPacer, parse_resets_after


class Clock:
    """A clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _pacer(clock: Clock) -> QuotaPacer:
    return QuotaPacer(clock=clock, sleep=clock.sleep)


def test_every_cloud_pace_names_its_source() -> None:
    for name, pace in CLOUD_PACES.items():
        assert pace.source.startswith("documented:"), name
        assert pace.rate > 0 and pace.burst >= 1


def test_resets_after_is_read_as_azure_writes_it() -> None:
    assert parse_resets_after("00:00:03") == 3
    assert parse_resets_after("01:02:03") == 3723
    assert parse_resets_after("soon") is None
    assert parse_resets_after("00:-1:00") is None


def test_a_spent_quota_holds_until_it_resets() -> None:
    clock = Clock()
    pacer = _pacer(clock)
    pacer.before("azure-resource-graph", "user")
    pacer.after(
        "azure-resource-graph",
        "user",
        status=200,
        quota_remaining="0",
        quota_resets_after="00:00:04",
    )
    pacer.before("azure-resource-graph", "user")
    assert clock.slept == [4.0]


def test_an_answer_asking_for_a_long_hold_is_held_at_most_max_hold() -> None:
    """A Retry-After or reset of hours (or a broken header) must not stall the scan unseen."""
    from auditor.collect.pacing import MAX_HOLD

    clock = Clock()
    pacer = _pacer(clock)
    pacer.before("azure-resource-graph", "user")
    pacer.after("azure-resource-graph", "user", status=429, retry_after="86400")
    pacer.before("azure-resource-graph", "user")
    assert clock.slept == [MAX_HOLD]


def test_quota_left_for_the_requests_in_flight_does_not_hold() -> None:
    clock = Clock()
    pacer = _pacer(clock)
    pacer.before("azure-resource-graph", "user")
    pacer.before("azure-resource-graph", "user")  # two in flight
    pacer.after(
        "azure-resource-graph",
        "user",
        status=200,
        quota_remaining="2",
        quota_resets_after="00:00:05",
    )
    pacer.before("azure-resource-graph", "user")
    assert clock.slept == []
    # one still in flight, and only one query left: the next would be over the quota
    pacer.after(
        "azure-resource-graph",
        "user",
        status=200,
        quota_remaining="1",
        quota_resets_after="00:00:05",
    )
    pacer.before("azure-resource-graph", "user")
    assert clock.slept == [5.0]


def test_a_429_halves_the_bucket_and_holds_for_retry_after() -> None:
    clock = Clock()
    pacer = _pacer(clock)
    pacer.before("gcp-cloudasset-list", "consumer")
    pacer.after("gcp-cloudasset-list", "consumer", status=429, retry_after="2")
    bucket = pacer.bucket("gcp-cloudasset-list", "consumer")
    assert bucket.rate == pytest.approx(CLOUD_PACES["gcp-cloudasset-list"].rate * MARGIN / 2)
    pacer.before("gcp-cloudasset-list", "consumer")
    assert clock.slept[0] == 2.0
    assert pacer.throttles() == {"gcp-cloudasset-list": 1}


def test_the_table_rate_paces_once_the_burst_is_spent() -> None:
    clock = Clock()
    pacer = _pacer(clock)
    pace = CLOUD_PACES["gcp-cloudasset-list"]
    for _ in range(int(pace.burst) + 3):
        pacer.before("gcp-cloudasset-list", "consumer")
    # three requests past the burst, each a refill apart
    assert clock.now == pytest.approx(3 / (pace.rate * MARGIN))


def test_disabled_pacer_never_waits() -> None:
    clock = Clock()
    pacer = QuotaPacer(enabled=False, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        pacer.before("azure-resource-graph", "user")
        pacer.after("azure-resource-graph", "user", status=429, retry_after="9")
    assert clock.slept == []
