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
            yield ctx.inconclusive(
                va.role,
                f"declared vendor role {va.role} was not found, so its permissions are unknown",
                account=account_of_arn(va.role),
                region="global",
                attributes={"principal": va.principal, "role": va.role},
            )
            continue
        model = access_model(ctx.graph)
        chains = {
            r: c
            for r, c in model.chains_from(va.principal).items()
            if r != role.id and model.party(r) == "customer"
        }
        yield from _judge_role(ctx, what, va, role, search, model, chains)


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
    chains: dict[str, list[str]],
) -> Iterator[Judgement]:
    """The vendor role's own confirmed grants, and those of the roles it can reach."""
    chained, conditional = _chained_grants(ctx, va, search, model, chains)
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
    hits, blocked, own_conditional = _confirmed(model, role, found)
    conditional |= own_conditional
    attrs: dict[str, JSONValue] = {
        "principal": va.principal,
        "allow": list(va.allow),
        "deny": list(va.deny),
        "policies": sorted(d.name for d in docs),
        "unreadable_policies": missing,
        "permissions_boundary": a.get("permissions_boundary"),
        "grants": [{"matched": m, **g.as_json()} for m, g in hits],
        "chained_grants": [{"matched": m, "chain": c, **g.as_json()} for m, g, c in chained],
        "blocked_by_evaluation": blocked,
        "roles_reachable": sorted(chains),
    }
    if hits or chained:
        texts = [_grant_text(g) for _, g in hits] + [
            f"{_grant_text(g)} through {c}" for _, g, c in chained
        ]
        shown = "; ".join(texts[:_SHOWN])
        more = f" (+{len(texts) - _SHOWN} more)" if len(texts) > _SHOWN else ""
        caveat = ""
        if conditional:
            caveat = " (depending on conditions the auditor cannot resolve)"
        elif missing:
            caveat = f" (unreadable: {', '.join(missing)})"
        yield ctx.failed(
            role.id,
            f"vendor role {role.name} {what}: {shown}{more}{caveat}",
            attributes=attrs,
            definite=not conditional and not missing,
        )
    elif missing:
        yield ctx.inconclusive(
            role.id,
            f"policies {', '.join(missing)} of vendor role {role.name} could not be read",
            attributes=attrs,
        )
    else:
        yield ctx.passed(
            role.id,
            f"vendor role {role.name}'s {len(docs)} polic{'y' if len(docs) == 1 else 'ies'} "
            f"{'do' if len(docs) != 1 else 'does'} not let it {what.removeprefix('can ')}"
            + (f", nor do the {len(chains)} role(s) it can reach" if chains else ""),
            attributes=attrs,
        )


def _chained_grants(
    ctx: RuleContext,
    va: VendorAccess,
    search: Callable[[PermissionSet, VendorAccess], list[tuple[str, Grant]]],
    model: AccessModel,
    chains: dict[str, list[str]],
) -> tuple[list[tuple[str, Grant, str]], bool]:
    """Confirmed grants of the roles the vendor reaches, and whether any is conditional.

    Each is (matched, grant, chain text); a role whose policies cannot be read is skipped.
    """
    chained: list[tuple[str, Grant, str]] = []
    conditional = False
    for rid, chain in sorted(chains.items()):
        other = ctx.graph.get(rid)
        if other is None or other.kind != Kind.ROLE or other.attributes.get("stub"):
            continue
        docs, _ = role_documents(other.attributes)
        try:
            found = search(PermissionSet(docs), va)
        except PolicyError:
            continue
        for m, g in found:
            decision = _confirm(model, other, g)
            if decision in (Decision.ALLOWED, Decision.CONDITIONAL):
                conditional |= decision is Decision.CONDITIONAL or model.chain_conditional(chain)
                chained.append((m, g, describe_chain(model, chain)))
    return chained, conditional


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
