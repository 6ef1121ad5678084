"""control.vendor-denied-actions and control.vendor-allowed-actions: what vendor roles may do.

The roles judged are the declared vendor role and every customer role the
declared vendor principal can reach through a chain of ``control.can_assume``
edges (:mod:`auditor.analysis.access`). Each role's identity policies are first
searched as one :class:`~auditor.analysis.policy.PermissionSet` (globs match
both ways: ``kms:*`` grants ``kms:Decrypt``, and the denied glob ``iam:*`` is
hit by an allowed ``iam:PassRole``); each witness is then confirmed by the
policy evaluator on the statement's resource, so that a permissions boundary,
an SCP, a conditional Deny or a key policy that blocks it is taken into account.
A grant that depends on an unknown condition stays (as not definite).

Azure and GCP entries are judged by :mod:`auditor.checks.control_cloud_roles`: the
Azure role definitions the vendor principal holds (actions and data actions minus
their not-lists) and the GCP roles its member is bound to (custom roles by their
``includedPermissions``, one verdict on the role; predefined roles by name, on the
resource they are bound on, their permissions not being in the inventory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from auditor.analysis.access import AccessModel, access_model, describe_chain
from auditor.analysis.policy import Grant, PermissionSet, PolicyError, role_documents
from auditor.analysis.policy_eval import Decision
from auditor.analysis.vendor_roles import vendor_access_cloud
from auditor.boundary import VendorAccess
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.control_cloud_roles import Mode, azure_vendor_roles, gcp_vendor_roles
from auditor.checks.control_trust import account_of_arn, find_role
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

_SHOWN = 3
"""Grants named in a message; the evidence lists them all."""


def _grant_text(g: Grant) -> str:
    return f"{g.action} via {g.policy} {g.statement.label}"


def _judge(
    ctx: RuleContext,
    what: str,
    search: Callable[[PermissionSet, VendorAccess], list[tuple[str, Grant]]],
) -> Iterator[Judgement]:
    """Shared shape of both rules: find the role, read its policies, search for grants."""
    decl = ctx.declaration
    if not decl.control.vendor_access:
        yield ctx.not_applicable(
            "scope:aws/*/*",
            "the declaration grants no vendor access, so no vendor role is judged",
            attributes={"vendor_access": []},
        )
        return
    mode: Mode = "deny" if search is _denied_hits else "allow"
    declared = {
        r.id
        for va in decl.control.vendor_access
        if vendor_access_cloud(va) == "aws"
        for r in [find_role(ctx.graph, va.role)]
        if r is not None
    }
    reached: dict[str, list[_Reach]] = {}
    for va in decl.control.vendor_access:
        cloud = vendor_access_cloud(va)
        if cloud == "azure":
            yield from azure_vendor_roles(ctx, va, mode)
            continue
        if cloud == "gcp":
            yield from gcp_vendor_roles(ctx, va, mode)
            continue
        role = find_role(ctx.graph, va.role)
        if role is None:
            j = ctx.inconclusive(
                va.role,
                f"declared vendor role {va.role} was not found, so its permissions are unknown",
                account=account_of_arn(va.role),
                region="global",
                attributes={"principal": va.principal, "role": va.role},
            )
            # control.declared-roles-exist judges the absence; here no policy can be read
            yield replace(j, unmodelled="the permissions of a declared role that was not found")
            continue
        model = access_model(ctx.graph)
        chains = {
            r: c
            for r, c in model.chains_from(va.principal).items()
            if r not in declared and model.party(r) == "customer"
        }
        for rid, chain in chains.items():
            reached.setdefault(rid, []).append(_Reach(va=va, declared=role, chain=chain))
        yield from _judge_role(ctx, what, va, role, search, model, sorted(chains))
    for rid, reaches in sorted(reached.items()):
        yield from _judge_reached(ctx, what, rid, reaches, search)


@dataclass(frozen=True, kw_only=True)
class _Reach:
    """A customer role a declared vendor principal can assume besides its declared role."""

    va: VendorAccess
    declared: Resource
    chain: list[str]


def _confirm(model: AccessModel, role: Resource, g: Grant) -> Decision:
    """The evaluator's decision on a witness grant, on the statement's first resource."""
    resources = g.statement.resources
    probe = "*" if g.statement.not_resource or not resources else resources[0]
    return model.can(role.id, g.action, probe).decision


def _judge_role(
    ctx: RuleContext,
    what: str,
    va: VendorAccess,
    role: Resource,
    search: Callable[[PermissionSet, VendorAccess], list[tuple[str, Grant]]],
    model: AccessModel,
    reachable: list[str],
) -> Iterator[Judgement]:
    """The declared vendor role, on its own confirmed grants.

    The other roles the vendor can reach are judged on their own verdicts
    (:func:`_judge_reached`): a grant there is fixed on that role, not on this one.
    """
    a = role.attributes
    if a.get("attached_policies") is None or a.get("inline_policies") is None:
        yield ctx.inconclusive(role.id, f"the policies of role {role.name} were not collected")
        return
    docs, missing = role_documents(a)
    try:
        found = search(PermissionSet(docs), va)
    except PolicyError as exc:
        yield ctx.inconclusive(role.id, f"a policy of role {role.name} cannot be read: {exc}")
        return
    hits, blocked, conditional = _confirmed(model, role, found)
    attrs: dict[str, JSONValue] = {
        "principal": va.principal,
        "allow": list(va.allow),
        "deny": list(va.deny),
        "policies": sorted(d.name for d in docs),
        "unreadable_policies": missing,
        "permissions_boundary": a.get("permissions_boundary"),
        "grants": [{"matched": m, **g.as_json()} for m, g in hits],
        "blocked_by_evaluation": blocked,
        "roles_reachable": reachable,
    }
    others = ""
    if reachable:
        others = f"; the {len(reachable)} other role(s) it can reach are judged on their own"
    if hits:
        yield ctx.failed(
            role.id,
            f"vendor role {role.name} {what}: {_shown([_grant_text(g) for _, g in hits])}"
            + _caveat(conditional=conditional, missing=missing),
            attributes=attrs,
            definite=not conditional and not missing,
        )
    elif missing:
        yield _unreadable(ctx, role, missing, attrs)
    else:
        yield ctx.passed(
            role.id,
            f"vendor role {role.name}'s {len(docs)} polic{'y' if len(docs) == 1 else 'ies'} "
            f"{'do' if len(docs) != 1 else 'does'} not let it {what.removeprefix('can ')}" + others,
            attributes=attrs,
        )


def _judge_reached(
    ctx: RuleContext,
    what: str,
    rid: str,
    reaches: list[_Reach],
    search: Callable[[PermissionSet, VendorAccess], list[tuple[str, Grant]]],
) -> Iterator[Judgement]:
    """A customer role the vendor can assume besides its declared one, on its own grants.

    The FAIL sits on this role (its policies grant the action) and names the chain by
    which the vendor reaches it; it affects the declared vendor role(s) it extends.
    """
    other = ctx.graph.get(rid)
    if other is None or other.kind != Kind.ROLE or other.attributes.get("stub"):
        return
    model = access_model(ctx.graph)
    a = other.attributes
    if a.get("attached_policies") is None or a.get("inline_policies") is None:
        yield ctx.inconclusive(rid, f"the policies of role {other.name} were not collected")
        return
    docs, missing = role_documents(a)
    texts: list[str] = []
    grants: list[JSONValue] = []
    conditional = False
    for reach in reaches:
        try:
            found = search(PermissionSet(docs), reach.va)
        except PolicyError as exc:
            yield ctx.inconclusive(rid, f"a policy of role {other.name} cannot be read: {exc}")
            return
        chain = describe_chain(model, reach.chain)
        hits, _, cond = _confirmed(model, other, found)
        conditional |= cond or (bool(hits) and model.chain_conditional(reach.chain))
        texts += [_grant_text(g) for _, g in hits]
        grants += [
            {"matched": m, "principal": reach.va.principal, "chain": chain, **g.as_json()}
            for m, g in hits
        ]
    chains = sorted({describe_chain(model, r.chain) for r in reaches})
    declared = tuple(sorted({r.declared.id for r in reaches}))
    attrs: dict[str, JSONValue] = {
        "principals": sorted({r.va.principal for r in reaches}),
        "declared_roles": list(declared),
        "chains": list(chains),
        "policies": sorted(d.name for d in docs),
        "unreadable_policies": missing,
        "grants": grants,
    }
    nodes = [n for r in reaches for n in r.chain]
    if texts:
        yield replace(
            ctx.failed(
                rid,
                f"role {other.name}, which the vendor can assume ({'; '.join(chains)}), "
                f"{what}: {_shown(sorted(set(texts)))}"
                + _caveat(conditional=conditional, missing=missing),
                attributes=attrs,
                nodes=nodes,
                definite=not conditional and not missing,
            ),
            affects=declared,
        )
    elif missing:
        yield _unreadable(ctx, other, missing, attrs)
    else:
        yield ctx.passed(
            rid,
            f"role {other.name}, which the vendor can assume ({'; '.join(chains)}), "
            f"does not let it {what.removeprefix('can ')}",
            attributes=attrs,
            nodes=nodes,
        )


def _shown(texts: list[str]) -> str:
    more = f" (+{len(texts) - _SHOWN} more)" if len(texts) > _SHOWN else ""
    return "; ".join(texts[:_SHOWN]) + more


def _caveat(*, conditional: bool, missing: list[str]) -> str:
    if conditional:
        return " (depending on conditions the auditor cannot resolve)"
    if missing:
        return f" (unreadable: {', '.join(missing)})"
    return ""


def _unreadable(
    ctx: RuleContext, role: Resource, missing: list[str], attrs: dict[str, JSONValue]
) -> Judgement:
    return ctx.inconclusive(
        role.id,
        f"policies {', '.join(missing)} of role {role.name} could not be read",
        attributes=attrs,
    )


def _confirmed(
    model: AccessModel, role: Resource, found: list[tuple[str, Grant]]
) -> tuple[list[tuple[str, Grant]], list[str], bool]:
    """(grants the evaluator confirms, those it blocks, whether any confirmed is conditional)."""
    hits: list[tuple[str, Grant]] = []
    blocked: list[str] = []
    conditional = False
    for m, g in found:
        decision = _confirm(model, role, g)
        if decision in (Decision.ALLOWED, Decision.CONDITIONAL):
            conditional |= decision is Decision.CONDITIONAL
            hits.append((m, g))
        else:
            blocked.append(f"{g.action} ({decision.value})")
    return hits, blocked, conditional


def _denied_hits(perms: PermissionSet, va: VendorAccess) -> list[tuple[str, Grant]]:
    return [(glob, g) for glob in sorted(va.deny) for g in perms.grant_within([glob])]


def _outside_hits(perms: PermissionSet, va: VendorAccess) -> list[tuple[str, Grant]]:
    return [("outside allow list", g) for g in perms.grant_outside(sorted(va.allow))]


@rule(
    id="control.vendor-denied-actions",
    path=PathName.CONTROL,
    severity=Severity.CRITICAL,
    title="Vendor roles hold none of the actions the declaration denies them",
    rationale=(
        "The deny list is the boundary's promise about what the vendor can never do "
        "(decrypt, read data, change IAM). One wildcard statement breaks it."
    ),
    remediation=(
        "Remove the granting statements, narrow wildcards, or add an explicit Deny for "
        "the denied actions to the vendor role."
    ),
    requires=("iam", "azure-authorization", "azure-resources", "cloudasset-iam"),
)
def vendor_denied_actions(ctx: RuleContext) -> Iterator[Judgement]:
    yield from _judge(ctx, "can perform denied actions", _denied_hits)


@rule(
    id="control.vendor-allowed-actions",
    path=PathName.CONTROL,
    severity=Severity.MEDIUM,
    title="Vendor roles hold only the actions the declaration allows them",
    rationale=(
        "Permissions beyond the declared allow list are access nobody reviewed; least "
        "privilege keeps the declared control path honest."
    ),
    remediation="Narrow the vendor role's policies to the declared allow list, or extend it.",
    requires=("iam", "azure-authorization", "azure-resources", "cloudasset-iam"),
)
def vendor_allowed_actions(ctx: RuleContext) -> Iterator[Judgement]:
    yield from _judge(ctx, "can perform actions outside its allow list", _outside_hits)
