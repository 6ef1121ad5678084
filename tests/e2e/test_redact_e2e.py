"""Secrets planted in the cloud reach neither the bundle nor the terminal.

Secrets go where real estates leak them: bucket and instance tags (by key
and by shape), an instance Name, a network interface description, a role
description and tags, and the Sids of a bucket policy. A full `auditor scan`
then runs through the CLI, and every file of the bundle and the command's
output are searched for each planted value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.evidence.bundle import verify_bundle
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import BASE
from tests.plant import ec2_role, tagged_instance

pytestmark = pytest.mark.e2e

ACCESS_KEY_ID = "AKIAPLANTED7EXAMPLE1"
SECRET_KEY = "wJalrXUtnFEMIK7MDENGbPxRfiCYPLANTED0KEY1"
PASSWORD = "Pl4ntedPassw0rd"
DB_PASSWORD = "Pl4ntedDbPass"
TOKEN = "Pl4ntedTok3nValue"
API_KEY = "Pl4ntedApiKeyValue"
GITHUB_TOKEN = "ghp_" + "Pl4nted" * 5
PRIVATE_KEY_BODY = "MIIEpAIBAAKCAQEAPl4ntedPrivateKeyMaterial"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    f"{PRIVATE_KEY_BODY}\nAbCdEf0123\n"
    "-----END RSA PRIVATE KEY-----"
)
BUCKET_SID_KEY = "AKIAPLANTEDSID000001"
SID_SECRET = "PlantedSidSecret0123456789abcdefABCDEF01"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQbDRudGVkIn0.Pl4ntedSignature"

PLANTED = (
    ACCESS_KEY_ID,
    SECRET_KEY,
    PASSWORD,
    DB_PASSWORD,
    TOKEN,
    API_KEY,
    GITHUB_TOKEN,
    PRIVATE_KEY_BODY,
    BUCKET_SID_KEY,
    SID_SECRET,
    JWT,
)


def _plant(fake_aws: FakeAws) -> None:
    assert len(SECRET_KEY) == 40 and len(SID_SECRET) == 40
    session = fake_aws.session(CUSTOMER)
    s3 = session.client("s3")
    bucket = "orders-log-primary"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(
        Bucket=bucket,
        Tagging={
            "TagSet": [
                {"Key": "data-class", "Value": "kafka-log"},
                {"Key": "db-password", "Value": DB_PASSWORD},
                {"Key": "deploy-key", "Value": ACCESS_KEY_ID},
                {"Key": "backup-target", "Value": f"postgres://admin:{PASSWORD}@db.internal/app"},
                {"Key": "ci", "Value": GITHUB_TOKEN},
            ]
        },
    )
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": sid,
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                    for sid in (BUCKET_SID_KEY, SID_SECRET)
                ],
            }
        ),
    )

    ec2 = session.client("ec2")
    _, subnet = tagged_instance(
        ec2,
        vpc_cidr="10.0.0.0/16",
        subnet_cidr="10.0.1.0/24",
        tags={
            "Name": f"broker-1 token={TOKEN}",
            "platform": "orders-kafka",
            "api_key": API_KEY,
            "aws-secret": SECRET_KEY,
            "session": JWT,
        },
    )
    ec2.create_network_interface(SubnetId=subnet, Description=f"bootstrap {PRIVATE_KEY}")
    ec2_role(
        session.client("iam"),
        "kafka-ops",
        description=f"ops role; password={PASSWORD} key {ACCESS_KEY_ID}",
        tags={"token": TOKEN},
    )


def test_no_planted_secret_reaches_the_bundle_or_the_terminal(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    _plant(fake_aws)
    creds = fake_aws.auditor((CUSTOMER,))
    decl = tmp_path / "boundary.yaml"
    base = dict(BASE)
    base["parties"] = {**BASE["parties"], "customer": {"aws": {"accounts": [CUSTOMER]}}}
    with decl.open("w") as fh:
        YAML().dump(base, fh)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE],
        env=creds.env(),
    )
    assert result.exit_code in (0, 1, 3), result.output
    (bundle,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert verify_bundle(bundle).ok

    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    assert {"inventory.jsonl", "graph.json", "verdicts.json", "report.md"} <= {
        p.name for p in files
    }
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in files}
    texts["<terminal>"] = result.output
    for secret in PLANTED:
        leaks = [name for name, text in texts.items() if secret in text]
        assert leaks == [], f"planted secret {secret[:12]}... found in {leaks}"

    # Not vacuous: the resources holding the secrets were collected, redacted.
    inventory = texts["inventory.jsonl"]
    for kind in (
        "password",
        "aws-access-key-id",
        "connection-string",
        "token",
        "api-key",
        "secret",
        "private-key",
        "jwt",
    ):
        assert f"[REDACTED:{kind}]" in inventory, kind
    rows = [json.loads(line) for line in inventory.splitlines() if line.strip()]
    bucket = next(r for r in rows if r.get("id") == "arn:aws:s3:::orders-log-primary")
    assert bucket["tags"]["data-class"] == "kafka-log"  # harmless tags are kept
    sids = [st["Sid"] for st in bucket["attributes"]["policy"]["Statement"]]
    assert sids == ["[REDACTED:aws-access-key-id]", "[REDACTED:aws-secret-access-key]"]
    assert any(r.get("kind") == "instance" for r in rows)
    assert any(r.get("kind") == "interface" for r in rows)
