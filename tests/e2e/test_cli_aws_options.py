"""The AWS credential options, logging, quiet, cache folder and manifest executor, end to
end: real boto3 over moto through ``auditor scan`` (and the session recipe itself)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.collect.access import AccountAccess, SessionCache, role_arn
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.e2e.test_scan_cli import _declaration, _estate

MFA = f"arn:aws:iam::{CUSTOMER}:mfa/auditor"


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _scan_args(decl: Path, out: Path, *extra: str) -> list[str]:
    return [
        "scan",
        "--boundary",
        str(decl),
        "--out",
        str(out),
        "--assume-role",
        AUDITOR_ROLE,
        *extra,
    ]


def test_session_name_and_duration_reach_sts(fake_aws: FakeAws) -> None:
    creds = _estate(fake_aws)
    os.environ.update(creds.env())
    try:
        access = AccountAccess(
            account=CUSTOMER_2,
            role_arn=role_arn(CUSTOMER_2, AUDITOR_ROLE),
            session_name="audit-ticket-42",
            duration_seconds=1800,
        )
        before = dt.datetime.now(dt.UTC)
        session = SessionCache(None).session(access, lambda _: None)
        arn = session.client("sts", region_name="us-east-1").get_caller_identity()["Arn"]
        expiry = session.get_credentials()._expiry_time
    finally:
        for name in creds.env():
            os.environ.pop(name, None)
    assert arn == f"arn:aws:sts::{CUSTOMER_2}:assumed-role/{AUDITOR_ROLE}/audit-ticket-42"
    assert 1700 < (expiry - before).total_seconds() <= 1810


def test_scan_with_session_options_quiet_log_file_and_platform_cache(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds = _estate(fake_aws)
    decl, out, log = _declaration(tmp_path), tmp_path / "out", tmp_path / "auditor.log"
    cache_home = tmp_path / "xdg-cache"
    stale = cache_home / "auditor" / "0123456789abcdef01234567"
    (stale / "units").mkdir(parents=True)
    (stale.parent / f"{stale.name}.lock").write_text("")
    env = {**creds.env(), "XDG_CACHE_HOME": str(cache_home)}
    code, stdout, stderr = _run(
        env,
        "--quiet",
        "--log-level",
        "info",
        "--log-file",
        str(log),
        *_scan_args(decl, out, "--role-session-name", "audit-42", "--session-duration", "900"),
    )
    assert code == 1, stderr  # the eu-west-1 bucket fails data.store-location
    assert stdout == ""  # --quiet: no summary, no progress
    (bundle,) = out.iterdir()
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["collection"] == {
        "aws": {"executor": "threads", "workers": 16, "per_region_workers": 4}
    }
    assert manifest["scope"]["accounts"] == [CUSTOMER, CUSTOMER_2]
    assert not manifest["gaps"] or all(g["account"] != CUSTOMER_2 for g in manifest["gaps"])
    logged = log.read_text()
    assert "INFO botocore.credentials: Found credentials in environment variables" in logged
    assert " DEBUG " not in logged
    # the checkpoint lived in the platform cache folder: the scan swept the stale
    # checkpoint of a killed scan it found there, then removed its own
    assert not stale.exists()
    assert not (cache_home / "auditor").exists()


def test_mfa_code_is_asked_for_and_the_scan_runs_on_the_mfa_session(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    env = {**creds.env(), "XDG_CACHE_HOME": str(tmp_path / "c")}
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN")}
    log = tmp_path / "mfa.log"
    code, _, stderr = _run(
        env,
        *("--log-level", "info", "--log-file", str(log)),
        *_scan_args(decl, tmp_path / "out", "--mfa-serial", MFA),
        stdin="123456\n",
    )
    assert f"MFA code for {MFA}" in stderr
    assert code in (0, 1), stderr  # a bundle was judged: no usage error, no unread account
    (bundle,) = (tmp_path / "out").iterdir()
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["scope"]["accounts"] == [CUSTOMER, CUSTOMER_2]
    # one sts:GetSessionToken made the session the scan ran on; its keys were only lent
    assert f"INFO auditor.collect.credentials: aws: MFA session of {MFA} until" in log.read_text()
    assert {k: os.environ.get(k) for k in saved} == saved


def test_mfa_without_a_code_is_one_line_and_exit_2(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    code, _, stderr = _run(creds.env(), *_scan_args(decl, tmp_path / "o", "--mfa-serial", MFA))
    assert code == 2
    prompt, error = stderr.strip().splitlines()
    assert prompt.rstrip() == f"MFA code for {MFA}:"
    assert error == "error: --mfa-serial: no MFA code was given (or pass --mfa-token)"
    assert not (tmp_path / "o").exists()


def test_snapshot_takes_the_same_credential_options(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = _estate(fake_aws)
    decl = _declaration(tmp_path)
    env = {**creds.env(), "XDG_CACHE_HOME": str(tmp_path / "c")}
    code, _, stderr = _run(env, *_scan_args(decl, tmp_path / "good"))
    assert code == 1, stderr
    (good,) = (tmp_path / "good").iterdir()
    snap = ["snapshot", "--boundary", str(decl), "--last-good", str(good)]
    snap += ["--assume-role", AUDITOR_ROLE]
    code, _, stderr = _run(env, *snap, "--out", str(tmp_path / "bad"), "--session-duration", "5")
    assert code == 2
    assert stderr.strip().splitlines()[-1] == (
        "error: --session-duration 5: between 900 and 43200 seconds"
    )
    assert not (tmp_path / "bad").exists()
    code, _, stderr = _run(
        env,
        *snap,
        *("--out", str(tmp_path / "snap"), "--role-session-name", "incident-9"),
        *("--session-duration", "900"),
    )
    assert code in (0, 1, 3), stderr
    (bundle,) = (tmp_path / "snap").iterdir()
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["collection"]["aws"]["executor"] == "threads"
    assert manifest["scope"]["accounts"] == [CUSTOMER, CUSTOMER_2]
