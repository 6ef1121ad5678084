"""S3: every bucket of the account with the settings that decide its data boundary.

One ``s3:bucket`` raw record per bucket bundles the listing entry with the
answer of each per-bucket read. A read that fails is a gap about that bucket
only (``resource`` = the bucket ARN) and leaves its key ``None`` in the
record; a read whose error code means "not configured" leaves ``{}``.
"""

from __future__ import annotations

import functools
from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService
from auditor.collect.threads import thread_pool

BUCKET_READS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (record key, operation, error codes meaning "not configured")
    ("Location", "GetBucketLocation", ()),
    ("Policy", "GetBucketPolicy", ("NoSuchBucketPolicy",)),
    ("PolicyStatus", "GetBucketPolicyStatus", ("NoSuchBucketPolicy",)),
    ("PublicAccessBlock", "GetPublicAccessBlock", ("NoSuchPublicAccessBlockConfiguration",)),
    ("Encryption", "GetBucketEncryption", ("ServerSideEncryptionConfigurationNotFoundError",)),
    ("Versioning", "GetBucketVersioning", ()),
    ("Replication", "GetBucketReplication", ("ReplicationConfigurationNotFoundError",)),
    ("Logging", "GetBucketLogging", ()),
    ("ObjectLock", "GetObjectLockConfiguration", ("ObjectLockConfigurationNotFoundError",)),
    ("Tagging", "GetBucketTagging", ("NoSuchTagSet",)),
)
"""Each per-bucket read. Every absent code above is what S3 (and moto) answer when unset."""


BUCKET_WORKERS = 8
"""Buckets read at once within the unit. S3's per-bucket reads are independent and
metered per bucket prefix (thousands of requests per second), so one account's buckets
need not wait on each other: read one after another they were the scan's longest chain."""


def collect(ctx: AwsContext) -> None:
    # ListBuckets without MaxBuckets returns every bucket in one answer; with a page
    # size moto answers one page and no continuation token, so none is asked for.
    buckets = list(ctx.pages("ListBuckets", "Buckets"))
    if not buckets:
        return
    ctx.client()  # built once, before the threads share it (boto3 clients are thread-safe)
    with thread_pool(min(BUCKET_WORKERS, len(buckets))) as pool:
        records = list(pool.map(functools.partial(_read_bucket, ctx), buckets))
    for record in records:  # in listing order, whatever order the reads finished in
        ctx.emit("s3:bucket", record, "s3:ListBuckets")


def _read_bucket(ctx: AwsContext, bucket: dict[str, Any]) -> dict[str, Any]:
    """The listing entry and the answer of each per-bucket read (None: a gap)."""
    name = str(bucket["Name"])
    arn = f"arn:aws:s3:::{name}"
    record: dict[str, Any] = {"Bucket": bucket}
    for key, operation, absent in BUCKET_READS:
        if key == "PolicyStatus" and record.get("Policy") == {}:
            record[key] = {}  # no policy: S3 would answer NoSuchBucketPolicy
            continue
        record[key] = ctx.call(operation, absent=absent, resource=arn, Bucket=name)
    return record


SERVICE = AwsService(
    name="s3",
    client="s3",
    scope="global",
    actions=(
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetReplicationConfiguration",
        "s3:GetBucketLogging",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketTagging",
    ),
    collect=collect,
)
