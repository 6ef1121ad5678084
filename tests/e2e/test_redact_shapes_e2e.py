"""Every secret shape of the table reaches no file of a ``--keep-raw`` bundle (#18 item 3).

The shapes of ``tests/secret_shapes.py`` are planted in the moto fake where
estates hold them: EC2 instance tags under neutral keys (found by shape), tags
whose keys name a secret (found by name), a network interface description and
a role description; a vendor trust carries an ``sts:ExternalId``. A scan with
``--keep-raw`` then runs through the CLI, and every bundle file (``raw/``
included) and the terminal output are searched for each planted value. The
ExternalId survives only as its stable hash, and the rule that needs it still
sees that the trust requires one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.base.redact import external_id_mark
from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, VENDOR, FakeAws
from tests.helpers import BASE
from tests.plant import ec2_role, tagged_instance
from tests.secret_shapes import NAMED, SHAPES

pytestmark = pytest.mark.e2e

EXTERNAL_ID = "Pl4ntedExternalId-7f3a-shared-with-vendor"
VENDOR_ROLE = "vendor-ops"


def _plant(fake_aws: FakeAws) -> None:
    session = fake_aws.session(CUSTOMER)
    ec2 = session.client("ec2")
    by_shape = {f"note-{i:02}": text for i, (_, text, _) in enumerate(SHAPES)}
    tags = [*by_shape.items(), *NAMED]
    for n, start in enumerate(range(0, len(tags), 45)):
        _, subnet = tagged_instance(
            ec2,
            vpc_cidr=f"10.{n}.0.0/16",
            subnet_cidr=f"10.{n}.1.0/24",
            tags={"platform": "orders-kafka", **dict(tags[start : start + 45])},
        )
    for _, text, _ in SHAPES[:10]:
        ec2.create_network_interface(SubnetId=subnet, Description=text[:255])
    ec2_role(
        session.client("iam"),
        "kafka-ops",
        description=" ".join(text for _, text, _ in SHAPES[20:26]).replace("\n", " ")[:1000],
        tags={"team": "platform"},
    )
    session.client("iam").create_role(
        RoleName=VENDOR_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
                    }
                ],
            }
        ),
    )


def test_no_secret_shape_reaches_any_file_of_a_keep_raw_bundle(
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
        [
            *("scan", "--boundary", str(decl), "--out", str(out)),
            *("--assume-role", AUDITOR_ROLE, "--keep-raw", "--region", "us-east-1"),
        ],
        env=creds.env(),
    )
    assert result.exit_code in (0, 1, 3), result.output
    (bundle,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    texts = {
        str(p.relative_to(bundle)): p.read_text(encoding="utf-8", errors="replace") for p in files
    }
    assert any(name.startswith("raw") for name in texts), "--keep-raw wrote no raw records"
    texts["<terminal>"] = result.output

    planted = [(label, secret) for label, _, secret in SHAPES]
    planted += [(f"tag {key}", value) for key, value in NAMED]
    planted.append(("sts:ExternalId", EXTERNAL_ID))
    leaks = {
        label: [name for name, text in texts.items() if secret in text] for label, secret in planted
    }
    assert {k: v for k, v in leaks.items() if v} == {}

    # Not vacuous: the carriers were collected, their values redacted, the id hashed.
    rows = [json.loads(line) for line in texts["inventory.jsonl"].splitlines() if line.strip()]
    instances = [r for r in rows if r.get("kind") == "instance"]
    assert len(instances) >= 2
    tags = {k: v for r in instances for k, v in r["tags"].items()}
    assert tags["platform"] == "orders-kafka"
    assert all("[REDACTED:" in tags[key] for key, _ in NAMED)
    assert external_id_mark(EXTERNAL_ID) in texts["inventory.jsonl"]
    assert any(external_id_mark(EXTERNAL_ID) in t for n, t in texts.items() if n.startswith("raw"))
