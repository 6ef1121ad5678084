"""One trust rule for every command that reads a bundle (issue #18, items 1 and 2).

A forged bundle (a verdict flipped FAIL -> PASS, SHA256SUMS regenerated, the
signature of the genuine bundle kept) is refused with exit 2 by every reader
given the responder's key (``--public-key`` or ``$AUDITOR_TRUSTED_KEYS``),
before any work; without a key, each says the authenticity was not checked.
``snapshot`` diffs against the last-good bytes it verified, not a second read
of a last-good swapped on disk while collection runs.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.bundle import SUMS, sums_text
from auditor.evidence.signing import generate_keypair
from auditor.evidence.trusted import TRUST_ENV
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.e2e.test_diff_cli import _bucket, declaration

BACKDOOR = f"arn:aws:iam::{CUSTOMER}:role/break-glass-vendor"
VENDOR_ROOT = f"arn:aws:iam::{VENDOR}:root"
PRIMARY = "arn:aws:s3:::orders-log-primary"


def _run(creds: AuditorCredentials, *args: str, **env: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args), env={**creds.env(), **env})
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stdout, res.stderr


def _scan(creds: AuditorCredentials, decl: Path, out: Path, *extra: str) -> Path:
    before = set(out.iterdir()) if out.exists() else set()
    code, stdout, stderr = _run(
        creds,
        *("scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE),
        *extra,
    )
    assert code in (0, 1), stdout + stderr
    (bundle,) = set(out.iterdir()) - before
    return bundle


def _forge(genuine: Path, forged: Path) -> None:
    """A copy with the first FAIL turned PASS, SHA256SUMS rewritten, the old signature kept."""
    shutil.copytree(genuine, forged)
    verdicts = json.loads((forged / "verdicts.json").read_text())
    flipped = next(v for v in verdicts if v["status"] == "FAIL")
    flipped["status"] = "PASS"
    (forged / "verdicts.json").write_text(json.dumps(verdicts))
    files = {
        p.relative_to(forged).as_posix(): p.read_bytes()
        for p in forged.rglob("*")
        if p.is_file() and p.name not in (SUMS, "SHA256SUMS.sig")
    }
    (forged / SUMS).write_bytes(sums_text(files))


def _readers(bundle: Path, decl: Path, tmp: Path) -> dict[str, list[str]]:
    """Every command that reads a bundle, reading ``bundle``."""
    out = str(tmp / "never-written")
    return {
        "verify": ["verify", str(bundle)],
        "diff": ["diff", str(bundle), str(bundle)],
        "evaluate": ["evaluate", str(bundle), "--out", out],
        "failover-plan": ["failover-plan", str(bundle)],
        "access": ["access", str(bundle), VENDOR_ROOT],
        "who-can": ["who-can", str(bundle), "s3:GetObject", PRIMARY],
        "paths": ["paths", str(bundle), "--from", "internet", "--to", PRIMARY],
        "pack": ["pack", str(bundle), "--out", str(tmp / "never-written" / "b.tar.gz")],
        "scan --baseline": [
            *("scan", "--boundary", str(decl), "--out", out, "--baseline", str(bundle)),
        ],
        "snapshot --last-good": [
            *("snapshot", "--boundary", str(decl), "--out", out, "--last-good", str(bundle)),
        ],
        "import --baseline": [
            *("import", "--boundary", str(decl), str(decl), "--out", out),
            *("--baseline", str(bundle)),
        ],
    }


def test_every_reader_refuses_a_forged_bundle_given_a_key(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = declaration(tmp_path)
    key, pub = generate_keypair(tmp_path / "keys" / "signing")
    genuine = _scan(creds, decl, tmp_path / "scans", "--sign-key", str(key))
    forged = tmp_path / "forged" / genuine.name
    _forge(genuine, forged)

    for name, args in _readers(forged, decl, tmp_path).items():
        # The key on the command line...
        code, stdout, stderr = _run(creds, *args, "--public-key", str(pub))
        want = 1 if name == "verify" else 2  # verify: "not intact" is its exit 1
        assert code == want, (name, stdout, stderr)
        assert "signature does not match SHA256SUMS" in stdout + stderr, (name, stdout, stderr)
        assert not (tmp_path / "never-written").exists(), name
        # ... or in the trust store: the same refusal.
        code, stdout, stderr = _run(creds, *args, **{TRUST_ENV: str(pub)})
        assert code == want, (name, "store", stdout, stderr)

    # Unsigned: refused with a key, as "not signed".
    unsigned = tmp_path / "unsigned" / genuine.name
    shutil.copytree(genuine, unsigned)
    (unsigned / "SHA256SUMS.sig").unlink()
    code, stdout, stderr = _run(creds, "failover-plan", str(unsigned), "--public-key", str(pub))
    assert code == 2 and "missing (the bundle is not signed)" in stderr, stderr

    # The genuine bundle is read by each with the key; without one each says so.
    for name, args in _readers(genuine, decl, tmp_path).items():
        if name.split()[0] in ("scan", "snapshot", "import", "evaluate", "pack"):
            continue  # these go on to collect or write; their refusals are what is tested here
        code, stdout, stderr = _run(creds, *args, "--public-key", str(pub))
        assert code in (0, 1, 3) and "Traceback" not in stdout + stderr, (name, stdout, stderr)
        assert "authenticity not checked" not in stdout + stderr, name
        if name != "verify":
            code, stdout, stderr = _run(creds, *args)
            assert "authenticity not checked" in stderr, (name, stderr)
    code, stdout, _ = _run(creds, "verify", str(unsigned))
    assert code == 0 and "not signed; authenticity not checked" in stdout, stdout


def test_snapshot_diffs_the_last_good_it_verified_not_a_swapped_copy(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    """Item 1: last-good swapped for an unsigned forgery while collection runs changes nothing."""
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = declaration(tmp_path)
    key, pub = generate_keypair(tmp_path / "keys" / "signing")
    good = _scan(creds, decl, tmp_path / "scans", "--sign-key", str(key))
    fake_aws.session(CUSTOMER).client("iam").create_role(
        RoleName="break-glass-vendor",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": VENDOR_ROOT}, "Action": "sts:*"}
                ],
            }
        ),
    )
    # The forgery: an unsigned scan that already has the backdoor (so "nothing is new").
    forgery = _scan(creds, decl, tmp_path / "forger")
    out = tmp_path / "incident"
    swapped = threading.Event()

    def swap_once_collection_is_done() -> None:
        deadline = time.monotonic() + 120
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.0005)
        good.rename(good.with_name("genuine"))
        forgery.rename(good)
        swapped.set()

    swapper = threading.Thread(target=swap_once_collection_is_done, daemon=True)
    swapper.start()
    code, stdout, stderr = _run(
        creds,
        *("snapshot", "--boundary", str(decl), "--last-good", str(good), "--out", str(out)),
        *("--assume-role", AUDITOR_ROLE, "--public-key", str(pub)),
    )
    swapper.join(timeout=130)
    assert swapped.is_set()
    assert code == 1, stdout + stderr
    assert "no new zone crossings or access paths" not in stdout
    assert any(BACKDOOR in line and "control.can_assume" in line for line in stdout.splitlines())
