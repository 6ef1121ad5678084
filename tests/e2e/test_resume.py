"""Resumable collection: a scan killed with SIGKILL loses no finished unit, and leaves no
bundle that verifies.

The scans run as real ``auditor scan`` subprocesses against the shared moto server
(a small estate: two accounts, two regions, buckets, VPCs, keys). The first test
kills a scan as soon as a few units are checkpointed and shows ``--resume``
finishes with the same inventory as an uninterrupted scan, reusing the finished
units. The second widens the
bundle-write window (the subprocess's ``os.fsync`` sleeps for bundle files only, so
the kill lands mid-write deterministically), kills it there, and shows nothing under
``--out`` verifies and the next run succeeds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from auditor.evidence.bundle import verify_bundle
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import BASE

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

SLOW_BUNDLE_FSYNC = """
import os, sys, time
_fsync = os.fsync
def fsync(fd):
    try:
        where = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        where = ""
    if ".partial-" in where:
        time.sleep(0.4)
    _fsync(fd)
os.fsync = fsync
from auditor.cli import main
sys.argv[0] = "auditor"
main()
"""
"""``auditor`` with a slow disk for bundle files only (checkpoints keep their speed)."""


@pytest.fixture
def declaration_file(tmp_path: Path) -> Path:
    path = tmp_path / "boundary.yaml"
    with path.open("w") as fh:
        YAML().dump(BASE, fh)
    return path


@pytest.fixture
def estate(fake_aws: FakeAws) -> AuditorCredentials:
    for account in (CUSTOMER, CUSTOMER_2):
        for region in ("us-east-1", "us-west-2"):
            session = fake_aws.session(account, region)
            ec2 = session.client("ec2")
            vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
            ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")
            ec2.create_security_group(GroupName="brokers", Description="kafka", VpcId=vpc)
            session.client("kms").create_key(Description=f"log key {region}")
        s3 = fake_aws.session(account).client("s3")
        name = f"kafka-log-{account}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_tagging(
            Bucket=name, Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
        )
    return fake_aws.auditor((CUSTOMER, CUSTOMER_2))


def _env(creds: AuditorCredentials) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
    env.update(creds.env())
    env["PYTHONPATH"] = str(ROOT)
    return env


def _args(decl: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [
        "scan",
        "--boundary",
        str(decl),
        "--assume-role",
        AUDITOR_ROLE,
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
        *extra,
    ]


def _run(creds: AuditorCredentials, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", *args],
        env=_env(creds),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _kill_when(
    creds: AuditorCredentials, args: list[str], ready: Callable[[], bool], script: str = ""
) -> None:
    cmd = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "auditor.cli"]
    if not script:
        cmd += args
    proc = subprocess.Popen(
        cmd, env=_env(creds), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not ready():
            assert proc.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline, "the scan never got there"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _unit_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/units/*.json"))


def _bundles(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir()) if out.exists() else []


def _manifest(bundle: Path) -> dict[str, object]:
    doc = json.loads((bundle / "manifest.json").read_text())
    assert isinstance(doc, dict)
    return doc


def test_killed_scan_resumes_to_the_same_inventory(
    estate: AuditorCredentials,
    declaration_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    tmp = tmp_path / "tmp"  # the scans' temporary folder: where their spools go
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    reference = _run(estate, _args(declaration_file, tmp_path / "full", tmp_path / "cache-full"))
    assert reference.returncode in (0, 1), reference.stderr
    [full] = _bundles(tmp_path / "full")
    assert not (tmp_path / "cache-full").exists()  # a clean finish removes the checkpoint

    killed_out = tmp_path / "out"
    _kill_when(
        estate,
        _args(declaration_file, killed_out, cache, "--workers", "2", "--rate", "15"),
        lambda: len(_unit_files(cache)) >= 3,
    )
    assert _bundles(killed_out) == []
    [stale] = tmp.glob("auditor-spool-*")  # SIGKILL: the spool could not be removed
    assert stale.stat().st_mode & 0o077 == 0
    saved = _unit_files(cache)
    assert len(saved) >= 3
    for f in saved:  # raw API data: owner-only
        assert f.stat().st_mode & 0o077 == 0
        assert f.parent.stat().st_mode & 0o077 == 0

    resumed = _run(estate, _args(declaration_file, killed_out, cache, "--resume"))
    assert resumed.returncode in (0, 1), resumed.stderr
    n = int(resumed.stdout.split("resumed ", 1)[1].split(" ", 1)[0])
    assert n >= len(saved)
    [bundle] = _bundles(killed_out)
    assert verify_bundle(bundle).ok
    assert (bundle / "inventory.jsonl").read_bytes() == (full / "inventory.jsonl").read_bytes()
    assert (bundle / "verdicts.json").read_bytes() == (full / "verdicts.json").read_bytes()
    calls_full, calls_resumed = (_manifest(b)["api_calls_total"] for b in (full, bundle))
    assert isinstance(calls_full, int) and isinstance(calls_resumed, int)
    assert calls_resumed >= calls_full  # checkpointed units' calls are counted too
    assert not list(cache.glob("*/units"))  # removed after the bundle was written
    assert list(tmp.glob("auditor-spool-*")) == []  # its own, and the killed scan's (swept)


def test_kill_during_bundle_write_leaves_nothing_that_verifies(
    estate: AuditorCredentials, declaration_file: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"

    def partial_with_files() -> bool:
        return any(len(list(p.iterdir())) >= 2 for p in out.glob(".*.partial-*"))

    _kill_when(
        estate, _args(declaration_file, out, cache), partial_with_files, script=SLOW_BUNDLE_FSYNC
    )
    leftovers = _bundles(out)
    assert leftovers, "the kill should have interrupted the bundle write"
    assert all(p.name.startswith(".") for p in leftovers)  # no finished-looking bundle
    for p in leftovers:
        assert not verify_bundle(p).ok
    verify = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "verify", str(leftovers[0])],
        env=_env(estate),
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 1

    # Collection had finished: the checkpoint is whole, so --resume collects nothing new.
    again = _run(estate, _args(declaration_file, out, cache, "--resume"))
    assert again.returncode in (0, 1), again.stderr
    done = [p for p in _bundles(out) if not p.name.startswith(".")]
    assert len(done) == 1 and verify_bundle(done[0]).ok
    units = [
        line
        for line in (done[0] / "inventory.jsonl").read_text().splitlines()
        if json.loads(line)["type"] == "collected"
    ]
    assert f"resumed {len(units)} finished unit(s)" in again.stdout
