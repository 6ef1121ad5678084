"""Control path: who may assume roles in customer accounts, and on what terms.

Rules here read each role's ``trust_policy`` with :mod:`auditor.analysis.policy`
(the ``control.trusts`` edges the normaliser draws from the same document are
cited as evidence). A trust *statement* is an Allow statement whose actions
include one of the ``sts:AssumeRole*`` actions.

Azure and GCP have no trust policy: their doors in are role assignments and
Lighthouse delegations (Azure) and IAM bindings (GCP) to outside identities, which
``control.external-assume-declared`` judges (principal and role held against
``control.vendor_access``, :mod:`auditor.checks.control_cloud_roles`), and
``control.declared-roles-exist`` checks that the declared Azure/GCP vendor identity
holds its declared role.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from auditor.analysis.boundary_scope import is_customer_account
from auditor.analysis.gcp_iam import outside_grants
from auditor.analysis.gcp_iam import undeclared as gcp_undeclared
from auditor.analysis.policy import PolicyError, Principal, Statement, assume_statements
from auditor.analysis.vendor_roles import vendor_access_cloud
from auditor.base.edges import TRUSTS
from auditor.boundary import Declaration, VendorAccess
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.control_cloud_roles import (
    azure_declared_role_held,
    azure_outside_assignments,
    gcp_declared_role_held,
)
from auditor.checks.data_exposure import anyone_outside
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

# --- shared helpers (control_vendor imports these) ----------------------------------------


AZURE_NO_TRUST = (
    "Azure roles have no trust policy and RBAC has no 'anyone' principal; role assignments "
    "and Lighthouse delegations are judged by control.external-assume-declared and "
    "control.outside-reach-declared"
)


def account_of_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""


def role_name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if ":role/" in arn else ""


def scanned(graph: BoundaryGraph, account: str) -> bool:
    """Whether the scan looked at ``account`` at all."""
    return account in graph.inventory.scope.accounts


def not_scanned(j: Judgement, cloud: str, account: str) -> Judgement:
    """``j`` with the gap behind it named: a declared account the scan did not cover."""
    gap = f"{cloud} {account}: declared but not in the scan's scope, so nothing of it was collected"
    return replace(j, evidence=replace(j.evidence, gaps=tuple(sorted({*j.evidence.gaps, gap}))))


def find_role(graph: BoundaryGraph, arn: str) -> Resource | None:
    """The collected role with this ARN, or with the same account and name (any path)."""
    res = graph.get(arn)
    if res is not None and res.kind == Kind.ROLE and not res.attributes.get("stub"):
        return res
    account, name = account_of_arn(arn), role_name_of(arn)
    for r in graph.of_kind(Kind.ROLE):
        if r.account == account and (r.attributes.get("role_name") or r.name) == name:
            return r
    return None


def roles_by_customer_account(graph: BoundaryGraph) -> dict[str, list[Resource]]:
    """Collected roles of every declared customer account (empty lists included)."""
    accounts = sorted(graph.declaration.accounts("aws", "customer"))
    out: dict[str, list[Resource]] = {a: [] for a in accounts}
    for r in graph.of_kind(Kind.ROLE):
        if r.account in out:
            out[r.account].append(r)
    return out


def trust_edges(graph: BoundaryGraph, role: Resource, ids: set[str]) -> list[tuple[str, str, str]]:
    """The ``control.trusts`` edges of ``role`` that point at ``ids``."""
    return [
        (rel.source, rel.target, rel.kind)
        for rel in graph.out_edges(role.id, TRUSTS)
        if rel.target in ids
    ]


@dataclass(frozen=True)
class Trust:
    """A role's trust statements, or why they could not be read."""

    role: Resource
    statements: tuple[Statement, ...]
    error: str = ""


def trust_of(role: Resource) -> Trust:
    if "trust_policy" not in role.attributes:
        return Trust(role, (), "its trust policy was not collected")
    try:
        return Trust(role, tuple(assume_statements(role.attributes.get("trust_policy"))))
    except PolicyError as exc:
        return Trust(role, (), f"its trust policy cannot be read ({exc})")


def is_outside(decl: Declaration, p: Principal) -> bool:
    """A named principal (not anyone, not a service) outside the customer party.

    A principal another party names (``aws.principals``) is that party's, whatever
    account it lives in.
    """
    if p.is_anyone or p.is_service:
        return False
    named = decl.identity_party("aws", [p.value])
    if named is not None:
        return named != "customer"
    return not p.account or decl.party_of("aws", p.account) != "customer"


def declared_for(decl: Declaration, role: Resource, p: Principal) -> VendorAccess | None:
    for va in decl.control.vendor_access:
        same_role = va.role == role.id or (
            account_of_arn(va.role) == role.account
            and role_name_of(va.role) == (role.attributes.get("role_name") or role.name)
        )
        if same_role and va.principal == p.value:
            return va
    return None


