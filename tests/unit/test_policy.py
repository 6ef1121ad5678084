"""IAM policy documents: statements, action globs, principals, conditions, permission sets."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from auditor.analysis.policy import (
    ActionSet,
    NamedDocument,
    PermissionSet,
    PolicyError,
    Principal,
    action_matches,
    assume_statements,
    find_action,
    globs_overlap,
    role_documents,
    statements,
)

VENDOR_ROLE = "arn:aws:iam::999999999999:role/automation"


def perms(*stmts: dict[str, object]) -> PermissionSet:
    return PermissionSet([NamedDocument("inline:p", {"Statement": list(stmts)})])


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("kms:*", "kms:Decrypt", True),
        ("KMS:decrypt", "kms:Decrypt", True),
        ("*", "iam:PassRole", True),
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get?bject", "s3:GetObjectAcl", False),
        ("kms:Decrypt", "kms:DecryptX", False),
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


def test_globs_overlap_both_ways() -> None:
    assert globs_overlap("kms:*", "kms:Decrypt")
    assert globs_overlap("iam:*", "iam:PassRole")
    assert globs_overlap("s3:Get*", "*Object")
    assert globs_overlap("*", "iam:*")
    assert not globs_overlap("s3:Get*", "s3:Put*")
    assert not globs_overlap("ec2:*", "kms:*")


def test_find_action_with_exclusions_and_negation() -> None:
    assert find_action([ActionSet(("kms:*",))], [ActionSet(("kms:*",))]) is None
    assert find_action([ActionSet(("kms:Decrypt",))]) == "kms:Decrypt"
    witness = find_action([ActionSet(("kms:*",))], [ActionSet(("kms:Decrypt",))])
    assert witness is not None and action_matches("kms:*", witness)
    assert not action_matches("kms:Decrypt", witness)
    # NotAction: everything except kms:* contains no kms:Decrypt
    assert find_action([ActionSet(("kms:Decrypt",)), ActionSet(("kms:*",), negated=True)]) is None
    assert ActionSet(("iam:*",), negated=True).contains("s3:GetObject")
    with pytest.raises(ValueError):
        find_action([])


def test_statements_normalise_single_values_and_principals() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "One",
            "Effect": "Allow",
            "Principal": {"AWS": ["999999999999", VENDOR_ROLE], "Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "abc"}},
        },
    }
    (st,) = statements(doc)
    assert st.sid == "One" and st.is_allow and st.label == "statement 'One'"
    assert st.actions == ActionSet(("sts:AssumeRole",))
    ids = sorted(p.id for p in st.principals)
    assert ids == [
        "arn:aws:iam::999999999999:role/automation",
        "arn:aws:iam::999999999999:root",
        "service:ec2.amazonaws.com",
    ]
    assert {p.account for p in st.principals if not p.is_service} == {"999999999999"}
    assert st.requires_value("sts:externalid")
    assert [c.key for c in st.restricting_conditions()] == ["sts:ExternalId"]


def test_documents_as_json_strings_and_url_encoded() -> None:
    doc = {"Statement": [{"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}]}
    for form in (json.dumps(doc), quote(json.dumps(doc))):
        (st,) = statements(form)
        assert st.is_deny and st.actions.negated and st.on_every_resource
    assert statements(None) == []


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        [1, 2],
        {"Statement": [{"Effect": "Maybe", "Action": "*"}]},
        {"Statement": "x"},
        {"Statement": [{"Effect": "Allow", "Action": {"a": 1}}]},
        {"Statement": [{"Effect": "Allow", "Principal": ["x"]}]},
    ],
)
def test_malformed_documents_raise_policy_error(bad: object) -> None:
    with pytest.raises(PolicyError):
        statements(bad)


def test_anyone_and_not_principal() -> None:
    a, b, c = statements(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"},
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"},
                {"Effect": "Allow", "NotPrincipal": {"AWS": VENDOR_ROLE}, "Action": "s3:*"},
            ]
        }
    )
    assert a.names_anyone and b.names_anyone and c.names_anyone
    assert Principal("AWS", "*").id == "*"


def test_restricting_conditions_ignore_ifexists_negative_and_wildcards() -> None:
    (st,) = statements(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"},
                    "StringNotEquals": {"aws:PrincipalAccount": "111111111111"},
                    "StringLike": {"aws:PrincipalArn": "*"},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            }
        }
    )
    assert st.restricting_conditions() == ()
    assert not st.requires_value("aws:PrincipalOrgID")
    (ok,) = statements(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}},
            }
        }
    )
    assert [c.key for c in ok.restricting_conditions()] == ["aws:PrincipalOrgID"]


def test_permission_set_wildcards_and_explicit_deny() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"},
    )
    assert p.grant("kms:Decrypt") is None
    assert p.grant("kms:Encrypt") is not None
    assert p.grant_within(["kms:Decrypt"]) == []
    (g,) = p.grant_within(["kms:*"])
    assert action_matches("kms:*", g.action) and not action_matches("kms:Decrypt", g.action)


def test_conditional_or_partial_deny_does_not_take_actions_away() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        },
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::one/*"},
    )
    assert [g.action for g in p.grant_within(["kms:Decrypt"])] == ["kms:Decrypt"]
    assert [g.action for g in p.grant_within(["s3:GetObject"])] == ["s3:GetObject"]


def test_not_action_allow_grants_everything_not_listed() -> None:
    p = perms({"Effect": "Allow", "NotAction": ["iam:*", "kms:*"], "Resource": "*"})
    assert p.grant_within(["iam:PassRole"]) == []
    assert p.grant_within(["kms:Decrypt"]) == []
    (g,) = p.grant_within(["s3:GetObject"])
    assert g.action == "s3:GetObject" and g.statement.actions.negated
    (out,) = p.grant_outside(["ec2:*", "autoscaling:*"])
    assert not action_matches("ec2:*", out.action) and ":" in out.action


def test_deny_not_action_leaves_only_the_listed_actions() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["ec2:*"], "Resource": "*"},
    )
    assert p.grant_outside(["ec2:*"]) == []
    assert p.grant_within(["iam:*"]) == []
    assert p.grant_within(["ec2:RunInstances"])[0].action == "ec2:RunInstances"


def test_grant_outside_allow_list() -> None:
    inside = perms(
        {"Effect": "Allow", "Action": ["ec2:Describe*", "autoscaling:*"], "Resource": "*"}
    )
    assert inside.grant_outside(["ec2:*", "autoscaling:*"]) == []
    wider = perms({"Effect": "Allow", "Action": ["ec2:*", "s3:List*"], "Resource": "*"})
    (g,) = wider.grant_outside(["ec2:*", "autoscaling:*"])
    assert action_matches("s3:List*", g.action)
    assert g.as_json()["policy"] == "inline:p"


def test_role_documents_and_assume_statements() -> None:
    attrs = {
        "attached_policies": [
            {"arn": "arn:aws:iam::aws:policy/X", "name": "X", "document": None},
            {"arn": "arn:aws:iam::111111111111:policy/Y", "name": "Y", "document": {}},
        ],
        "inline_policies": [{"name": "z", "document": {"Statement": []}}],
    }
    docs, missing = role_documents(attrs)
    assert [d.name for d in docs] == ["attached:arn:aws:iam::111111111111:policy/Y", "inline:z"]
    assert missing == ["attached:arn:aws:iam::aws:policy/X"]
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": VENDOR_ROLE}, "Action": "sts:TagSession"},
            {"Effect": "Allow", "Principal": {"AWS": VENDOR_ROLE}, "Action": "sts:Assume*"},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
        ]
    }
    assert [st.index for st in assume_statements(trust)] == [1]
