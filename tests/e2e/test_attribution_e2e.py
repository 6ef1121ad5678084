"""Attribution end to end (issue #17 point 4): a FAIL sits on, or names in ``causes``, the
resource whose configuration must change, and names what it affects.

Estates are built in moto through boto3, collected with the auditor's credentials and
judged by the real engine.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import yaml

from auditor.boundary import load_declaration
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Scope, Status, Verdict
from auditor.normalize import normalize
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.e2e.test_demo_estate import scan as aws_scan
from tests.e2e.test_rules_control_e2e import (
    EAST,
    EXTERNAL_ID,
    VENDOR_PRINCIPAL,
    allow,
    assume,
    make_role,
    vendor_role,
)
from tests.e2e.test_tricloud_estate import scan as tricloud_scan
from tests.helpers import run_rules

__all__ = ["aws_scan", "tricloud_scan"]

GCP_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "gcp-kafka"
VENDOR_RULES = ("control.vendor-allowed-actions", "control.vendor-denied-actions")


def _one(verdicts: list[Verdict], rule: str, resource: str) -> Verdict:
    (v,) = [x for x in verdicts if x.rule == rule and x.resource == resource]
    return v


def _data_key(fake_aws: FakeAws) -> str:
    """A customer key encrypting the declared data bucket."""
    kms = fake_aws.session(CUSTOMER, EAST).client("kms")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    s3 = fake_aws.session(CUSTOMER, EAST).client("s3")
    s3.create_bucket(Bucket="orders-kafka-tiered")
    s3.put_bucket_tagging(
        Bucket="orders-kafka-tiered",
        Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]},
    )
    s3.put_bucket_encryption(
        Bucket="orders-kafka-tiered",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    }
                }
            ]
        },
    )
    return str(key)


def test_a_grant_on_a_second_assumable_role_fails_that_role_not_the_declared_one(
    fake_aws: FakeAws,
) -> None:
    declared = vendor_role(fake_aws)  # exactly as declared: ec2:*, autoscaling:*
    debug = make_role(
        fake_aws,
        "vendor-debug",
        assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID),
        inline=allow("kms:Decrypt"),
    )
    key = _data_key(fake_aws)
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST,), services=("iam", "kms", "s3"))

    v = run_rules(inv, rules=[*VENDOR_RULES, "control.vendor-key-control"])

    for rule in VENDOR_RULES:
        clean = _one(v, rule, declared)
        assert clean.status is Status.PASS, clean.message
        assert "judged on their own" in clean.message
        bad = _one(v, rule, debug)
        assert bad.status is Status.FAIL, bad.message
        assert "kms:Decrypt" in bad.message
        # the evidence names the chain by which the vendor reaches the role
        assert f"{VENDOR_PRINCIPAL} -> {debug}" in bad.message
        (chain,) = bad.evidence.attributes["chains"]  # type: ignore[misc]
        assert str(chain).startswith(f"{VENDOR_PRINCIPAL} -> {debug} [needs: ")
        assert bad.causes == ()  # the role itself is what must change
        assert bad.affects == (declared,)
    control = _one(v, "control.vendor-key-control", key)
    assert control.status is Status.FAIL
    # the same misconfiguration: the key rule's cause is the role that grants decrypt
    assert control.causes == (debug,)
    assert control.affects == ("arn:aws:s3:::orders-kafka-tiered",)


def test_a_second_role_without_the_grant_passes_on_its_own(fake_aws: FakeAws) -> None:
    declared = vendor_role(fake_aws)
    other = make_role(
        fake_aws,
        "vendor-readonly",
        assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID),
        inline=allow("ec2:DescribeInstances"),
    )
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST,), services=("iam",))

    v = run_rules(inv, rules=list(VENDOR_RULES))

    for rule in VENDOR_RULES:
        assert _one(v, rule, declared).status is Status.PASS
        assert _one(v, rule, other).status is Status.PASS


def test_an_undeclared_outsider_is_blamed_on_the_role_that_trusts_it(fake_aws: FakeAws) -> None:
    vendor_role(fake_aws)
    support = make_role(fake_aws, "vendor-support", assume({"AWS": f"arn:aws:iam::{VENDOR}:root"}))
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST,), services=("iam",))

    v = run_rules(inv, rules=["control.outside-reach-declared"])

    bad = _one(v, "control.outside-reach-declared", f"arn:aws:iam::{VENDOR}:root")
    assert bad.status is Status.FAIL
    assert bad.causes == (support,)
    assert support in bad.affects


# --- closed world: a key in no completely listed customer project ----------------------------

MK = "//managedkafka.googleapis.com/projects/orders-prod/locations/europe-west1/clusters/orders-mk"


def _gcp_rotation(tmp_path: Path, *, projects: tuple[str, ...], failing: str = "") -> Verdict:
    """data.key-rotation on gcp-kafka's orders-mk, whose CMEK lives in project vendor-ops,
    with vendor-ops left out of the declaration (its owner is not declared)."""
    doc = yaml.safe_load((GCP_FIXTURE / "boundary.yaml").read_text())
    doc["parties"]["customer"]["gcp"]["projects"] = list(projects)
    doc["parties"].pop("vendor")
    doc["control"]["vendor_access"] = []
    path = tmp_path / "boundary.yaml"
    path.write_text(yaml.safe_dump(doc))
    decl = load_declaration(path)
    with GcpFake(GCP_FIXTURE / "estate.yaml", page_size=50) as fake:
        if failing:
            fake.fail(f"projects/{failing}/", status=403)
        result = collect_gcp(
            GcpScanOptions(
                projects=projects,
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
            )
        )
    assert {g.account for g in result.gaps} == ({failing} if failing else set())
    inv = normalize(
        result.records,
        scope=Scope(accounts=projects, regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )
    return _one(run_rules(inv, decl, rules=["data.key-rotation"]), "data.key-rotation", MK)


def test_a_key_in_no_completely_listed_customer_project_is_no_customer_key(
    tmp_path: Path,
) -> None:
    v = _gcp_rotation(tmp_path, projects=("orders-prod",))
    assert v.status is Status.NOT_APPLICABLE, v.message
    # the evidence names the complete listings that prove it
    owner = str(v.evidence.attributes["owner"])
    assert owner == ("is not in any customer project (each was listed completely: orders-prod)"), (
        owner
    )


def test_a_gap_in_any_customer_listing_keeps_the_key_owner_unknown(tmp_path: Path) -> None:
    v = _gcp_rotation(tmp_path, projects=("orders-prod", "orders-dev"), failing="orders-dev")
    assert v.status is Status.INCONCLUSIVE, v.message
    (gap,) = v.evidence.gaps
    assert gap.startswith("gcp orders-dev: the customer account's listing is incomplete")


# --- one misconfiguration, one cause: the fixture READMEs' "same plant" rows ------------------


def _causes(verdicts: list[Verdict], rule: str, pattern: str) -> set[str]:
    """Cause ids of the FAIL of ``rule`` on the resource matching ``pattern`` (a glob)."""
    (v,) = [
        x
        for x in verdicts
        if x.rule == rule and fnmatch.fnmatchcase(x.resource, pattern) and x.status is Status.FAIL
    ]
    return set(v.causes or (v.resource,))


def _shared(verdicts: list[Verdict], rows: list[tuple[str, str]]) -> set[str]:
    sets = [_causes(verdicts, rule, pattern) for rule, pattern in rows]
    return set.intersection(*sets)


def test_demo_estate_rows_of_one_plant_share_a_cause(aws_scan: Any) -> None:
    v = aws_scan.verdicts
    # rows 6-7: the secondary VPC without a flow log
    (vpc,) = [x.resource for x in v if x.rule == "network.flow-logs" and x.status is Status.FAIL]
    assert _shared(v, [("failure.operations-in-each-region", "scope:aws/*/us-west-2")]) == {vpc}
    # rows 8-9: support-access trusts the vendor account root
    support = f"arn:aws:iam::{CUSTOMER}:role/support-access"
    assert _shared(
        v,
        [
            ("control.external-assume-declared", support),
            ("control.outside-reach-declared", f"arn:aws:iam::{VENDOR}:root"),
        ],
    ) == {support}
    # rows 10-12: the kms:Decrypt grant on vendor-operator
    operator = f"arn:aws:iam::{CUSTOMER}:role/vendor-operator"
    assert _shared(
        v,
        [
            ("control.vendor-denied-actions", operator),
            ("control.vendor-allowed-actions", operator),
            ("control.vendor-key-control", "arn:aws:kms:*"),
        ],
    ) == {operator}


def test_tricloud_rows_of_one_plant_share_a_cause(tricloud_scan: Any) -> None:
    v = tricloud_scan.verdicts
    # plant 31 (an Owner assignment to the vendor's support principal) and rows 46-49
    owner = (
        "/providers/microsoft.authorization/roledefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    )
    assert _shared(
        v,
        [
            ("control.external-assume-declared", "/subscriptions/22222222-*/roleassignments/*a3"),
            ("control.vendor-allowed-actions", owner),
            ("control.vendor-denied-actions", owner),
            ("control.vendor-key-control", "/subscriptions/22222222-*/keys/kafka-log-key"),
            ("control.audit-trail-tamper", "*/diagnosticsettings/activity-to-vendor"),
        ],
    )
    # plant 34 (roles/owner for the vendor on the project) and rows 50-53
    project = "//cloudresourcemanager.googleapis.com/projects/200000000002"
    rows = [
        ("control.external-assume-declared", project),
        ("control.vendor-allowed-actions", project),
        ("control.vendor-denied-actions", project),
        *[
            ("control.vendor-key-control", x.resource)
            for x in v
            if x.rule == "control.vendor-key-control"
            and x.resource.startswith("//cloudkms.")
            and x.status is Status.FAIL
        ],
        ("control.audit-trail-tamper", "//logging.googleapis.com/*/sinks/audit-to-locked"),
    ]
    assert _shared(v, rows) == {project}
    # plant 38 (ADMIN_READ only) and rows 54-55: one audit config
    events = [
        ("control.audit-data-events", x.resource)
        for x in v
        if x.rule == "control.audit-data-events"
        and x.status is Status.FAIL
        and x.resource.startswith("//")  # the GCP stores and keys
    ]
    assert len(events) >= 3 and len(_shared(v, events)) == 1
    # plants 24-25 and rows 63-64: the networks without an active flow log
    for region, net in (
        ("azure/*/westus", "*/virtualnetworks/vnet-kafka-wus"),
        ("gcp/*/us-central1", "*/networks/kafka-net"),
    ):
        (nid,) = _causes(v, "network.flow-logs", net)
        assert nid in _causes(v, "failure.operations-in-each-region", f"scope:{region}")


def _replicating_bucket(fake_aws: FakeAws) -> str:
    """A kafka-log bucket replicating to a bucket that exists in no customer account."""
    s3 = fake_aws.session(CUSTOMER, EAST).client("s3")
    s3.create_bucket(Bucket="orders-kafka-export")
    s3.put_bucket_tagging(
        Bucket="orders-kafka-export",
        Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]},
    )
    s3.put_bucket_versioning(
        Bucket="orders-kafka-export", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_replication(
        Bucket="orders-kafka-export",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{CUSTOMER}:role/replication",
            "Rules": [
                {
                    "ID": "mirror",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::somebody-elses-mirror"},
                }
            ],
        },
    )
    return "arn:aws:s3:::orders-kafka-export"


def test_a_replica_bucket_in_no_completely_listed_customer_account_is_outside(
    fake_aws: FakeAws,
) -> None:
    bucket = _replicating_bucket(fake_aws)
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), regions=(EAST,), services=("s3",))
    v = _one(
        run_rules(inv, rules=["data.replication-in-boundary"]),
        "data.replication-in-boundary",
        bucket,
    )
    assert v.status is Status.FAIL, v.message
    assert (
        "somebody-elses-mirror is in no customer account (each customer account was listed "
        f"completely: {CUSTOMER}, {CUSTOMER_2})"
    ) in v.message


def test_a_replica_bucket_is_not_placed_while_a_customer_account_was_not_listed(
    fake_aws: FakeAws,
) -> None:
    bucket = _replicating_bucket(fake_aws)
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST,), services=("s3",))
    v = _one(
        run_rules(inv, rules=["data.replication-in-boundary"]),
        "data.replication-in-boundary",
        bucket,
    )
    assert "in no customer account" not in v.message
    assert v.status is not Status.PASS
