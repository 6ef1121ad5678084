"""Route53 zones, records and health checks through real boto3 over moto (docs/inventory.md)."""

from __future__ import annotations

from typing import Any

from auditor.model import Resource
from tests.conftest import CUSTOMER, FakeAws

EAST = "us-east-1"
WEST = "us-west-2"
R53 = "arn:aws:route53:::"


def _create(rrset: dict[str, Any]) -> dict[str, Any]:
    return {"Action": "CREATE", "ResourceRecordSet": rrset}


def test_failover_pair_health_check_and_private_zone(fake_aws: FakeAws) -> None:
    session = fake_aws.session(CUSTOMER, EAST)
    vpc_east = session.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vpc_west = (
        fake_aws.session(CUSTOMER, WEST)
        .client("ec2")
        .create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    )
    r53 = session.client("route53")
    check_id = r53.create_health_check(
        CallerReference="bootstrap-east",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "b-1.east.kafka.example.com",
            "Port": 9094,
            "ResourcePath": "/health",
            "RequestInterval": 10,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    private = r53.create_hosted_zone(
        Name="kafka.example.internal.",
        CallerReference="private",
        VPC={"VPCRegion": EAST, "VPCId": vpc_east},
        HostedZoneConfig={"PrivateZone": True, "Comment": "kafka"},
    )["HostedZone"]
    zone_id = private["Id"].rsplit("/", 1)[-1]
    r53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": WEST, "VPCId": vpc_west}
    )
    public = r53.create_hosted_zone(Name="example.com", CallerReference="public")["HostedZone"]
    public_id = public["Id"].rsplit("/", 1)[-1]
    name = "bootstrap.kafka.example.internal"
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                _create(
                    {
                        "Name": name,
                        "Type": "CNAME",
                        "TTL": 30,
                        "SetIdentifier": "east",
                        "Failover": "PRIMARY",
                        "HealthCheckId": check_id,
                        "ResourceRecords": [{"Value": "b-1.east.kafka.example.com"}],
                    }
                ),
                _create(
                    {
                        "Name": name,
                        "Type": "CNAME",
                        "TTL": 30,
                        "SetIdentifier": "west",
                        "Failover": "SECONDARY",
                        "ResourceRecords": [{"Value": "b-1.west.kafka.example.com"}],
                    }
                ),
                _create(
                    {
                        "Name": "brokers.kafka.example.internal",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "10.0.0.12"}, {"Value": "10.0.0.11"}],
                    }
                ),
                _create(
                    {
                        "Name": "*.kafka.example.internal",
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": "Z26RNL4JYFTOTI",
                            "DNSName": "nlb-1.elb.us-east-1.amazonaws.com.",
                            "EvaluateTargetHealth": True,
                        },
                    }
                ),
            ]
        },
    )

    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("route53",))

    assert inv.gaps == ()
    by_id: dict[str, Resource] = {r.id: r for r in inv.resources}
    assert all(r.region == "global" and r.account == CUSTOMER for r in inv.resources)

    zones = {r.id: r for r in inv.resources if r.kind == "dns_zone"}
    assert sorted(zones) == sorted([f"{R53}hostedzone/{zone_id}", f"{R53}hostedzone/{public_id}"])
    assert dict(zones[f"{R53}hostedzone/{zone_id}"].attributes) == {
        "zone_id": zone_id,
        "name": "kafka.example.internal",
        "private": True,
        "vpcs": [{"vpc_id": vpc_east, "region": EAST}, {"vpc_id": vpc_west, "region": WEST}],
    }
    assert dict(zones[f"{R53}hostedzone/{public_id}"].attributes) == {
        "zone_id": public_id,
        "name": "example.com",
        "private": False,
        "vpcs": [],
    }

    check_arn = f"{R53}healthcheck/{check_id}"
    check = by_id[check_arn]
    assert check.kind == "health_check"
    assert dict(check.attributes) == {
        "health_check_id": check_id,
        "type": "HTTPS",
        "target": "b-1.east.kafka.example.com",
        "port": 9094,
        "resource_path": "/health",
        "failure_threshold": 3,
        "request_interval": 10,
    }

    zone_arn = f"{R53}hostedzone/{zone_id}"
    primary = f"{zone_arn}/recordset/{name}/CNAME/east"
    secondary = f"{zone_arn}/recordset/{name}/CNAME/west"
    plain = f"{zone_arn}/recordset/brokers.kafka.example.internal/A/-"
    wildcard = f"{zone_arn}/recordset/*.kafka.example.internal/A/-"
    records = {r.id: r for r in inv.resources if r.kind == "dns_record"}
    assert {primary, secondary, plain, wildcard} <= set(records)
    # Every record set is kept, SOA and NS included.
    assert {r.attributes["type"] for r in records.values()} == {"CNAME", "A", "NS", "SOA"}
    assert dict(records[primary].attributes) == {
        "zone_id": zone_id,
        "zone_name": "kafka.example.internal",
        "name": name,
        "type": "CNAME",
        "ttl": 30,
        "set_identifier": "east",
        "failover": "PRIMARY",
        "health_check_id": check_id,
        "values": ["b-1.east.kafka.example.com"],
        "alias_target": None,
        "routing": "failover",
    }
    assert records[secondary].attributes["failover"] == "SECONDARY"
    assert records[secondary].attributes["health_check_id"] is None
    assert records[plain].attributes["values"] == ["10.0.0.11", "10.0.0.12"]
    assert records[plain].attributes["routing"] == "simple"
    assert records[plain].attributes["set_identifier"] is None
    assert records[wildcard].attributes["ttl"] is None
    assert records[wildcard].attributes["alias_target"] == {
        "dns_name": "nlb-1.elb.us-east-1.amazonaws.com",
        "zone_id": "Z26RNL4JYFTOTI",
        "evaluate_target_health": True,
    }

    assert sorted((r.source, r.kind, r.target) for r in inv.relations) == [
        (primary, "failure.fails_over_to", secondary),
        (primary, "failure.health_checked_by", check_arn),
    ]


def test_escaped_names_are_decoded() -> None:
    from auditor.normalize.aws.route53 import dns_name

    assert dns_name("\\052.kafka.example.com.") == "*.kafka.example.com"
    assert dns_name("example.com.") == "example.com"