def _account_checks(ctx: RuleContext, account: str, roles: list[Resource]) -> Judgement | None:
    """The account-wide verdict when there are no roles to judge one by one."""
    sid = scope_id("aws", account, "*")
    if not scanned(ctx.graph, account):
        return not_scanned(
            ctx.inconclusive(
                sid,
                f"customer account {account} was not scanned",
                account=account,
                region="global",
            ),
            "aws",
            account,
        )
    if not roles:
        if ctx.graph.inventory.was_collected("iam", account):
            return ctx.passed(
                sid,
                f"IAM was read in customer account {account} and holds no roles",
                account=account,
                region="global",
            )
        return ctx.inconclusive(
            sid,
            f"no roles were collected in customer account {account}",
            account=account,
            region="global",
        )
    return None


def _no_vendor_access(ctx: RuleContext, what: str) -> Judgement:
    return ctx.not_applicable(
        "scope:aws/*/*",
        f"the declaration grants no vendor access, so {what}",
        attributes={"vendor_access": []},
    )


def _va_json(va: VendorAccess) -> dict[str, JSONValue]:
    return {"principal": va.principal, "role": va.role}


# --- rules ---------------------------------------------------------------------------------


@rule(
    id="control.no-wildcard-trust",
    path=PathName.CONTROL,
    severity=Severity.CRITICAL,
    title="No customer role can be assumed by anyone",
    rationale=(
        "A trust policy naming '*' without a condition that pins the caller (organization, "
        "account, ExternalId) lets any AWS account assume the role."
    ),
    remediation=(
        "Name the exact principals in the trust policy, or add an aws:PrincipalOrgID (or "
        "sts:ExternalId) condition that limits '*' to the customer."
    ),
    requires=("iam",),
)
def no_wildcard_trust(ctx: RuleContext) -> Iterator[Judgement]:
    yield from ctx.not_judged_on(("azure",), AZURE_NO_TRUST)
    yield from ctx.not_judged_on(
        ("gcp",),
        "GCP IAM has no trust policies; allUsers bindings are judged by "
        "control.no-anonymous-data-access and data.no-public-access",
    )
    decl = ctx.declaration
    for account, roles in sorted(roles_by_customer_account(ctx.graph).items()):
        if (f := _account_checks(ctx, account, roles)) is not None:
            yield f
            continue
        clean = 0
        for role in roles:
            trust = trust_of(role)
            if trust.error:
                yield ctx.inconclusive(role.id, f"role {role.name}: {trust.error}")
                continue
            wild = [st for st in trust.statements if st.names_anyone]
            if not wild:
                clean += 1
                continue
            problems = [p for st in wild if (p := anyone_outside(decl, "aws", st))]
            attrs: dict[str, JSONValue] = {
                "statements": [dict(st.raw) for st in wild],
            }
            edges = trust_edges(ctx.graph, role, {"*"})
            if problems:
                yield ctx.failed(
                    role.id,
                    f"role {role.name} can be assumed by anyone: " + "; ".join(problems),
                    attributes=attrs,
                    edges=edges,
                    definite=True,
                )
            else:
                conds = sorted({c.key for st in wild for c in st.restricting_conditions()})
                yield ctx.passed(
                    role.id,
                    f"role {role.name} trusts '*' only under restricting conditions "
                    f"({', '.join(conds)})",
                    attributes=attrs,
                    edges=edges,
                )
        if clean == len(roles):
            yield ctx.passed(
                scope_id("aws", account, "*"),
                f"none of the {len(roles)} role(s) in account {account} trusts '*'",
                account=account,
                region="global",
                attributes={"roles_checked": len(roles)},
            )


