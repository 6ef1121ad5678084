"""`scan --upload s3://BUCKET/PREFIX`: the bundle copied to an evidence bucket (boto3 over moto).

An Object Lock bucket with a default retention gets every object with that
retention set explicitly and a SHA-256 checksum; a plain bucket gets the
objects without retention; a missing bucket is a one-line error, exit 4, and
the local bundle stays. The collectors' read-only guard is untouched: the
upload's client is a separate one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.bundle import verify_bundle
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from auditor.upload import UploadError, parse_s3_url, retain_until
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.e2e.test_diff_cli import _bucket, declaration


def _scan(creds: AuditorCredentials, decl: Path, out: Path, *extra: str) -> tuple[int, str]:
    res = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE, *extra],
        env=creds.env(),
    )
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def _objects(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _local(bundle: Path) -> dict[str, bytes]:
    return {
        p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*") if p.is_file()
    }


def test_upload_to_an_object_lock_bucket_sets_retention_on_every_object(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    s3 = fake_aws.session(CUSTOMER).client("s3")
    s3.create_bucket(Bucket="evidence-locked", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="evidence-locked",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}},
        },
    )
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    out = tmp_path / "scans"
    began = dt.datetime.now(dt.UTC)
    code, output = _scan(
        creds, declaration(tmp_path), out, "--upload", "s3://evidence-locked/audits/kafka/"
    )
    assert code in (0, 1), output
    (bundle,) = list(out.iterdir())
    assert verify_bundle(bundle).ok
    prefix = f"audits/kafka/{bundle.name}/"
    assert f"uploaded {len(_local(bundle))} files to s3://evidence-locked/{prefix}" in output
    assert "Object Lock COMPLIANCE retention until" in output

    stored = _objects(s3, "evidence-locked", prefix)
    assert {k.removeprefix(prefix): v for k, v in stored.items()} == _local(bundle)
    for key, data in stored.items():
        # (moto answers GetObjectRetention with a 500; HeadObject carries the same facts.)
        head = s3.head_object(Bucket="evidence-locked", Key=key, ChecksumMode="ENABLED")
        assert head["ObjectLockMode"] == "COMPLIANCE", key
        until = head["ObjectLockRetainUntilDate"]
        assert began + dt.timedelta(days=29) < until < began + dt.timedelta(days=31), key
        assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    # Compliance mode: the evidence cannot be deleted before its time.
    version = s3.head_object(Bucket="evidence-locked", Key=f"{prefix}SHA256SUMS")["VersionId"]
    with pytest.raises(ClientError):
        s3.delete_object(Bucket="evidence-locked", Key=f"{prefix}SHA256SUMS", VersionId=version)


def test_upload_to_a_plain_bucket_and_to_a_missing_one(fake_aws: FakeAws, tmp_path: Path) -> None:
    _bucket(fake_aws, CUSTOMER, "us-east-1", "orders-log-primary")
    s3 = fake_aws.session(CUSTOMER).client("s3")
    s3.create_bucket(Bucket="evidence-plain")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = declaration(tmp_path)

    code, output = _scan(creds, decl, tmp_path / "a", "--upload", "s3://evidence-plain")
    assert code in (0, 1), output
    (bundle,) = list((tmp_path / "a").iterdir())
    assert "no Object Lock" in output
    stored = _objects(s3, "evidence-plain", f"{bundle.name}/")
    assert {k.removeprefix(f"{bundle.name}/"): v for k, v in stored.items()} == _local(bundle)
    head = s3.head_object(Bucket="evidence-plain", Key=f"{bundle.name}/SHA256SUMS")
    assert "ObjectLockMode" not in head and "ObjectLockRetainUntilDate" not in head

    code, output = _scan(creds, decl, tmp_path / "b", "--upload", "s3://no-such-evidence/x")
    assert code == 4, output
    (kept,) = list((tmp_path / "b").iterdir())
    assert verify_bundle(kept).ok
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no-such-evidence" in errors[0] and str(kept) in errors[0]


def test_a_bad_upload_url_is_refused_before_scanning(fake_aws: FakeAws, tmp_path: Path) -> None:
    creds = fake_aws.auditor((CUSTOMER,))
    for url in ("https://bucket/x", "s3://", "s3://Bad_Bucket/x", "s3://ok-bucket/a/../b"):
        code, output = _scan(creds, declaration(tmp_path), tmp_path / "o", "--upload", url)
        assert code == 2, (url, output)
        assert output.startswith("error: --upload"), output
        assert not (tmp_path / "o").exists()
    with pytest.raises(UploadError):
        parse_s3_url("s3://a..b/x")
    assert parse_s3_url("s3://ev-bucket//p/q/").prefix == "p/q"


def test_retention_years_are_calendar_years() -> None:
    leap = dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC)
    assert retain_until(leap, None, 1) == dt.datetime(2029, 2, 28, 12, tzinfo=dt.UTC)
    assert retain_until(leap, 10, None) == dt.datetime(2028, 3, 10, 12, tzinfo=dt.UTC)
