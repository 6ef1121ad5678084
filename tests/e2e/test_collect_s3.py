"""S3 buckets collected through real boto3 over moto, normalised per docs/inventory.md."""

from __future__ import annotations

import json
from typing import Any

from auditor.model import Inventory, Resource
from tests.conftest import CUSTOMER, VENDOR, FakeAws

EAST = "us-east-1"
WEST = "us-west-2"


def _resources(inv: Inventory, kind: str) -> dict[str, Resource]:
    return {r.id: r for r in inv.resources if r.kind == kind}


def _relations(inv: Inventory, kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.source, r.target): dict(r.attributes) for r in inv.relations if r.kind == kind}


def _build_estate(fake_aws: FakeAws) -> str:
    """Buckets covering every setting the contract names; returns the data key's id."""
    s3 = fake_aws.session(CUSTOMER, EAST).client("s3")
    s3_west = fake_aws.session(CUSTOMER, WEST).client("s3")
    key_id = str(
        fake_aws.session(CUSTOMER, EAST).client("kms").create_key()["KeyMetadata"]["KeyId"]
    )

    s3.create_bucket(Bucket="orders-log")
    s3.put_bucket_tagging(
        Bucket="orders-log", Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
    )
    s3.put_bucket_versioning(Bucket="orders-log", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket="orders-log",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_id,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket="orders-log",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket="orders-log",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "VendorRead",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::orders-log/*",
                    }
                ],
            }
        ),
    )
    s3_west.create_bucket(
        Bucket="orders-log-replica", CreateBucketConfiguration={"LocationConstraint": WEST}
    )
    s3_west.put_bucket_versioning(
        Bucket="orders-log-replica", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_replication(
        Bucket="orders-log",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{CUSTOMER}:role/s3-replication",
            "Rules": [
                {
                    "ID": "to-west",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {
                        "Bucket": "arn:aws:s3:::orders-log-replica",
                        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                        "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                        "EncryptionConfiguration": {
                            "ReplicaKmsKeyID": f"arn:aws:kms:{WEST}:{CUSTOMER}:key/mrk-1"
                        },
                    },
                    "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                }
            ],
        },
    )
    s3.create_bucket(Bucket="access-logs", ACL="log-delivery-write")
    s3.put_bucket_encryption(
        Bucket="access-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_logging(
        Bucket="orders-log",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": "orders-log/"}
        },
    )
    s3.create_bucket(Bucket="retained", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="retained",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}},
        },
    )
    s3.create_bucket(Bucket="legacy-eu", CreateBucketConfiguration={"LocationConstraint": "EU"})
    return key_id


def test_buckets_are_normalised_with_every_setting(fake_aws: FakeAws) -> None:
    key_id = _build_estate(fake_aws)
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST, WEST), services=("s3",))

    assert inv.gaps == ()
    buckets = _resources(inv, "bucket")
    assert sorted(buckets) == [
        "arn:aws:s3:::access-logs",
        "arn:aws:s3:::legacy-eu",
        "arn:aws:s3:::orders-log",
        "arn:aws:s3:::orders-log-replica",
        "arn:aws:s3:::retained",
    ]
    assert {b.name: b.region for b in buckets.values()} == {
        "access-logs": EAST,
        "legacy-eu": "eu-west-1",
        "orders-log": EAST,
        "orders-log-replica": WEST,
        "retained": EAST,
    }
    assert all(b.account == CUSTOMER and b.source == "s3:ListBuckets" for b in buckets.values())

    data = buckets["arn:aws:s3:::orders-log"]
    assert data.tags == {"data-class": "kafka-log"}
    assert dict(data.attributes) == {
        "name": "orders-log",
        "versioning": "Enabled",
        "encryption": {"algorithm": "aws:kms", "kms_key_id": key_id, "bucket_key": True},
        "public_access_block": {
            "block_public_acls": True,
            "ignore_public_acls": True,
            "block_public_policy": True,
            "restrict_public_buckets": True,
        },
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "VendorRead",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::orders-log/*",
                }
            ],
        },
        "policy_is_public": False,
        "replication": {
            "role": f"arn:aws:iam::{CUSTOMER}:role/s3-replication",
            "rules": [
                {
                    "id": "to-west",
                    "status": "Enabled",
                    "destination_bucket": "arn:aws:s3:::orders-log-replica",
                    "destination_account": None,
                    "replica_kms_key_id": f"arn:aws:kms:{WEST}:{CUSTOMER}:key/mrk-1",
                    "rtc": True,
                }
            ],
        },
        "logging": {"target_bucket": "access-logs", "target_prefix": "orders-log/"},
        "object_lock": None,
    }

    logs = buckets["arn:aws:s3:::access-logs"].attributes
    assert logs["encryption"] == {"algorithm": "AES256", "kms_key_id": None, "bucket_key": False}
    assert logs["public_access_block"] is None
    assert logs["policy"] is None
    assert logs["policy_is_public"] is False
    assert logs["versioning"] is None
    assert logs["replication"] is None
    assert logs["logging"] is None

    assert buckets["arn:aws:s3:::retained"].attributes["object_lock"] == {
        "enabled": True,
        "mode": "COMPLIANCE",
        "days": 30,
        "years": None,
    }
    assert buckets["arn:aws:s3:::retained"].attributes["versioning"] == "Enabled"

    source = "arn:aws:s3:::orders-log"
    assert _relations(inv, "data.encrypted_by") == {
        (source, f"arn:aws:kms:{EAST}:{CUSTOMER}:key/{key_id}"): {}
    }
    assert _relations(inv, "data.replicates_to") == {
        (source, "arn:aws:s3:::orders-log-replica"): {"rule_id": "to-west", "rtc": True}
    }
    assert _relations(inv, "data.logs_to") == {(source, "arn:aws:s3:::access-logs"): {}}
    assert _relations(inv, "control.runs_as") == {
        (source, f"arn:aws:iam::{CUSTOMER}:role/s3-replication"): {}
    }
    # AES256 encryption names no key: no data.encrypted_by edge from access-logs.
    assert all(r.source == source for r in inv.relations)


def test_kms_alias_and_default_key_references_resolve_in_the_bucket_region(
    fake_aws: FakeAws,
) -> None:
    s3 = fake_aws.session(CUSTOMER, WEST).client("s3")
    for name, default in (
        ("by-alias", {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/kafka"}),
        ("by-default-key", {"SSEAlgorithm": "aws:kms"}),
    ):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": WEST})
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
            },
        )
    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("s3",))
    assert _relations(inv, "data.encrypted_by") == {
        ("arn:aws:s3:::by-alias", f"arn:aws:kms:{WEST}:{CUSTOMER}:alias/kafka"): {},
        ("arn:aws:s3:::by-default-key", f"arn:aws:kms:{WEST}:{CUSTOMER}:alias/aws/s3"): {},
    }


def test_a_failing_bucket_read_is_a_gap_about_that_bucket(fake_aws: FakeAws) -> None:
    s3 = fake_aws.session(CUSTOMER, EAST).client("s3")
    s3.create_bucket(Bucket="healthy")
    s3.create_bucket(Bucket="odd-policy")
    # moto stores this policy but fails (HTTP 500) to evaluate its public status: a
    # real failed read, as an access-denied or throttled call would be.
    s3.put_bucket_policy(Bucket="odd-policy", Policy=json.dumps({"Statement": ["odd"]}))

    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("s3",))

    assert [(g.operation, g.resource, g.service, g.account) for g in inv.gaps] == [
        ("GetBucketPolicyStatus", "arn:aws:s3:::odd-policy", "s3", CUSTOMER)
    ]
    gap = inv.gaps[0]
    assert gap.covers(
        service="s3", account=CUSTOMER, region=EAST, resource="arn:aws:s3:::odd-policy"
    )
    assert not gap.covers(
        service="s3", account=CUSTOMER, region=EAST, resource="arn:aws:s3:::healthy"
    )
    # The bucket is not skipped: everything else about it was read.
    buckets = _resources(inv, "bucket")
    odd = buckets["arn:aws:s3:::odd-policy"].attributes
    assert odd["policy"] == {"Statement": ["odd"]}
    assert odd["policy_is_public"] is None  # unknown, not "not public"
    assert buckets["arn:aws:s3:::healthy"].attributes["policy_is_public"] is False
