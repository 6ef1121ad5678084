"""`auditor diff` over two real scans of an estate changed in between (boto3 over moto)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import BASE


def _bucket(fake_aws: FakeAws, account: str, region: str, name: str) -> None:
    s3 = fake_aws.session(account, region).client("s3")
    extra = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=name, **extra)
    s3.put_bucket_tagging(
        Bucket=name, Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
    )


def scan(creds: AuditorCredentials, decl: Path, out: Path, *extra: str) -> Path:
    before = set(out.iterdir()) if out.exists() else set()
    res = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE, *extra],
        env=creds.env(),
    )
    assert res.exit_code in (0, 1), res.output
    (bundle,) = set(out.iterdir()) - before
    return bundle


def declaration(tmp_path: Path) -> Path:
    path = tmp_path / "boundary.yaml"
    with path.open("w") as fh:
        YAML().dump(BASE, fh)
    return path


def two_scans(fake_aws: FakeAws, tmp_path: Path) -> tuple[Path, Path]:
    """Scan, then add a misplaced bucket and block public access on the first; scan again."""
    decl = declaration(tmp_path)
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    old = scan(creds, decl, tmp_path / "scans")
    _bucket(fake_aws, CUSTOMER_2, "eu-west-1", "orders-log-eu")
    fake_aws.session(CUSTOMER, "us-east-1").client("s3").put_public_access_block(
        Bucket="orders-log-primary",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    new = scan(creds, decl, tmp_path / "scans")
    return old, new


EU = "arn:aws:s3:::orders-log-eu"
PRIMARY = "arn:aws:s3:::orders-log-primary"


def test_diff_of_two_scans_in_every_format(fake_aws: FakeAws, tmp_path: Path) -> None:
    old, new = two_scans(fake_aws, tmp_path)
    runner = CliRunner()

    res = runner.invoke(main, ["diff", str(old), str(new), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "authenticity not checked" in res.stderr  # no key given, none configured
    doc = json.loads(res.stdout)
    assert (doc["old"], doc["new"]) == (old.name, new.name)
    assert {"id": EU, "kind": "bucket"} in doc["resources"]["added"]
    assert doc["resources"]["removed"] == []
    changed = {c["id"]: c for c in doc["resources"]["changed"]}
    fields = {ch["field"] for ch in changed[PRIMARY]["changes"]}
    assert any(f.startswith("attributes.") for f in fields), fields
    new_fail = {(v["rule"], v["resource"]) for v in doc["verdicts"]["new_failure"]}
    assert ("data.store-location", EU) in new_fail
    assert all(v["new_status"] == "FAIL" for v in doc["verdicts"]["new_failure"])
    # the same bundle against itself: nothing changed
    same = runner.invoke(main, ["diff", str(new), str(new), "--format", "json"])
    again = json.loads(same.stdout)
    assert again["resources"] == {"added": [], "removed": [], "changed": []}
    assert all(not v for v in again["verdicts"].values())

    text = runner.invoke(main, ["diff", str(old), str(new)])
    assert text.exit_code == 0
    assert text.stdout.startswith(f"diff {old.name} -> {new.name}\n")
    assert "New failures (" in text.stdout
    assert f"data.store-location {EU}: - -> FAIL" in text.stdout
    assert "Resources added" in text.stdout

    md = runner.invoke(main, ["diff", str(old), str(new), "--format", "md"])
    assert md.exit_code == 0
    assert md.stdout.startswith("# Boundary diff:")
    assert "## New failures" in md.stdout
    # deterministic
    assert runner.invoke(main, ["diff", str(old), str(new), "--format", "md"]).stdout == md.stdout

    # reversed: the new failure is fixed (its resource is gone)
    back = json.loads(runner.invoke(main, ["diff", str(new), str(old), "--format", "json"]).stdout)
    assert ("data.store-location", EU) in {
        (v["rule"], v["resource"]) for v in back["verdicts"]["fixed"]
    }
    assert {"id": EU, "kind": "bucket"} in back["resources"]["removed"]


def test_diff_refuses_a_tampered_or_missing_bundle(fake_aws: FakeAws, tmp_path: Path) -> None:
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    good = scan(creds, declaration(tmp_path), tmp_path / "scans")
    res = CliRunner().invoke(main, ["diff", str(good), str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "not intact" in res.output
    verdicts = good / "verdicts.json"
    verdicts.write_bytes(verdicts.read_bytes().replace(b"PASS", b"FAIL", 1))
    res = CliRunner().invoke(main, ["diff", str(good), str(good)])
    assert res.exit_code == 2
    assert "verdicts.json: hash mismatch" in res.output


def _findings(bundle: Path) -> dict[str, dict[str, Any]]:
    doc = json.loads((bundle / "findings.json").read_text(encoding="utf-8"))
    return {f["id"]: f for f in doc}


def test_diff_reports_new_and_fixed_findings_by_stable_id(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    old, new = two_scans(fake_aws, tmp_path)
    before, after = _findings(old), _findings(new)
    # every FAIL/WAIVED verdict names its finding, and findings.json holds exactly those
    for bundle, found in ((old, before), (new, after)):
        verdicts = json.loads((bundle / "verdicts.json").read_text(encoding="utf-8"))
        grouped = {
            (v["rule"], v["resource"]): v["finding"]
            for v in verdicts
            if v["status"] in ("FAIL", "WAIVED")
        }
        assert all(grouped.values())
        assert grouped == {
            (r["rule"], r["resource"]): fid for fid, f in found.items() for r in f["verdicts"]
        }
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        counted = manifest["findings"]
        assert sum(counted["FAIL"].values()) + sum(counted["WAIVED"].values()) == len(found)
    eu = next(fid for fid, f in after.items() if f["causes"] == [EU])
    assert eu not in before

    doc = json.loads(
        CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "json"]).stdout
    )
    failing = {fid for fid, f in after.items() if f["status"] == "FAIL"}
    was_failing = {fid for fid, f in before.items() if f["status"] == "FAIL"}
    # two scans of one estate: an unchanged misconfiguration keeps its id, so only the
    # findings the change made are new, and only those it removed are fixed
    assert {f["id"] for f in doc["findings"]["new"]} == failing - was_failing
    assert eu in {f["id"] for f in doc["findings"]["new"]}
    assert {f["id"] for f in doc["findings"]["fixed"]} == was_failing - set(after)
    assert failing & was_failing, "no finding survived the change: nothing shows ids are stable"

    back = json.loads(
        CliRunner().invoke(main, ["diff", str(new), str(old), "--format", "json"]).stdout
    )
    assert eu in {f["id"] for f in back["findings"]["fixed"]}
    lines = CliRunner().invoke(main, ["diff", str(new), str(old)]).stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Fixed findings ("))
    section = list(itertools.takewhile(lambda line: line.startswith("  "), lines[start + 1 :]))
    assert any(f" {eu} (" in line for line in section), lines
