"""KMS: every key of the region with its policy, rotation, aliases and tags.

One ``kms:key`` raw record per key. The region's aliases are listed once and
bundled with the key they target. Per-key reads that fail are gaps about that
key (``resource`` = key ARN) and leave ``None`` in the record.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService

_NO_ROTATION_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion", "Unavailable"})
"""Key states in which KMS refuses GetKeyRotationStatus (KMSInvalidStateException)."""


def _rotation_applies(meta: dict[str, Any]) -> bool:
    """Rotation status is readable for customer managed symmetric keys with KMS key material."""
    return (
        meta.get("KeyManager") == "CUSTOMER"
        and meta.get("KeySpec", meta.get("CustomerMasterKeySpec")) == "SYMMETRIC_DEFAULT"
        and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
        and meta.get("KeyState") not in _NO_ROTATION_STATES
    )


def collect(ctx: AwsContext) -> None:
    aliases: dict[str, list[dict[str, Any]]] = {}
    for alias in ctx.pages("ListAliases", "Aliases", page_size=100):
        target = alias.get("TargetKeyId")
        if target:
            aliases.setdefault(str(target), []).append(alias)

    for key in ctx.pages("ListKeys", "Keys", page_size=1000):
        key_id = str(key["KeyId"])
        arn = str(key.get("KeyArn") or f"arn:aws:kms:{ctx.region}:{ctx.account}:key/{key_id}")
        record: dict[str, Any] = {
            "Key": key,
            "KeyMetadata": None,
            "Policy": None,
            "Rotation": None,
            "Tags": None,
            "Aliases": aliases.get(key_id, []),
        }
        described = ctx.call("DescribeKey", resource=arn, KeyId=arn)
        meta: dict[str, Any] = (described or {}).get("KeyMetadata") or {}
        if described is not None:
            record["KeyMetadata"] = meta
        record["Policy"] = ctx.call("GetKeyPolicy", resource=arn, KeyId=arn, PolicyName="default")
        if _rotation_applies(meta):
            record["Rotation"] = ctx.call("GetKeyRotationStatus", resource=arn, KeyId=arn)
        if meta.get("KeyManager") == "CUSTOMER":
            # AWS managed keys carry no tags of their own.
            record["Tags"] = ctx.call("ListResourceTags", resource=arn, KeyId=arn, Limit=50)
        ctx.emit("kms:key", record, "kms:ListKeys")


SERVICE = AwsService(
    name="kms",
    client="kms",
    scope="regional",
    actions=(
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
    ),
    collect=collect,
)
