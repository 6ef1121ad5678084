"""KMS keys (customer and AWS managed), with multi-region replicas tied to their primary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import REPLICA_OF
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.aws.iam import parse_policy


def key_ref_arn(ref: str, *, region: str, account: str) -> str:
    """The ARN a key reference names: an ARN stays, ``alias/x`` and bare key ids are expanded."""
    if ref.startswith("arn:"):
        return ref
    if ref.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account}:{ref}"
    return f"arn:aws:kms:{region}:{account}:key/{ref}"


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def _key_usage(meta: Mapping[str, Any]) -> JSONValue:
    usage = meta.get("KeyUsage")
    if usage is None and meta.get("KeySpec", meta.get("CustomerMasterKeySpec")) == (
        "SYMMETRIC_DEFAULT"
    ):
        return "ENCRYPT_DECRYPT"  # the only usage a symmetric default key can have
    return usage


@normalizes("aws", "kms:key")
def key(rec: RawRecord, out: Builder) -> None:
    data = rec.data
    listed: Mapping[str, Any] = data["Key"]
    meta: Mapping[str, Any] = data.get("KeyMetadata") or {}
    described = data.get("KeyMetadata") is not None
    arn = str(meta.get("Arn") or listed.get("KeyArn"))
    key_id = str(meta.get("KeyId") or listed["KeyId"])
    region = _region_of(arn) or rec.region
    mrc: Mapping[str, Any] = meta.get("MultiRegionConfiguration") or {}
    primary = (mrc.get("PrimaryKey") or {}).get("Arn")
    mr_type = mrc.get("MultiRegionKeyType")
    if primary:
        # A key is the primary exactly when it is the key named as primary. (moto shares
        # one configuration between a primary and its replicas and may answer REPLICA
        # for both, depending on which was described last.)
        mr_type = "PRIMARY" if primary == arn else "REPLICA"
    # Aliases are regional; keep only those whose ARN is in the key's region.
    aliases = sorted(
        {
            str(a["AliasName"])
            for a in data.get("Aliases") or []
            if _region_of(str(a.get("AliasArn", ""))) in ("", region)
        }
    )
    rotation = data.get("Rotation")
    policy = data.get("Policy")
    tags = {
        str(t["TagKey"]): str(t.get("TagValue", ""))
        for t in (data.get("Tags") or {}).get("Tags") or []
    }
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.KEY,
        account=rec.account,
        region=region,
        name=aliases[0] if aliases else key_id,
        tags=tags,
        attributes={
            "key_id": key_id,
            "key_manager": meta.get("KeyManager"),
            "key_state": meta.get("KeyState"),
            "key_usage": _key_usage(meta),
            "multi_region": bool(meta.get("MultiRegion")) if described else None,
            "multi_region_type": mr_type,
            "primary_key_arn": primary,
            "replica_key_arns": sorted(str(r["Arn"]) for r in mrc.get("ReplicaKeys") or []),
            "rotation_enabled": rotation.get("KeyRotationEnabled") if rotation else None,
            "policy": parse_policy(policy.get("Policy")) if policy else None,
            "aliases": aliases,
        },
        source="kms:DescribeKey",
    )
    if mr_type == "REPLICA" and primary and primary != arn:
        out.relation(
            arn,
            str(primary),
            REPLICA_OF,
            f"multi-region replica in {region} of primary key in {_region_of(str(primary))}",
        )
