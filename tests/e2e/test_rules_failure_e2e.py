"""Failure path rules end to end: estates built with real boto3 in moto, collected, judged."""

from __future__ import annotations

from typing import Any

from auditor.model import Status, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import run_rules

E1, W2 = "us-east-1", "us-west-2"
ZONE = "kafka.example.internal"
NAME = f"bootstrap.{ZONE}"
PLATFORM = [{"Key": "platform", "Value": "orders-kafka"}]
DATA = [{"Key": "data-class", "Value": "kafka-log"}]


def only(verdicts: list[Verdict], rule: str, resource_part: str = "") -> Verdict:
    found = [v for v in verdicts if v.rule == rule and resource_part in v.resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in found]
    return found[0]


# --- capacity ------------------------------------------------------------------------------


def brokers(fake: FakeAws, region: str, count: int) -> None:
    ec2 = fake.session(CUSTOMER, region).client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.0.0/20")["Subnet"]["SubnetId"]
    ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="m5.large",
        MinCount=count,
        MaxCount=count,
        SubnetId=subnet,
        TagSpecifications=[{"ResourceType": "instance", "Tags": PLATFORM}],
    )


def scaling_group(fake: FakeAws, region: str, desired: int) -> None:
    session = fake.session(CUSTOMER, region)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.0.0/20", AvailabilityZone=f"{region}a")[
        "Subnet"
    ]["SubnetId"]
    ec2.create_launch_template(
        LaunchTemplateName="brokers",
        LaunchTemplateData={"ImageId": "ami-12345678", "InstanceType": "m5.large"},
    )
    session.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="brokers",
        LaunchTemplate={"LaunchTemplateName": "brokers"},
        MinSize=0,
        MaxSize=6,
        DesiredCapacity=desired,
        VPCZoneIdentifier=subnet,
        Tags=[
            {
                "Key": "platform",
                "Value": "orders-kafka",
                "PropagateAtLaunch": True,
                "ResourceId": "brokers",
                "ResourceType": "auto-scaling-group",
            }
        ],
    )


CAP = ("ec2-compute", "autoscaling")


def test_region_capacity_missing_secondary_fails(fake_aws: FakeAws) -> None:
    brokers(fake_aws, E1, 3)
    inv = fake_aws.collect(regions=(E1, W2), services=CAP)
    v = run_rules(inv, rules=["failure.region-capacity"])
    assert only(v, "failure.region-capacity", E1).status is Status.PASS
    west = only(v, "failure.region-capacity", W2)
    assert west.status is Status.FAIL and "secondary" in west.message


def test_region_capacity_and_secondary_capacity_pass(fake_aws: FakeAws) -> None:
    brokers(fake_aws, E1, 3)
    scaling_group(fake_aws, W2, 3)
    inv = fake_aws.collect(regions=(E1, W2), services=CAP)
    v = run_rules(inv, rules=["failure.region-capacity", "failure.secondary-capacity"])
    assert only(v, "failure.region-capacity", W2).status is Status.PASS
    sec = only(v, "failure.secondary-capacity", W2)
    assert sec.status is Status.PASS, sec.message


def test_secondary_capacity_too_small_fails(fake_aws: FakeAws) -> None:
    brokers(fake_aws, E1, 3)
    brokers(fake_aws, W2, 1)
    inv = fake_aws.collect(regions=(E1, W2), services=CAP)
    v = only(run_rules(inv, rules=["failure.secondary-capacity"]), "failure.secondary-capacity")
    assert v.status is Status.FAIL and "1 brokers" in v.message


# --- DNS -----------------------------------------------------------------------------------


def dns(fake: FakeAws, *, secondary: bool = True, health: bool = True, ttl: int = 30) -> str:
    session = fake.session(CUSTOMER, E1)
    vpc = session.client("ec2").create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    r53 = session.client("route53")
    check: dict[str, Any] = {}
    if health:
        check["HealthCheckId"] = r53.create_health_check(
            CallerReference="bootstrap",
            HealthCheckConfig={
                "Type": "TCP",
                "IPAddress": "10.50.0.10",
                "Port": 9094,
                "RequestInterval": 10,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
    zone = r53.create_hosted_zone(
        Name=f"{ZONE}.",
        CallerReference="kafka",
        VPC={"VPCRegion": E1, "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True, "Comment": "kafka"},
    )["HostedZone"]["Id"].rsplit("/", 1)[-1]
    records = [
        {
            "Name": NAME,
            "Type": "CNAME",
            "TTL": ttl,
            "SetIdentifier": "east",
            "Failover": "PRIMARY",
            "ResourceRecords": [{"Value": "b-1.east.kafka.example.com"}],
            **check,
        }
    ]
    if secondary:
        records.append(
            {
                "Name": NAME,
                "Type": "CNAME",
                "TTL": ttl,
                "SetIdentifier": "west",
                "Failover": "SECONDARY",
                "ResourceRecords": [{"Value": "b-1.west.kafka.example.com"}],
            }
        )
    r53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in records]},
    )
    return zone


