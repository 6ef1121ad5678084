"""KMS keys collected through real boto3 over moto, normalised per docs/inventory.md."""

from __future__ import annotations

import json

from auditor.model import Inventory, Resource
from tests.conftest import CUSTOMER, VENDOR, FakeAws

EAST = "us-east-1"
WEST = "us-west-2"

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Owner",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "VendorEncryptOnly",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:role/automation"},
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        },
    ],
}


def _keys(inv: Inventory) -> dict[str, Resource]:
    return {r.id: r for r in inv.resources if r.kind == "key"}


def test_multi_region_key_replica_rotation_and_policy(fake_aws: FakeAws) -> None:
    east = fake_aws.session(CUSTOMER, EAST).client("kms")
    primary = east.create_key(
        MultiRegion=True,
        Policy=json.dumps(POLICY),
        Tags=[{"TagKey": "data-class", "TagValue": "kafka-log"}],
    )["KeyMetadata"]
    east.enable_key_rotation(KeyId=primary["KeyId"])
    east.create_alias(AliasName="alias/orders-kafka", TargetKeyId=primary["KeyId"])
    east.replicate_key(KeyId=primary["KeyId"], ReplicaRegion=WEST)
    plain = east.create_key(Description="no rotation")["KeyMetadata"]
    signing = east.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]

    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST, WEST), services=("kms",))

    assert inv.gaps == ()
    key_id = primary["KeyId"]
    primary_arn = f"arn:aws:kms:{EAST}:{CUSTOMER}:key/{key_id}"
    replica_arn = f"arn:aws:kms:{WEST}:{CUSTOMER}:key/{key_id}"
    plain_arn = f"arn:aws:kms:{EAST}:{CUSTOMER}:key/{plain['KeyId']}"
    signing_arn = f"arn:aws:kms:{EAST}:{CUSTOMER}:key/{signing['KeyId']}"
    keys = _keys(inv)
    assert sorted(keys) == sorted([primary_arn, replica_arn, plain_arn, signing_arn])
    assert {k.id: k.region for k in keys.values()} == {
        primary_arn: EAST,
        replica_arn: WEST,
        plain_arn: EAST,
        signing_arn: EAST,
    }

    mr = keys[primary_arn]
    assert mr.account == CUSTOMER
    assert mr.name == "alias/orders-kafka"
    assert mr.tags == {"data-class": "kafka-log"}
    assert mr.source == "kms:DescribeKey"
    assert dict(mr.attributes) == {
        "key_id": key_id,
        "key_manager": "CUSTOMER",
        "key_state": "Enabled",
        "key_usage": "ENCRYPT_DECRYPT",
        "multi_region": True,
        "multi_region_type": "PRIMARY",
        "primary_key_arn": primary_arn,
        "replica_key_arns": [replica_arn],
        "rotation_enabled": True,
        "policy": POLICY,
        "aliases": ["alias/orders-kafka"],
    }

    replica = keys[replica_arn].attributes
    assert replica["multi_region"] is True
    assert replica["multi_region_type"] == "REPLICA"
    assert replica["primary_key_arn"] == primary_arn
    # Aliases are regional: the primary's alias does not name the replica.
    assert replica["aliases"] == []

    no_rotation = keys[plain_arn].attributes
    assert no_rotation["rotation_enabled"] is False
    assert no_rotation["multi_region"] is False
    assert no_rotation["multi_region_type"] is None
    assert no_rotation["primary_key_arn"] is None
    assert no_rotation["replica_key_arns"] == []
    assert no_rotation["policy"]["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws:iam::{CUSTOMER}:root"
    }

    # Rotation does not apply to asymmetric keys: null, and no failed call either.
    assert keys[signing_arn].attributes["rotation_enabled"] is None
    assert keys[signing_arn].attributes["key_usage"] == "SIGN_VERIFY"
    assert "kms:GetKeyRotationStatus" in inv.api_calls

    assert [(r.source, r.target, r.kind) for r in inv.relations] == [
        (replica_arn, primary_arn, "data.replica_of")
    ]
