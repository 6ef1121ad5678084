"""`scan --keep-raw`: the raw API responses in the bundle, redacted, hashed, signed, stable.

A secret is planted where only key-based redaction can find it (the value of a
tag named ``db-password`` looks like nothing in particular), in EC2 user data,
and in an IAM role's tags and description; none of them may reach any bundle
file, while the records around them (the instance, the role) are kept.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.bundle import verify_bundle
from auditor.evidence.load import load_bundle
from auditor.evidence.signing import generate_keypair, load_public_key
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.e2e.test_diff_cli import declaration
from tests.plant import ec2_role, tagged_instance

TAG_SECRET = "correct-horse-battery-staple"
USER_DATA_SECRET = "hunter2-in-user-data"
ROLE_SECRET = "s.vaultroletoken42"
USER_DATA = f"#!/bin/bash\nexport KAFKA_ADMIN_PASSWORD={USER_DATA_SECRET}\n"
PLANTED = (
    TAG_SECRET,
    USER_DATA_SECRET,
    ROLE_SECRET,
    base64.b64encode(USER_DATA.encode()).decode()[:24],
)


def _estate(fake_aws: FakeAws) -> str:
    session = fake_aws.session(CUSTOMER)
    instance, _ = tagged_instance(
        session.client("ec2"),
        vpc_cidr="10.0.0.0/16",
        subnet_cidr="10.0.1.0/24",
        user_data=USER_DATA,
        tags={"Name": "broker-1", "platform": "orders-kafka", "db-password": TAG_SECRET},
    )
    ec2_role(
        session.client("iam"),
        "kafka-ops",
        description=f"ops; token={ROLE_SECRET}",
        tags={"vault-token": ROLE_SECRET},
    )
    return instance


def _scan(creds: AuditorCredentials, decl: Path, out: Path, *extra: str) -> Path:
    before = set(out.iterdir()) if out.exists() else set()
    res = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE, *extra],
        env=creds.env(),
    )
    assert res.exit_code in (0, 1), res.output
    (bundle,) = set(out.iterdir()) - before
    return bundle


def test_keep_raw_keeps_redacted_responses_under_the_signature(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    instance = _estate(fake_aws)
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = declaration(tmp_path)
    key, pub = generate_keypair(tmp_path / "signing")
    out = tmp_path / "scans"
    bundle = _scan(creds, decl, out, "--keep-raw", "--sign-key", str(key))

    raw = sorted(p.relative_to(bundle).as_posix() for p in (bundle / "raw").rglob("*.jsonl"))
    assert f"raw/aws/{CUSTOMER}/us-east-1/ec2-compute.jsonl" in raw
    assert f"raw/aws/{CUSTOMER}/global/iam.jsonl" in raw
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["raw"] == {"redacted": True, "files": raw}
    listed = {line.split("  ", 1)[1] for line in (bundle / "SHA256SUMS").read_text().splitlines()}
    assert set(raw) <= listed
    result = verify_bundle(bundle, load_public_key(pub))
    assert result.ok and result.signature == "valid", result.problems

    # The records are kept (the instance and its tags), the secrets are not.
    lines = (bundle / f"raw/aws/{CUSTOMER}/us-east-1/ec2-compute.jsonl").read_text().splitlines()
    assert lines == sorted(lines)
    records = [json.loads(line) for line in lines]
    (inst,) = [
        r["data"]
        for r in records
        if r["type"] == "ec2:instance" and r["data"]["InstanceId"] == instance
    ]
    assert {"Key": "db-password", "Value": "[REDACTED:password]"} in inst["Tags"]
    assert {"Key": "Name", "Value": "broker-1"} in inst["Tags"]
    iam = (bundle / f"raw/aws/{CUSTOMER}/global/iam.jsonl").read_text()
    assert "kafka-ops" in iam
    for path in bundle.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in PLANTED:
                assert secret.encode() not in data, f"{secret!r} leaked into {path.name}"

    # Readers still work, and replay reproduces the verdicts byte for byte.
    loaded = load_bundle(bundle)
    assert any(r.id.endswith(instance) for r in loaded.inventory.resources)
    res = CliRunner().invoke(main, ["evaluate", str(bundle), "--out", str(tmp_path / "re")])
    assert res.exit_code == 0, res.output
    (again,) = list((tmp_path / "re").iterdir())
    for name in ("verdicts.json", "inventory.jsonl", "graph.json"):
        assert (again / name).read_bytes() == (bundle / name).read_bytes(), name

    # Same answers, same raw bytes, whatever order parallel collection finished in. (IAM's
    # answers do change: RoleLastUsed records the auditor's own AssumeRole.)
    second = _scan(creds, decl, out, "--keep-raw")
    for name in raw:
        if not name.endswith("/iam.jsonl"):
            assert (second / name).read_bytes() == (bundle / name).read_bytes(), name
    target = bundle / raw[0]
    target.write_bytes(target.read_bytes().replace(b"{", b"[", 1))
    problems = verify_bundle(bundle).problems
    assert problems == [f"{raw[0]}: hash mismatch (file changed)"]


def test_without_keep_raw_there_is_no_raw_folder(fake_aws: FakeAws, tmp_path: Path) -> None:
    _estate(fake_aws)
    creds = fake_aws.auditor((CUSTOMER,))
    bundle = _scan(creds, declaration(tmp_path), tmp_path / "scans")
    assert not (bundle / "raw").exists()
    assert "raw" not in json.loads((bundle / "manifest.json").read_text())
