"""control.vendor-denied-actions and control.vendor-allowed-actions: what vendor roles may do.

The declared vendor role's attached and inline policies are read as one
:class:`~auditor.analysis.policy.PermissionSet`: every Allow counts (whatever
its resources or conditions) and only unconditional Deny statements on every
resource take actions away, so a grant is never missed. Globs match both ways:
``kms:*`` grants ``kms:Decrypt``, and the denied glob ``iam:*`` is hit by an
allowed ``iam:PassRole``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditor.analysis.policy import Grant, PermissionSet, PolicyError, role_documents
from auditor.boundary import VendorAccess
from auditor.checks import Finding, RuleContext, rule
from auditor.checks.control_trust import account_of_arn, find_role
from auditor.model import JSONValue, PathName, Resource, Severity

_SHOWN = 3
"""Grants named in a message; the evidence lists them all."""


def _grant_text(g: Grant) -> str:
    return f"{g.action} via {g.policy} {g.statement.label}"


def _judge(
    ctx: RuleContext,
    what: str,
    search: Callable[[PermissionSet, VendorAccess], list[tuple[str, Grant]]],
) -> Iterator[Finding]:
    """Shared shape of both rules: find the role, read its policies, search for grants."""
    decl = ctx.declaration
    if not decl.control.vendor_access:
        yield ctx.passed(
            "scope:aws/*/*",
            "the declaration grants no vendor access, so no vendor role is judged",
            attributes={"vendor_access": []},
        )
        return
    for va in decl.control.vendor_access:
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
        yield from _judge_role(ctx, what, va, role, search)


def _judge_role(
    ctx: RuleContext,
    what: str,
    va: VendorAccess,
    role: Resource,
    search: Callable[[PermissionSet, VendorAccess], list[tuple[str, Grant]]],
) -> Iterator[Finding]:
    a = role.attributes
    if "attached_policies" not in a or "inline_policies" not in a:
        yield ctx.inconclusive(role.id, f"the policies of role {role.name} were not collected")
        return
    docs, missing = role_documents(a)
    try:
        hits = search(PermissionSet(docs), va)
    except PolicyError as exc:
        yield ctx.inconclusive(role.id, f"a policy of role {role.name} cannot be read: {exc}")
        return
    boundary = a.get("permissions_boundary")
    attrs: dict[str, JSONValue] = {
        "principal": va.principal,
        "allow": list(va.allow),
        "deny": list(va.deny),
        "policies": sorted(d.name for d in docs),
        "unreadable_policies": missing,
        "permissions_boundary": boundary,
        "grants": [{"matched": m, **g.as_json()} for m, g in hits],
    }
    if hits:
        shown = "; ".join(_grant_text(g) for _, g in hits[:_SHOWN])
        more = f" (+{len(hits) - _SHOWN} more)" if len(hits) > _SHOWN else ""
        caveat = ""
        if boundary:
            caveat = f" (permissions boundary {boundary} not evaluated)"
        elif missing:
            caveat = f" (unreadable: {', '.join(missing)})"
        yield ctx.failed(
            role.id,
            f"vendor role {role.name} {what}: {shown}{more}{caveat}",
            attributes=attrs,
            definite=not boundary and not missing,
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
            f"{'do' if len(docs) != 1 else 'does'} not let it {what.removeprefix('can ')}",
            attributes=attrs,
        )


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
    requires=("iam",),
)
def vendor_denied_actions(ctx: RuleContext) -> Iterator[Finding]:
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
    requires=("iam",),
)
def vendor_allowed_actions(ctx: RuleContext) -> Iterator[Finding]:
    yield from _judge(ctx, "can perform actions outside its allow list", _outside_hits)