@rule(
    id="control.external-assume-declared",
    path=PathName.CONTROL,
    severity=Severity.HIGH,
    title="Every outside principal that can assume a customer role is declared",
    rationale=(
        "Each trust relationship to another party is a door into the boundary: the "
        "declaration must name it (principal and role) so that reviewers can hold it to "
        "its conditions and permissions. On AWS the door is a role's trust policy; on "
        "Azure a role assignment or Lighthouse delegation in a customer subscription to a "
        "principal of another tenant, or to an identity another party names in the "
        "customer tenant; on GCP an IAM binding on a customer resource to a member "
        "outside the customer. Each (principal, role) must match a vendor_access entry."
    ),
    remediation=(
        "Remove the outside principal from the role's trust policy (the role assignment, "
        "delegation or binding), or declare it under control.vendor_access with its role, "
        "allow and deny lists."
    ),
    requires=("iam", "azure-authorization", "azure-resources", "cloudasset-iam"),
)
def external_assume_declared(ctx: RuleContext) -> Iterator[Judgement]:
    yield from azure_outside_assignments(ctx)
    decl = ctx.declaration
    for account, roles in sorted(roles_by_customer_account(ctx.graph).items()):
        if (f := _account_checks(ctx, account, roles)) is not None:
            yield f
            continue
        open_roles = 0
        for role in roles:
            trust = trust_of(role)
            if trust.error:
                open_roles += 1
                yield ctx.inconclusive(role.id, f"role {role.name}: {trust.error}")
                continue
            outside = sorted(
                {p for st in trust.statements for p in st.principals if is_outside(decl, p)}
            )
            if not outside:
                continue
            open_roles += 1
            undeclared = [p for p in outside if declared_for(decl, role, p) is None]
            declared = [p for p in outside if p not in undeclared]
            attrs: dict[str, JSONValue] = {
                "outside_principals": [p.value for p in outside],
                "undeclared": [p.value for p in undeclared],
                "statements": [
                    dict(st.raw)
                    for st in trust.statements
                    if any(p in undeclared for p in st.principals)
                ],
            }
            edges = trust_edges(ctx.graph, role, {p.id for p in outside})
            nodes = [p.id for p in outside]
            if undeclared:
                names = ", ".join(
                    f"{p.value} ({decl.party_of('aws', p.account) if p.account else 'unknown'})"
                    for p in undeclared
                )
                yield ctx.failed(
                    role.id,
                    f"role {role.name} can be assumed by undeclared outside principal(s) {names}",
                    attributes=attrs,
                    edges=edges,
                    nodes=nodes,
                    definite=True,
                )
            else:
                yield ctx.passed(
                    role.id,
                    f"role {role.name} is assumable from outside only by declared vendor "
                    f"principal(s) {', '.join(p.value for p in declared)}",
                    attributes=attrs,
                    edges=edges,
                    nodes=nodes,
                )
        if open_roles == 0:
            yield ctx.passed(
                scope_id("aws", account, "*"),
                f"no role in account {account} lets a principal outside the customer assume it "
                f"({len(roles)} role(s) checked)",
                account=account,
                region="global",
                attributes={"roles_checked": len(roles)},
            )
    yield from _gcp_outside_members(ctx)


def _gcp_outside_members(ctx: RuleContext) -> Iterator[Judgement]:
    """GCP: IAM bindings on customer resources to members outside the customer."""
    decl = ctx.declaration
    for res in sorted(ctx.graph.inventory.resources, key=lambda r: r.id):
        if res.cloud != "gcp" or "iam_bindings" not in res.attributes:
            continue
        if res.account in decl.accounts("gcp") and not is_customer_account(
            decl, "gcp", res.account
        ):
            continue  # another party's own resource
        outside = outside_grants(decl, res, ctx.graph) or []
        undeclared = gcp_undeclared(decl, outside)
        attrs: dict[str, JSONValue] = {
            "outside_members": [
                {"role": g.role, "member": g.member, "party": g.party} for g in outside
            ],
            "undeclared": [g.member for g in undeclared],
        }
        label = f"{res.kind} {res.name or res.id}"
        if undeclared:
            names = ", ".join(sorted({f"{g.member} ({g.party}, {g.role})" for g in undeclared}))
            yield ctx.failed(
                res.id,
                f"{label} grants roles to undeclared outside member(s) {names}",
                attributes=attrs,
                definite=True,
            )
        elif outside:
            yield ctx.passed(
                res.id,
                f"{label} grants roles outside the customer only to member(s) of declared "
                f"parties: {', '.join(sorted({f'{g.member} ({g.party})' for g in outside}))}",
                attributes=attrs,
            )
        else:
            yield ctx.passed(
                res.id,
                f"every member bound on {label} is in the customer's projects or domains",
                attributes=attrs,
            )


def _covers(st: Statement, principal: str) -> bool:
    """Whether a trust statement lets ``principal`` in (by name, its account root, or '*')."""
    target = Principal("AWS", principal)
    for p in st.principals:
        if p.value == principal:
            return True
        if p.account and p.account == target.account and p.id.endswith(":root"):
            return True
    return st.names_anyone and not st.restricting_conditions()


