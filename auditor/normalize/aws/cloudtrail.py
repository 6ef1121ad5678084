"""CloudTrail trails: where the audit log lands, how it is protected, what it records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import ENCRYPTED_BY, LOGS_TO
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.kms import key_ref_arn
from auditor.normalize.aws.s3 import bucket_arn


def _category_is(selector: Mapping[str, Any], category: str) -> bool:
    """Whether an advanced event selector selects ``eventCategory`` = ``category``."""
    return any(
        f.get("Field") == "eventCategory" and category in (f.get("Equals") or [])
        for f in selector.get("FieldSelectors") or []
    )


def _selectors(raw: Mapping[str, Any] | None) -> tuple[bool | None, list[JSONValue]]:
    """(management events recorded, data event selectors) from GetEventSelectors."""
    if raw is None:
        return None, []
    basic = list(raw.get("EventSelectors") or [])
    advanced = list(raw.get("AdvancedEventSelectors") or [])
    if not basic and not advanced:
        # A trail without custom selectors records every management event (moto
        # answers with no selectors; AWS answers with that default selector).
        return True, []
    management = any(s.get("IncludeManagementEvents", True) for s in basic) or any(
        _category_is(s, "Management") for s in advanced
    )
    data_selectors: list[JSONValue] = [s for s in basic if s.get("DataResources")]
    data_selectors += [s for s in advanced if _category_is(s, "Data")]
    return management, data_selectors


def _tags(raw: Mapping[str, Any] | None, arn: str) -> dict[str, str]:
    for entry in (raw or {}).get("ResourceTagList") or []:
        if entry.get("ResourceId") == arn:
            return tags_of(entry.get("TagsList"))
    return {}


@normalizes("aws", "cloudtrail:trail")
def trail(rec: RawRecord, out: Builder) -> None:
    data = rec.data
    detail: Mapping[str, Any] = data["Trail"]
    arn = str(detail["TrailARN"])
    parts = arn.split(":")
    account = parts[4] if len(parts) > 4 and parts[4] else rec.account
    home = str(detail.get("HomeRegion") or rec.region)
    key_ref = detail.get("KmsKeyId")
    # AWS answers a key ARN; moto answers the bare key id.
    key_arn = key_ref_arn(str(key_ref), region=home, account=account) if key_ref else None
    status = data.get("Status")
    management, data_selectors = _selectors(data.get("EventSelectors"))
    bucket = detail.get("S3BucketName")
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.AUDIT_TRAIL,
        account=account,
        region=home,
        name=str(detail["Name"]),
        tags=_tags(data.get("Tags"), arn),
        attributes={
            "name": str(detail["Name"]),
            "home_region": home,
            "multi_region": bool(detail.get("IsMultiRegionTrail", False)),
            "organization_trail": bool(detail.get("IsOrganizationTrail", False)),
            "logging": bool(status.get("IsLogging")) if status is not None else None,
            "s3_bucket": bucket,
            "kms_key_id": key_arn,
            "log_file_validation": bool(detail.get("LogFileValidationEnabled", False)),
            "management_events": management,
            "data_event_selectors": data_selectors,
            "cloudwatch_log_group": detail.get("CloudWatchLogsLogGroupArn"),
        },
        source="cloudtrail:DescribeTrails",
    )
    if bucket:
        prefix = detail.get("S3KeyPrefix")
        out.relation(
            arn,
            bucket_arn(str(bucket)),
            LOGS_TO,
            f"trail log files to s3://{bucket}/{prefix or ''}",
        )
    if key_arn:
        out.relation(arn, key_arn, ENCRYPTED_BY, f"trail log files encrypted with {key_ref}")
