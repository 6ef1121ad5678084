"""Pacing by each service's documented limits: the table is what the buckets use."""

from __future__ import annotations

import pytest

from auditor.collect.pacing import (
    AWS_PACES,
    DEFAULT_PACE,
    MARGIN,
    AdaptiveBucket,
    Pacer,
    pace_of,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _pacer(clock: Clock) -> Pacer:
    return Pacer(clock=clock, sleep=clock.sleep)


def test_each_service_draws_from_a_bucket_sized_by_the_table() -> None:
    clock = Clock()
    pacer = _pacer(clock)
    ec2 = pacer.bucket("111", "us-east-1", "EC2", "DescribeInstances")
    assert (ec2.rate, ec2.burst) == (AWS_PACES["ec2"].rate * MARGIN, AWS_PACES["ec2"].burst)
    # EC2 meters each action apart; Route 53 one bucket per account in every region.
    assert pacer.bucket("111", "us-east-1", "EC2", "DescribeSubnets") is not ec2
    r53 = pacer.bucket("111", "us-east-1", "Route 53", "ListHostedZones")
    assert r53 is pacer.bucket("111", "eu-west-1", "Route 53", "GetHostedZone")
    assert r53.rate == pytest.approx(5 * MARGIN)
    assert pacer.bucket("222", "us-east-1", "Route 53", "ListHostedZones") is not r53
    # S3 does not wait behind EC2: separate buckets.
    assert pacer.bucket("111", "us-east-1", "S3", "GetBucketPolicy") is not ec2
    assert pace_of("Elastic Load Balancing v2") is DEFAULT_PACE
    assert all(p.source for p in (*AWS_PACES.values(), DEFAULT_PACE))


def test_route53_is_held_to_five_a_second_after_its_burst() -> None:
    clock = Clock()
    bucket = _pacer(clock).bucket("111", "us-east-1", "Route 53", "ListResourceRecordSets")
    for _ in range(15):
        bucket.acquire()
    # 5 from the burst, then 10 more at a tenth under 5/s: 10 / 4.5 seconds.
    assert clock.now == pytest.approx(10 / (5 * MARGIN))


def test_a_throttle_halves_the_rate_and_it_recovers_to_the_table() -> None:
    clock = Clock()
    bucket = AdaptiveBucket(20, 100, clock, clock.sleep)
    bucket.throttled()
    assert bucket.rate == 10 and bucket.throttles == 1
    bucket.throttled()
    assert bucket.rate == 5
    clock.now += 60  # quiet for longer than the recovery time
    bucket.acquire()
    assert bucket.rate == 20
    for _ in range(40):
        bucket.throttled()
    assert bucket.rate == pytest.approx(0.2)  # never stops altogether


def test_pacing_off_attaches_nothing() -> None:
    class Events:
        def __init__(self) -> None:
            self.registered: list[str] = []

        def register(self, name: str, _handler: object) -> None:
            self.registered.append(name)

    class Meta:
        events = Events()

        class service_model:
            service_id = "EC2"

    class Client:
        meta = Meta()

    Pacer(enabled=False).attach(Client(), account="111", region="us-east-1")
    assert Client.meta.events.registered == []
    Pacer().attach(Client(), account="111", region="us-east-1")
    assert Client.meta.events.registered == ["before-send.*.*", "response-received.*.*"]