@rule(
    id="control.external-id-required",
    path=PathName.CONTROL,
    severity=Severity.HIGH,
    title="Declared vendor principals must present an ExternalId",
    rationale=(
        "Without an sts:ExternalId condition a vendor acting for many customers can be "
        "tricked into using its access to this role on someone else's behalf (confused "
        "deputy)."
    ),
    remediation=(
        "Add Condition {StringEquals: {sts:ExternalId: <id>}} to every trust statement "
        "that lets the vendor principal assume the role."
    ),
    requires=("iam",),
)
def external_id_required(ctx: RuleContext) -> Iterator[Judgement]:
    yield from ctx.not_judged_on(("azure",), "Azure has no ExternalId on role access")
    yield from ctx.not_judged_on(("gcp",), "GCP has no ExternalId on role bindings")
    wanted = [va for va in ctx.declaration.control.vendor_access if va.require_external_id]
    if not wanted and ctx.scanned_clouds() <= {"azure", "gcp"} and ctx.scanned_clouds():
        return
    if not wanted:
        yield _no_vendor_access(ctx, "no trust needs an ExternalId")
        return
    for va in wanted:
        account = account_of_arn(va.role)
        role = find_role(ctx.graph, va.role)
        if role is None:
            j = ctx.inconclusive(
                va.role,
                f"declared vendor role {va.role} was not found, so its trust cannot be read",
                account=account,
                region="global",
                attributes=_va_json(va),
            )
            # control.declared-roles-exist judges the absence; here there is no trust to read
            yield replace(j, unmodelled="the trust policy of a declared role that was not found")
            continue
        trust = trust_of(role)
        if trust.error:
            yield ctx.inconclusive(role.id, f"role {role.name}: {trust.error}")
            continue
        covering = [st for st in trust.statements if _covers(st, va.principal)]
        without = [st for st in covering if not st.requires_value("sts:ExternalId")]
        attrs: dict[str, JSONValue] = {
            **_va_json(va),
            "statements": [dict(st.raw) for st in without] if without else [],
            "checked": [st.label for st in covering],
        }
        edges = trust_edges(ctx.graph, role, {Principal("AWS", va.principal).id, "*"})
        if without:
            yield ctx.failed(
                role.id,
                f"role {role.name} lets {va.principal} assume it without an sts:ExternalId "
                f"condition ({', '.join(st.label for st in without)})",
                attributes=attrs,
                edges=edges,
                definite=True,
            )
        elif covering:
            yield ctx.passed(
                role.id,
                f"every trust statement of role {role.name} that admits {va.principal} "
                "requires sts:ExternalId (StringEquals)",
                attributes=attrs,
                edges=edges,
            )
        else:
            yield ctx.passed(
                role.id,
                f"no trust statement of role {role.name} admits {va.principal}, so it cannot "
                "assume the role without an ExternalId",
                attributes=attrs,
            )


@rule(
    id="control.declared-roles-exist",
    path=PathName.CONTROL,
    severity=Severity.MEDIUM,
    title="Declared vendor roles exist and trust the declared principal",
    rationale=(
        "A declared access path that does not exist, or whose trust names someone else, "
        "means the declaration no longer describes how the vendor gets in."
    ),
    remediation=(
        "Create the role with a trust policy naming the declared principal, or correct "
        "the declaration."
    ),
    requires=("iam",),
)
def declared_roles_exist(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    if not decl.control.vendor_access:
        yield _no_vendor_access(ctx, "no vendor role has to exist")
        return
    for va in decl.control.vendor_access:
        cloud = vendor_access_cloud(va)
        if cloud != "aws":
            held = azure_declared_role_held if cloud == "azure" else gcp_declared_role_held
            yield held(ctx, va)
            continue
        account = account_of_arn(va.role)
        if not scanned(ctx.graph, account):
            yield not_scanned(
                ctx.inconclusive(
                    va.role,
                    f"account {account} of declared vendor role {va.role} was not scanned",
                    account=account,
                    region="global",
                    attributes=_va_json(va),
                ),
                "aws",
                account,
            )
            continue
        role = find_role(ctx.graph, va.role)
        if role is None:
            yield ctx.failed(
                va.role,
                f"declared vendor role {va.role} does not exist in account {account}",
                account=account,
                region="global",
                attributes=_va_json(va),
            )
            continue
        trust = trust_of(role)
        if trust.error:
            yield ctx.inconclusive(role.id, f"role {role.name}: {trust.error}")
            continue
        named = [
            st for st in trust.statements if any(p.value == va.principal for p in st.principals)
        ]
        others = sorted({p.id for st in trust.statements for p in st.principals})
        attrs: dict[str, JSONValue] = {
            **_va_json(va),
            "found_as": role.id,
            "trusted_principals": others,
        }
        note = "" if role.id == va.role else f" (found as {role.id})"
        if named:
            yield ctx.passed(
                role.id,
                f"declared vendor role {role.name} exists{note} and its trust names {va.principal}",
                attributes=attrs,
                edges=trust_edges(ctx.graph, role, {Principal("AWS", va.principal).id}),
            )
        else:
            yield ctx.failed(
                role.id,
                f"declared vendor role {role.name}{note} does not trust {va.principal}; it "
                f"trusts {', '.join(others) or 'no one'}",
                attributes=attrs,
                definite=True,
            )
