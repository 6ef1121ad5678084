"""AWS Organizations: one ``organization`` resource with its accounts, OU paths and SCPs.

Each account's ``path`` lists the targets SCPs can attach to, from the root
down to the account itself; an SCP applies to an account when it targets any
element of that path. ``accounts`` and ``scps`` are missing (unknown) when the
organization could be described but not listed (a member account without
delegated access).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.aws.iam import parse_policy

KIND = "organization"
SOURCE = "organizations:DescribeOrganization"


def _org_id(org: Mapping[str, Any]) -> str:
    return str(
        org.get("Arn")
        or f"arn:aws:organizations::{org.get('MasterAccountId')}:organization/{org.get('Id')}"
    )


def _base(org: Mapping[str, Any]) -> dict[str, JSONValue]:
    return {
        "org_id": org.get("Id"),
        "management_account": org.get("MasterAccountId"),
        "feature_set": org.get("FeatureSet"),
    }


@normalizes("aws", "organizations:membership")
def membership(rec: RawRecord, out: Builder) -> None:
    org: Mapping[str, Any] = rec.data["Organization"]
    out.resource(
        id=_org_id(org),
        cloud="aws",
        kind=KIND,
        account=str(org.get("MasterAccountId") or ""),
        region="global",
        name=str(org.get("Id") or ""),
        # accounts and scps are left out (unknown): a later full record fills them in.
        attributes=_base(org),
        source=SOURCE,
    )


@normalizes("aws", "organizations:not_in_use")
def not_in_use(rec: RawRecord, out: Builder) -> None:
    """An account outside any organization: known to have no SCPs and no org id."""
    account = str(rec.data["Account"])
    out.resource(
        id=f"arn:aws:organizations::{account}:no-organization",
        cloud="aws",
        kind=KIND,
        account=account,
        region="global",
        name="no organization",
        attributes={
            "org_id": "",
            "management_account": None,
            "feature_set": None,
            "in_use": False,
            "accounts": [{"id": account, "name": "", "status": "ACTIVE", "path": [account]}],
            "scps": [],
            "scp_enabled": False,
        },
        source=SOURCE,
    )


def _path(node: str, parents: Mapping[str, str]) -> list[str]:
    chain = [node]
    seen = {node}
    while chain[-1] in parents and parents[chain[-1]] not in seen:
        chain.append(parents[chain[-1]])
        seen.add(chain[-1])
    return list(reversed(chain))


@normalizes("aws", "organizations:organization")
def organization(rec: RawRecord, out: Builder) -> None:
    data = rec.data
    org: Mapping[str, Any] = data["Organization"]
    parents: dict[str, str] = {}
    for tree in (data.get("Trees") or {}).values():
        parents.update({str(k): str(v) for k, v in (tree.get("parents") or {}).items()})
    accounts = sorted(
        (
            {
                "id": str(a["Id"]),
                "name": str(a.get("Name", "")),
                "status": a.get("Status"),
                "path": _path(str(a["Id"]), parents),
            }
            for a in data.get("Accounts") or []
        ),
        key=lambda a: str(a["id"]),
    )
    scps = sorted(
        (
            {
                "id": str(p["Summary"]["Id"]),
                "name": str(p["Summary"].get("Name", "")),
                "aws_managed": bool(p["Summary"].get("AwsManaged", False)),
                "document": parse_policy(p.get("Content")),
                "targets": sorted(str(t["TargetId"]) for t in p.get("Targets") or []),
            }
            for p in data.get("Policies") or []
        ),
        key=lambda p: str(p["id"]),
    )
    out.resource(
        id=_org_id(org),
        cloud="aws",
        kind=KIND,
        account=str(org.get("MasterAccountId") or ""),
        region="global",
        name=str(org.get("Id") or ""),
        attributes={
            **_base(org),
            "roots": sorted(str(r["Id"]) for r in data.get("Roots") or []),
            "scp_enabled": any(
                pt.get("Type") == "SERVICE_CONTROL_POLICY" and pt.get("Status") == "ENABLED"
                for r in data.get("Roots") or []
                for pt in r.get("PolicyTypes") or []
            ),
            "accounts": accounts,
            "scps": scps,
        },
        source=SOURCE,
    )
