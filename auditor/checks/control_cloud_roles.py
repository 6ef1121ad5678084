"""Azure role assignments and GCP bindings held against ``control.vendor_access``.

The control rules call these for the two clouds whose roles are not AWS roles
(:mod:`auditor.analysis.vendor_roles` says how an entry names an Azure or GCP
principal, role and actions):

- :func:`azure_outside_assignments` (``control.external-assume-declared`` on Azure):
  a role assignment or Lighthouse delegation in a customer subscription to a
  principal outside the customer (another tenant, a foreign group, or an identity
  another party names in the customer tenant) is Azure's way in from outside, as a
  trust policy is AWS's; each (principal, role) must be declared.
- :func:`azure_vendor_roles` and :func:`gcp_vendor_roles`
  (``control.vendor-allowed-actions`` / ``control.vendor-denied-actions``): the role
  definitions a declared Azure vendor principal holds, and the roles a declared GCP
  vendor member is bound to, against the entry's allow and deny lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Literal

from auditor.analysis.azure_access import (
    CAPABILITIES,
    MANAGEMENT_GROUP,
    principal_names,
    principal_party,
)
from auditor.analysis.gcp_iam import IAM_UNIT, Grant, grants, inherited_grants
from auditor.analysis.vendor_roles import (
    ActionHit,
    azure_principal_matches,
    azure_role_hits,
    azure_role_matches,
    entries,
    gcp_member_matches,
    gcp_permission_hits,
    gcp_role_hits,
)
from auditor.base.edges import ENCRYPTED_BY, ROLE_ASSIGNED
from auditor.boundary import VendorAccess
from auditor.checks import Judgement, RuleContext
from auditor.model import JSONValue, Kind, Resource

Mode = Literal["deny", "allow"]
_SHOWN = 3
AZURE_UNIT = "azure-authorization"
_EXAMPLES = {
    a: data for caps in CAPABILITIES.values() for probes in caps.values() for a, data in probes
}
"""Boundary actions (-> is a data action): the planes of known actions, and examples."""


def azure_assignments_read(ctx: RuleContext) -> bool:
    """Whether role assignments and Lighthouse delegations (in the resources table) were
    read in every customer subscription: only then can a role be said not to be held."""
    inv = ctx.graph.inventory
    return all(
        inv.was_collected(AZURE_UNIT, sub) and inv.was_collected("azure-resources", sub)
        for sub in (s.lower() for s in ctx.declaration.accounts("azure", "customer"))
    )


def _azure_principals(ctx: RuleContext) -> list[Resource]:
    return [
        p
        for p in ctx.graph.of_kind(Kind.PRINCIPAL, include_stubs=True)
        if p.cloud == "azure" and p.id.startswith("/tenants/")
    ]


def azure_declared(ctx: RuleContext, pid: str, role_id: str | None = None) -> VendorAccess | None:
    """The Azure vendor access entry naming this principal (and role, when given)."""
    p = ctx.graph.get(pid)
    if p is None:
        return None
    names = principal_names(ctx.graph, p)
    role = ctx.graph.get(role_id) if role_id else None
    for va in entries(ctx.declaration.control.vendor_access, "azure"):
        if not azure_principal_matches(va, names):
            continue
        if role_id is None or azure_role_matches(va, role_id, role):
            return va
    return None


def _pairs(a: Resource) -> list[tuple[str, str]]:
    """(principal, role definition) pairs an assignment or delegation grants."""
    if a.attributes.get("via") == "lighthouse":
        return [
            (str(x["principal"]), str(x["role_definition_id"]))
            for x in a.attributes.get("authorizations") or []
        ]
    return [(str(a.attributes.get("principal")), str(a.attributes.get("role_definition_id")))]


def _role_label(ctx: RuleContext, role_id: str) -> str:
    role = ctx.graph.get(role_id)
    name = role.attributes.get("role_name") if role is not None else None
    return f"{name} ({role_id.rsplit('/', 1)[-1]})" if name else role_id


def azure_outside_assignments(ctx: RuleContext) -> Iterator[Judgement]:
    """One verdict per assignment to an outside principal, and per subscription with none."""
    decl = ctx.declaration
    subs = sorted(s.lower() for s in decl.accounts("azure", "customer"))
    reached: set[str] = set()
    for a in ctx.graph.of_kind("role_assignment"):
        scope = str(a.attributes.get("scope") or "")
        above = scope.startswith(MANAGEMENT_GROUP)  # reaches the subscriptions below it
        if a.cloud != "azure" or (a.account.lower() not in subs and not above):
            continue
        outside: list[dict[str, JSONValue]] = []
        for pid, role_id in _pairs(a):
            p = ctx.graph.get(pid)
            party = principal_party(ctx.graph, p) if p is not None else "unknown"
            if party == "customer":
                continue
            va = azure_declared(ctx, pid, role_id)
            outside.append(
                {
                    "principal": pid,
                    "party": party,
                    "role_definition_id": role_id,
                    "role": _role_label(ctx, role_id),
                    "declared": va is not None,
                }
            )
        if not outside:
            continue
        reached.add(a.account.lower())  # a management group's: judged on its own id
        bad = [o for o in outside if not o["declared"]]
        via = "Lighthouse delegation" if a.attributes.get("via") == "lighthouse" else "assignment"
        attrs: dict[str, JSONValue] = {
            "scope": a.attributes.get("scope"),
            "via": a.attributes.get("via"),
            "outside": list(outside),
        }
        nodes = sorted({str(o["principal"]) for o in outside})
        edges = [
            (str(o["principal"]), str(a.attributes.get("scope")), ROLE_ASSIGNED) for o in outside
        ]
        if bad:
            who = "; ".join(f"{o['principal']} ({o['party']}) holds {o['role']}" for o in bad)
            yield ctx.failed(
                a.id,
                f"role {via} at {a.attributes.get('scope')} gives an outside principal a role no "
                f"control.vendor_access entry declares: {who}",
                attributes=attrs,
                nodes=nodes,
                edges=edges,
                definite=True,
            )
        else:
            who = "; ".join(f"{o['principal']} ({o['party']}) holds {o['role']}" for o in outside)
            yield ctx.passed(
                a.id,
                f"role {via} at {a.attributes.get('scope')} gives outside principals only "
                f"declared roles: {who}",
                attributes=attrs,
                nodes=nodes,
                edges=edges,
            )
    yield from _unreached_subscriptions(ctx, [s for s in subs if s not in reached])


def _unreached_subscriptions(ctx: RuleContext, subs: list[str]) -> Iterator[Judgement]:
    """A verdict per customer subscription where no outside principal holds a role."""
    for sub in subs:
        sid = f"scope:azure/{sub}/*"
        inv = ctx.graph.inventory
        if inv.was_collected(AZURE_UNIT, sub) and inv.was_collected("azure-resources", sub):
            yield ctx.passed(
                sid,
                f"no role assignment or Lighthouse delegation in subscription {sub} gives a "
                "principal outside the customer a role",
                account=sub,
                region="global",
            )
        else:
            yield ctx.inconclusive(
                sid,
                f"role assignments or Lighthouse delegations of subscription {sub} were not read",
                account=sub,
                region="global",
            )


# --- vendor allow / deny lists ----------------------------------------------------------------


def _hits_text(hits: list[ActionHit]) -> str:
    texts = [h.text() for h in hits]
    more = f" (+{len(texts) - _SHOWN} more)" if len(texts) > _SHOWN else ""
    return "; ".join(texts[:_SHOWN]) + more


def _held_azure_roles(ctx: RuleContext, va: VendorAccess) -> dict[str, list[str]]:
    """Role definition id -> scopes, for every assignment to a principal the entry names."""
    held: dict[str, list[str]] = {}
    for p in _azure_principals(ctx):
        if not azure_principal_matches(va, principal_names(ctx.graph, p)):
            continue
        for rel in ctx.graph.out_edges(p.id, ROLE_ASSIGNED):
            rid = str(rel.attributes.get("role_definition_id") or "")
            held.setdefault(rid, []).append(rel.target)
    if not held:  # no assignment seen: judge the role the entry declares
        for r in ctx.graph.of_kind(Kind.ROLE):
            if r.cloud == "azure" and azure_role_matches(va, r.id, r):
                held[r.id] = ["(declared)"]
    return held


def _azure_assignments(ctx: RuleContext, va: VendorAccess, rid: str) -> tuple[str, ...]:
    """The role assignments giving the principals of ``va`` role definition ``rid``."""
    out: set[str] = set()
    for p in _azure_principals(ctx):
        if not azure_principal_matches(va, principal_names(ctx.graph, p)):
            continue
        for rel in ctx.graph.out_edges(p.id, ROLE_ASSIGNED):
            if str(rel.attributes.get("role_definition_id") or "") == rid:
                out.add(str(rel.attributes.get("assignment") or rel.target))
    return tuple(sorted(out))


def azure_vendor_roles(ctx: RuleContext, va: VendorAccess, mode: Mode) -> Iterator[Judgement]:
    """The Azure role definitions the vendor principal holds, against allow or deny."""
    globs = list(va.deny if mode == "deny" else va.allow)
    held = _held_azure_roles(ctx, va)
    if not held:
        yield ctx.inconclusive(
            va.role,
            f"no role assignment of Azure vendor principal {va.principal} and no role definition "
            f"{va.role} were found, so what it may do is unknown",
            account="",
            region="global",
            attributes={"principal": va.principal, "role": va.role},
        )
        return
    for rid, scopes in sorted(held.items()):
        role = ctx.graph.get(rid)
        name = _role_label(ctx, rid)
        attrs: dict[str, JSONValue] = {
            "principal": va.principal,
            "allow": list(va.allow),
            "deny": list(va.deny),
            "scopes": sorted(set(scopes)),
        }
        if (
            role is None
            or role.attributes.get("stub")
            or role.attributes.get("permissions") is None
        ):
            yield ctx.inconclusive(
                rid,
                f"the permissions of role {name}, held by vendor principal {va.principal}, "
                "were not read",
                account="",
                region="global",
                attributes=attrs,
            )
            continue
        hits = azure_role_hits(role, globs, outside=mode == "allow", examples=_EXAMPLES)
        attrs["grants"] = [h.as_json() for h in hits]
        what = "denied actions" if mode == "deny" else "actions outside its allow list"
        if hits:
            # a declared custom role's definition is what to change; a built-in role (which
            # no customer can edit) or another role the vendor holds is fixed by changing
            # the assignment that gives it
            declared = azure_role_matches(va, rid, role) and (
                role.attributes.get("role_type") != "BuiltInRole"
            )
            yield replace(
                ctx.failed(
                    rid,
                    f"Azure vendor principal {va.principal} holds role {name} at "
                    f"{', '.join(sorted(set(scopes)))}, which grants {what}: {_hits_text(hits)}",
                    attributes=attrs,
                    definite=True,
                ),
                causes=() if declared else _azure_assignments(ctx, va, rid),
            )
        else:
            yield ctx.passed(
                rid,
                f"role {name} held by Azure vendor principal {va.principal} grants no "
                f"{what} (actions, data actions and their not-lists compared)",
                attributes=attrs,
            )


def _gcp_iam_read(ctx: RuleContext) -> bool:
    """Whether the IAM policies of every customer project were read."""
    projects = ctx.declaration.accounts("gcp", "customer")
    return bool(projects) and all(ctx.graph.inventory.was_collected(IAM_UNIT, p) for p in projects)


def _gcp_bound(ctx: RuleContext, va: VendorAccess) -> dict[str, list[str]]:
    """Resource id -> roles bound there to a member the entry names."""
    out: dict[str, list[str]] = {}
    for res in ctx.graph.inventory.resources:
        if res.cloud != "gcp":
            continue
        for b in res.attributes.get("iam_bindings") or []:
            if not isinstance(b, dict):
                continue
            if any(gcp_member_matches(va, str(m)) for m in b.get("members") or []):
                out.setdefault(res.id, []).append(str(b.get("role") or ""))
    return out


def gcp_custom_roles(ctx: RuleContext) -> dict[str, Resource]:
    """Role name (``projects/p/roles/x``) -> the collected custom role, with its permissions."""
    return {
        r.name: r
        for r in ctx.graph.of_kind(Kind.ROLE)
        if r.cloud == "gcp" and isinstance(r.attributes.get("included_permissions"), list)
    }


def gcp_vendor_roles(ctx: RuleContext, va: VendorAccess, mode: Mode) -> Iterator[Judgement]:
    """The roles a declared GCP vendor member is bound to, against allow or deny.

    A custom role the inventory lists is judged by its permissions, one verdict on the role
    (as an Azure role definition is). A predefined role's permissions are not in the
    inventory: it is judged by its name against the globs, on the resource it is bound on,
    and the verdict says so. The basic roles (owner, editor, viewer) are expanded in outline.
    """
    bound = _gcp_bound(ctx, va)
    if not bound:
        if _gcp_iam_read(ctx) and not any(c in va.role for c in "*?["):
            bound = {va.principal: [va.role]}
        else:
            yield ctx.inconclusive(
                va.principal,
                f"GCP vendor member {va.principal} holds no binding in the IAM policies read, "
                "so what it may do cannot be judged",
                account="",
                region="global",
                attributes={"principal": va.principal, "role": va.role},
            )
            return
    custom = gcp_custom_roles(ctx)
    held: dict[str, list[str]] = {}
    for rid, roles in sorted(bound.items()):
        for role in roles:
            if role in custom:
                held.setdefault(role, []).append(rid)
        rest = sorted({r for r in roles if r not in custom})
        if rest:
            yield _gcp_named_roles(ctx, va, mode, rid, rest)
    for role, where in sorted(held.items()):
        yield _gcp_custom_role(ctx, va, mode, custom[role], sorted(set(where)))


def _gcp_custom_role(
    ctx: RuleContext, va: VendorAccess, mode: Mode, role: Resource, where: list[str]
) -> Judgement:
    """One custom role a vendor member holds, judged by its ``includedPermissions``."""
    perms = [str(p) for p in role.attributes.get("included_permissions") or []]
    globs = list(va.deny if mode == "deny" else va.allow)
    hits = gcp_permission_hits(role.name, perms, globs, outside=mode == "allow")
    what = "denied permissions" if mode == "deny" else "permissions outside its allow list"
    on = [w for w in where if w != va.principal]
    at = f" on {', '.join(on)}" if on else " (declared; no binding seen)"
    attrs: dict[str, Any] = {
        "principal": va.principal,
        "role": role.name,
        "bound_on": on,
        "allow": list(va.allow),
        "deny": list(va.deny),
        "permissions": perms,
        "grants": [h.as_json() for h in hits],
    }
    if hits:
        return ctx.failed(
            role.id,
            f"GCP vendor member {va.principal} holds custom role {role.name}{at}, which grants "
            f"{what}: {_hits_text(hits)}",
            attributes=attrs,
            definite=True,
        )
    return ctx.passed(
        role.id,
        f"custom role {role.name} held by GCP vendor member {va.principal}{at} grants no "
        f"{what} (its {len(perms)} permissions compared)",
        attributes=attrs,
    )


def _gcp_named_roles(
    ctx: RuleContext, va: VendorAccess, mode: Mode, rid: str, roles: list[str]
) -> Judgement:
    """The roles without listed permissions bound on one resource, judged by name."""
    globs = list(va.deny if mode == "deny" else va.allow)
    what = "denied permissions" if mode == "deny" else "permissions outside its allow list"
    hits: list[ActionHit] = []
    by_name: list[str] = []
    for role in roles:
        found, name_only = gcp_role_hits(role, globs, outside=mode == "allow")
        hits += found
        if name_only:
            by_name.append(role)
    note = (
        f" (the permissions of {', '.join(by_name)} are not in the inventory: judged by role name)"
        if by_name
        else ""
    )
    attrs: dict[str, Any] = {
        "principal": va.principal,
        "roles": roles,
        "allow": list(va.allow),
        "deny": list(va.deny),
        "judged_by_name": by_name,
        "grants": [h.as_json() for h in hits],
    }
    kw: dict[str, Any] = {"account": "", "region": "global"} if rid == va.principal else {}
    if hits:
        return ctx.failed(
            rid,
            f"GCP vendor member {va.principal} is bound on {rid} to {what}: "
            f"{_hits_text(hits)}{note}",
            attributes=attrs,
            definite=not by_name,
            **kw,
        )
    return ctx.passed(
        rid,
        f"the roles GCP vendor member {va.principal} holds on {rid} "
        f"({', '.join(roles)}) grant no {what}{note}",
        attributes=attrs,
        **kw,
    )


# --- declared roles exist ------------------------------------------------------------------


def azure_declared_role_held(ctx: RuleContext, va: VendorAccess) -> Judgement:
    """Azure: the declared role definition was read and the principal holds it somewhere."""
    roles = [
        r
        for r in ctx.graph.of_kind(Kind.ROLE)
        if r.cloud == "azure" and azure_role_matches(va, r.id, r)
    ]
    attrs: dict[str, JSONValue] = {"principal": va.principal, "role": va.role}
    held = _held_azure_roles(ctx, va) if roles else {}
    scopes = sorted({s for r in roles for s in held.get(r.id, []) if s != "(declared)"})
    read = azure_assignments_read(ctx)
    if not roles:
        status = ctx.failed if read else ctx.inconclusive
        return status(
            va.role,
            f"declared Azure vendor role {va.role} is not among the role definitions read"
            + ("" if read else " (role assignments were not read)"),
            account="",
            region="global",
            attributes=attrs,
        )
    role = roles[0]
    attrs["scopes"] = list(scopes)
    if scopes:
        return ctx.passed(
            role.id,
            f"declared Azure vendor role {_role_label(ctx, role.id)} exists and "
            f"{va.principal} holds it at {', '.join(scopes)}",
            attributes=attrs,
        )
    if not read:
        return ctx.inconclusive(
            role.id,
            f"declared Azure vendor role {_role_label(ctx, role.id)} exists, but the role "
            "assignments or Lighthouse delegations of a customer subscription were not read",
            attributes=attrs,
        )
    return ctx.failed(
        role.id,
        f"declared Azure vendor role {_role_label(ctx, role.id)} exists but no role assignment or "
        f"Lighthouse delegation gives it to {va.principal}",
        attributes=attrs,
        definite=True,
    )


def gcp_declared_role_held(ctx: RuleContext, va: VendorAccess) -> Judgement:
    """GCP: the declared member is bound to the declared role on some resource read."""
    from auditor.analysis.vendor_roles import gcp_role_matches

    bound = _gcp_bound(ctx, va)
    where = sorted(
        rid for rid, roles in bound.items() if any(gcp_role_matches(va, r) for r in roles)
    )
    attrs: dict[str, JSONValue] = {"principal": va.principal, "role": va.role, "bound_on": where}
    if where:
        return ctx.passed(
            where[0],
            f"declared GCP vendor member {va.principal} holds {va.role} on {', '.join(where)}",
            attributes=attrs,
        )
    if not _gcp_iam_read(ctx):
        return ctx.inconclusive(
            va.principal,
            f"no IAM policy was read, so whether {va.principal} holds {va.role} is unknown",
            account="",
            region="global",
            attributes=attrs,
        )
    return ctx.failed(
        va.principal,
        f"declared GCP vendor member {va.principal} holds {va.role} on no resource whose IAM "
        "policy was read",
        account="",
        region="global",
        attributes=attrs,
    )


# --- GCP reach ------------------------------------------------------------------------------


def _gcp_targets(ctx: RuleContext) -> list[Resource]:
    """GCP boundary resources of customer projects: stores, platform, the keys of stores."""
    from auditor.analysis.boundary_scope import (
        data_stores,
        is_customer_account,
        platform_resources,
        system_log_stores,
    )

    g = ctx.graph
    chosen: dict[str, Resource] = {}
    for r in [*data_stores(g), *system_log_stores(g), *platform_resources(g)]:
        if r.cloud != "gcp" or not is_customer_account(ctx.declaration, "gcp", r.account):
            continue
        chosen[r.id] = r
        for rel in g.out_edges(r.id, ENCRYPTED_BY):
            key = g.get(rel.target)
            if key is not None and not key.attributes.get("stub") and key.cloud == "gcp":
                chosen[key.id] = key
    return [chosen[k] for k in sorted(chosen)]


def gcp_outside_reach(ctx: RuleContext) -> Iterator[Judgement]:
    """GCP: members outside the customer bound on a boundary resource or above it.

    A binding on the resource, its project, a folder or the organisation reaches it
    whatever the role (a predefined role's permissions are not in the inventory).
    ``allUsers``/``allAuthenticatedUsers`` are judged by control.no-anonymous-data-access.
    """
    decl = ctx.declaration
    reach: dict[str, list[tuple[Resource, Grant]]] = {}
    reached_projects: set[str] = set()
    for t in _gcp_targets(ctx):
        own = grants(decl, t, ctx.graph) or []
        above, _ = inherited_grants(decl, t, ctx.graph)
        for g in [*own, *above]:
            if g.party in ("customer", "provider", "anyone"):
                continue
            reach.setdefault(g.member, []).append((t, g))
            reached_projects.add(t.account)
    vas = entries(decl.control.vendor_access, "gcp")
    for member, hits in sorted(reach.items()):
        party = hits[0][1].party
        names = sorted({t.name or t.id for t, _ in hits})
        roles = sorted(
            {
                f"{g.role} on {g.resource.rsplit('/', 2)[-2]}/{g.resource.rsplit('/', 1)[-1]}"
                for _, g in hits
            }
        )
        what = ", ".join(names[:_SHOWN]) + (
            f" (+{len(names) - _SHOWN} more)" if len(names) > _SHOWN else ""
        )
        attrs: dict[str, JSONValue] = {
            "party": party,
            "acts_on": sorted({t.id for t, _ in hits}),
            "bindings": roles,
        }
        kw: dict[str, Any] = {"attributes": attrs, "account": "", "region": "global"}
        if any(gcp_member_matches(va, member) for va in vas):
            yield ctx.passed(member, f"declared vendor member {member} reaches {what}", **kw)
        elif all(g.conditional for _, g in hits):
            yield replace(
                ctx.inconclusive(
                    member,
                    f"undeclared {party} member {member} may reach {what}, depending on IAM "
                    f"conditions the auditor cannot resolve ({'; '.join(roles[:_SHOWN])})",
                    **kw,
                ),
                unmodelled="IAM conditions of GCP bindings (CEL expressions evaluated at "
                "request time)",
            )
        else:
            # what lets it in: the IAM policy holding each binding (resource, project, ...)
            yield replace(
                ctx.failed(
                    member,
                    f"undeclared {party} member {member} reaches {what} "
                    f"({'; '.join(roles[:_SHOWN])})",
                    definite=True,
                    **kw,
                ),
                causes=tuple(sorted({g.resource for _, g in hits})),
                affects=tuple(sorted({t.id for t, _ in hits})),
            )
    yield from _gcp_unreached(ctx, reached_projects)


def _gcp_unreached(ctx: RuleContext, reached_projects: set[str]) -> Iterator[Judgement]:
    """A verdict per customer project no outside member reaches."""
    for project in sorted(ctx.declaration.accounts("gcp", "customer")):
        if project in reached_projects:
            continue
        sid = f"scope:gcp/{project}/*"
        if ctx.graph.inventory.was_collected(IAM_UNIT, project):
            yield ctx.passed(
                sid,
                f"no member outside the customer is bound on a boundary resource of project "
                f"{project} or above it",
                account=project,
                region="global",
            )
        else:
            yield ctx.inconclusive(
                sid,
                f"the IAM policies of project {project} were not read, so who can reach it is "
                "unknown",
                account=project,
                region="global",
            )
