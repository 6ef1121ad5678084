"""Data path rules end to end: estates built in moto with real boto3, collected, evaluated."""

from __future__ import annotations

import json
from typing import Any

from auditor.model import Inventory, Status
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.helpers import run_rules, status_of

EAST, WEST = "us-east-1", "us-west-2"
DATA = [{"Key": "data-class", "Value": "kafka-log"}]
LOGS = [{"Key": "data-class", "Value": "system-log"}]
PAB_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def make_bucket(
    fake_aws: FakeAws,
    name: str,
    *,
    account: str = CUSTOMER,
    region: str = EAST,
    tags: list[dict[str, str]] | None = None,
    kms_key: str | None = None,
    sse_s3: bool = False,
    versioned: bool = True,
    block_public: bool = True,
) -> Any:
    s3 = fake_aws.session(account, region).client("s3")
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": DATA if tags is None else tags})
    if kms_key or sse_s3:
        default: dict[str, str] = {"SSEAlgorithm": "AES256"}
        if kms_key:
            default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key}
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
            },
        )
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if block_public:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=PAB_ON)
    return s3


def make_key(
    fake_aws: FakeAws, *, account: str = CUSTOMER, region: str = EAST, rotate: bool = True
) -> str:
    kms = fake_aws.session(account, region).client("kms")
    meta = kms.create_key(Description="kafka data")["KeyMetadata"]
    if rotate:
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    return str(meta["Arn"])


def scan(fake_aws: FakeAws, *, accounts: tuple[str, ...] = (CUSTOMER,)) -> Inventory:
    return fake_aws.collect(
        accounts=accounts, regions=(EAST, WEST), services=("s3", "kms", "ec2-compute")
    )


def test_customer_key(fake_aws: FakeAws) -> None:
    key = make_key(fake_aws)
    kms = fake_aws.session(CUSTOMER, EAST).client("kms")
    kms.create_alias(AliasName="alias/kafka-data", TargetKeyId=key)
    vendor_key = make_key(fake_aws, account=VENDOR)
    make_bucket(fake_aws, "data-cmk", kms_key=key)
    make_bucket(fake_aws, "data-alias", kms_key="alias/kafka-data")
    make_bucket(fake_aws, "data-sse-s3", sse_s3=True)
    make_bucket(fake_aws, "data-vendor-key", kms_key=vendor_key)

    v = run_rules(scan(fake_aws), rules=["data.customer-key"])

    assert status_of(v, "data.customer-key", arn("data-cmk")) is Status.PASS
    assert status_of(v, "data.customer-key", arn("data-alias")) is Status.PASS
    assert status_of(v, "data.customer-key", arn("data-sse-s3")) is Status.FAIL
    assert status_of(v, "data.customer-key", arn("data-vendor-key")) is Status.FAIL
    (alias,) = [x for x in v if x.resource == arn("data-alias")]
    assert key in alias.evidence.nodes


def test_key_rotation(fake_aws: FakeAws) -> None:
    rotating = make_key(fake_aws)
    still = make_key(fake_aws, rotate=False)
    make_bucket(fake_aws, "data-a", kms_key=rotating)
    make_bucket(fake_aws, "data-b", kms_key=still)

    v = run_rules(scan(fake_aws), rules=["data.key-rotation"])

    assert status_of(v, "data.key-rotation", rotating) is Status.PASS
    assert status_of(v, "data.key-rotation", still) is Status.FAIL


def test_replication_in_boundary(fake_aws: FakeAws) -> None:
    key = make_key(fake_aws)
    make_bucket(fake_aws, "dr-copy", account=CUSTOMER_2, region=WEST, tags=[])
    role = f"arn:aws:iam::{CUSTOMER}:role/replication"

    def replicate(source: str, dest: str, account: str | None) -> None:
        s3 = make_bucket(fake_aws, source, kms_key=key)
        destination: dict[str, Any] = {"Bucket": arn(dest)}
        if account:
            destination["Account"] = account
        s3.put_bucket_replication(
            Bucket=source,
            ReplicationConfiguration={
                "Role": role,
                "Rules": [
                    {
                        "ID": "to-" + dest,
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": destination,
                    }
                ],
            },
        )

    replicate("data-inside", "dr-copy", CUSTOMER_2)
    replicate("data-outside", "vendor-copy", VENDOR)

    v = run_rules(scan(fake_aws, accounts=(CUSTOMER, CUSTOMER_2)), rules=["data.*-in-boundary"])

    assert status_of(v, "data.replication-in-boundary", arn("data-inside")) is Status.PASS
    assert status_of(v, "data.replication-in-boundary", arn("data-outside")) is Status.FAIL


