"""IAM roles and users collected through real boto3 over moto, normalised per docs/inventory.md."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from auditor.base.redact import external_id_mark
from auditor.model import Inventory, RawRecord, Scope
from auditor.normalize import normalize
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws

VENDOR_AUTOMATION = f"arn:aws:iam::{VENDOR}:role/automation"
VENDOR_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": VENDOR_AUTOMATION},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "orders-7f3a"}},
        }
    ],
}
HASHED_VENDOR_TRUST = json.loads(
    json.dumps(VENDOR_TRUST).replace('"orders-7f3a"', json.dumps(external_id_mark("orders-7f3a")))
)
"""What the inventory keeps: an ExternalId only as its stable hash (docs/security.md)."""
OPEN_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
MIXED_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com", "AWS": CUSTOMER_2},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        },
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
    ],
}
OPS_V1 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
}
OPS_V2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["autoscaling:*", "ec2:*"], "Resource": "*"}],
}
DENY_DATA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": ["kms:Decrypt", "s3:GetObject"], "Resource": "*"}],
}


def _trusts(inv: Inventory) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (r.source, r.target): dict(r.attributes)
        for r in inv.relations
        if r.kind == "control.trusts"
    }


def test_roles_and_users_with_resolved_policies_and_trusts(fake_aws: FakeAws) -> None:
    iam = fake_aws.session(CUSTOMER).client("iam")
    ops = iam.create_policy(PolicyName="vendor-ops", PolicyDocument=json.dumps(OPS_V1))["Policy"]
    iam.create_policy_version(
        PolicyArn=ops["Arn"], PolicyDocument=json.dumps(OPS_V2), SetAsDefault=True
    )
    iam.create_role(
        RoleName="vendor-operator",
        Path="/vendor/",
        AssumeRolePolicyDocument=json.dumps(VENDOR_TRUST),
        MaxSessionDuration=7200,
        PermissionsBoundary=ops["Arn"],
        Tags=[{"Key": "platform", "Value": "orders-kafka"}],
    )
    iam.attach_role_policy(RoleName="vendor-operator", PolicyArn=ops["Arn"])
    iam.put_role_policy(
        RoleName="vendor-operator", PolicyName="deny-data", PolicyDocument=json.dumps(DENY_DATA)
    )
    iam.create_role(RoleName="open-door", AssumeRolePolicyDocument=json.dumps(OPEN_TRUST))
    iam.create_role(RoleName="mixed", AssumeRolePolicyDocument=json.dumps(MIXED_TRUST))
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "sre"}])
    iam.create_group(GroupName="operators")
    iam.add_user_to_group(UserName="alice", GroupName="operators")
    iam.attach_user_policy(UserName="alice", PolicyArn=ops["Arn"])
    iam.put_user_policy(
        UserName="alice", PolicyName="deny-data", PolicyDocument=json.dumps(DENY_DATA)
    )

    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("iam",))

    assert inv.gaps == ()
    roles = {r.id: r for r in inv.resources if r.kind == "role"}
    vendor_op = f"arn:aws:iam::{CUSTOMER}:role/vendor/vendor-operator"
    open_door = f"arn:aws:iam::{CUSTOMER}:role/open-door"
    mixed = f"arn:aws:iam::{CUSTOMER}:role/mixed"
    assert sorted(roles) == sorted([vendor_op, open_door, mixed])
    role = roles[vendor_op]
    assert (role.account, role.region, role.name, role.source) == (
        CUSTOMER,
        "global",
        "vendor-operator",
        "iam:GetAccountAuthorizationDetails",
    )
    assert role.tags == {"platform": "orders-kafka"}
    assert dict(role.attributes) == {
        "role_name": "vendor-operator",
        "path": "/vendor/",
        "trust_policy": HASHED_VENDOR_TRUST,
        "attached_policies": [{"arn": ops["Arn"], "name": "vendor-ops", "document": OPS_V2}],
        "inline_policies": [{"name": "deny-data", "document": DENY_DATA}],
        "permissions_boundary": ops["Arn"],
        "permissions_boundary_document": OPS_V2,
        "max_session_duration": 7200,
    }
    assert roles[open_door].attributes["max_session_duration"] == 3600
    assert roles[open_door].attributes["attached_policies"] == []
    assert roles[open_door].attributes["permissions_boundary"] is None

    assert _trusts(inv) == {
        (vendor_op, VENDOR_AUTOMATION): {
            "conditions": {"StringEquals": {"sts:ExternalId": external_id_mark("orders-7f3a")}},
            "statement": 0,
            "effect": "Allow",
            "actions": ["sts:AssumeRole"],
        },
        (open_door, "*"): {
            "conditions": {},
            "statement": 0,
            "effect": "Allow",
            "actions": ["sts:AssumeRole"],
        },
        (mixed, f"arn:aws:iam::{CUSTOMER_2}:root"): {
            "conditions": {},
            "statement": 0,
            "effect": "Allow",
            "actions": ["sts:AssumeRole", "sts:TagSession"],
        },
        (mixed, "service:ec2.amazonaws.com"): {
            "conditions": {},
            "statement": 0,
            "effect": "Allow",
            "actions": ["sts:AssumeRole", "sts:TagSession"],
        },
        (mixed, "*"): {
            "conditions": {},
            "statement": 1,
            "effect": "Deny",
            "actions": ["sts:AssumeRole"],
        },
    }

    users = {r.id: r for r in inv.resources if r.kind == "principal"}
    # "auditor" is the fake cloud's own scanning user.
    alice_arn = f"arn:aws:iam::{CUSTOMER}:user/alice"
    assert sorted(users) == [alice_arn, f"arn:aws:iam::{CUSTOMER}:user/auditor"]
    alice = users[alice_arn]
    assert alice.tags == {"team": "sre"}
    groups = alice.attributes["group_policies"]
    assert [g["name"] for g in groups] == ["operators"]
    assert {k: v for k, v in alice.attributes.items() if k != "group_policies"} == {
        "user_name": "alice",
        "attached_policies": [{"arn": ops["Arn"], "name": "vendor-ops", "document": OPS_V2}],
        "inline_policies": [{"name": "deny-data", "document": DENY_DATA}],
        "groups": ["operators"],
        "permissions_boundary": None,
        "permissions_boundary_document": None,
    }


def test_encoded_documents_and_unreturned_aws_managed_policies() -> None:
    """Offline records: IAM's URL-encoded JSON is decoded; a policy not returned has no document.

    moto cannot attach AWS managed policies unless it loads all of them, so this
    case is a raw record as AWS would answer it.
    """
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    record = RawRecord(
        cloud="aws",
        account=CUSTOMER,
        region="global",
        service="iam",
        type="iam:role",
        data={
            "Role": {
                "Path": "/",
                "RoleName": "reader",
                "Arn": f"arn:aws:iam::{CUSTOMER}:role/reader",
                "AssumeRolePolicyDocument": quote(json.dumps(VENDOR_TRUST)),
                "RolePolicyList": [
                    {"PolicyName": "inline", "PolicyDocument": quote(json.dumps(DENY_DATA))}
                ],
                "AttachedManagedPolicies": [
                    {"PolicyName": "ReadOnlyAccess", "PolicyArn": readonly}
                ],
            },
            "MaxSessionDuration": 3600,
            "ManagedPolicyVersions": {readonly: None},
        },
    )
    inv = normalize([record], scope=Scope(accounts=(CUSTOMER,), regions=("us-east-1",)))
    (role,) = inv.resources
    assert role.attributes["trust_policy"] == HASHED_VENDOR_TRUST
    assert role.attributes["inline_policies"] == [{"name": "inline", "document": DENY_DATA}]
    assert role.attributes["attached_policies"] == [
        {"arn": readonly, "name": "ReadOnlyAccess", "document": None}
    ]
    assert [(r.target, r.attributes["conditions"]) for r in inv.relations] == [
        (VENDOR_AUTOMATION, {"StringEquals": {"sts:ExternalId": external_id_mark("orders-7f3a")}})
    ]
