"""S3: every bucket of the account with the settings that decide its data boundary.

One ``s3:bucket`` raw record per bucket bundles the listing entry with the
answer of each per-bucket read. A read that fails is a gap about that bucket
only (``resource`` = the bucket ARN) and leaves its key ``None`` in the
record; a read whose error code means "not configured" leaves ``{}``.
"""

from __future__ import annotations

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


READ_WORKERS = 8
"""Per-bucket reads in flight at once within the unit (at most the client's connection
pool, 10). The reads are independent (but for the policy status, which follows the
policy) and cheap to answer, so the unit's time is their round trips: a bucket's reads
one after another, a bucket per thread, kept it the scan's longest chain."""

_TASKS = tuple(key for key, _, _ in BUCKET_READS if key != "PolicyStatus")
"""One task per read of a bucket; the policy's task makes the status read too."""


def collect(ctx: AwsContext) -> None:
    # ListBuckets without MaxBuckets returns every bucket in one answer; with a page
    # size moto answers one page and no continuation token, so none is asked for.
    buckets = list(ctx.pages("ListBuckets", "Buckets"))
    if not buckets:
        return
    ctx.client()  # built once, before the threads share it (boto3 clients are thread-safe)
    tasks = [(bucket, key) for bucket in buckets for key in _TASKS]
    with thread_pool(min(READ_WORKERS, len(tasks))) as pool:
        answers = list(pool.map(lambda task: _read(ctx, *task), tasks))
    n = len(_TASKS)
    for i, bucket in enumerate(buckets):  # in listing order, whatever order reads finished in
        mine: dict[str, Any] = {}
        for answer in answers[i * n : (i + 1) * n]:
            mine.update(answer)
        record: dict[str, Any] = {"Bucket": bucket}
        record.update((key, mine[key]) for key, _, _ in BUCKET_READS)
        ctx.emit("s3:bucket", record, "s3:ListBuckets")


def _read(ctx: AwsContext, bucket: dict[str, Any], task: str) -> dict[str, Any]:
    """One read's answer under its record key (None: a gap). The policy's task reads the
    policy status after it, only when there is a policy: with none S3 would answer
    NoSuchBucketPolicy, so the status is ``{}`` unasked."""
    name = str(bucket["Name"])
    arn = f"arn:aws:s3:::{name}"
    out: dict[str, Any] = {}
    for key, operation, absent in BUCKET_READS:
        if key == "PolicyStatus" and task == "Policy":
            if out["Policy"] == {}:
                out[key] = {}
                continue
        elif key != task:
            continue
        out[key] = ctx.call(operation, absent=absent, resource=arn, Bucket=name)
    return out


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
