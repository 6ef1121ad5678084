"""IAM: roles and users with every policy document that applies to them.

``GetAccountAuthorizationDetails`` is read three times with a filter each
(managed policies, roles, users) so that every listing pages on its own
result key. Because a normaliser sees one record at a time, each ``iam:role``
and ``iam:user`` record bundles the default-version document of every managed
policy it attaches (``None`` when the policy was not in the answer, e.g. an
AWS managed policy AWS did not return). ``ListRoles`` adds the one fact the
authorization details lack: ``MaxSessionDuration``.

The permissions boundary's document is bundled the same way
(``PermissionsBoundaryVersion``), and each user record carries the inline and
attached policies of its groups (``Groups``), read from the ``Group`` listing,
so that the user's whole identity side is in one record.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService

DETAILS = "GetAccountAuthorizationDetails"
PAGE = 1000


def _default_versions(ctx: AwsContext) -> dict[str, dict[str, Any]]:
    """Managed policy ARN -> its default version (id and document), as returned."""
    found: dict[str, dict[str, Any]] = {}
    for policy in ctx.pages(
        DETAILS,
        "Policies",
        page_size=PAGE,
        Filter=["LocalManagedPolicy", "AWSManagedPolicy"],
    ):
        default = next(
            (v for v in policy.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")),
            None,
        )
        found[str(policy["Arn"])] = {
            "PolicyArn": policy["Arn"],
            "PolicyName": policy.get("PolicyName"),
            "DefaultVersionId": policy.get("DefaultVersionId"),
            "Document": default.get("Document") if default else None,
        }
    return found


def _bundle(attached: Any, versions: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """Attached policy ARN -> its default version, or ``None`` when it was not returned."""
    arns = (str(p.get("PolicyArn")) for p in attached or [])
    return {arn: versions.get(arn) for arn in arns}


def _boundary(detail: dict[str, Any], versions: dict[str, dict[str, Any]]) -> Any:
    arn = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return versions.get(str(arn)) if arn else None


def collect(ctx: AwsContext) -> None:
    versions = _default_versions(ctx)
    groups: dict[str, dict[str, Any]] = {}
    for group in ctx.pages(DETAILS, "GroupDetailList", page_size=PAGE, Filter=["Group"]):
        groups[str(group.get("GroupName"))] = {
            "Arn": group.get("Arn"),
            "GroupPolicyList": group.get("GroupPolicyList") or [],
            "ManagedPolicyVersions": _bundle(group.get("AttachedManagedPolicies"), versions),
            "AttachedManagedPolicies": group.get("AttachedManagedPolicies") or [],
        }
    session_limits = {
        str(role["Arn"]): role.get("MaxSessionDuration")
        for role in ctx.pages("ListRoles", "Roles", page_size=PAGE)
    }
    for role in ctx.pages(DETAILS, "RoleDetailList", page_size=PAGE, Filter=["Role"]):
        ctx.emit(
            "iam:role",
            {
                "Role": role,
                "MaxSessionDuration": session_limits.get(str(role["Arn"])),
                "ManagedPolicyVersions": _bundle(role.get("AttachedManagedPolicies"), versions),
                "PermissionsBoundaryVersion": _boundary(role, versions),
            },
            f"iam:{DETAILS}",
        )
    for user in ctx.pages(DETAILS, "UserDetailList", page_size=PAGE, Filter=["User"]):
        ctx.emit(
            "iam:user",
            {
                "User": user,
                "ManagedPolicyVersions": _bundle(user.get("AttachedManagedPolicies"), versions),
                "PermissionsBoundaryVersion": _boundary(user, versions),
                "Groups": {str(g): groups.get(str(g)) for g in sorted(user.get("GroupList") or [])},
            },
            f"iam:{DETAILS}",
        )


SERVICE = AwsService(
    name="iam",
    client="iam",
    scope="global",
    actions=("iam:GetAccountAuthorizationDetails", "iam:ListRoles"),
    collect=collect,
)