def test_system_logs_separate(fake_aws: FakeAws) -> None:
    key = make_key(fake_aws)
    for target, tags in (("system-logs", LOGS), ("data-sink", DATA)):
        s3 = make_bucket(fake_aws, target, tags=tags, kms_key=key)
        s3.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    for source, target in (("data-good", "system-logs"), ("data-bad", "data-sink")):
        s3 = make_bucket(fake_aws, source, kms_key=key)
        s3.put_bucket_logging(
            Bucket=source,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "x/"}},
        )

    v = run_rules(scan(fake_aws), rules=["data.system-logs-separate"])

    assert status_of(v, "data.system-logs-separate", arn("system-logs")) is Status.PASS
    assert status_of(v, "data.system-logs-separate", arn("data-good")) is Status.PASS
    assert status_of(v, "data.system-logs-separate", arn("data-bad")) is Status.FAIL
    # the sink receives data-bad's access logs
    assert status_of(v, "data.system-logs-separate", arn("data-sink")) is Status.FAIL


def test_no_public_access(fake_aws: FakeAws) -> None:
    key = make_key(fake_aws)
    make_bucket(fake_aws, "data-private", kms_key=key)
    s3 = make_bucket(fake_aws, "data-public", kms_key=key, block_public=False)
    s3.put_bucket_policy(
        Bucket="data-public",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Everyone",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"{arn('data-public')}/*",
                    }
                ],
            }
        ),
    )
    make_bucket(fake_aws, "logs-open", tags=LOGS, kms_key=key, block_public=False)

    v = run_rules(scan(fake_aws), rules=["data.no-public-access"])

    assert status_of(v, "data.no-public-access", arn("data-private")) is Status.PASS
    assert status_of(v, "data.no-public-access", arn("data-public")) is Status.FAIL
    assert status_of(v, "data.no-public-access", arn("logs-open")) is Status.FAIL
    (pub,) = [x for x in v if x.resource == arn("data-public")]
    assert pub.evidence.attributes["offending_statements"][0]["Sid"] == "Everyone"


def test_no_cross_party_grants(fake_aws: FakeAws) -> None:
    key = make_key(fake_aws)
    own = make_bucket(fake_aws, "data-own", kms_key=key)
    own.put_bucket_policy(
        Bucket="data-own",
        Policy=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER_2}:root"},
                        "Action": "s3:GetObject",
                        "Resource": f"{arn('data-own')}/*",
                    }
                ]
            }
        ),
    )
    shared = make_bucket(fake_aws, "data-shared", kms_key=key)
    shared.put_bucket_policy(
        Bucket="data-shared",
        Policy=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:role/automation"},
                        "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [arn("data-shared"), f"{arn('data-shared')}/*"],
                    }
                ]
            }
        ),
    )

    v = run_rules(scan(fake_aws), rules=["data.no-cross-party-grants"])

    assert status_of(v, "data.no-cross-party-grants", arn("data-own")) is Status.PASS
    assert status_of(v, "data.no-cross-party-grants", arn("data-shared")) is Status.FAIL
    # the default key policy names only the key's own account
    assert status_of(v, "data.no-cross-party-grants", key) is Status.PASS


def test_versioning(fake_aws: FakeAws) -> None:
    key = make_key(fake_aws)
    make_bucket(fake_aws, "data-versioned", kms_key=key)
    make_bucket(fake_aws, "data-unversioned", kms_key=key, versioned=False)

    v = run_rules(scan(fake_aws), rules=["data.versioning"])

    assert status_of(v, "data.versioning", arn("data-versioned")) is Status.PASS
    assert status_of(v, "data.versioning", arn("data-unversioned")) is Status.FAIL
