"""Pacing against a fake AWS that throttles as Route 53 does (five a second per account).

With the default pacing the scan is never throttled; with pacing off (``--rate 0``)
the same scan is, which shows the fake really throttles. The proxy counts every
throttling answer it sends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from auditor.collect.pacing import AWS_PACES
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.moto_server import MotoServer
from tests.conftest import CUSTOMER, FakeAws

ZONES = 6


@pytest.fixture
def proxy(moto_server: MotoServer, fake_aws: FakeAws) -> Iterator[FaultProxy]:
    p = FaultProxy(moto_server.endpoint)
    p.start()
    old = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = p.endpoint
    try:
        yield p
    finally:
        os.environ["AWS_ENDPOINT_URL"] = old
        p.stop()


def _route53_as_documented() -> Fault:
    pace = AWS_PACES["route-53"]
    return Fault(
        kind="rate",
        service="route53",
        rate=pace.rate,
        burst=pace.burst,
        per_region=False,
        status=400,
        code="Throttling",
        message="Rate exceeded",
    )


def _zones(fake_aws: FakeAws) -> None:
    r53 = fake_aws.session(CUSTOMER).client("route53")
    for i in range(ZONES):
        r53.create_hosted_zone(Name=f"zone{i}.example.internal", CallerReference=f"ref-{i}")


def test_default_pacing_keeps_route53_under_its_documented_rate(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    _zones(fake_aws)
    proxy.inject(_route53_as_documented())
    paced = fake_aws.collect(accounts=(CUSTOMER,), services=("route53",))
    calls = sum(n for (_, _, svc, _, _), n in proxy.requests.items() if svc == "route53")
    assert calls > AWS_PACES["route-53"].burst  # more than the burst: the pace mattered
    assert proxy.stats.by_kind["rate"] == 0
    assert not [g for g in paced.gaps if g.service == "route53"]
    assert len([r for r in paced.resources if r.kind == "dns_zone"]) >= ZONES


def test_the_same_scan_unpaced_is_throttled(fake_aws: FakeAws, proxy: FaultProxy) -> None:
    """The control: the fake does throttle what goes faster than the documented rate."""
    _zones(fake_aws)
    proxy.inject(_route53_as_documented())
    unpaced = fake_aws.collect(accounts=(CUSTOMER,), services=("route53",), pacing=False)
    assert proxy.stats.by_kind["rate"] > 0
    # (botocore retries each throttled call once here, so the scan still completes)
    assert len([r for r in unpaced.resources if r.kind == "dns_zone"]) >= ZONES
