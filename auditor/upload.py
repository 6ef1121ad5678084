"""Copy a finished bundle to the user's own S3 evidence bucket (``scan --upload``).

This is the only write the auditor ever makes, and it goes to a bucket the
user names, never to a scanned resource. Its S3 client is created here, on
purpose outside the read-only guard (:mod:`auditor.collect.readonly`), which
stays on every collector client.

When the bucket has Object Lock with a default retention, each object is put
with ``ObjectLockMode`` and ``ObjectLockRetainUntilDate`` computed from that
default (so the retention is explicit on every object, whatever the bucket
rule later becomes), and every object carries a SHA-256 checksum that S3
verifies on receipt. The checksum file (and its signature) go last: a bundle
prefix holding ``SHA256SUMS`` is complete.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.evidence.bundle import SIGNATURE, SUMS

_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")


class UploadError(Exception):
    """An upload that cannot start or did not finish (one-line message)."""


@dataclass(frozen=True, kw_only=True)
class S3Target:
    bucket: str
    prefix: str
    """Without leading or trailing slashes; may be empty."""

    def key(self, bundle: str, member: str) -> str:
        return "/".join(p for p in (self.prefix, bundle, member) if p)


@dataclass(frozen=True, kw_only=True)
class Retention:
    mode: str
    """GOVERNANCE or COMPLIANCE."""
    until: dt.datetime


@dataclass(frozen=True, kw_only=True)
class UploadResult:
    target: S3Target
    keys: tuple[str, ...]
    retention: Retention | None
    note: str
    """How retention was decided, for the terminal."""


def parse_s3_url(url: str) -> S3Target:
    """``s3://BUCKET[/PREFIX]``; anything else is an UploadError."""
    m = _URL.match(url)
    if not m or ".." in m.group(1):
        raise UploadError(f"--upload {url!r}: expected s3://BUCKET/PREFIX with a valid bucket name")
    prefix = (m.group(2) or "").strip("/")
    if any(part in (".", "..") for part in prefix.split("/")):
        raise UploadError(f"--upload {url!r}: the prefix may not hold '.' or '..' parts")
    return S3Target(bucket=m.group(1), prefix=prefix)


def retain_until(now: dt.datetime, days: int | None, years: int | None) -> dt.datetime:
    """``now`` plus a default retention of ``days`` or ``years`` (calendar years)."""
    if years:
        try:
            return now.replace(year=now.year + years)
        except ValueError:  # 29 February into a common year
            return now.replace(year=now.year + years, day=28)
    return now + dt.timedelta(days=days or 0)


def bucket_retention(client: Any, bucket: str, now: dt.datetime) -> tuple[Retention | None, str]:
    """The retention to set on new objects, from the bucket's Object Lock default."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        conf = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "ObjectLockConfigurationNotFoundError":
            return None, "the bucket has no Object Lock: objects carry no retention"
        raise UploadError(
            f"s3://{bucket}: cannot read its Object Lock configuration ({exc})"
        ) from None
    except BotoCoreError as exc:
        raise UploadError(f"s3://{bucket}: cannot reach S3 ({exc})") from None
    if conf.get("ObjectLockEnabled") != "Enabled":
        return None, "Object Lock is not enabled on the bucket: objects carry no retention"
    default = (conf.get("Rule") or {}).get("DefaultRetention") or {}
    mode = default.get("Mode")
    if mode not in ("GOVERNANCE", "COMPLIANCE"):
        return None, "Object Lock is enabled without a default retention: none set"
    until = retain_until(now, default.get("Days"), default.get("Years"))
    return (
        Retention(mode=str(mode), until=until),
        f"Object Lock {mode} retention until {until.isoformat().replace('+00:00', 'Z')}",
    )


def _members(bundle: Path) -> list[str]:
    names = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    last = [n for n in (SUMS, SIGNATURE) if n in names]
    return [n for n in names if n not in last] + last


def upload_bundle(
    bundle: Path,
    target: S3Target,
    *,
    profile: str | None = None,
    now: dt.datetime | None = None,
) -> UploadResult:
    """Put every file of ``bundle`` under ``target``; any failure is an UploadError."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    # Deliberately NOT guard_client(): this is the evidence write, to the user's bucket.
    client = session.client("s3")
    retention, note = bucket_retention(client, target.bucket, now)
    keys: list[str] = []
    for name in _members(bundle):
        data = (bundle / name).read_bytes()
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        key = target.key(bundle.name, name)
        params: dict[str, Any] = {
            "Bucket": target.bucket,
            "Key": key,
            "Body": data,
            # Object Lock puts need a checksum header; S3 verifies this one on receipt.
            "ChecksumAlgorithm": "SHA256",
            "ChecksumSHA256": digest,
        }
        if retention is not None:
            params["ObjectLockMode"] = retention.mode
            params["ObjectLockRetainUntilDate"] = retention.until
        try:
            answer = client.put_object(**params)
        except (ClientError, BotoCoreError) as exc:
            raise UploadError(f"s3://{target.bucket}/{key}: upload failed ({exc})") from None
        echoed = answer.get("ChecksumSHA256")
        if echoed is not None and echoed != digest:
            raise UploadError(f"s3://{target.bucket}/{key}: S3 stored a different checksum")
        keys.append(key)
    return UploadResult(target=target, keys=tuple(keys), retention=retention, note=note)
