"""`auditor scan` end to end: real boto3 over moto, a bundle on disk, verified, reproducible."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.evidence.bundle import verify_bundle
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import BASE

BUNDLE_FILES = {
    "manifest.json",
    "declaration.yaml",
    "inventory.jsonl",
    "graph.json",
    "verdicts.json",
    "findings.json",
    "asff.json",
    "report.md",
    "report.html",
    "accountability.csv",
    "verdicts.csv",
    "report.sarif",
    "junit.xml",
    "ocsf.jsonl",
    "timings.json",
    "SHA256SUMS",
}


def _declaration(tmp_path: Path) -> Path:
    path = tmp_path / "boundary.yaml"
    with path.open("w") as fh:
        YAML().dump(BASE, fh)
    return path


def _estate(fake_aws: FakeAws) -> AuditorCredentials:
    """Two private, tagged log buckets: one in a declared region, one in eu-west-1."""
    for account, region, name in (
        (CUSTOMER, "us-east-1", "orders-log-primary"),
        (CUSTOMER_2, "eu-west-1", "orders-log-eu"),
    ):
        s3 = fake_aws.session(account, region).client("s3")
        extra = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=name, **extra)
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_tagging(
            Bucket=name, Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
        )
    return fake_aws.auditor((CUSTOMER, CUSTOMER_2))


def _scan(creds: AuditorCredentials, decl: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE, *extra],
        env=creds.env(),
    )
    return result.exit_code, result.output


def test_scan_writes_a_verified_bundle_and_exits_on_failures(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds = _estate(fake_aws)
    code, output = _scan(creds, _declaration(tmp_path), tmp_path / "out")
    assert code == 1, output  # the eu-west-1 bucket breaks data.store-location (high)
    (bundle,) = list((tmp_path / "out").iterdir())
    assert {p.name for p in bundle.iterdir()} == BUNDLE_FILES
    assert verify_bundle(bundle).ok
    assert f"evidence bundle: {bundle}" in output.replace("\n", "")

    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["scope"]["accounts"] == [CUSTOMER, CUSTOMER_2]
    assert manifest["api_calls_total"] > 0
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    by = {(v["rule"], v["resource"]): v for v in verdicts}
    assert by[("data.store-location", "arn:aws:s3:::orders-log-eu")]["status"] == "FAIL"
    assert by[("data.store-location", "arn:aws:s3:::orders-log-primary")]["status"] == "PASS"
    for v in verdicts:
        assert {"rule", "path", "status", "resource", "severity", "evidence"} <= set(v)
        assert v["path"] in {"data", "control", "network", "failure"}
    lines = (bundle / "inventory.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert {"id", "cloud", "kind", "account", "region", "tags", "attributes"} <= set(first)


def test_same_estate_same_bytes(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    _scan(creds, decl, tmp_path / "a")
    _scan(creds, decl, tmp_path / "a")
    first, second = sorted((tmp_path / "a").iterdir())
    for name in ("inventory.jsonl", "graph.json", "verdicts.json", "report.md"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_fail_on_and_strict_exit_codes(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    code, _ = _scan(creds, decl, tmp_path / "o", "--fail-on", "critical")
    # no critical failure from a misplaced bucket; but INCONCLUSIVE verdicts make --strict exit 3
    assert code == 0
    code, _ = _scan(creds, decl, tmp_path / "o", "--fail-on", "critical", "--strict")
    assert code == 3


def test_bad_declaration_exits_2_and_writes_nothing(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    decl.write_text(decl.read_text().replace("pattern:", "patern:"))
    code, output = _scan(creds, decl, tmp_path / "out")
    assert code == 2
    assert "did you mean 'pattern'?" in output
    assert not (tmp_path / "out").exists()


def test_scan_json_prints_one_summary_object_on_stdout(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    result = CliRunner().invoke(
        main,
        [
            "scan",
            "--boundary",
            str(_declaration(tmp_path)),
            "--out",
            str(tmp_path / "out"),
            "--assume-role",
            AUDITOR_ROLE,
            "--json",
        ],
        env=creds.env(),
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # stdout holds the object alone; the summary went to stderr
    (bundle,) = list((tmp_path / "out").iterdir())
    assert doc["bundle"] == str(bundle)
    assert (doc["exit_code"], doc["exit_reason"]) == (1, "fail")
    written = json.loads((bundle / "verdicts.json").read_text())
    assert sum(doc["verdicts"].values()) == len(written)
    assert doc["verdicts"]["FAIL"] == sum(v["status"] == "FAIL" for v in written)
    findings = json.loads((bundle / "findings.json").read_text())
    assert [f["id"] for f in doc["findings"]] == [f["id"] for f in findings]
    assert any("orders-log-eu" in f["summary"] for f in doc["findings"])
    assert doc["gaps"] == [] or all("service" in g for g in doc["gaps"])
    assert "evidence bundle" in result.stderr


def test_scan_runs_only_the_chosen_checks(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    code, output = _scan(creds, decl, tmp_path / "a", "--checks", "data.*", "--paths", "data")
    assert code == 1, output
    (bundle,) = list((tmp_path / "a").iterdir())
    rules = {v["rule"] for v in json.loads((bundle / "verdicts.json").read_text())}
    assert rules and all(r.startswith("data.") for r in rules)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "checks=data.*" in json.dumps(manifest)  # the bundle says it ran part of the pack

    code, output = _scan(
        creds, decl, tmp_path / "b", "--paths", "data", "--exclude-checks", "data.store-location"
    )
    assert code in (0, 1), output
    (bundle,) = list((tmp_path / "b").iterdir())
    rules = {v["rule"] for v in json.loads((bundle / "verdicts.json").read_text())}
    assert "data.store-location" not in rules and rules

    code, output = _scan(creds, decl, tmp_path / "c", "--checks", "nope.*")
    assert code == 2 and "no rule matches 'nope.*'" in output
    assert not (tmp_path / "c").exists()
    code, output = _scan(creds, decl, tmp_path / "c", "--severity", "urgent")
    assert code == 2 and "urgent" in output


def test_scan_writes_the_chosen_formats_under_the_chosen_name(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    out = tmp_path / "out"
    code, output = _scan(
        creds, decl, out, "--output-formats", "sarif,ocsf", "--output-name", "nightly"
    )
    assert code == 1, output
    bundle = out / "nightly"
    core = {"manifest.json", "declaration.yaml", "inventory.jsonl", "graph.json", "verdicts.json"}
    assert {p.name for p in bundle.iterdir()} == core | {
        "report.sarif",
        "ocsf.jsonl",
        "timings.json",  # a live scan's own timings (not a report: always written)
        "SHA256SUMS",
    }
    assert verify_bundle(bundle).ok
    # The same name again never overwrites: the second bundle is nightly-2.
    _scan(creds, decl, out, "--output-formats", "md", "--output-name", "nightly")
    assert (out / "nightly-2" / "report.md").is_file()

    code, output = _scan(creds, decl, tmp_path / "x", "--output-formats", "pdf")
    assert code == 2 and "unknown output format 'pdf'" in output
    code, output = _scan(creds, decl, tmp_path / "x", "--output-name", "../escape")
    assert code == 2 and "not a plain folder name" in output
    assert not (tmp_path / "x").exists() and not (tmp_path / "escape").exists()
