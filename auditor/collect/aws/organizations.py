"""AWS Organizations: the organization, its accounts and OU tree, and its SCPs. SDK calls only.

Organizations is global and answered fully only by the management account (or
a delegated administrator). Every scanned account asks. An account that
is not in an organization (``AWSOrganizationsNotInUseException``) is recorded
as such: no SCP limits it. One that may not ask (``AccessDeniedException``)
leaves a gap, and the SCPs that could apply to its principals stay unknown.
An account that can describe its organization but not list it still records
its membership (``organizations:membership``):
that alone tells ``aws:PrincipalOrgID``.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService

SCP = "SERVICE_CONTROL_POLICY"


def _all(ctx: AwsContext, operation: str, key: str, **params: Any) -> list[dict[str, Any]] | None:
    """Every item of a paged listing, or ``None`` when any page failed (a gap is recorded)."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    seen: set[str] = set()
    for _ in range(10_000):
        kw = dict(params)
        if token:
            kw["NextToken"] = token
        resp = ctx.call(operation, **kw)
        if resp is None:
            return None
        out.extend(resp.get(key) or [])
        token = resp.get("NextToken")
        if not token:
            return out
        if token in seen:
            ctx.gap(operation, "RepeatedPageToken", "a page token came back")
            return None
        seen.add(token)
    ctx.gap(operation, "TooManyPages", "stopped after 10000 pages")
    return None


def _tree(ctx: AwsContext, root_id: str) -> dict[str, Any] | None:
    """Parent of every OU and account below ``root_id`` (breadth first)."""
    parents: dict[str, str] = {}
    units: list[dict[str, Any]] = []
    todo = [root_id]
    while todo:
        parent = todo.pop(0)
        ous = _all(ctx, "ListOrganizationalUnitsForParent", "OrganizationalUnits", ParentId=parent)
        accounts = _all(ctx, "ListAccountsForParent", "Accounts", ParentId=parent)
        if ous is None or accounts is None:
            return None
        for ou in ous:
            parents[str(ou["Id"])] = parent
            units.append({"Id": ou["Id"], "Name": ou.get("Name"), "Arn": ou.get("Arn")})
            todo.append(str(ou["Id"]))
        for acct in accounts:
            parents[str(acct["Id"])] = parent
    return {"parents": parents, "units": units}


def collect(ctx: AwsContext) -> None:
    described = ctx.call("DescribeOrganization", absent=("AWSOrganizationsNotInUseException",))
    if described is None:
        return  # not allowed to ask: a gap, the SCPs that apply stay unknown
    if not described:
        # Not in an organization: a fact (no SCP can limit this account), not missing data.
        ctx.emit(
            "organizations:not_in_use",
            {"Account": ctx.account},
            "organizations:DescribeOrganization",
        )
        return
    org = described.get("Organization") or {}
    ctx.emit(
        "organizations:membership", {"Organization": org}, "organizations:DescribeOrganization"
    )
    roots = _all(ctx, "ListRoots", "Roots")
    accounts = _all(ctx, "ListAccounts", "Accounts")
    policies = _all(ctx, "ListPolicies", "Policies", Filter=SCP)
    if roots is None or accounts is None or policies is None:
        return
    trees = {}
    for root in roots:
        tree = _tree(ctx, str(root["Id"]))
        if tree is None:
            return
        trees[str(root["Id"])] = tree
    scps: list[dict[str, Any]] = []
    for summary in policies:
        pid = str(summary["Id"])
        detail = ctx.call("DescribePolicy", PolicyId=pid, resource=str(summary.get("Arn", pid)))
        targets = _all(ctx, "ListTargetsForPolicy", "Targets", PolicyId=pid)
        if detail is None or targets is None:
            return
        scps.append(
            {
                "Summary": summary,
                "Content": (detail.get("Policy") or {}).get("Content"),
                "Targets": targets,
            }
        )
    ctx.emit(
        "organizations:organization",
        {
            "Organization": org,
            "Roots": roots,
            "Accounts": accounts,
            "Trees": trees,
            "Policies": scps,
        },
        "organizations:DescribeOrganization",
    )


SERVICE = AwsService(
    name="organizations",
    client="organizations",
    scope="global",
    actions=(
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListAccounts",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
    ),
    collect=collect,
)
