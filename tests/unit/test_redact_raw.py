"""Redaction of raw API responses (``scan --keep-raw``) and their bundle files."""

from __future__ import annotations

import base64
import json
import random

from auditor.base.redact import redact_raw
from auditor.evidence.raw import raw_files, raw_path
from auditor.model import RawRecord

SECRET = "plain-looking-value-7"
USER_DATA = base64.b64encode(f"#!/bin/sh\necho {SECRET}\n".encode()).decode()


def _flat(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def test_user_data_and_environment_lose_every_value_but_names() -> None:
    raw = {
        "LaunchTemplateData": {"UserData": USER_DATA, "ImageId": "ami-1"},
        "UserData": {"Value": USER_DATA},
        "Environment": {"Variables": {"DB_URL": SECRET, "MODE": "prod"}},
        "containerDefinitions": [
            {"name": "broker", "environment": [{"name": "KAFKA_PASS", "value": SECRET}]}
        ],
    }
    out = redact_raw(raw)
    assert SECRET not in _flat(out) and USER_DATA not in _flat(out)
    assert out["LaunchTemplateData"] == {"UserData": "[REDACTED:user-data]", "ImageId": "ami-1"}
    assert out["UserData"] == {"Value": "[REDACTED:user-data]"}
    assert out["Environment"] == {
        "Variables": {"DB_URL": "[REDACTED:environment]", "MODE": "[REDACTED:environment]"}
    }
    assert out["containerDefinitions"][0]["environment"] == [
        {"name": "KAFKA_PASS", "value": "[REDACTED:environment]"}
    ]
    assert out["containerDefinitions"][0]["name"] == "broker"


def test_tags_in_every_aws_shape_lose_values_whose_key_names_a_secret() -> None:
    raw = {
        "Tags": [{"Key": "db-password", "Value": SECRET}, {"Key": "team", "Value": "kafka"}],
        "KeyTags": [{"TagKey": "api_key", "TagValue": SECRET}],
        "Cluster": {"Tags": {"vault-token": SECRET, "platform": "orders-kafka"}},
    }
    out = redact_raw(raw)
    assert SECRET not in _flat(out)
    assert out["Tags"] == [
        {"Key": "db-password", "Value": "[REDACTED:password]"},
        {"Key": "team", "Value": "kafka"},
    ]
    assert out["KeyTags"] == [{"TagKey": "api_key", "TagValue": "[REDACTED:api-key]"}]
    assert out["Cluster"]["Tags"] == {"vault-token": "[REDACTED:token]", "platform": "orders-kafka"}


def test_secret_named_fields_go_references_stay_and_shapes_are_caught_anywhere() -> None:
    raw = {
        "MasterUserPassword": SECRET,
        "Credentials": {"SecretAccessKey": SECRET, "SessionToken": SECRET},
        "MasterUserSecret": {"SecretId": "rds-master", "SecretStatus": "active"},
        "KmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/abc",
        "PasswordReusePrevention": 24,
        "Description": "bootstrap with AKIAABCDEFGHIJKLMNOP",
        "InstanceId": "i-0123456789abcdef0",
    }
    out = redact_raw(raw)
    assert SECRET not in _flat(out)
    assert out["MasterUserPassword"] == "[REDACTED:password]"
    assert out["Credentials"]["SecretAccessKey"] == "[REDACTED:secret]"
    assert out["MasterUserSecret"] == raw["MasterUserSecret"]
    assert out["KmsKeyId"] == raw["KmsKeyId"]
    assert out["PasswordReusePrevention"] == 24
    assert "AKIA" not in out["Description"]
    assert out["InstanceId"] == raw["InstanceId"]
    assert redact_raw(out) == out  # idempotent


def _record(account: str, region: str, service: str, n: int) -> RawRecord:
    return RawRecord(
        cloud="aws",
        account=account,
        region=region,
        service=service,
        type="t",
        data={"n": n, "Tags": [{"Key": "password", "Value": SECRET}]},
        operation="svc:Op",
    )


def test_raw_files_are_grouped_sorted_and_independent_of_arrival_order() -> None:
    records = [
        _record(a, r, s, n)
        for a in ("111111111111", "222222222222")
        for r in ("global", "us-east-1")
        for s in ("ec2-network", "iam")
        for n in range(3)
    ]
    first = raw_files(records)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    assert raw_files(shuffled) == first
    assert list(first) == sorted(first)
    assert "raw/aws/111111111111/us-east-1/iam.jsonl" in first
    lines = first["raw/aws/111111111111/us-east-1/iam.jsonl"].decode().splitlines()
    assert [json.loads(x)["data"]["n"] for x in lines] == [0, 1, 2]
    assert all(SECRET.encode() not in data for data in first.values())


def test_raw_paths_cannot_escape_the_raw_folder() -> None:
    evil = RawRecord(
        cloud="aws", account="../..", region="/etc", service=".hidden", type="t", data={}
    )
    path = raw_path(evil)
    assert path.startswith("raw/aws/") and ".." not in path.split("/")
    assert not any(part.startswith(".") for part in path.split("/"))
