"""Policy evaluation against known AWS outcomes (the AWS policy evaluation logic docs).

Each case is one request and the policies that apply to it; the expected
decision is what AWS answers (ALLOWED, DENIED for an explicit deny,
NOT_ALLOWED for an implicit deny) or CONDITIONAL where the answer depends on
something the auditor cannot know (an unknown condition key, a network origin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from auditor.analysis.globs import glob_match
from auditor.analysis.policy import NamedDocument
from auditor.analysis.policy_eval import (
    Decision,
    PrincipalPolicies,
    Request,
    ResourceKind,
    Tri,
    evaluate,
)

A = "111111111111"  # customer account
B = "222222222222"  # second customer account
V = "999999999999"  # vendor account
ORG = "o-abc123"
ROLE = f"arn:aws:iam::{A}:role/app"
USER = f"arn:aws:iam::{A}:user/alice"
VROLE = f"arn:aws:iam::{V}:role/automation"
BROLE = f"arn:aws:iam::{B}:role/reader"
BUCKET = "arn:aws:s3:::logs-111111111111"
OBJ = f"{BUCKET}/kafka/segment-0001"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd"
TARGET_ROLE = f"arn:aws:iam::{A}:role/operator"

ALLOW, DENY, NOT, COND = (
    Decision.ALLOWED,
    Decision.DENIED,
    Decision.NOT_ALLOWED,
    Decision.CONDITIONAL,
)


def st(
    effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*", **kw: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect}
    if "not_action" in kw:
        out["NotAction"] = kw.pop("not_action")
    else:
        out["Action"] = action
    if "not_resource" in kw:
        out["NotResource"] = kw.pop("not_resource")
    elif resource is not None:
        out["Resource"] = resource
    if "principal" in kw:
        out["Principal"] = kw.pop("principal")
    if "not_principal" in kw:
        out["NotPrincipal"] = kw.pop("not_principal")
    if "condition" in kw:
        out["Condition"] = kw.pop("condition")
    assert not kw, kw
    return out


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@dataclass
class Case:
    name: str
    want: Decision
    action: str = "s3:GetObject"
    resource: str = OBJ
    principal: str = ROLE
    identity: list[dict[str, Any]] | None = field(default_factory=list)
    boundary: dict[str, Any] | None = None
    scps: list[list[dict[str, Any]]] | None = None
    resource_policy: dict[str, Any] | None = None
    kind: ResourceKind = ResourceKind.OPTIONAL
    trust: bool = False
    org: str | None = ORG
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    resource_account: str = A


def run(c: Case) -> Decision:
    acct = (
        ""
        if c.principal in ("*",) or c.principal.startswith("service:")
        else c.principal.split(":")[4]
    )
    req = Request(
        principal=c.principal,
        action=c.action,
        resource=c.resource,
        principal_account=acct,
        principal_org=c.org,
        context=c.context,
        absent=c.absent,
    )
    pp = PrincipalPolicies(
        identity=None
        if c.identity is None
        else tuple(NamedDocument(f"inline:p{i}", d) for i, d in enumerate(c.identity)),
        boundary=NamedDocument("boundary", c.boundary) if c.boundary else None,
        scps=None
        if c.scps is None
        else tuple(
            tuple(NamedDocument(f"scp:{n}:{i}", d) for i, d in enumerate(level))
            for n, level in enumerate(c.scps)
        ),
    )
    return evaluate(
        req,
        pp,
        resource_account=c.resource_account,
        resource_policy=NamedDocument("resource", c.resource_policy) if c.resource_policy else None,
        resource_kind=c.kind,
        trust_policy=c.trust,
    ).decision


FULL_SCP = doc(st(action="*"))
ORG_ONLY = {"StringEquals": {"aws:PrincipalOrgID": ORG}}

CASES: list[Case] = [
    # --- identity policies, explicit and implicit deny ----------------------------------
    Case("no policy at all is an implicit deny", NOT),
    Case("identity allow", ALLOW, identity=[doc(st())]),
    Case("identity allow on another action", NOT, identity=[doc(st(action="s3:PutObject"))]),
    Case("action wildcard service:*", ALLOW, identity=[doc(st(action="s3:*"))]),
    Case("action wildcard prefix Get*", ALLOW, identity=[doc(st(action="s3:Get*"))]),
    Case("action match ignores case", ALLOW, identity=[doc(st(action="S3:getobject"))]),
    Case("action ? matches one character", ALLOW, identity=[doc(st(action="s3:GetObjec?"))]),
    Case("full wildcard action", ALLOW, identity=[doc(st(action="*"))]),
    Case("explicit deny beats allow", DENY, identity=[doc(st(), st("Deny"))]),
    Case("deny in another policy beats allow", DENY, identity=[doc(st()), doc(st("Deny", "s3:*"))]),
    Case(
        "deny on another resource leaves the allow",
        ALLOW,
        identity=[doc(st(), st("Deny", resource=f"{BUCKET}/other/*"))],
    ),
    Case("NotAction allow covers other actions", ALLOW, identity=[doc(st(not_action="iam:*"))]),
    Case(
        "NotAction allow excludes named actions",
        NOT,
        action="iam:CreateRole",
        resource="*",
        identity=[doc(st(not_action="iam:*"))],
    ),
    Case(
        "NotAction deny denies everything else",
        DENY,
        identity=[doc(st(action="*"), st("Deny", not_action=["ec2:*"]))],
    ),
    Case(
        "NotAction deny spares named actions",
        ALLOW,
        action="ec2:RunInstances",
        resource="*",
        identity=[doc(st(action="*"), st("Deny", not_action=["ec2:*"]))],
    ),
    # --- resources ----------------------------------------------------------------------
    Case("resource ARN wildcard", ALLOW, identity=[doc(st(resource=f"{BUCKET}/*"))]),
    Case("bucket ARN does not cover objects", NOT, identity=[doc(st(resource=BUCKET))]),
    Case("resource on another bucket", NOT, identity=[doc(st(resource="arn:aws:s3:::other/*"))]),
    Case(
        "NotResource allow covers others",
        ALLOW,
        identity=[doc(st(not_resource="arn:aws:s3:::secret/*"))],
    ),
    Case("NotResource allow excludes named", NOT, identity=[doc(st(not_resource=f"{BUCKET}/*"))]),
    Case(
        "NotResource deny denies others",
        DENY,
        identity=[doc(st(), st("Deny", not_resource="arn:aws:s3:::public/*"))],
    ),
    Case(
        "policy variable in resource is conditional",
        COND,
        identity=[doc(st(resource="arn:aws:s3:::logs-${aws:username}/*"))],
    ),
    Case(
        "wildcard account segment in ARN",
        ALLOW,
        action="kms:Decrypt",
        resource=KEY,
        identity=[doc(st(action="kms:Decrypt", resource="arn:aws:kms:*:*:key/*"))],
        resource_policy=doc(st(action="kms:*", principal={"AWS": f"arn:aws:iam::{A}:root"})),
        kind=ResourceKind.MANDATORY,
    ),
    # --- permission boundaries ----------------------------------------------------------
    Case(
        "boundary allows: intersection allows",
        ALLOW,
        identity=[doc(st())],
        boundary=doc(st(action="s3:*")),
    ),
    Case(
        "boundary without the action blocks",
        NOT,
        identity=[doc(st())],
        boundary=doc(st(action="ec2:*")),
    ),
    Case("boundary alone grants nothing", NOT, identity=[], boundary=doc(st(action="*"))),
    Case(
        "boundary deny is an explicit deny",
        DENY,
        identity=[doc(st())],
        boundary=doc(st(action="*"), st("Deny")),
    ),
    Case(
        "same-account resource policy naming the user bypasses boundary",
        ALLOW,
        principal=USER,
        identity=[],
        boundary=doc(st(action="ec2:*")),
        resource_policy=doc(st(principal={"AWS": USER})),
    ),
    Case(
        "same-account resource policy naming the role is limited by its boundary",
        NOT,
        identity=[],
        boundary=doc(st(action="ec2:*")),
        resource_policy=doc(st(principal={"AWS": ROLE})),
    ),
    # --- SCPs ---------------------------------------------------------------------------
    Case(
        "SCP FullAWSAccess at each level allows",
        ALLOW,
        identity=[doc(st())],
        scps=[[FULL_SCP], [FULL_SCP]],
    ),
    Case("SCP deny denies", DENY, identity=[doc(st())], scps=[[FULL_SCP, doc(st("Deny", "s3:*"))]]),
    Case(
        "SCP allow-list without the action blocks",
        NOT,
        identity=[doc(st())],
        scps=[[doc(st(action="ec2:*"))]],
    ),
    Case(
        "every SCP level must allow",
        NOT,
        identity=[doc(st())],
        scps=[[FULL_SCP], [doc(st(action="ec2:*"))]],
    ),
    Case("SCP grants nothing by itself", NOT, identity=[], scps=[[FULL_SCP]]),
    Case(
        "SCP deny with NotAction spares listed",
        ALLOW,
        identity=[doc(st())],
        scps=[[FULL_SCP, doc(st("Deny", not_action=["s3:*"]))]],
    ),
    Case(
        "SCP deny outside approved regions is conditional",
        COND,
        identity=[doc(st())],
        scps=[
            [
                FULL_SCP,
                doc(
                    st(
                        "Deny",
                        "*",
                        condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
                    )
                ),
            ]
        ],
    ),
    Case(
        "SCP limits cross-account role too",
        NOT,
        principal=VROLE,
        identity=[doc(st())],
        scps=[[doc(st(action="ec2:*"))]],
        resource_policy=doc(st(principal={"AWS": VROLE})),
    ),
    # --- resource policies, same account and cross-account ------------------------------
    Case(
        "same account: bucket policy alone allows",
        ALLOW,
        identity=[],
        resource_policy=doc(st(principal={"AWS": ROLE})),
    ),
    Case(
        "same account: identity alone allows (optional resource policy)",
        ALLOW,
        identity=[doc(st())],
        resource_policy=doc(st(action="s3:PutObject", principal={"AWS": ROLE})),
    ),
    Case(
        "same account: resource deny beats identity allow",
        DENY,
        identity=[doc(st())],
        resource_policy=doc(st("Deny", principal="*")),
    ),
    Case(
        "same account: bucket policy naming the account root delegates",
        NOT,
        identity=[],
        resource_policy=doc(st(principal={"AWS": A})),
    ),
    Case(
        "cross-account: both sides allow",
        ALLOW,
        principal=VROLE,
        identity=[doc(st())],
        resource_policy=doc(st(principal={"AWS": VROLE})),
    ),
    Case(
        "cross-account: resource policy only",
        NOT,
        principal=VROLE,
        identity=[],
        resource_policy=doc(st(principal={"AWS": VROLE})),
    ),
    Case("cross-account: identity only", NOT, principal=VROLE, identity=[doc(st())]),
    Case(
        "cross-account: resource policy names the account root",
        ALLOW,
        principal=VROLE,
        identity=[doc(st())],
        resource_policy=doc(st(principal={"AWS": f"arn:aws:iam::{V}:root"})),
    ),
    Case(
        "cross-account: uncollected principal's owner can grant itself",
        ALLOW,
        principal=VROLE,
        identity=None,
        resource_policy=doc(st(principal={"AWS": VROLE})),
    ),
    Case(
        "cross-account: principal * still needs identity",
        NOT,
        principal=VROLE,
        identity=[],
        resource_policy=doc(st(principal="*")),
    ),
    Case(
        "anyone: principal * lets an outsider in",
        ALLOW,
        principal="*",
        resource_policy=doc(st(principal="*")),
    ),
    Case(
        "anyone: principal AWS * lets an outsider in",
        ALLOW,
        principal="*",
        resource_policy=doc(st(principal={"AWS": "*"})),
    ),
    Case(
        "anyone: PrincipalOrgID keeps an outsider out",
        NOT,
        principal="*",
        resource_policy=doc(st(principal="*", condition=ORG_ONLY)),
    ),
    Case(
        "org member in the org passes PrincipalOrgID",
        ALLOW,
        principal=BROLE,
        identity=[doc(st())],
        resource_policy=doc(st(principal="*", condition=ORG_ONLY)),
    ),
    Case(
        "org member of unknown org is conditional",
        COND,
        principal=BROLE,
        org=None,
        identity=[doc(st())],
        resource_policy=doc(st(principal="*", condition=ORG_ONLY)),
    ),
    Case(
        "anyone: customer VPC endpoint keeps an outsider out",
        NOT,
        principal="*",
        resource_policy=doc(
            st(principal="*", condition={"StringEquals": {"aws:SourceVpce": "vpce-0abc"}})
        ),
    ),
    Case(
        "customer principal through a VPC endpoint is conditional",
        COND,
        identity=[],
        resource_policy=doc(
            st(principal="*", condition={"StringEquals": {"aws:SourceVpce": "vpce-0abc"}})
        ),
    ),
    Case(
        "customer principal with SourceVpc known",
        ALLOW,
        identity=[],
        context={"aws:sourcevpc": ("vpc-1",)},
        resource_policy=doc(
            st(principal="*", condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})
        ),
    ),
    # --- NotPrincipal -------------------------------------------------------------------
    Case(
        "NotPrincipal deny denies everyone else",
        DENY,
        principal=VROLE,
        identity=[doc(st())],
        resource_policy=doc(st(principal="*"), st("Deny", not_principal={"AWS": BROLE})),
    ),
    Case(
        "NotPrincipal deny spares the named user",
        ALLOW,
        principal=USER,
        identity=[doc(st())],
        resource_policy=doc(st("Deny", not_principal={"AWS": USER})),
    ),
    Case(
        "NotPrincipal deny naming only the role ARN still denies its sessions",
        DENY,
        identity=[doc(st())],
        resource_policy=doc(st("Deny", not_principal={"AWS": ROLE})),
    ),
    Case(
        "NotPrincipal deny naming the session spares it",
        ALLOW,
        identity=[doc(st())],
        resource_policy=doc(
            st("Deny", not_principal={"AWS": [ROLE, f"arn:aws:sts::{A}:assumed-role/app/*"]})
        ),
    ),
    Case(
        "NotPrincipal allow lets an outsider in",
        ALLOW,
        principal="*",
        resource_policy=doc(st(not_principal={"AWS": BROLE})),
    ),
    # --- KMS key policies (mandatory) ---------------------------------------------------
    Case(
        "key: identity allow without key policy root is denied",
        NOT,
        action="kms:Decrypt",
        resource=KEY,
        identity=[doc(st(action="kms:Decrypt"))],
        resource_policy=doc(st(action="kms:*", principal={"AWS": BROLE})),
        kind=ResourceKind.MANDATORY,
    ),
    Case(
        "key: root in key policy enables identity policies",
        ALLOW,
        action="kms:Decrypt",
        resource=KEY,
        identity=[doc(st(action="kms:Decrypt"))],
        resource_policy=doc(st(action="kms:*", principal={"AWS": f"arn:aws:iam::{A}:root"})),
        kind=ResourceKind.MANDATORY,
    ),
    Case(
        "key: key policy naming the role directly",
        ALLOW,
        action="kms:Decrypt",
        resource=KEY,
        identity=[],
        resource_policy=doc(st(action="kms:Decrypt", principal={"AWS": ROLE})),
        kind=ResourceKind.MANDATORY,
    ),
    Case(
        "key: root delegation but no identity allow",
        NOT,
        action="kms:Decrypt",
        resource=KEY,
        identity=[],
        resource_policy=doc(st(action="kms:*", principal={"AWS": A})),
        kind=ResourceKind.MANDATORY,
    ),
    Case(
        "key: cross-account needs identity too",
        NOT,
        principal=VROLE,
        action="kms:Decrypt",
        resource=KEY,
        identity=[],
        resource_policy=doc(st(action="kms:Decrypt", principal={"AWS": VROLE})),
        kind=ResourceKind.MANDATORY,
    ),
    Case(
        "key: kms:CallerAccount pins the account",
        NOT,
        principal=VROLE,
        action="kms:Decrypt",
        resource=KEY,
        identity=None,
        resource_policy=doc(
            st(
                action="kms:Decrypt",
                principal="*",
                condition={"StringEquals": {"kms:CallerAccount": A}},
            )
        ),
        kind=ResourceKind.MANDATORY,
    ),
    Case(
        "key: kms:ViaService is an unknown key",
        COND,
        principal=VROLE,
        action="kms:Decrypt",
        resource=KEY,
        identity=None,
        resource_policy=doc(
            st(
                action="kms:Decrypt",
                principal={"AWS": VROLE},
                condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            )
        ),
        kind=ResourceKind.MANDATORY,
    ),
    # --- role trust policies ------------------------------------------------------------
    Case(
        "trust: named role may assume (cross-account, owner grants itself)",
        ALLOW,
        principal=VROLE,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=None,
        resource_policy=doc(st(action="sts:AssumeRole", resource=None, principal={"AWS": VROLE})),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: ExternalId is supplied by the caller",
        ALLOW,
        principal=VROLE,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=None,
        resource_policy=doc(
            st(
                action="sts:AssumeRole",
                resource=None,
                principal={"AWS": VROLE},
                condition={"StringEquals": {"sts:ExternalId": "x-1"}},
            )
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: another principal is not trusted",
        NOT,
        principal=BROLE,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=[doc(st(action="sts:AssumeRole"))],
        resource_policy=doc(st(action="sts:AssumeRole", resource=None, principal={"AWS": VROLE})),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: same account root needs identity allow",
        NOT,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=[],
        resource_policy=doc(
            st(action="sts:AssumeRole", resource=None, principal={"AWS": f"arn:aws:iam::{A}:root"})
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: same account root with identity allow",
        ALLOW,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=[doc(st(action="sts:AssumeRole", resource=TARGET_ROLE))],
        resource_policy=doc(st(action="sts:AssumeRole", resource=None, principal={"AWS": A})),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: same account role named needs no identity allow",
        ALLOW,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=[],
        resource_policy=doc(st(action="sts:AssumeRole", resource=None, principal={"AWS": ROLE})),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: identity allow is not enough without trust",
        NOT,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=[doc(st(action="sts:AssumeRole"))],
        resource_policy=doc(
            st(action="sts:AssumeRole", resource=None, principal={"Service": "ec2.amazonaws.com"})
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: service principal may assume",
        ALLOW,
        principal="service:ec2.amazonaws.com",
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        resource_policy=doc(
            st(action="sts:AssumeRole", resource=None, principal={"Service": "ec2.amazonaws.com"})
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: wildcard with PrincipalAccount pins the vendor",
        ALLOW,
        principal=VROLE,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=None,
        resource_policy=doc(
            st(
                action="sts:AssumeRole",
                resource=None,
                principal="*",
                condition={"StringEquals": {"aws:PrincipalAccount": V}},
            )
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: wildcard with PrincipalAccount keeps outsiders out",
        NOT,
        principal="*",
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        resource_policy=doc(
            st(
                action="sts:AssumeRole",
                resource=None,
                principal="*",
                condition={"StringEquals": {"aws:PrincipalAccount": V}},
            )
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: wildcard with ArnLike any-account pattern lets outsiders in",
        ALLOW,
        principal="*",
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        resource_policy=doc(
            st(
                action="sts:AssumeRole",
                resource=None,
                principal="*",
                condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}},
            )
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: ArnLike with account literal keeps outsiders out",
        NOT,
        principal="*",
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        resource_policy=doc(
            st(
                action="sts:AssumeRole",
                resource=None,
                principal="*",
                condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{V}:role/ci-*"}},
            )
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: ArnLike matches the named vendor role",
        ALLOW,
        principal=VROLE,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=None,
        resource_policy=doc(
            st(
                action="sts:AssumeRole",
                resource=None,
                principal="*",
                condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{V}:role/auto*"}},
            )
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    Case(
        "trust: ArnNotLike denies others",
        DENY,
        principal=BROLE,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity=[doc(st(action="sts:AssumeRole"))],
        resource_policy=doc(
            st(action="sts:AssumeRole", resource=None, principal={"AWS": BROLE}),
            st(
                "Deny",
                action="sts:AssumeRole",
                resource=None,
                principal="*",
                condition={"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{V}:*"}},
            ),
        ),
        kind=ResourceKind.MANDATORY,
        trust=True,
    ),
    # --- condition operators ------------------------------------------------------------
    Case(
        "StringEquals PrincipalAccount matches",
        ALLOW,
        identity=[doc(st(condition={"StringEquals": {"aws:PrincipalAccount": A}}))],
    ),
    Case(
        "StringEquals PrincipalAccount does not match",
        NOT,
        identity=[doc(st(condition={"StringEquals": {"aws:PrincipalAccount": B}}))],
    ),
    Case(
        "StringNotEquals PrincipalAccount",
        ALLOW,
        identity=[doc(st(condition={"StringNotEquals": {"aws:PrincipalAccount": B}}))],
    ),
    Case(
        "StringLike with wildcard",
        ALLOW,
        identity=[
            doc(st(condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/a*"}}))
        ],
    ),
    Case(
        "StringNotLike excludes",
        NOT,
        identity=[
            doc(st(condition={"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/a*"}}))
        ],
    ),
    Case(
        "StringEqualsIgnoreCase",
        ALLOW,
        identity=[
            doc(st(condition={"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": "O-ABC123"}}))
        ],
    ),
    Case(
        "StringEquals is case sensitive",
        NOT,
        identity=[doc(st(condition={"StringEquals": {"aws:PrincipalOrgID": "O-ABC123"}}))],
    ),
    Case(
        "multiple values are ORed",
        ALLOW,
        identity=[doc(st(condition={"StringEquals": {"aws:PrincipalAccount": [B, A]}}))],
    ),
    Case(
        "multiple keys are ANDed",
        NOT,
        identity=[
            doc(
                st(
                    condition={
                        "StringEquals": {"aws:PrincipalAccount": A, "aws:PrincipalOrgID": "o-other"}
                    }
                )
            )
        ],
    ),
    Case(
        "missing key: StringEquals is false",
        NOT,
        identity=[doc(st(condition={"StringEquals": {"aws:SourceAccount": A}}))],
    ),
    Case(
        "missing key: StringNotEquals is true",
        ALLOW,
        identity=[doc(st(condition={"StringNotEquals": {"aws:SourceAccount": B}}))],
    ),
    Case(
        "missing key: IfExists is true",
        ALLOW,
        identity=[doc(st(condition={"StringEqualsIfExists": {"aws:SourceAccount": B}}))],
    ),
    Case(
        "present key: IfExists still tests it",
        NOT,
        identity=[doc(st(condition={"StringEqualsIfExists": {"aws:PrincipalAccount": B}}))],
    ),
    Case(
        "Null true: key absent",
        ALLOW,
        identity=[doc(st(condition={"Null": {"aws:SourceArn": "true"}}))],
    ),
    Case(
        "Null false: key absent fails",
        NOT,
        identity=[doc(st(condition={"Null": {"aws:SourceArn": "false"}}))],
    ),
    Case(
        "Bool MFA is supplied by the caller",
        ALLOW,
        identity=[doc(st(condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))],
    ),
    Case(
        "Bool MFA known absent",
        NOT,
        absent=frozenset({"aws:multifactorauthpresent"}),
        identity=[doc(st(condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))],
    ),
    Case(
        "BoolIfExists MFA deny with MFA absent denies",
        DENY,
        absent=frozenset({"aws:multifactorauthpresent"}),
        identity=[
            doc(
                st(),
                st(
                    "Deny", "*", condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
                ),
            )
        ],
    ),
    Case(
        "SecureTransport deny is avoided by the caller",
        ALLOW,
        identity=[doc(st())],
        resource_policy=doc(
            st("Deny", "s3:*", principal="*", condition={"Bool": {"aws:SecureTransport": "false"}})
        ),
    ),
    Case(
        "ExternalId on a non-assume action is absent",
        NOT,
        identity=[doc(st(condition={"StringEquals": {"sts:ExternalId": "x"}}))],
    ),
    Case(
        "ForAnyValue with absent key is false",
        NOT,
        identity=[doc(st(condition={"ForAnyValue:StringEquals": {"aws:SourceAccount": [A]}}))],
    ),
    Case(
        "ForAllValues with absent key is true",
        ALLOW,
        identity=[doc(st(condition={"ForAllValues:StringEquals": {"aws:SourceAccount": [A]}}))],
    ),
    Case(
        "ForAnyValue with known values",
        ALLOW,
        context={"aws:tagkeys": ("env", "team")},
        identity=[doc(st(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}))],
    ),
    Case(
        "ForAllValues with a value outside the set",
        NOT,
        context={"aws:tagkeys": ("env", "team")},
        identity=[doc(st(condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}))],
    ),
    Case(
        "unknown key makes an allow conditional",
        COND,
        identity=[doc(st(condition={"StringEquals": {"aws:ResourceTag/env": "prod"}}))],
    ),
    Case(
        "unknown key in a deny makes the allow conditional",
        COND,
        identity=[
            doc(
                st(),
                st(
                    "Deny",
                    condition={"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
                ),
            )
        ],
    ),
    Case(
        "unknown key in a deny that cannot apply",
        ALLOW,
        identity=[
            doc(
                st(),
                st("Deny", "ec2:*", condition={"StringEquals": {"aws:ResourceTag/env": "prod"}}),
            )
        ],
    ),
    Case(
        "IpAddress on SourceIp is unknown",
        COND,
        identity=[doc(st(condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))],
    ),
    Case(
        "SourceArn present for a service request is unknown",
        COND,
        principal="service:cloudtrail.amazonaws.com",
        action="s3:PutObject",
        resource_policy=doc(
            st(
                action="s3:PutObject",
                principal={"Service": "cloudtrail.amazonaws.com"},
                condition={
                    "StringEquals": {
                        "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"
                    }
                },
            )
        ),
    ),
    Case(
        "SourceArn known for a service request",
        ALLOW,
        principal="service:cloudtrail.amazonaws.com",
        action="s3:PutObject",
        context={"aws:sourcearn": ("arn:aws:cloudtrail:us-east-1:111111111111:trail/t",)},
        resource_policy=doc(
            st(
                action="s3:PutObject",
                principal={"Service": "cloudtrail.amazonaws.com"},
                condition={
                    "ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111111111111:trail/*"}
                },
            )
        ),
    ),
    Case(
        "numeric comparison is unknown",
        COND,
        identity=[doc(st(condition={"NumericLessThan": {"s3:max-keys": "10"}}))],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_known_outcome(case: Case) -> None:
    assert run(case) is case.want


def test_case_count() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


def test_tri_logic() -> None:
    assert (Tri.YES & Tri.MAYBE) is Tri.MAYBE
    assert (Tri.NO | Tri.MAYBE) is Tri.MAYBE
    assert ~Tri.MAYBE is Tri.MAYBE
    assert ~Tri.YES is Tri.NO


def test_glob_spans_segments() -> None:
    assert glob_match("arn:aws:s3:::*", "arn:aws:s3:::b/k/x")
    assert not glob_match("arn:aws:s3:::b", "arn:aws:s3:::b/k")
    assert glob_match("S3:get*", "s3:GetObject", ignore_case=True)
