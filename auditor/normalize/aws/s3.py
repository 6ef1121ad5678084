"""S3 buckets: location, encryption, exposure, replication, logging and retention.

A key of the raw record that is ``None`` means its read failed (a gap about the
bucket explains it); ``{}`` means the setting is not configured. Either way the
attribute is null, except ``policy_is_public``: no policy at all is ``false``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import ENCRYPTED_BY, LOGS_TO, REPLICATES_TO, RUNS_AS
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.iam import parse_policy
from auditor.normalize.aws.kms import key_ref_arn

_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}
SOURCE = "s3:ListBuckets"


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def bucket_region(data: Mapping[str, Any]) -> str:
    """The bucket's region from GetBucketLocation (null is us-east-1, ``EU`` is eu-west-1)."""
    location = data.get("Location")
    if location is None:
        # The location read failed: fall back to the listing's region, if it gave one.
        return str(data["Bucket"].get("BucketRegion") or "unknown")
    constraint = str(location.get("LocationConstraint") or "")
    return _LEGACY_LOCATIONS.get(constraint, constraint)


def _encryption(raw: Mapping[str, Any] | None) -> dict[str, JSONValue] | None:
    rules = ((raw or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    if not rules:
        return None
    rule = rules[0]
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    return {
        "algorithm": default.get("SSEAlgorithm"),
        "kms_key_id": default.get("KMSMasterKeyID"),
        "bucket_key": bool(rule.get("BucketKeyEnabled", False)),
    }


def _public_access_block(raw: Mapping[str, Any] | None) -> dict[str, JSONValue] | None:
    config = (raw or {}).get("PublicAccessBlockConfiguration")
    if not config:
        return None
    return {
        "block_public_acls": bool(config.get("BlockPublicAcls", False)),
        "ignore_public_acls": bool(config.get("IgnorePublicAcls", False)),
        "block_public_policy": bool(config.get("BlockPublicPolicy", False)),
        "restrict_public_buckets": bool(config.get("RestrictPublicBuckets", False)),
    }


def _policy_is_public(data: Mapping[str, Any]) -> bool | None:
    status = data.get("PolicyStatus")
    if status is None:
        return None
    if "PolicyStatus" in status:
        return bool(status["PolicyStatus"].get("IsPublic"))
    return False if data.get("Policy") == {} else None


def _replication(raw: Mapping[str, Any] | None) -> dict[str, JSONValue] | None:
    config = (raw or {}).get("ReplicationConfiguration")
    if not config:
        return None
    rules = []
    for rule in config.get("Rules") or []:
        dest = rule.get("Destination") or {}
        rules.append(
            {
                "id": rule.get("ID"),
                "status": rule.get("Status"),
                "destination_bucket": dest.get("Bucket"),
                "destination_account": dest.get("Account"),
                "replica_kms_key_id": (dest.get("EncryptionConfiguration") or {}).get(
                    "ReplicaKmsKeyID"
                ),
                "rtc": (dest.get("ReplicationTime") or {}).get("Status") == "Enabled",
            }
        )
    rules.sort(key=lambda r: (str(r["id"] or ""), str(r["destination_bucket"] or "")))
    return {"role": config.get("Role"), "rules": rules}


def _logging(raw: Mapping[str, Any] | None) -> dict[str, JSONValue] | None:
    enabled = (raw or {}).get("LoggingEnabled")
    if not enabled:
        return None
    return {
        "target_bucket": enabled.get("TargetBucket"),
        "target_prefix": enabled.get("TargetPrefix"),
    }


def _object_lock(raw: Mapping[str, Any] | None) -> dict[str, JSONValue] | None:
    config = (raw or {}).get("ObjectLockConfiguration")
    if not config:
        return None
    retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
    return {
        "enabled": config.get("ObjectLockEnabled") == "Enabled",
        "mode": retention.get("Mode"),
        # A retention period is at least 1; moto answers 0 for the unset one.
        "days": retention.get("Days") or None,
        "years": retention.get("Years") or None,
    }


@normalizes("aws", "s3:bucket")
def bucket(rec: RawRecord, out: Builder) -> None:
    data = rec.data
    name = str(data["Bucket"]["Name"])
    arn = bucket_arn(name)
    region = bucket_region(data)
    encryption = _encryption(data.get("Encryption"))
    replication = _replication(data.get("Replication"))
    logging = _logging(data.get("Logging"))
    policy = data.get("Policy")
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.BUCKET,
        account=rec.account,
        region=region,
        name=name,
        tags=tags_of((data.get("Tagging") or {}).get("TagSet")),
        attributes={
            "name": name,
            "versioning": (data.get("Versioning") or {}).get("Status"),
            "encryption": encryption,
            "public_access_block": _public_access_block(data.get("PublicAccessBlock")),
            "policy": parse_policy(policy.get("Policy")) if policy else None,
            "policy_is_public": _policy_is_public(data),
            "replication": replication,
            "logging": logging,
            "object_lock": _object_lock(data.get("ObjectLock")),
        },
        source=SOURCE,
    )

    if encryption and str(encryption["algorithm"] or "").startswith("aws:kms"):
        # SSE-KMS without a key id uses the account's AWS managed key alias/aws/s3.
        ref = str(encryption["kms_key_id"] or "alias/aws/s3")
        out.relation(
            arn,
            key_ref_arn(ref, region=region, account=rec.account),
            ENCRYPTED_BY,
            f"default encryption {encryption['algorithm']} with {ref}",
        )
    if replication:
        role = replication["role"]
        if role:
            out.relation(arn, str(role), RUNS_AS, "replication runs as this role")
        for rule in replication["rules"]:
            if rule["status"] != "Enabled" or not rule["destination_bucket"]:
                continue
            out.relation(
                arn,
                str(rule["destination_bucket"]),
                REPLICATES_TO,
                f"replication rule {rule['id']}" + (" with RTC" if rule["rtc"] else ""),
                {"rule_id": rule["id"], "rtc": rule["rtc"]},
            )
    if logging and logging["target_bucket"]:
        target = str(logging["target_bucket"])
        out.relation(
            arn,
            bucket_arn(target),
            LOGS_TO,
            f"server access logs to {target}/{logging['target_prefix'] or ''}",
        )
