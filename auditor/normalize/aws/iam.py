"""IAM roles and users, with every policy document parsed and resolved.

Policy documents arrive as dicts (botocore decodes them) or, from offline
records, as JSON strings that IAM URL-encodes; both become parsed JSON.
A role's trust policy becomes one ``control.trusts`` relation per principal
it names, carrying the statement's conditions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from auditor.base.edges import TRUSTS
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of

ANYONE = "*"
"""Target id of a trust that names every principal (``"*"``)."""

_ACCOUNT_ID = re.compile(r"^\d{12}$")
SOURCE = "iam:GetAccountAuthorizationDetails"


def parse_policy(raw: Any) -> JSONValue:
    """A policy document as parsed JSON: dicts pass, strings are parsed (URL-decoded if needed).

    ``None`` or an empty string (no policy) gives ``None``.
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return json.loads(unquote(raw))


def as_list(value: Any) -> list[Any]:
    """IAM's "one value or a list of values"."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: JSONValue) -> list[Mapping[str, Any]]:
    """The statements of a parsed policy document (a lone statement dict becomes a list)."""
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def principal_id(principal_type: str, value: str) -> str:
    """The node id of one principal named in a policy."""
    if value == "*":
        return ANYONE
    if principal_type == "AWS":
        if _ACCOUNT_ID.match(value):
            return f"arn:aws:iam::{value}:root"
        return value
    if principal_type == "Service":
        return f"service:{value}"
    if principal_type == "Federated" and value.startswith("arn:"):
        return value
    return f"{principal_type.lower()}:{value}"


def principals(principal: Any) -> Iterator[tuple[str, str]]:
    """(node id, as written) for every principal in a ``Principal`` element."""
    if isinstance(principal, str):
        yield principal_id("AWS", principal), principal
        return
    if isinstance(principal, Mapping):
        for ptype in sorted(principal):
            for value in as_list(principal[ptype]):
                yield principal_id(str(ptype), str(value)), f"{ptype}:{value}"


def _trusts(role_arn: str, trust_policy: JSONValue, out: Builder) -> None:
    for index, stmt in enumerate(statements(trust_policy)):
        effect = str(stmt.get("Effect", ""))
        actions = sorted(str(a) for a in as_list(stmt.get("Action") or stmt.get("NotAction")))
        attrs: dict[str, JSONValue] = {
            "conditions": dict(stmt.get("Condition") or {}),
            "statement": index,
            "effect": effect,
            "actions": actions,
        }
        named = list(principals(stmt.get("Principal")))
        if "NotPrincipal" in stmt:
            # "everyone except": the statement reaches any principal not listed.
            excluded = sorted(pid for pid, _ in principals(stmt["NotPrincipal"]))
            named.append((ANYONE, f"anyone except {', '.join(excluded)}"))
            attrs["not_principals"] = excluded
        for target, written in named:
            out.relation(
                role_arn,
                target,
                TRUSTS,
                f"trust policy statement {index}: {effect} {', '.join(actions)} for {written}",
                attrs,
            )


def _attached(data: Mapping[str, Any], attached: Any) -> list[dict[str, JSONValue]]:
    versions: Mapping[str, Any] = data.get("ManagedPolicyVersions") or {}
    out = []
    for policy in attached or []:
        arn = str(policy["PolicyArn"])
        version = versions.get(arn)
        document = parse_policy(version.get("Document")) if version else None
        out.append({"arn": arn, "name": str(policy.get("PolicyName", "")), "document": document})
    return sorted(out, key=lambda p: str(p["arn"]))


def _boundary_document(data: Mapping[str, Any], arn: Any) -> JSONValue:
    """The boundary's default-version document; ``None`` when unset or not returned."""
    version = data.get("PermissionsBoundaryVersion")
    if not arn or not isinstance(version, Mapping):
        return None
    return parse_policy(version.get("Document"))


def _group_policies(data: Mapping[str, Any]) -> list[dict[str, JSONValue]]:
    """Each group of a user with its inline and attached policies (documents resolved)."""
    out: list[dict[str, JSONValue]] = []
    for name, group in sorted((data.get("Groups") or {}).items()):
        if not isinstance(group, Mapping):
            out.append(
                {"name": str(name), "arn": None, "attached_policies": None, "inline_policies": None}
            )
            continue
        out.append(
            {
                "name": str(name),
                "arn": group.get("Arn"),
                "attached_policies": _attached(group, group.get("AttachedManagedPolicies")),
                "inline_policies": _inline(group.get("GroupPolicyList")),
            }
        )
    return out


def _inline(policies: Any) -> list[dict[str, JSONValue]]:
    out = [
        {"name": str(p["PolicyName"]), "document": parse_policy(p.get("PolicyDocument"))}
        for p in policies or []
    ]
    return sorted(out, key=lambda p: str(p["name"]))


@normalizes("aws", "iam:role")
def role(rec: RawRecord, out: Builder) -> None:
    data = rec.data
    detail: Mapping[str, Any] = data["Role"]
    arn = str(detail["Arn"])
    trust_policy = parse_policy(detail.get("AssumeRolePolicyDocument"))
    boundary = detail.get("PermissionsBoundary") or {}
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.ROLE,
        account=rec.account,
        region="global",
        name=str(detail["RoleName"]),
        tags=tags_of(detail.get("Tags")),
        attributes={
            "role_name": str(detail["RoleName"]),
            "path": str(detail.get("Path", "/")),
            "trust_policy": trust_policy,
            "attached_policies": _attached(data, detail.get("AttachedManagedPolicies")),
            "inline_policies": _inline(detail.get("RolePolicyList")),
            "permissions_boundary": boundary.get("PermissionsBoundaryArn"),
            "permissions_boundary_document": _boundary_document(
                data, boundary.get("PermissionsBoundaryArn")
            ),
            "max_session_duration": data.get("MaxSessionDuration"),
        },
        source=SOURCE,
    )
    _trusts(arn, trust_policy, out)


@normalizes("aws", "iam:user")
def user(rec: RawRecord, out: Builder) -> None:
    data = rec.data
    detail: Mapping[str, Any] = data["User"]
    boundary = detail.get("PermissionsBoundary") or {}
    out.resource(
        id=str(detail["Arn"]),
        cloud="aws",
        kind=Kind.PRINCIPAL,
        account=rec.account,
        region="global",
        name=str(detail["UserName"]),
        tags=tags_of(detail.get("Tags")),
        attributes={
            "user_name": str(detail["UserName"]),
            "attached_policies": _attached(data, detail.get("AttachedManagedPolicies")),
            "inline_policies": _inline(detail.get("UserPolicyList")),
            "groups": sorted(str(g) for g in detail.get("GroupList") or []),
            "group_policies": _group_policies(data) if "Groups" in data else None,
            "permissions_boundary": boundary.get("PermissionsBoundaryArn"),
            "permissions_boundary_document": _boundary_document(
                data, boundary.get("PermissionsBoundaryArn")
            ),
        },
        source=SOURCE,
    )
