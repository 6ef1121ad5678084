"""``--json`` on the commands that write a bundle: one JSON object on stdout, nothing else.

``import`` (the AWS Config fixture), ``evaluate`` (a replay of that bundle) and
``snapshot`` (boto3 over moto, a new access path since last-good) print the object
``scan --json`` prints; the snapshot adds the diff as ``diff --json`` prints it.
Everything meant for people goes to stderr; the exit codes are those without
``--json``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, VENDOR, FakeAws
from tests.e2e.test_snapshot_cli import _last_good

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "aws-config"
(SNAPSHOT,) = sorted(FIXTURE.glob("*_ConfigSnapshot_*.json"))
SUMMARY_KEYS = {
    "bundle",
    "exit_code",
    "exit_reason",
    "baseline",
    "verdicts",
    "findings",
    "gaps",
    "unread",
    "timings",
}


def _summary(res: Result, code: int) -> dict[str, Any]:
    assert res.exit_code == code, res.output
    doc: dict[str, Any] = json.loads(res.stdout)  # the whole of stdout is one object
    assert (doc["exit_code"], res.stdout.count("\n")) == (code, 1)
    return doc


def _matches_bundle(doc: dict[str, Any], bundle: Path) -> None:
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    assert doc["verdicts"] == dict(sorted(Counter(v["status"] for v in verdicts).items()))
    findings = json.loads((bundle / "findings.json").read_text())
    listed = findings["findings"] if isinstance(findings, dict) else findings
    assert [f["id"] for f in doc["findings"]] == [f["id"] for f in listed]
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert len(doc["gaps"]) == len(manifest["gaps"])


def test_import_and_evaluate_json_print_the_scan_summary(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "imported"
    boundary = str(FIXTURE / "boundary.yaml")
    res = runner.invoke(
        main, ["import", "--boundary", boundary, "--out", str(out), "--json", str(SNAPSHOT)]
    )
    doc = _summary(res, 1)  # the fixture plants FAILs at high
    assert set(doc) == SUMMARY_KEYS
    (bundle,) = out.iterdir()
    assert (doc["bundle"], doc["exit_reason"]) == (str(bundle), "fail")
    assert doc["verdicts"]["FAIL"] > 0 and doc["gaps"]  # us-west-2 is not in the export
    assert (doc["unread"], doc["timings"]) == ([], {})
    _matches_bundle(doc, bundle)
    assert f"imported {SNAPSHOT}" in " ".join(res.stderr.split())  # people's lines: stderr

    replay = tmp_path / "replayed"
    res = runner.invoke(main, ["evaluate", str(bundle), "--out", str(replay), "--json"])
    again = _summary(res, 0)  # evaluate exits 0 whatever it found
    (replayed,) = replay.iterdir()
    assert set(again) == SUMMARY_KEYS
    assert (again["bundle"], again["exit_reason"]) == (str(replayed), "ok")
    _matches_bundle(again, replayed)
    # the same inventory, declaration and pack: the same verdicts and findings
    assert (again["verdicts"], again["findings"]) == (doc["verdicts"], doc["findings"])
    assert "evidence bundle:" in res.stderr


def test_snapshot_json_adds_the_diff_and_keeps_the_exit_code(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds, decl, good, _ = _last_good(fake_aws, tmp_path)
    fake_aws.session(CUSTOMER).client("iam").create_role(
        RoleName="break-glass-vendor",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    out = tmp_path / "incident"
    args = ["snapshot", "--boundary", str(decl), "--last-good", str(good), "--out", str(out)]
    res = CliRunner().invoke(
        main, [*args, "--assume-role", AUDITOR_ROLE, "--json"], env=creds.env()
    )
    doc = _summary(res, 1)  # a new access path: 1, as without --json
    assert set(doc) == SUMMARY_KEYS | {"diff", "new_paths"}
    (snap,) = out.iterdir()
    assert doc["bundle"] == str(snap)
    _matches_bundle(doc, snap)
    assert doc["new_paths"] > 0
    # the diff is the object `auditor diff --json` prints for the same two bundles
    plain = CliRunner().invoke(main, ["diff", str(good), str(snap), "--json"])
    assert doc["diff"] == json.loads(plain.stdout)
    backdoor = f"arn:aws:iam::{CUSTOMER}:role/break-glass-vendor"
    assert {"id": backdoor, "kind": "role"} in doc["diff"]["resources"]["added"]
    assert "NEW SINCE" in res.stderr
