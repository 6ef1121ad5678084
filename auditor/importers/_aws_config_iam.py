"""AWS Config IAM roles and users as the records of the IAM collector.

A role or user item names its managed policies; their documents come from the
account's ``AWS::IAM::Policy`` (and ``AWS::IAM::Group``) items, so these
converters resolve references across items, unlike the one-item converters of
:mod:`auditor.importers._aws_config_items`, which merges :data:`IAM_CONVERTERS`
into its table. AWS managed policies are not Config items: a gap names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.importers._aws_config_convert import (
    GLOBAL,
    Convert,
    Item,
    Out,
    aws_tags,
    registrar,
    tag_map,
)

IAM_CONVERTERS: dict[str, Convert] = {}
converts = registrar(IAM_CONVERTERS)


def _policy_versions(out: Out, account: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for policy in out.by_type.get((account, GLOBAL, "AWS::IAM::Policy"), []):
        conf = policy.configuration
        default = next(
            (v for v in conf.get("policyVersionList") or [] if v.get("isDefaultVersion")), None
        )
        arn = str(conf.get("arn") or policy.arn)
        found[arn] = {
            "PolicyArn": arn,
            "PolicyName": conf.get("policyName"),
            "DefaultVersionId": conf.get("defaultVersionId"),
            "Document": default.get("document") if default else None,
        }
    return found


def _attached(conf: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"PolicyArn": p.get("policyArn"), "PolicyName": p.get("policyName")}
        for p in conf.get("attachedManagedPolicies") or []
    ]


def _inline(policies: Any) -> list[dict[str, Any]]:
    return [
        {"PolicyName": p.get("policyName"), "PolicyDocument": p.get("policyDocument")}
        for p in policies or []
    ]


def _boundary(conf: Mapping[str, Any]) -> dict[str, Any] | None:
    b = conf.get("permissionsBoundary")
    if not isinstance(b, Mapping) or not b.get("permissionsBoundaryArn"):
        return None
    return {
        "PermissionsBoundaryArn": b["permissionsBoundaryArn"],
        "PermissionsBoundaryType": b.get("permissionsBoundaryType"),
    }


def _identity(
    item: Item, out: Out, attached: list[dict[str, Any]], boundary: Any
) -> dict[str, Any]:
    versions = _policy_versions(out, item.account)
    bundled = {str(p["PolicyArn"]): versions.get(str(p["PolicyArn"])) for p in attached}
    missing = sorted(arn for arn, v in bundled.items() if v is None)
    arn = str(item.configuration.get("arn") or item.arn)
    if missing:
        out.lacks(
            item,
            "iam",
            arn,
            "GetAccountAuthorizationDetails",
            f"the documents of AWS managed policies ({', '.join(missing)})",
            region=GLOBAL,
        )
    boundary_arn = boundary.get("PermissionsBoundaryArn") if boundary else None
    if boundary_arn and boundary_arn not in versions:
        out.lacks(
            item,
            "iam",
            arn,
            "GetAccountAuthorizationDetails",
            "the document of an AWS managed permissions boundary",
            region=GLOBAL,
        )
    return {
        "ManagedPolicyVersions": bundled,
        "PermissionsBoundaryVersion": versions.get(str(boundary_arn)) if boundary_arn else None,
    }


@converts("AWS::IAM::Role")
def _role(item: Item, out: Out) -> None:
    conf = item.configuration
    attached = _attached(conf)
    boundary = _boundary(conf)
    role: dict[str, Any] = {
        "RoleName": conf.get("roleName") or item.name,
        "RoleId": conf.get("roleId"),
        "Arn": conf.get("arn") or item.arn,
        "Path": conf.get("path") or "/",
        "AssumeRolePolicyDocument": conf.get("assumeRolePolicyDocument"),
        "RolePolicyList": _inline(conf.get("rolePolicyList")),
        "AttachedManagedPolicies": attached,
        "Tags": aws_tags(tag_map(conf.get("tags")) or item.tags),
    }
    if boundary:
        role["PermissionsBoundary"] = boundary
    data = {
        "Role": role,
        "MaxSessionDuration": conf.get("maxSessionDuration"),
        **_identity(item, out, attached, boundary),
    }
    out.emit(item, "iam", "iam:role", data, region=GLOBAL)


@converts("AWS::IAM::User")
def _user(item: Item, out: Out) -> None:
    conf = item.configuration
    attached = _attached(conf)
    boundary = _boundary(conf)
    groups: dict[str, Any] = {}
    by_name = {
        str(g.configuration.get("groupName") or g.name): g
        for g in out.by_type.get((item.account, GLOBAL, "AWS::IAM::Group"), [])
    }
    versions = _policy_versions(out, item.account)
    for name in sorted(str(g) for g in conf.get("groupList") or []):
        group = by_name.get(name)
        if group is None:
            groups[name] = None
            continue
        g_attached = _attached(group.configuration)
        groups[name] = {
            "Arn": group.configuration.get("arn") or group.arn,
            "GroupPolicyList": _inline(group.configuration.get("groupPolicyList")),
            "ManagedPolicyVersions": {
                str(p["PolicyArn"]): versions.get(str(p["PolicyArn"])) for p in g_attached
            },
            "AttachedManagedPolicies": g_attached,
        }
    user: dict[str, Any] = {
        "UserName": conf.get("userName") or item.name,
        "UserId": conf.get("userId"),
        "Arn": conf.get("arn") or item.arn,
        "Path": conf.get("path") or "/",
        "UserPolicyList": _inline(conf.get("userPolicyList")),
        "AttachedManagedPolicies": attached,
        "GroupList": sorted(groups),
        "Tags": aws_tags(tag_map(conf.get("tags")) or item.tags),
    }
    if boundary:
        user["PermissionsBoundary"] = boundary
    data = {"User": user, "Groups": groups, **_identity(item, out, attached, boundary)}
    out.emit(item, "iam", "iam:user", data, region=GLOBAL)
