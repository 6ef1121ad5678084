"""Secret redaction: secret shapes and secret-named tags are replaced, ids and facts are not."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.base.redact import (
    mark,
    redact_resource,
    redact_tags,
    redact_text,
    redact_value,
    secret_tag_kind,
)
from auditor.normalize import Builder

SECRETS: list[tuple[str, str, str]] = [
    # (text, the secret part that must vanish, kind)
    ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws-access-key-id"),
    ("temp ASIAY34FZKBOKMUTVV7A here", "ASIAY34FZKBOKMUTVV7A", "aws-access-key-id"),
    (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws-secret-access-key",
    ),
    ("password=hunter2", "hunter2", "password"),
    ("db_passwd: 'S3cr3t!'", "S3cr3t!", "password"),
    ("Server=db;User Id=sa;Pwd=Tr0ub4dor;", "Tr0ub4dor", "password"),
    ("token=abc123def", "abc123def", "token"),
    ("X-Auth-Token: qwertyuiop", "qwertyuiop", "token"),
    ("apikey=zzz-111-yyy", "zzz-111-yyy", "api-key"),
    ("API_KEY=zzz111", "zzz111", "api-key"),
    ("AWS_SECRET_ACCESS_KEY=abcd/efgh", "abcd/efgh", "secret"),
    ("client_secret=oauthvalue", "oauthvalue", "secret"),
    ("credentials: user1:pa55", "user1:pa55", "credential"),
    ("postgres://admin:Pa55w0rd@db.internal:5432/app", "Pa55w0rd", "connection-string"),
    ("amqps://svc:s3cr3t@mq.example.com", "s3cr3t", "connection-string"),
    ("Authorization: Bearer abcdefghijklmnop1234", "abcdefghijklmnop1234", "token"),
    ("ghp_" + "a1B2" * 9, "ghp_" + "a1B2" * 9, "token"),
    ("xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij", "token"),
    (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "jwt",
    ),
    (
        "key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- end",
        "MIIEvQIBADANBg",
        "private-key",
    ),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", "b3BlbnNzaC1rZXk", "private-key"),
]

HARMLESS = [
    "arn:aws:iam::111111111111:role/vendor-operator",
    "arn:aws:iam::111111111111:role/AVeryLongRoleNameWith40CharsAndDigits12",
    "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "secretsmanager:GetSecretValue",
    "sts:GetSessionToken",
    "aws:SecureTransport",
    "sts:ExternalId",
    "kafka-log",
    "10.0.0.0/8",
    "https://example.com/path?x=1",
    "db.example.internal:5432",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # a sha1: lowercase hex, not a key
    "AROAEXAMPLEROLEID1234",  # a role's unique id is not a credential
    "vpc-0a1b2c3d4e5f67890",
    "alias/OrdersKafkaPrimaryDataKey2024xyzAB",  # 40 characters, but a KMS alias
    # a flow log key path: "logs/AWSLogs/<account>/vpcflowlogs/us" is 40 characters
    "s3://archive/vpc-flow-logs/AWSLogs/111111111111/vpcflowlogs/us-east-1/",
    "the secret is safe",
    "tokens are rotated daily",
    "",
]


@pytest.mark.parametrize(("text", "secret", "kind"), SECRETS)
def test_secret_shapes_are_redacted(text: str, secret: str, kind: str) -> None:
    out = redact_text(text)
    assert secret not in out
    assert mark(kind) in out
    assert redact_text(out) == out  # idempotent


@pytest.mark.parametrize("text", HARMLESS)
def test_facts_are_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_assignment_keeps_its_name_for_the_reviewer() -> None:
    assert redact_text("a password=x1 b") == "a password=[REDACTED:password] b"
    assert redact_text("postgres://u:p4ss@h/db") == "postgres://u:[REDACTED:connection-string]@h/db"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("db-password", "password"),
        ("DB_PWD", "password"),
        ("api-key", "api-key"),
        ("slack_token", "token"),
        ("client-secret", "secret"),
        ("tls-private-key", "private-key"),
        ("credentials", "credential"),
        ("mongo-connection-string", "connection-string"),
        ("Name", None),
        ("data-class", None),
        ("platform", None),
    ],
)
def test_secret_tag_keys(key: str, kind: str | None) -> None:
    assert secret_tag_kind(key) == kind


def test_tags_are_redacted_by_key_and_by_shape() -> None:
    tags = redact_tags(
        {
            "db-password": "anything at all",
            "Name": "broker token=t0k",
            "deploy": "AKIAIOSFODNN7EXAMPLE",
            "password=hunter2": "x",
            "token": "",
            "platform": "orders-kafka",
        }
    )
    assert tags == {
        "db-password": "[REDACTED:password]",
        "Name": "broker token=[REDACTED:token]",
        "deploy": "[REDACTED:aws-access-key-id]",
        "password=[REDACTED:password]": "[REDACTED:password]",
        "token": "",
        "platform": "orders-kafka",
    }
    assert redact_tags(tags) == tags


def test_tag_keys_redacted_alike_stay_distinct() -> None:
    tags = redact_tags({"password=a": "1", "password=b": "2", "env": "prod"})
    assert tags == {
        "password=[REDACTED:password]": "[REDACTED:password]",
        "password=[REDACTED:password]#2": "[REDACTED:password]",
        "env": "prod",
    }


def test_nested_values_and_keys_are_redacted() -> None:
    policy = {
        "Statement": [
            {"Sid": "AKIAIOSFODNN7EXAMPLE", "Action": ["s3:GetObject"], "Resource": "*"},
            {"Condition": {"StringEquals": {"aws:PrincipalTag/x": "token=abc"}}},
        ],
        "count": 3,
        "flag": None,
    }
    out = redact_value(policy)
    text = json.dumps(out)
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "abc" not in text
    assert out["count"] == 3 and out["flag"] is None
    assert out["Statement"][0]["Action"] == ["s3:GetObject"]


def test_builder_redacts_every_resource_but_never_its_id() -> None:
    b = Builder(check_schema=False)  # made-up attributes: redaction alone
    rid = "arn:aws:ec2:us-east-1:111111111111:instance/i-1"
    b.resource(
        id=rid,
        cloud="aws",
        kind="instance",
        account="111111111111",
        region="us-east-1",
        name="broker password=p1",
        tags={"api_key": "k-123", "env": "prod"},
        attributes={"description": "AKIAIOSFODNN7EXAMPLE", "instance_id": "i-1", "n": 1},
    )
    b.resource(
        id=rid,
        cloud="aws",
        kind="instance",
        account="111111111111",
        region="us-east-1",
        tags={"token": "merged-later"},
        attributes={"more": "Bearer abcdefghijklmnopqrstu"},
    )
    (res,) = b.resources()
    assert res.id == rid
    assert res.name == "broker password=[REDACTED:password]"
    assert res.tags == {
        "api_key": "[REDACTED:api-key]",
        "env": "prod",
        "token": "[REDACTED:token]",
    }
    assert res.attributes == {
        "description": "[REDACTED:aws-access-key-id]",
        "instance_id": "i-1",
        "n": 1,
        "more": "Bearer [REDACTED:token]",
    }


def test_redact_resource_returns_plain_dicts() -> None:
    name, tags, attrs = redact_resource("n", {"a": "b"}, {"c": ["d"]})
    assert (name, tags, attrs) == ("n", {"a": "b"}, {"c": ["d"]})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_property_redaction_is_idempotent_and_total(text: str) -> None:
    once = redact_text(text)
    assert isinstance(once, str)
    assert redact_text(once) == once


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(max_size=30),
    suffix=st.text(max_size=30),
    key=st.from_regex(r"(AKIA|ASIA)[A-Z0-9]{16}", fullmatch=True),
)
def test_property_an_access_key_id_never_survives(prefix: str, suffix: str, key: str) -> None:
    # Glued to letters or digits it is not a key id (no word boundary); spaced, it always is.
    assert key not in redact_text(f"{prefix} {key} {suffix}")
