"""S3: every bucket of the account with the settings that decide its data boundary.

One ``s3:bucket`` raw record per bucket bundles the listing entry with the
answer of each per-bucket read. A read that fails is a gap about that bucket
only (``resource`` = the bucket ARN) and leaves its key ``None`` in the
record; a read whose error code means "not configured" leaves ``{}``.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService

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


def collect(ctx: AwsContext) -> None:
    # ListBuckets without MaxBuckets returns every bucket in one answer; with a page
    # size moto answers one page and no continuation token, so none is asked for.
    for bucket in ctx.pages("ListBuckets", "Buckets"):
        name = str(bucket["Name"])
        arn = f"arn:aws:s3:::{name}"
        record: dict[str, Any] = {"Bucket": bucket}
        for key, operation, absent in BUCKET_READS:
            if key == "PolicyStatus" and record.get("Policy") == {}:
                record[key] = {}  # no policy: S3 would answer NoSuchBucketPolicy
                continue
            record[key] = ctx.call(operation, absent=absent, resource=arn, Bucket=name)
        ctx.emit("s3:bucket", record, "s3:ListBuckets")


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
