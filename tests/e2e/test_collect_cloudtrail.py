"""CloudTrail trails collected through real boto3 over moto, normalised per docs/inventory.md."""

from __future__ import annotations

from auditor.model import Resource
from tests.conftest import CUSTOMER, FakeAws

EAST = "us-east-1"
WEST = "us-west-2"
DATA_SELECTOR = {
    "ReadWriteType": "WriteOnly",
    "IncludeManagementEvents": False,
    "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::orders-log/"]}],
}


def test_multi_region_trail_and_regional_trail(fake_aws: FakeAws) -> None:
    east = fake_aws.session(CUSTOMER, EAST)
    west = fake_aws.session(CUSTOMER, WEST)
    east.client("s3").create_bucket(Bucket="audit-logs")
    key_id = east.client("kms").create_key()["KeyMetadata"]["KeyId"]
    trail = east.client("cloudtrail")
    trail.create_trail(
        Name="org-audit",
        S3BucketName="audit-logs",
        S3KeyPrefix="cloudtrail",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_id,
        TagsList=[{"Key": "data-class", "Value": "system-log"}],
    )
    trail.start_logging(Name="org-audit")
    west_trail = west.client("cloudtrail")
    west_trail.create_trail(Name="data-events", S3BucketName="audit-logs")
    west_trail.put_event_selectors(TrailName="data-events", EventSelectors=[DATA_SELECTOR])

    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST, WEST), services=("cloudtrail",))

    assert inv.gaps == ()
    org_arn = f"arn:aws:cloudtrail:{EAST}:{CUSTOMER}:trail/org-audit"
    data_arn = f"arn:aws:cloudtrail:{WEST}:{CUSTOMER}:trail/data-events"
    trails: dict[str, Resource] = {r.id: r for r in inv.resources}
    # The multi-region trail is collected once, from its home region (no shadow copy).
    assert sorted(trails) == [org_arn, data_arn]
    assert all(r.kind == "audit_trail" for r in inv.resources)

    org = trails[org_arn]
    key_arn = f"arn:aws:kms:{EAST}:{CUSTOMER}:key/{key_id}"
    assert (org.account, org.region, org.name, org.source) == (
        CUSTOMER,
        EAST,
        "org-audit",
        "cloudtrail:DescribeTrails",
    )
    assert org.tags == {"data-class": "system-log"}
    assert dict(org.attributes) == {
        "name": "org-audit",
        "home_region": EAST,
        "multi_region": True,
        "organization_trail": False,
        "logging": True,
        "s3_bucket": "audit-logs",
        "kms_key_id": key_arn,
        "log_file_validation": True,
        "management_events": True,
        "data_event_selectors": [],
        "cloudwatch_log_group": None,
    }

    regional = trails[data_arn]
    assert regional.region == WEST
    assert dict(regional.attributes) == {
        "name": "data-events",
        "home_region": WEST,
        "multi_region": False,
        "organization_trail": False,
        "logging": False,
        "s3_bucket": "audit-logs",
        "kms_key_id": None,
        "log_file_validation": False,
        "management_events": False,
        "data_event_selectors": [DATA_SELECTOR],
        "cloudwatch_log_group": None,
    }

    assert sorted((r.source, r.kind, r.target) for r in inv.relations) == [
        (org_arn, "data.encrypted_by", key_arn),
        (org_arn, "data.logs_to", "arn:aws:s3:::audit-logs"),
        (data_arn, "data.logs_to", "arn:aws:s3:::audit-logs"),
    ]


def test_multi_region_trail_homed_outside_the_scan_is_still_seen(fake_aws: FakeAws) -> None:
    home = "eu-west-1"
    fake_aws.session(CUSTOMER, home).client("s3").create_bucket(
        Bucket="audit-eu", CreateBucketConfiguration={"LocationConstraint": home}
    )
    ct = fake_aws.session(CUSTOMER, home).client("cloudtrail")
    ct.create_trail(Name="org-audit", S3BucketName="audit-eu", IsMultiRegionTrail=True)
    ct.start_logging(Name="org-audit")

    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST, WEST), services=("cloudtrail",))

    assert inv.gaps == ()
    (trail,) = [r for r in inv.resources if r.kind == "audit_trail"]
    assert trail.id == f"arn:aws:cloudtrail:{home}:{CUSTOMER}:trail/org-audit"
    assert trail.region == home
    assert trail.attributes["multi_region"] is True
    assert trail.attributes["logging"] is True
    # read once (from its home region), not once per scanned region
    assert inv.api_calls["cloudtrail:GetTrailStatus"] == 1
