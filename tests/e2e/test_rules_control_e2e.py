"""Control path rules end to end: roles and trails built in moto, collected, evaluated."""

from __future__ import annotations

import json
from typing import Any

from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.helpers import declaration, run_rules, status_of

EAST, WEST = "us-east-1", "us-west-2"
VENDOR_PRINCIPAL = f"arn:aws:iam::{VENDOR}:role/automation"
VENDOR_ROLE = f"arn:aws:iam::{CUSTOMER}:role/vendor-operator"
ACCOUNT_SCOPE = f"scope:aws/{CUSTOMER}/*"
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "orders-7f3a"}}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return st


def allow(*actions: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": "*"}


def make_role(
    fake_aws: FakeAws,
    name: str,
    trust: dict[str, Any],
    *,
    inline: dict[str, Any] | None = None,
    managed: dict[str, Any] | None = None,
) -> str:
    iam = fake_aws.session(CUSTOMER).client("iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc(trust))["Role"]["Arn"])
    if inline is not None:
        iam.put_role_policy(RoleName=name, PolicyName="ops", PolicyDocument=doc(inline))
    if managed is not None:
        policy = iam.create_policy(PolicyName=f"{name}-managed", PolicyDocument=doc(managed))
        iam.attach_role_policy(RoleName=name, PolicyArn=policy["Policy"]["Arn"])
    return arn


def vendor_role(fake_aws: FakeAws, *, external_id: bool = True, **policies: Any) -> str:
    if not policies:
        policies = {"inline": allow("ec2:*", "autoscaling:*")}
    trust = assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID if external_id else None)
    return make_role(fake_aws, "vendor-operator", trust, **policies)


def scan_iam(fake_aws: FakeAws) -> Inventory:
    return fake_aws.collect(accounts=(CUSTOMER,), regions=(EAST,), services=("iam",))


def test_no_wildcard_trust_fails(fake_aws: FakeAws) -> None:
    open_role = make_role(fake_aws, "open-door", assume("*"))
    org_role = make_role(
        fake_aws, "org-only", assume("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    )

    v = run_rules(scan_iam(fake_aws), rules=["control.no-wildcard-trust"])

    assert status_of(v, "control.no-wildcard-trust", open_role) is Status.FAIL
    assert status_of(v, "control.no-wildcard-trust", org_role) is Status.PASS


def test_no_wildcard_trust_passes_for_the_account(fake_aws: FakeAws) -> None:
    vendor_role(fake_aws)
    make_role(fake_aws, "ec2-node", assume({"Service": "ec2.amazonaws.com"}))

    v = run_rules(scan_iam(fake_aws), rules=["control.no-wildcard-trust"])

    assert status_of(v, "control.no-wildcard-trust", ACCOUNT_SCOPE) is Status.PASS


def test_external_assume_declared(fake_aws: FakeAws) -> None:
    declared = vendor_role(fake_aws)
    support = make_role(fake_aws, "vendor-support", assume({"AWS": VENDOR}))

    v = run_rules(scan_iam(fake_aws), rules=["control.external-assume-declared"])

    assert status_of(v, "control.external-assume-declared", declared) is Status.PASS
    assert status_of(v, "control.external-assume-declared", support) is Status.FAIL
    (fail,) = [x for x in v if x.resource == support]
    assert (support, f"arn:aws:iam::{VENDOR}:root", "control.trusts") in fail.evidence.edges


def test_external_id_required_passes(fake_aws: FakeAws) -> None:
    role = vendor_role(fake_aws)
    v = run_rules(scan_iam(fake_aws), rules=["control.external-id-required"])
    assert status_of(v, "control.external-id-required", role) is Status.PASS


def test_external_id_required_fails(fake_aws: FakeAws) -> None:
    role = vendor_role(fake_aws, external_id=False)
    v = run_rules(scan_iam(fake_aws), rules=["control.external-id-required"])
    assert status_of(v, "control.external-id-required", role) is Status.FAIL


def test_declared_roles_exist_passes(fake_aws: FakeAws) -> None:
    role = vendor_role(fake_aws)
    v = run_rules(scan_iam(fake_aws), rules=["control.declared-roles-exist"])
    assert status_of(v, "control.declared-roles-exist", role) is Status.PASS


def test_declared_roles_exist_fails(fake_aws: FakeAws) -> None:
    make_role(fake_aws, "something-else", assume({"Service": "ec2.amazonaws.com"}))
    v = run_rules(scan_iam(fake_aws), rules=["control.declared-roles-exist"])
    assert status_of(v, "control.declared-roles-exist", VENDOR_ROLE) is Status.FAIL


def test_vendor_denied_actions_passes_with_explicit_deny(fake_aws: FakeAws) -> None:
    role = vendor_role(
        fake_aws,
        inline=allow("ec2:*", "kms:*"),
        managed={"Effect": "Deny", "Action": ["kms:*"], "Resource": "*"},
    )
    v = run_rules(scan_iam(fake_aws), rules=["control.vendor-denied-actions"])
    assert status_of(v, "control.vendor-denied-actions", role) is Status.PASS


def test_vendor_denied_actions_fails_through_a_managed_wildcard(fake_aws: FakeAws) -> None:
    role = vendor_role(fake_aws, inline=allow("ec2:*"), managed=allow("kms:*", "iam:PassRole"))
    v = run_rules(scan_iam(fake_aws), rules=["control.vendor-denied-actions"])
    assert status_of(v, "control.vendor-denied-actions", role) is Status.FAIL
    (fail,) = [x for x in v if x.resource == role]
    assert "kms:Decrypt" in fail.message and "iam:PassRole" in fail.message


def test_vendor_allowed_actions_passes(fake_aws: FakeAws) -> None:
    role = vendor_role(fake_aws, inline=allow("ec2:Describe*", "autoscaling:SetDesiredCapacity"))
    v = run_rules(scan_iam(fake_aws), rules=["control.vendor-allowed-actions"])
    assert status_of(v, "control.vendor-allowed-actions", role) is Status.PASS


def test_vendor_allowed_actions_fails(fake_aws: FakeAws) -> None:
    role = vendor_role(fake_aws, inline=allow("ec2:*", "s3:ListBucket"))
    v = run_rules(scan_iam(fake_aws), rules=["control.vendor-allowed-actions"])
    assert status_of(v, "control.vendor-allowed-actions", role) is Status.FAIL


def make_trail(
    fake_aws: FakeAws, name: str, bucket: str, *, multi_region: bool, validation: bool
) -> str:
    session = fake_aws.session(CUSTOMER, EAST)
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    key = session.client("kms").create_key()["KeyMetadata"]["Arn"]
    s3.put_bucket_encryption(
        Bucket=bucket,
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
    ct = session.client("cloudtrail")
    trail = ct.create_trail(
        Name=name,
        S3BucketName=bucket,
        IsMultiRegionTrail=multi_region,
        EnableLogFileValidation=validation,
    )
    ct.start_logging(Name=name)
    return str(trail["TrailARN"])


def scan_trails(fake_aws: FakeAws) -> Inventory:
    return fake_aws.collect(
        accounts=(CUSTOMER,), regions=(EAST, WEST), services=("cloudtrail", "s3")
    )


def test_audit_trail_multi_region_passes(fake_aws: FakeAws) -> None:
    make_trail(fake_aws, "org-audit", "audit-logs", multi_region=True, validation=True)
    v = run_rules(scan_trails(fake_aws), rules=["control.audit-trail-multi-region"])
    assert status_of(v, "control.audit-trail-multi-region", ACCOUNT_SCOPE) is Status.PASS


def test_audit_trail_multi_region_fails(fake_aws: FakeAws) -> None:
    make_trail(fake_aws, "east-only", "audit-logs", multi_region=False, validation=True)
    v = run_rules(scan_trails(fake_aws), rules=["control.audit-trail-multi-region"])
    assert status_of(v, "control.audit-trail-multi-region", ACCOUNT_SCOPE) is Status.FAIL


def test_audit_log_store(fake_aws: FakeAws) -> None:
    good = make_trail(fake_aws, "validated", "audit-logs", multi_region=True, validation=True)
    bad = make_trail(fake_aws, "unvalidated", "audit-logs-2", multi_region=True, validation=False)

    v = run_rules(scan_trails(fake_aws), rules=["control.audit-log-store"])

    assert status_of(v, "control.audit-log-store", good) is Status.PASS
    assert status_of(v, "control.audit-log-store", bad) is Status.FAIL


def _trail_to_outside_bucket(fake_aws: FakeAws) -> str:
    """A customer trail delivering to a bucket of the vendor's account."""
    vendor_s3 = fake_aws.session(VENDOR, EAST).client("s3")
    vendor_s3.create_bucket(Bucket="vendor-audit-sink")
    ct = fake_aws.session(CUSTOMER, EAST).client("cloudtrail")
    trail = ct.create_trail(
        Name="to-vendor",
        S3BucketName="vendor-audit-sink",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    ct.start_logging(Name="to-vendor")
    return str(trail["TrailARN"])


def test_a_trail_bucket_in_no_listed_customer_account_is_outside_the_customer(
    fake_aws: FakeAws,
) -> None:
    """Closed world: both customer accounts listed their buckets; the sink is in neither."""
    trail = _trail_to_outside_bucket(fake_aws)
    inv = fake_aws.collect(
        accounts=(CUSTOMER, CUSTOMER_2), regions=(EAST, WEST), services=("cloudtrail", "s3", "kms")
    )
    rules = ["control.audit-log-store", "control.audit-trail-tamper"]
    v = run_rules(inv, rules=rules)
    store = [x for x in v if x.rule == "control.audit-log-store" and x.resource == trail]
    assert [x.status for x in store] == [Status.FAIL], [x.message for x in store]
    assert "none of the customer's accounts" in store[0].message
    tamper = [x for x in v if x.rule == "control.audit-trail-tamper" and x.resource == trail]
    assert [x.status for x in tamper] == [Status.FAIL], [x.message for x in tamper]


def test_twin_with_one_customer_account_unlisted_the_owner_stays_unknown(
    fake_aws: FakeAws,
) -> None:
    trail = _trail_to_outside_bucket(fake_aws)
    inv = fake_aws.collect(
        accounts=(CUSTOMER,), regions=(EAST, WEST), services=("cloudtrail", "s3")
    )
    v = run_rules(inv, rules=["control.audit-log-store", "control.audit-trail-tamper"])
    for rule in ("control.audit-log-store", "control.audit-trail-tamper"):
        got = [x.status for x in v if x.rule == rule and x.resource == trail]
        assert got == [Status.INCONCLUSIVE], (rule, got)


BREAK_GLASS = "control.break-glass"


def _break_glass_scan(fake_aws: FakeAws, *, with_role: bool, trail: bool) -> list[Verdict]:
    arn = f"arn:aws:iam::{CUSTOMER}:role/break-glass"
    if with_role:
        make_role(fake_aws, "break-glass", assume({"AWS": f"arn:aws:iam::{CUSTOMER}:root"}))
    if trail:
        make_trail(fake_aws, "org-audit", "audit-logs", multi_region=True, validation=True)
    inv = fake_aws.collect(
        accounts=(CUSTOMER,), regions=(EAST, WEST), services=("iam", "cloudtrail", "s3")
    )
    decl = declaration(control={"break_glass": [arn]})
    return [v for v in run_rules(inv, decl, rules=[BREAK_GLASS]) if v.resource == arn]


def test_break_glass_role_logged_by_a_multi_region_trail_passes(fake_aws: FakeAws) -> None:
    (v,) = _break_glass_scan(fake_aws, with_role=True, trail=True)
    assert v.status is Status.PASS and "org-audit" in v.message


def test_break_glass_role_without_a_logging_trail_fails(fake_aws: FakeAws) -> None:
    (v,) = _break_glass_scan(fake_aws, with_role=True, trail=False)
    assert v.status is Status.FAIL and "no logging multi-region trail" in v.message


def test_a_declared_break_glass_role_that_does_not_exist_fails(fake_aws: FakeAws) -> None:
    (v,) = _break_glass_scan(fake_aws, with_role=False, trail=True)
    assert v.status is Status.FAIL and "does not exist" in v.message
