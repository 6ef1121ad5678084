"""IAM: roles and users with every policy document that applies to them.

``GetAccountAuthorizationDetails`` is read once, as one paged listing of
every entity type (managed policies, AWS managed ones included, groups,
roles, users): its pages carry the four lists side by side, so the whole
listing is read before any record is made (a role may come on a page before
the policies it attaches). A failed page is one gap for everything the
listing covers. Because a normaliser sees one record at a time, each
``iam:role`` and ``iam:user`` record bundles the default-version document of
every managed policy it attaches (``None`` when the policy was not in the
answer, e.g. an AWS managed policy AWS did not return). ``ListRoles`` adds
the one fact the authorization details lack: ``MaxSessionDuration``.

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
ENTITIES = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
"""Every entity type the listing can return, named (the AWS managed policies included)."""
LISTS = ("Policies", "GroupDetailList", "RoleDetailList", "UserDetailList")


def _details(ctx: AwsContext) -> dict[str, list[dict[str, Any]]]:
    """The four lists of one paged ``GetAccountAuthorizationDetails`` listing."""
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
    for name, item in ctx.page_lists(DETAILS, LISTS, page_size=PAGE, Filter=list(ENTITIES)):
        found[name].append(item)
    return found


def _default_versions(policies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Managed policy ARN -> its default version (id and document), as returned."""
    found: dict[str, dict[str, Any]] = {}
    for policy in policies:
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
    details = _details(ctx)
    versions = _default_versions(details["Policies"])
    groups: dict[str, dict[str, Any]] = {}
    for group in details["GroupDetailList"]:
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
    for role in details["RoleDetailList"]:
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
    for user in details["UserDetailList"]:
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
