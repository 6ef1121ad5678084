"""`auditor snapshot`: a fast signed scan, diffed against a verified last-good bundle.

The estate changes between the last-good scan and the snapshot the way an
incident would: a new role in the customer account trusts the vendor account.
The snapshot must print that new access path (and its zone crossing) before
anything else, exit 1, and write a bundle that verifies with its signature.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.signing import generate_keypair
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.e2e.test_diff_cli import _bucket, declaration

BACKDOOR = f"arn:aws:iam::{CUSTOMER}:role/break-glass-vendor"
VENDOR_ROOT = f"arn:aws:iam::{VENDOR}:root"


def _run(creds: AuditorCredentials, *args: str) -> tuple[int, str]:
    """Exit code and output: stdout only (the report) on success, stdout and stderr otherwise.

    (Collection progress goes to stderr; "first" means first in the report on stdout.)
    """
    res = CliRunner().invoke(main, list(args), env=creds.env())
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stdout if res.exit_code in (0, 1) else res.output


def _new_bundle(out: Path, before: set[Path]) -> Path:
    (bundle,) = set(out.iterdir()) - before
    return bundle


def _last_good(fake_aws: FakeAws, tmp_path: Path) -> tuple[AuditorCredentials, Path, Path, Path]:
    """A signed last-good scan of a small estate: (creds, declaration, bundle, key)."""
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = declaration(tmp_path)
    key, _ = generate_keypair(tmp_path / "keys" / "signing")
    out = tmp_path / "scans"
    code, output = _run(
        creds,
        *("scan", "--boundary", str(decl), "--out", str(out)),
        *("--assume-role", AUDITOR_ROLE, "--sign-key", str(key)),
    )
    assert code in (0, 1), output
    return creds, decl, _new_bundle(out, set()), key


def _snapshot(
    creds: AuditorCredentials, decl: Path, last_good: Path, out: Path, *extra: str
) -> tuple[int, str]:
    return _run(
        creds,
        *("snapshot", "--boundary", str(decl), "--last-good", str(last_good)),
        *("--out", str(out), "--assume-role", AUDITOR_ROLE, *extra),
    )


def test_snapshot_prints_new_access_paths_first_and_signs(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds, decl, good, key = _last_good(fake_aws, tmp_path)
    pub = key.with_name(key.name + ".pub")
    out = tmp_path / "incident"

    # Nothing changed: nothing new, exit 0 (every failure is already in last-good). Here
    # last-good is the packed archive of the bundle, as it would come from storage.
    packed = tmp_path / "last-good.tar.gz"
    assert _run(creds, "pack", str(good), "--out", str(packed))[0] == 0
    code, output = _snapshot(creds, decl, packed, out, "--public-key", str(pub))
    assert code == 0, output
    assert output.splitlines()[:4] == [
        f"NEW OBSERVED CROSSINGS SINCE {good.name}: no flow records were read (--no-flows, "
        "or no flow log in scope delivers where they are read)",
        "",
        f"NEW SINCE {good.name}:",
        "  no new zone crossings or access paths",
    ]
    # the same estate scanned again: every finding keeps its id, none is new or fixed
    assert "New findings" not in output and "Fixed findings" not in output

    # The incident: a role in the customer account now trusts the whole vendor account.
    fake_aws.session(CUSTOMER).client("iam").create_role(
        RoleName="break-glass-vendor",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": VENDOR_ROOT},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    before = set(out.iterdir())
    code, output = _snapshot(
        creds, decl, good, out, "--public-key", str(pub), "--sign-key", str(key)
    )
    assert code == 1, output
    lines = output.splitlines()
    assert lines[0].startswith(f"NEW OBSERVED CROSSINGS SINCE {good.name}:")
    lines = lines[2:]  # observed crossings first (none read here), then configured ones
    assert lines[0] == f"NEW SINCE {good.name}:"
    # The first section is the new crossings, then the new access paths; nothing else first.
    assert lines[1].startswith("New zone crossings (")
    first_section = lines[: lines.index(f"diff {good.name} -> {_new_bundle(out, before).name}")]
    assert any(
        "control.can_assume" in line and VENDOR_ROOT in line and BACKDOOR in line
        for line in first_section
    ), output
    access = first_section.index(next(x for x in first_section if x.startswith("New access")))
    assert any(
        f"{VENDOR_ROOT} -> {BACKDOOR}" in line and line.endswith("[crosses zones]")
        for line in first_section[access:]
    ), output
    # The rest of the diff follows: the new role is an added resource.
    assert f"role {BACKDOOR}" in output
    assert output.index("NEW SINCE") < output.index("Resources added")

    # ... and the new root-cause findings by id, before the verdicts that changed
    snap = _new_bundle(out, before)
    verdicts = json.loads((snap / "verdicts.json").read_text(encoding="utf-8"))
    backdoor = next(
        v["finding"]
        for v in verdicts
        if v["resource"] == BACKDOOR and v["rule"] == "control.external-assume-declared"
    )
    assert backdoor.startswith("F-")
    listed = lines.index(next(x for x in lines if x.startswith("New findings (")))
    assert any(f" {backdoor} (" in line for line in lines[listed:]), output
    assert listed < lines.index(next(x for x in lines if x.startswith("New failures (")))
    code, verified = _run(creds, "verify", str(snap), "--public-key", str(pub))
    assert code == 0, verified
    assert "signature valid" in verified


def test_snapshot_refuses_a_bad_last_good_before_collecting(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds, decl, good, _ = _last_good(fake_aws, tmp_path)
    _, other_pub = generate_keypair(tmp_path / "keys" / "other")
    out = tmp_path / "incident"

    # Signed, but not by the key the responder trusts.
    code, output = _snapshot(creds, decl, good, out, "--public-key", str(other_pub))
    assert code == 2, output
    assert "--last-good:" in output and "not by the given key" in output
    assert not out.exists()

    # One byte changed in last-good.
    report = good / "report.md"
    report.write_bytes(report.read_bytes().replace(b"#", b"%", 1))
    code, output = _snapshot(creds, decl, good, out)
    assert code == 2, output
    assert "report.md: hash mismatch" in output
    assert not out.exists()

    code, output = _snapshot(creds, decl, tmp_path / "missing", out)
    assert code == 2, output
    assert not out.exists()
