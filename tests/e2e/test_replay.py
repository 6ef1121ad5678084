"""Replay: a bundle re-evaluated offline with its own inputs gives the same verdict bytes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.evidence.bundle import verify_bundle
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import BASE


def _bucket(fake_aws: FakeAws, name: str, region: str) -> None:
    s3 = fake_aws.session(CUSTOMER, region).client("s3")
    extra = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=name, **extra)
    s3.put_bucket_tagging(
        Bucket=name, Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
    )


def test_replay_reproduces_verdicts_and_a_new_declaration_changes_them(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    _bucket(fake_aws, "orders-log-a", "us-east-1")
    _bucket(fake_aws, "orders-log-far", "eu-west-1")
    decl = tmp_path / "boundary.yaml"
    with decl.open("w") as fh:
        YAML().dump(BASE, fh)
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    scan = CliRunner().invoke(
        main,
        [
            "scan",
            "--boundary",
            str(decl),
            "--out",
            str(tmp_path / "scans"),
            "--assume-role",
            AUDITOR_ROLE,
        ],
        env=creds.env(),
    )
    assert isinstance(scan.exception, SystemExit), scan.exception  # no crash
    assert scan.exit_code in (0, 1), scan.output
    (original,) = list((tmp_path / "scans").iterdir())

    replay = CliRunner().invoke(main, ["evaluate", str(original), "--out", str(tmp_path / "re")])
    assert replay.exit_code == 0, replay.output
    (again,) = list((tmp_path / "re").iterdir())
    assert verify_bundle(again).ok
    for name in ("verdicts.json", "graph.json", "inventory.jsonl", "report.md"):
        assert (again / name).read_bytes() == (original / name).read_bytes(), name
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["provenance"]["replay_of"] == original.name

    # What-if: declare eu-west-1 and the misplaced bucket stops failing data.store-location.
    wider = dict(BASE, regions={**BASE["regions"], "aws/eu-west-1": "secondary"})
    new_decl = tmp_path / "wider.yaml"
    with new_decl.open("w") as fh:
        YAML().dump(wider, fh)
    what_if = CliRunner().invoke(
        main,
        ["evaluate", str(original), "--boundary", str(new_decl), "--out", str(tmp_path / "w")],
    )
    assert what_if.exit_code == 0, what_if.output
    (changed,) = list((tmp_path / "w").iterdir())

    def location(bundle: Path) -> str:
        verdicts = json.loads((bundle / "verdicts.json").read_text())
        (v,) = [
            v
            for v in verdicts
            if v["rule"] == "data.store-location" and v["resource"].endswith("orders-log-far")
        ]
        return str(v["status"])

    assert location(original) == "FAIL"
    assert location(changed) == "PASS"


def test_replay_refuses_a_tampered_bundle(fake_aws: FakeAws, tmp_path: Path) -> None:
    from auditor.evidence.bundle import write_bundle

    bundle = write_bundle(tmp_path, "x", {"manifest.json": b"{}\n"})
    (bundle / "manifest.json").write_text("{ }\n")
    res = CliRunner().invoke(main, ["evaluate", str(bundle), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "not intact" in res.output
    assert not (tmp_path / "o").exists()
