"""`scan --baseline OLD`: exit 1 only for new failures (or expired waivers) at --fail-on+."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.e2e.test_diff_cli import EU, _bucket, declaration
from tests.helpers import BASE

BLOCK = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _scan(creds: AuditorCredentials, decl: Path, out: Path, *extra: str) -> tuple[int, str, Path]:
    before = set(out.iterdir()) if out.exists() else set()
    res = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE, *extra],
        env=creds.env(),
    )
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    written = set(out.iterdir()) - before if out.exists() else set()
    return res.exit_code, res.output, next(iter(written)) if written else out


def test_baseline_gates_on_new_failures_and_expired_waivers(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = declaration(tmp_path)
    out = tmp_path / "scans"
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    code, output, first = _scan(creds, decl, out)
    assert code == 1, output  # the young estate already fails high rules; no baseline yet

    # Same estate against its own scan: every failure is old, so exit 0.
    code, output, _ = _scan(creds, decl, out, "--baseline", str(first))
    assert code == 0, output
    assert "versus baseline: 0 new failure(s) at high+" in output

    # A bucket in an undeclared region is a new high failure.
    _bucket(fake_aws, CUSTOMER_2, "eu-west-1", "orders-log-eu")
    fake_aws.session(CUSTOMER_2, "eu-west-1").client("s3").put_public_access_block(
        Bucket="orders-log-eu",
        PublicAccessBlockConfiguration=dict.fromkeys(BLOCK, True),
    )
    code, output, second = _scan(creds, decl, out, "--baseline", str(first))
    assert code == 1, output
    assert f"new: high data.store-location {EU}" in output
    # ... but not at --fail-on critical
    code, output, _ = _scan(creds, decl, out, "--baseline", str(first), "--fail-on", "critical")
    assert code == 0, output

    # A waiver past its expiry counts as a failure again, even though the baseline failed too.
    expired = dict(
        BASE,
        exceptions=[
            {
                "rule": "data.store-location",
                "resource": EU,
                "reason": "migration",
                "approved_by": "ciso@example.com",
                "expires": "2020-01-01",
            }
        ],
    )
    waived = tmp_path / "expired.yaml"
    with waived.open("w") as fh:
        YAML().dump(expired, fh)
    code, output, _ = _scan(creds, waived, out, "--baseline", str(second))
    assert code == 1, output
    assert f"waiver expired: high data.store-location {EU}" in output

    # A live waiver: waived, nothing new.
    live = dict(expired, exceptions=[{**expired["exceptions"][0], "expires": "2099-01-01"}])
    with waived.open("w") as fh:
        YAML().dump(live, fh)
    code, output, _ = _scan(creds, waived, out, "--baseline", str(second))
    assert code == 0, output


def test_bad_baseline_is_an_input_error_before_collecting(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    creds = fake_aws.auditor((CUSTOMER,))
    decl = declaration(tmp_path)
    code, output, _ = _scan(creds, decl, tmp_path / "o", "--baseline", str(tmp_path / "missing"))
    assert code == 2
    assert "--baseline:" in output and "not intact" in output
    assert not (tmp_path / "o").exists()
