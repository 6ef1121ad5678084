"""``failure.dns-ttl`` on Route 53 alias records, built with boto3 in moto and collected.

An alias has no TTL of its own: to an ELB load balancer AWS fixes it at 60 s; to
another record of the zone it is that record's TTL (followed, cycles guarded); to a
target whose TTL is not known (a record not collected, CloudFront) the verdict is
INCONCLUSIVE naming it. Never a PASS on an alias alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model import Status, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

E1 = "us-east-1"
ZONE = "kafka.example.internal"
NAME = f"bootstrap.{ZONE}"
RULE = "failure.dns-ttl"


def _estate(fake: FakeAws, primary_alias: str, extra: list[dict[str, Any]]) -> str:
    """A failover pair for NAME whose PRIMARY is an alias to ``primary_alias`` (a DNS name;
    ``"@nlb"`` for a load balancer created here), plus ``extra`` record sets."""
    session = fake.session(CUSTOMER, E1)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    r53 = session.client("route53")
    zone = r53.create_hosted_zone(
        Name=f"{ZONE}.",
        CallerReference="kafka",
        VPC={"VPCRegion": E1, "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True, "Comment": "kafka"},
    )["HostedZone"]["Id"].rsplit("/", 1)[-1]
    target_zone = zone
    if primary_alias == "@nlb":
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.0.0/20")["Subnet"]["SubnetId"]
        lb = session.client("elbv2").create_load_balancer(
            Name="bootstrap", Subnets=[subnet], Scheme="internal", Type="network"
        )["LoadBalancers"][0]
        primary_alias, target_zone = lb["DNSName"], lb["CanonicalHostedZoneId"]
    elif primary_alias.endswith(".cloudfront.net"):
        target_zone = "Z2FDTNDATAQYW2"  # CloudFront's hosted zone
    check = r53.create_health_check(
        CallerReference="bootstrap",
        HealthCheckConfig={
            "Type": "TCP",
            "IPAddress": "10.50.0.10",
            "Port": 9094,
            "RequestInterval": 10,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    records: list[dict[str, Any]] = [
        {
            "Name": NAME,
            "Type": "CNAME",
            "SetIdentifier": "east",
            "Failover": "PRIMARY",
            "HealthCheckId": check,
            "AliasTarget": {
                "HostedZoneId": target_zone,
                "DNSName": primary_alias,
                "EvaluateTargetHealth": False,
            },
        },
        {
            "Name": NAME,
            "Type": "CNAME",
            "TTL": 30,
            "SetIdentifier": "west",
            "Failover": "SECONDARY",
            "ResourceRecords": [{"Value": "b-1.west.kafka.example.com"}],
        },
        *extra,
    ]
    r53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in records]},
    )
    return zone


def _cname(name: str, ttl: int) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "CNAME",
        "TTL": ttl,
        "ResourceRecords": [{"Value": "b-1.east.kafka.example.com"}],
    }


def _alias(name: str, zone: str, to: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "CNAME",
        "AliasTarget": {"HostedZoneId": zone, "DNSName": to, "EvaluateTargetHealth": False},
    }


def _primary(fake: FakeAws, services: tuple[str, ...] = ("route53",)) -> Verdict:
    inv = fake.collect(regions=(E1,), services=services)
    found = [
        v for v in run_rules(inv, rules=[RULE]) if v.rule == RULE and v.resource.endswith("/east")
    ]
    assert len(found) == 1, found
    return found[0]


def test_alias_to_a_load_balancer_is_judged_at_the_60s_aws_fixes(fake_aws: FakeAws) -> None:
    _estate(fake_aws, "@nlb", [])
    v = _primary(fake_aws, ("route53", "elbv2"))
    # 60 s fixed TTL + 3 x 10 s detection, within the 15 min RTO
    assert v.status is Status.PASS, v.message
    assert "Elastic Load Balancing fixes the TTL at 60s" in v.message
    assert "plus 30s to detect" in v.message


def test_alias_to_a_long_ttl_record_of_the_zone_fails_naming_that_record(
    fake_aws: FakeAws,
) -> None:
    _estate(fake_aws, f"east.{ZONE}", [_cname(f"east.{ZONE}", 3600)])
    v = _primary(fake_aws)
    assert v.status is Status.FAIL, v.message
    assert "3600s" in v.message and f"alias to east.{ZONE}" in v.message
    # the TTL to change is the target record's, not the alias's
    assert any(f"/recordset/east.{ZONE}/CNAME" in c for c in v.causes), v.causes


def _add(fake: FakeAws, zone: str, records: list[dict[str, Any]]) -> None:
    fake.session(CUSTOMER, E1).client("route53").change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in records]},
    )


def test_alias_chain_to_a_short_ttl_record_passes(fake_aws: FakeAws) -> None:
    zone = _estate(fake_aws, f"mid.{ZONE}", [])
    # bootstrap -> mid (an alias) -> east (TTL 30)
    _add(fake_aws, zone, [_alias(f"mid.{ZONE}", zone, f"east.{ZONE}"), _cname(f"east.{ZONE}", 30)])
    v = _primary(fake_aws)
    assert v.status is Status.PASS, v.message
    assert "TTL 30s" in v.message and f"alias to mid.{ZONE}" in v.message


def test_alias_to_a_record_not_collected_is_inconclusive_naming_it(fake_aws: FakeAws) -> None:
    _estate(fake_aws, f"gone.{ZONE}", [])
    v = _primary(fake_aws)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert f"gone.{ZONE}" in v.unmodelled and "not collected" in v.unmodelled


def test_alias_cycle_is_inconclusive_not_a_hang(fake_aws: FakeAws) -> None:
    zone = _estate(fake_aws, f"a.{ZONE}", [])
    _add(
        fake_aws,
        zone,
        [_alias(f"a.{ZONE}", zone, f"b.{ZONE}"), _alias(f"b.{ZONE}", zone, f"a.{ZONE}")],
    )
    v = _primary(fake_aws)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "cycle" in v.unmodelled


def test_alias_to_cloudfront_names_the_unknown_ttl(fake_aws: FakeAws) -> None:
    _estate(fake_aws, "d111111abcdef8.cloudfront.net", [])
    v = _primary(fake_aws)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "d111111abcdef8.cloudfront.net" in v.unmodelled