DNS_RULES = ["failure.dns-*"]


def test_dns_failover_pair_with_health_check_and_short_ttl_passes(fake_aws: FakeAws) -> None:
    dns(fake_aws)
    inv = fake_aws.collect(regions=(E1,), services=("route53",))
    v = run_rules(inv, rules=DNS_RULES)
    assert only(v, "failure.dns-failover-records").status is Status.PASS
    hc = only(v, "failure.dns-health-checks")
    assert hc.status is Status.PASS and "/east" in hc.resource, hc.message
    ttls = [x for x in v if x.rule == "failure.dns-ttl"]
    assert len(ttls) == 2 and all(x.status is Status.PASS for x in ttls)


def test_dns_missing_secondary_and_health_check_and_long_ttl_fail(fake_aws: FakeAws) -> None:
    dns(fake_aws, secondary=False, health=False, ttl=3600)
    inv = fake_aws.collect(regions=(E1,), services=("route53",))
    v = run_rules(inv, rules=DNS_RULES)
    rec = only(v, "failure.dns-failover-records")
    assert rec.status is Status.FAIL and "SECONDARY" in rec.message
    assert only(v, "failure.dns-health-checks").status is Status.FAIL
    ttl = only(v, "failure.dns-ttl")
    assert ttl.status is Status.FAIL and "3600" in ttl.message


def test_dns_zone_absent_fails(fake_aws: FakeAws) -> None:
    inv = fake_aws.collect(regions=(E1,), services=("route53",))
    v = only(run_rules(inv, rules=["failure.dns-failover-records"]), "failure.dns-failover-records")
    assert v.status is Status.FAIL and "not found" in v.message


# --- keys and data --------------------------------------------------------------------------


def bucket(fake: FakeAws, name: str, region: str, key: str | None = None) -> Any:
    s3 = fake.session(CUSTOMER, region).client("s3")
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": DATA})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if key:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key,
                        }
                    }
                ]
            },
        )
    return s3


def data_estate(fake: FakeAws, *, replica_key: bool, rtc: bool) -> None:
    kms = fake.session(CUSTOMER, E1).client("kms")
    primary = kms.create_key(MultiRegion=True, Description="kafka data")["KeyMetadata"]
    west_key: str | None = None
    if replica_key:
        west_key = kms.replicate_key(KeyId=primary["KeyId"], ReplicaRegion=W2)[
            "ReplicaKeyMetadata"
        ]["Arn"]
    src = bucket(fake, "orders-log-east", E1, primary["Arn"])
    bucket(fake, "orders-log-west", W2, west_key)
    rule: dict[str, Any] = {
        "ID": "to-west",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": "arn:aws:s3:::orders-log-west"},
    }
    if rtc:
        rule["Destination"]["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
        rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    src.put_bucket_replication(
        Bucket="orders-log-east",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{CUSTOMER}:role/replication",
            "Rules": [rule],
        },
    )


DATA_SERVICES = ("s3", "kms")
DATA_RULES = ["failure.keys-in-each-region", "failure.data-replicated"]


def test_keys_and_replication_pass(fake_aws: FakeAws) -> None:
    data_estate(fake_aws, replica_key=True, rtc=True)
    inv = fake_aws.collect(regions=(E1, W2), services=DATA_SERVICES)
    v = run_rules(inv, rules=DATA_RULES)
    assert only(v, "failure.keys-in-each-region", E1).status is Status.PASS
    west = only(v, "failure.keys-in-each-region", W2)
    assert west.status is Status.PASS, west.message
    repl = only(v, "failure.data-replicated", "orders-log-east")
    assert repl.status is Status.PASS and "RTC" in repl.message, repl.message


def test_no_key_in_secondary_and_no_rtc_fail(fake_aws: FakeAws) -> None:
    data_estate(fake_aws, replica_key=False, rtc=False)
    inv = fake_aws.collect(regions=(E1, W2), services=DATA_SERVICES)
    v = run_rules(inv, rules=DATA_RULES)
    west = only(v, "failure.keys-in-each-region", W2)
    assert west.status is Status.FAIL, west.message
    repl = only(v, "failure.data-replicated", "orders-log-east")
    assert repl.status is Status.FAIL and "Replication Time Control" in repl.message


# --- broker durability ------------------------------------------------------------------------


def test_self_managed_brokers_are_inconclusive_naming_their_configuration(
    fake_aws: FakeAws,
) -> None:
    """Kafka on EC2: the rule applies (the brokers have a durability configuration) but
    their server.properties is in no API, so the verdict is INCONCLUSIVE, never N/A."""
    brokers(fake_aws, E1, 3)
    inv = fake_aws.collect(regions=(E1,), services=("ec2-compute", "msk", "msk-config"))
    v = only(run_rules(inv, rules=["failure.broker-durability"]), "failure.broker-durability")
    assert v.resource == f"scope:aws/{CUSTOMER}/{E1}"
    assert v.status is Status.INCONCLUSIVE, v.message
    assert v.unmodelled == "self-managed broker configuration"
