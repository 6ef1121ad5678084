"""The resource side of the access model: what is probed on each kind of boundary
resource, and the resource policy each kind has.

A *boundary capability* (data read, decrypt, key or bucket policy change, ...) is
probed as a few (action, resource) pairs per kind of target (:data:`CAPABILITIES`).
:func:`resource_policy` says which policy of a resource the evaluator takes and how
AWS treats it (mandatory for keys and role trusts, optional for buckets and
clusters); :func:`policy_accounts` says which accounts such a policy can let in,
so that :class:`auditor.analysis.access.AccessModel` tries only their principals.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from auditor.analysis.policy import NamedDocument, PolicyError, assume_statements, statements
from auditor.analysis.policy_eval import ResourceKind, account_of
from auditor.model import Kind, Resource

# capability -> [(action, resource template)]; {arn} the resource, {acct} its account,
# {region} the primary region. Account capabilities are probed with a wildcard name.
CAPABILITIES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    Kind.BUCKET: {
        "data.read": (("s3:GetObject", "{arn}/*"),),
        "data.write": (("s3:PutObject", "{arn}/*"), ("s3:DeleteObject", "{arn}/*")),
        "bucket.policy_change": (
            ("s3:PutBucketPolicy", "{arn}"),
            ("s3:DeleteBucketPolicy", "{arn}"),
            ("s3:PutBucketAcl", "{arn}"),
            ("s3:PutBucketPublicAccessBlock", "{arn}"),
        ),
        "bucket.replication_change": (("s3:PutReplicationConfiguration", "{arn}"),),
        "bucket.delete": (("s3:DeleteBucket", "{arn}"), ("s3:PutLifecycleConfiguration", "{arn}")),
    },
    Kind.KEY: {
        "key.decrypt": (("kms:Decrypt", "{arn}"), ("kms:ReEncryptFrom", "{arn}")),
        "key.policy_change": (("kms:PutKeyPolicy", "{arn}"), ("kms:CreateGrant", "{arn}")),
        "key.destroy": (("kms:ScheduleKeyDeletion", "{arn}"), ("kms:DisableKey", "{arn}")),
    },
    Kind.KAFKA_CLUSTER: {
        "data.read": (("kafka-cluster:ReadData", "{topic}"),),
        "data.write": (("kafka-cluster:WriteData", "{topic}"),),
        "cluster.policy_change": (
            ("kafka:PutClusterPolicy", "{arn}"),
            ("kafka:DeleteClusterPolicy", "{arn}"),
        ),
        "network.change": (
            ("kafka:UpdateConnectivity", "{arn}"),
            ("kafka:UpdateSecurity", "{arn}"),
        ),
    },
    Kind.AUDIT_TRAIL: {
        "trail.tamper": (
            ("cloudtrail:StopLogging", "{arn}"),
            ("cloudtrail:DeleteTrail", "{arn}"),
            ("cloudtrail:UpdateTrail", "{arn}"),
            ("cloudtrail:PutEventSelectors", "{arn}"),
        ),
    },
    Kind.ACCOUNT: {
        "iam.change": (
            ("iam:PutRolePolicy", "arn:aws:iam::{acct}:role/*"),
            ("iam:AttachRolePolicy", "arn:aws:iam::{acct}:role/*"),
            ("iam:UpdateAssumeRolePolicy", "arn:aws:iam::{acct}:role/*"),
            ("iam:CreateRole", "arn:aws:iam::{acct}:role/*"),
            ("iam:PassRole", "arn:aws:iam::{acct}:role/*"),
            ("iam:CreatePolicyVersion", "arn:aws:iam::{acct}:policy/*"),
            ("iam:CreateUser", "arn:aws:iam::{acct}:user/*"),
            ("iam:CreateAccessKey", "arn:aws:iam::{acct}:user/*"),
        ),
        "network.change": (
            ("ec2:AuthorizeSecurityGroupIngress", "arn:aws:ec2:{region}:{acct}:security-group/*"),
            ("ec2:CreateRoute", "arn:aws:ec2:{region}:{acct}:route-table/*"),
            ("ec2:CreateVpcPeeringConnection", "arn:aws:ec2:{region}:{acct}:vpc/*"),
            ("ec2:AttachInternetGateway", "arn:aws:ec2:{region}:{acct}:internet-gateway/*"),
            ("ec2:CreateVpcEndpoint", "arn:aws:ec2:{region}:{acct}:vpc-endpoint/*"),
        ),
    },
}
"""The boundary capabilities, per kind of target, as (action, resource) probes."""

CAPABILITY_NAMES: tuple[str, ...] = tuple(
    sorted({c for per_kind in CAPABILITIES.values() for c in per_kind})
)


ACCOUNT_ID = re.compile(r"^\d{12}$")
"""A 12-digit AWS account id."""


def resource_policy(res: Resource | None) -> tuple[NamedDocument | None, bool, ResourceKind]:
    """(policy, unreadable?, kind) of a resource as the evaluator takes it."""
    if res is None or res.attributes.get("stub"):
        return None, True, ResourceKind.OPTIONAL
    a = res.attributes
    if res.kind == Kind.KEY:
        pol = a.get("policy")
        return (
            (NamedDocument(f"key policy {res.id}", pol) if pol else None),
            pol is None,
            (ResourceKind.MANDATORY),
        )
    if res.kind == Kind.ROLE:
        pol = a.get("trust_policy")
        return (
            (NamedDocument(f"trust policy {res.id}", pol) if pol else None),
            pol is None,
            (ResourceKind.MANDATORY),
        )
    if res.kind == Kind.BUCKET:
        if "policy" not in a:
            return None, True, ResourceKind.OPTIONAL
        pol = a.get("policy")
        return (
            (NamedDocument(f"bucket policy {res.name}", pol) if pol else None),
            False,
            (ResourceKind.OPTIONAL),
        )
    if res.kind == Kind.KAFKA_CLUSTER:
        if not a.get("policy_read"):
            return None, True, ResourceKind.OPTIONAL
        pol = a.get("policy")
        return (
            (NamedDocument(f"cluster policy {res.name}", pol) if pol else None),
            False,
            (ResourceKind.OPTIONAL),
        )
    return None, False, ResourceKind.OPTIONAL


def policy_accounts(policy: NamedDocument | None) -> frozenset[str] | None:
    """The accounts a resource policy's Allow statements can name (``None``: any account).

    A named principal counts only by the account in its ARN, and only when nothing before
    that account is a wildcard (else the pattern could match an ARN of any account).
    Service principals name no account's principals.
    """
    if policy is None:
        return frozenset()
    try:
        sts = statements(policy.document)
    except PolicyError:
        return None
    out: set[str] = set()
    for st in sts:
        if not st.is_allow:
            continue
        if st.not_principal:
            return None
        for x in st.principals:
            if x.is_anyone:
                return None
            if x.is_service:
                continue
            parts = x.id.split(":", 5)
            head = ":".join(parts[:5])
            if (
                len(parts) != 6
                or parts[0] != "arn"
                or "*" in head
                or "?" in head
                or not ACCOUNT_ID.match(parts[4])
            ):
                return None
            out.add(parts[4])
    return frozenset(out)


def topic_prefix(cluster_arn: str) -> str:
    """The ARN prefix of the topics of an MSK cluster (``...:topic/<cluster>/<uuid>/``)."""
    return cluster_arn.replace(":cluster/", ":topic/", 1).rstrip("/") + "/"


def trust_index(
    roles: Iterable[Resource],
) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Roles by who their trust policies name: (by principal ARN, by account, anyone).

    A trust policy that cannot be read counts as naming anyone: evaluation decides.
    """
    named: dict[str, list[str]] = defaultdict(list)
    by_account: dict[str, list[str]] = defaultdict(list)
    wildcard: list[str] = []
    for role in roles:
        try:
            sts = assume_statements(role.attributes.get("trust_policy"))
        except PolicyError:  # unreadable: anyone may be trusted, evaluation decides
            wildcard.append(role.id)
            continue
        for st in sts:
            if st.names_anyone:
                wildcard.append(role.id)
            for p in st.principals:
                if p.is_anyone or p.is_service or p.type != "AWS":
                    continue
                pid = p.id
                if pid.endswith(":root"):
                    by_account[account_of(pid)].append(role.id)
                else:
                    named[pid].append(role.id)
    dedup = {k: sorted(set(v)) for k, v in named.items()}
    acc = {k: sorted(set(v)) for k, v in by_account.items()}
    return dedup, acc, sorted(set(wildcard))
