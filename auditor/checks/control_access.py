"""Control path rules over the access model: who outside the customer reaches what.

They read :mod:`auditor.analysis.access` (``control.can_assume`` chains and
boundary capabilities evaluated with AWS policy semantics). A reach that
depends on an unknown condition (``CONDITIONAL``) never yields a PASS: a rule
that would fail on it says INCONCLUSIVE and names the conditions.

- ``control.outside-reach-declared``: every principal outside the customer party
  that can assume a customer role (directly or through a chain) or act on a
  boundary resource is a declared vendor principal. On Azure the reach is the
  ``control.can_act_on`` edges of role assignments and Lighthouse delegations
  (:mod:`auditor.analysis.azure_access`); on GCP it is any binding to an outside
  member on a boundary resource or on the project, folders or organisation above it
  (the role held is judged by ``control.external-assume-declared``).
- ``control.no-anonymous-data-access``: no wildcard or anonymous principal
  reaches data stores, system logs or their keys, through resource policies or
  wildcard trusts.
- ``control.vendor-key-control``: no principal outside the customer can use
  (decrypt with) or re-policy the keys protecting log data, through any chain.

``control.break-glass`` is in :mod:`auditor.checks.control_break_glass`.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from auditor.analysis.access import AccessModel, Grant, access_model, describe_chain
from auditor.analysis.azure_access import boundary_targets as azure_targets
from auditor.analysis.boundary_scope import data_stores, system_log_stores
from auditor.analysis.gcp_iam import inherited_grants, outside_grants, public_grants
from auditor.analysis.policy import ANYONE
from auditor.analysis.policy_eval import Decision
from auditor.base.edges import CAN_ACT_ON, CAN_ASSUME, ENCRYPTED_BY
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.checks.control_cloud_roles import azure_declared, gcp_outside_reach
from auditor.checks.control_trust import account_of_arn, scanned
from auditor.model import JSONValue, Kind, PathName, Resource, Severity, Status

DATA_CAPS = ("data.read", "data.write", "key.decrypt", "key.policy_change", "bucket.policy_change")
KEY_CAPS = ("key.decrypt", "key.policy_change", "key.destroy")
_SHOWN = 3


def conditions_text(requires: Sequence[str]) -> str:
    """The unmodelled state behind a conditional reach: the request-time conditions."""
    named = sorted({r for r in requires if r})
    return "request-time policy conditions" + (f": {'; '.join(named)}" if named else "")


def reach(
    model: AccessModel, principal: str, target: Resource, caps: Sequence[str]
) -> list[tuple[list[str], Grant]]:
    """(chain, grant) per capability ``principal`` holds on ``target``, itself or via a chain."""
    out: list[tuple[list[str], Grant]] = []
    hops, chains = model.hops_from(principal)
    for node in hops.candidates(target):  # the other hops hold no capability on target
        for g in model.grants(node, target, caps):
            out.append((chains[node], g))
    return out


def _conditional(model: AccessModel, chain: list[str], g: Grant) -> bool:
    return g.result.decision is Decision.CONDITIONAL or model.chain_conditional(chain)


def _reach_json(model: AccessModel, hits: Sequence[tuple[list[str], Grant]]) -> list[JSONValue]:
    return [
        {
            "chain": chain,
            "chain_requires": model.chain_requires(chain),
            **g.attributes(),
        }
        for chain, g in hits
    ]


def _reach_text(model: AccessModel, hits: Sequence[tuple[list[str], Grant]]) -> str:
    shown = [
        f"{g.capability} ({g.action}) as {describe_chain(model, chain)}"
        + (" [conditional]" if _conditional(model, chain, g) else "")
        for chain, g in hits[:_SHOWN]
    ]
    more = f" (+{len(hits) - _SHOWN} more)" if len(hits) > _SHOWN else ""
    return "; ".join(shown) + more


def _edges(chain: list[str]) -> list[tuple[str, str, str]]:
    return [(a, b, CAN_ASSUME) for a, b in itertools.pairwise(chain)]


def _reach_causes(
    model: AccessModel, target: Resource, hits: Sequence[tuple[list[str], Grant]]
) -> tuple[str, ...]:
    """What to change for each reach: the customer role whose policy grants the capability,
    else (an outside principal named by the target's own policy) the target itself."""
    out: set[str] = set()
    for chain, g in hits:
        holder = chain[-1] if chain else g.principal
        out.add(holder if model.party(holder) == "customer" else target.id)
    return tuple(sorted(out))


def _protected(ctx: RuleContext, target: Resource) -> tuple[str, ...]:
    """The stores a key protects (what a reach to the key affects)."""
    if target.kind != Kind.KEY:
        return ()
    return tuple(sorted({rel.source for rel in ctx.graph.in_edges(target.id, ENCRYPTED_BY)}))


def _judge_reach(
    ctx: RuleContext,
    target: Resource,
    hits: list[tuple[list[str], Grant]],
    what: str,
    ok: str,
) -> Judgement:
    j = _judge_reach_status(ctx, target, hits, what, ok)
    if j.status is Status.PASS:
        return j
    model = access_model(ctx.graph)
    j = replace(j, causes=_reach_causes(model, target, hits), affects=_protected(ctx, target))
    if j.status is Status.INCONCLUSIVE:
        requires = [r for c, g in hits for r in [*model.chain_requires(c), *g.result.requires]]
        j = replace(j, unmodelled=conditions_text(requires))
    return j


def _judge_reach_status(
    ctx: RuleContext,
    target: Resource,
    hits: list[tuple[list[str], Grant]],
    what: str,
    ok: str,
) -> Judgement:
    model = access_model(ctx.graph)
    sure = [(c, g) for c, g in hits if not _conditional(model, c, g)]
    maybe = [(c, g) for c, g in hits if _conditional(model, c, g)]
    label = f"{target.kind} {target.name or target.id}"
    attrs: dict[str, JSONValue] = {"reach": _reach_json(model, hits)}
    edges = [e for c, _ in hits for e in _edges(c)]
    nodes = sorted({n for c, _ in hits for n in c})
    if sure:
        notes = sorted({n for _, g in sure for n in g.result.notes if "SCP" in n})
        return ctx.failed(
            target.id,
            f"{label}: {what}: {_reach_text(model, sure)}" + (f" ({notes[0]})" if notes else ""),
            attributes=attrs,
            edges=edges,
            nodes=nodes,
            definite=not any(
                g.result.notes for _, g in sure if "not collected" in str(g.result.notes)
            ),
        )
    if maybe:
        return ctx.inconclusive(
            target.id,
            f"{label}: {what} depending on conditions the auditor cannot resolve: "
            f"{_reach_text(model, maybe)}",
            attributes=attrs,
            edges=edges,
            nodes=nodes,
        )
    return ctx.passed(target.id, f"{label}: {ok}", attributes=attrs)


# --- rules ------------------------------------------------------------------------------------


@rule(
    id="control.outside-reach-declared",
    path=PathName.CONTROL,
    severity=Severity.HIGH,
    title="Every outside principal that can reach the platform is declared",
    rationale=(
        "A principal of another party that can assume a customer role, directly or through a "
        "chain of roles, or act on a boundary resource through its resource policy (Azure: a "
        "role assignment or delegation over it; GCP: a binding on it or above it), is a way "
        "into the boundary; the declaration must name it so that its access can be reviewed."
    ),
    remediation=(
        "Remove the trust or resource-policy grant, or declare the principal under "
        "control.vendor_access with the role it uses."
    ),
    requires=("iam", "s3", "kms", "azure-authorization", "cloudasset-iam"),
)
def outside_reach_declared(ctx: RuleContext) -> Iterator[Judgement]:
    model = access_model(ctx.graph)
    decl = ctx.declaration
    declared = {va.principal for va in decl.control.vendor_access}
    declared |= {
        p.id
        for p in ctx.graph.of_kind(Kind.PRINCIPAL, include_stubs=True)
        if p.id.startswith("/tenants/") and azure_declared(ctx, p.id) is not None
    }
    chosen = {t.id: t for t in [*model.boundary_targets(), *azure_targets(ctx.graph)]}
    targets = [chosen[k] for k in sorted(chosen)]
    outsiders = set(model.outsiders())
    # outside principals that resource policies of boundary resources name directly
    for t in targets:
        for rel in ctx.graph.in_edges(t.id, CAN_ACT_ON):
            if model.party(rel.source) != "customer":
                outsiders.add(rel.source)
    yield from _azure_unreached(ctx, model, targets)
    yield from gcp_outside_reach(ctx)
    if not outsiders:
        yield from _aws_unreached(ctx, targets)
        return
    acting: dict[str, list[Any]] = {}
    for t in targets:
        for rel in ctx.graph.in_edges(t.id, CAN_ACT_ON):
            acting.setdefault(rel.source, []).append(rel)
    for o in sorted(outsiders):
        chains = {r: c for r, c in model.chains_from(o).items() if model.party(r) == "customer"}
        direct = acting.get(o, [])
        if chains or direct:
            yield _judge_outsider(ctx, model, o, chains, direct, declared=o in declared)


def _aws_unreached(ctx: RuleContext, targets: Sequence[Resource]) -> Iterator[Judgement]:
    """A verdict per customer AWS account when no outside principal reaches any of them."""
    for account in sorted(ctx.declaration.accounts("aws", "customer")):
        sid = f"scope:aws/{account}/*"
        if scanned(ctx.graph, account) and ctx.graph.inventory.was_collected("iam", account):
            yield ctx.passed(
                sid,
                f"no principal outside the customer can assume a role of account {account} "
                f"or act on its boundary resources ({len(targets)} boundary resources)",
                account=account,
                region="global",
            )
        else:
            yield ctx.inconclusive(
                sid,
                f"IAM of customer account {account} was not read, so who can reach it is unknown",
                account=account,
                region="global",
            )


def _grant_causes(rel: Any) -> set[str]:
    """What grants a direct reach: the role assignments (Azure RBAC, Lighthouse) its
    statements name, else the target, whose own resource policy names the principal."""
    statements = rel.attributes.get("statements") or []
    assignments = {
        str(s["assignment"]) for s in statements if isinstance(s, dict) and s.get("assignment")
    }
    return assignments or {rel.target}


def _judge_outsider(
    ctx: RuleContext,
    model: AccessModel,
    o: str,
    chains: dict[str, list[str]],
    direct: list[Any],
    *,
    declared: bool,
) -> Judgement:
    """An outside principal that reaches customer roles (``chains``) or acts on targets.

    Declared vendors pass; an undeclared one fails, or is inconclusive when every way
    in depends on conditions the auditor cannot resolve.
    """
    conditional = all(model.chain_conditional(c) for c in chains.values()) and all(
        rel.attributes.get("decision") == "conditional" for rel in direct
    )
    attrs: dict[str, JSONValue] = {
        "party": model.party(o),
        "reaches_roles": dict(chains.items()),
        "acts_on": sorted({rel.target for rel in direct}),
    }
    edges = [e for c in chains.values() for e in _edges(c)]
    what = ", ".join(sorted(chains)[:_SHOWN]) + (
        f" (+{len(chains) - _SHOWN} more)" if len(chains) > _SHOWN else ""
    )
    acts = sorted({rel.target for rel in direct})
    if acts:
        what += ("; " if what else "") + "acts on " + ", ".join(acts[:_SHOWN])
    who = "anyone (an arbitrary outside principal)" if o == ANYONE else o
    # what lets it in: the trust policy of the first customer role on each chain, and the
    # resource policies naming it directly
    causes = tuple(
        sorted(
            {next((n for n in c if model.party(n) == "customer"), c[-1]) for c in chains.values()}
            | {cause for rel in direct for cause in _grant_causes(rel)}
        )
    )
    affects = tuple(sorted({*chains, *acts}))
    if declared:
        return ctx.passed(
            o,
            f"declared vendor principal {o} reaches {what}",
            attributes=attrs,
            edges=edges,
            account=account_of_arn(o),
            region="global",
        )
    if conditional:
        return replace(
            ctx.inconclusive(
                o,
                f"undeclared {model.party(o)} principal {who} may reach {what}, depending on "
                "conditions the auditor cannot resolve",
                attributes=attrs,
                edges=edges,
                account=account_of_arn(o),
                region="global",
            ),
            causes=causes,
            affects=affects,
            unmodelled=conditions_text(
                [r for c in chains.values() for r in model.chain_requires(c)]
            ),
        )
    return replace(
        ctx.failed(
            o,
            f"undeclared {model.party(o)} principal {who} reaches {what}",
            attributes=attrs,
            edges=edges,
            definite=True,
            account=account_of_arn(o),
            region="global",
        ),
        causes=causes,
        affects=affects,
    )


def _azure_unreached(
    ctx: RuleContext, model: AccessModel, targets: Sequence[Resource]
) -> Iterator[Judgement]:
    """A verdict per customer Azure subscription that no outside principal reaches."""
    for sub in sorted(s.lower() for s in ctx.declaration.accounts("azure", "customer")):
        reached = any(
            model.party(rel.source) != "customer"
            for t in targets
            if t.cloud == "azure" and t.account == sub
            for rel in ctx.graph.in_edges(t.id, CAN_ACT_ON)
        )
        if reached:
            continue  # judged per outside principal
        sid = f"scope:azure/{sub}/*"
        if ctx.graph.inventory.was_collected("azure-authorization", sub):
            yield ctx.passed(
                sid,
                f"no principal outside the customer holds a role over the boundary resources of "
                f"subscription {sub}",
                account=sub,
                region="global",
            )
        else:
            yield ctx.inconclusive(
                sid,
                f"role assignments of subscription {sub} were not read, so who can reach it is "
                "unknown",
                account=sub,
                region="global",
            )


def _data_targets(ctx: RuleContext, model: AccessModel) -> list[Resource]:
    stores = {r.id: r for r in [*data_stores(ctx.graph), *system_log_stores(ctx.graph)]}
    out: dict[str, Resource] = {}
    for s in stores.values():
        if s.kind in (Kind.BUCKET, Kind.KAFKA_CLUSTER):
            out[s.id] = s
        for rel in ctx.graph.out_edges(s.id, ENCRYPTED_BY):
            key = ctx.graph.get(rel.target)
            if key is not None and not key.attributes.get("stub"):
                out[key.id] = key
    return [out[k] for k in sorted(out)]


def _no_targets(ctx: RuleContext) -> Judgement:
    """Why control.no-anonymous-data-access has nothing to judge."""
    stores = [*data_stores(ctx.graph), *system_log_stores(ctx.graph)]
    if not stores:
        return no_stores(
            ctx, message="no data store, system-log store or data key was found to judge"
        )
    # stores of kinds with no resource policy (volumes, say), none encrypted by a KMS key
    return ctx.nothing_to_judge(
        "scope:aws/*/*",
        f"none of the {len(stores)} data or system-log store(s) has a resource policy or a "
        "KMS key whose policy could let '*' in",
        nodes=[s.id for s in stores],
        attributes={"kinds": sorted({s.kind for s in stores})},
    )


def _no_keys(ctx: RuleContext) -> Judgement:
    """Why control.vendor-key-control has no collected key to judge."""
    stores = [*data_stores(ctx.graph), *system_log_stores(ctx.graph)]
    if not stores:
        return no_stores(ctx, message="no collected key protects a data store")
    uncollected = sorted(
        {
            rel.target
            for s in stores
            for rel in ctx.graph.out_edges(s.id, ENCRYPTED_BY)
            if (k := ctx.graph.get(rel.target)) is None or k.attributes.get("stub")
        }
    )
    if uncollected:
        j = ctx.inconclusive(
            "scope:aws/*/*",
            f"the key(s) protecting the data stores were not collected: {', '.join(uncollected)}",
            depends_on=uncollected,
            attributes={"keys": list(uncollected)},
        )
        return replace(j, unmodelled="the policy of a data key that was not collected")
    return ctx.nothing_to_judge(
        "scope:aws/*/*",
        f"none of the {len(stores)} data or system-log store(s) is encrypted with a KMS key, "
        "so there is no key to control (data.customer-key judges their encryption)",
        nodes=[s.id for s in stores],
    )


@rule(
    id="control.no-anonymous-data-access",
    path=PathName.CONTROL,
    severity=Severity.CRITICAL,
    title="No wildcard or anonymous principal reaches log data or its keys",
    rationale=(
        "A resource policy or trust policy that lets '*' in (without a condition pinning the "
        "caller to the customer) hands log data or its keys to any AWS account."
    ),
    remediation=(
        "Remove '*' from the bucket, key, cluster and trust policies on the path, or add an "
        "aws:PrincipalOrgID / aws:SourceVpce condition that keeps the caller inside."
    ),
    requires=("iam", "s3", "kms"),
)
def no_anonymous_data_access(ctx: RuleContext) -> Iterator[Judgement]:
    model = access_model(ctx.graph)
    targets = _data_targets(ctx, model)
    if not targets:
        yield _no_targets(ctx)
        return
    for t in targets:
        if t.cloud == "gcp":
            yield _gcp_anonymous(ctx, t)
            continue
        if t.cloud == "azure":
            yield _azure_anonymous(ctx, t)
            continue
        if t.kind == Kind.KEY and t.attributes.get("policy") is None:
            yield ctx.inconclusive(t.id, f"the policy of key {t.name or t.id} was not collected")
            continue
        hits = reach(model, ANYONE, t, DATA_CAPS)
        yield _judge_reach(
            ctx,
            t,
            hits,
            "an arbitrary outside principal ('*') can reach it",
            "no wildcard or anonymous principal can read, write, decrypt or re-policy it",
        )


def _azure_anonymous(ctx: RuleContext, t: Resource) -> Judgement:
    """Azure: only a storage account's anonymous blob access lets no principal in at all.

    Azure RBAC has no "anyone" principal: every role assignment names an Entra
    object, judged by control.outside-reach-declared.
    """
    from auditor.checks.data_exposure import azure_storage_public

    if t.kind == Kind.BUCKET:
        return azure_storage_public(ctx, t)
    return ctx.passed(
        t.id,
        f"{t.kind} {t.name or t.id} admits no anonymous caller: Azure RBAC grants only to "
        "named Entra principals",
    )


def _gcp_anonymous(ctx: RuleContext, t: Resource) -> Judgement:
    """GCP: allUsers / allAuthenticatedUsers bound on the store or key itself."""
    public = public_grants(ctx.declaration, t, ctx.graph)
    label = f"{t.kind} {t.name or t.id}"
    if public is None:
        return ctx.inconclusive(t.id, f"the IAM policy of {label} was not read")
    attrs: dict[str, JSONValue] = {
        "public_bindings": [{"role": g.role, "member": g.member} for g in public]
    }
    if public:
        who = ", ".join(sorted({f"{g.member} ({g.role})" for g in public}))
        return ctx.failed(t.id, f"{label} grants {who}", attributes=attrs, definite=True)
    return ctx.passed(
        t.id, f"no allUsers or allAuthenticatedUsers binding on {label}", attributes=attrs
    )


def _azure_key_control(ctx: RuleContext, key: Resource) -> Judgement:
    """Azure: outside principals whose roles reach the Key Vault key (``control.azure-access``).

    A role that may write the vault (``Microsoft.KeyVault/vaults/write``) can switch it to
    access policies and grant itself the key: that is control of the key.
    """
    label = f"key {key.name or key.id}"
    if not ctx.graph.inventory.was_collected("azure-authorization", key.account):
        return ctx.inconclusive(
            key.id,
            f"role assignments of subscription {key.account} were not read, so who controls "
            f"{label} is unknown",
        )
    hits = sorted(
        (rel.source, str(rel.attributes.get("capability")), rel.reason)
        for rel in ctx.graph.in_edges(key.id, CAN_ACT_ON)
        if rel.attributes.get("capability") in (*KEY_CAPS, "unknown")
    )
    allowed = {
        (rel.source, str(rel.attributes.get("capability")), rel.reason)
        for rel in ctx.graph.in_edges(key.id, CAN_ACT_ON)
        if rel.attributes.get("decision") == "allowed"
    }
    attrs: dict[str, JSONValue] = {
        "reach": [{"principal": p, "capability": c, "via": why} for p, c, why in hits]
    }
    edges = [(p, key.id, CAN_ACT_ON) for p, _, _ in hits]
    nodes = sorted({p for p, _, _ in hits})
    definite = {h for h in hits if h in allowed}
    shown = "; ".join(f"{p} {c} ({why})" for p, c, why in (sorted(definite) or hits)[:3])
    if definite:
        # what to change: the role assignments that give the outside principals the key
        assignments = {
            str(st.get("assignment") or st.get("scope") or "")
            for rel in ctx.graph.in_edges(key.id, CAN_ACT_ON)
            if (rel.source, str(rel.attributes.get("capability")), rel.reason) in definite
            for st in rel.attributes.get("statements") or []
            if isinstance(st, dict)
        }
        return replace(
            ctx.failed(
                key.id,
                f"{label}: a principal outside the customer can use or re-policy it: {shown}",
                attributes=attrs,
                edges=edges,
                nodes=nodes,
                definite=True,
            ),
            causes=tuple(sorted(assignments - {""})),
            affects=_protected(ctx, key),
        )
    if hits:
        return ctx.inconclusive(
            key.id,
            f"{label}: outside principals may reach it, depending on conditions or role "
            f"definitions the auditor could not read: {shown}",
            attributes=attrs,
            edges=edges,
            nodes=nodes,
        )
    return ctx.passed(
        key.id,
        f"{label}: no principal outside the customer holds a role that can use, re-policy or "
        "destroy it",
        attributes=attrs,
    )


KEY_ROLES = (
    "roles/owner",
    "roles/editor",
    "roles/cloudkms.*",
    "roles/iam.securityAdmin",
    "roles/resourcemanager.*Admin",
)
"""Predefined roles that, bound above a key, let their holder use it or re-policy it (the
basic roles, Cloud KMS roles, and roles that may set the IAM policy of a project,
folder or organisation). Other predefined roles are judged by name: they hold none."""


def _key_capable(role: str) -> bool | None:
    """Whether a role bound above a key reaches it (None: a custom role, permissions unknown)."""
    if role.startswith(("projects/", "organizations/")):
        return None
    return any(fnmatch.fnmatchcase(role, g) for g in KEY_ROLES)


def _gcp_key_control(ctx: RuleContext, key: Resource) -> Judgement:
    """GCP: members outside the customer bound on the key, or above it with a key role.

    A binding on the project, a folder or the organisation applies to the key below
    it; such a binding reaches the key when its role is one of :data:`KEY_ROLES`.
    """
    decl = ctx.declaration
    outside = outside_grants(decl, key, ctx.graph)
    label = f"key {key.name or key.id}"
    if outside is None:
        return ctx.inconclusive(key.id, f"the IAM policy of {label} was not read")
    above, unread = inherited_grants(decl, key, ctx.graph)
    above = [g for g in above if g.party not in ("customer", "provider")]
    reaching = [g for g in above if _key_capable(g.role)]
    unknown = [g for g in above if _key_capable(g.role) is None]
    attrs: dict[str, JSONValue] = {
        "outside_bindings": [
            {"role": g.role, "member": g.member, "party": g.party, "on": g.resource}
            for g in [*outside, *reaching, *unknown]
        ],
        "ancestors_not_read": unread,
    }
    hits = [*outside, *reaching]
    if hits:
        who = ", ".join(
            sorted(
                {
                    f"{g.member} ({g.party}, {g.role}"
                    + ("" if g.resource == key.id else f" on {g.resource}")
                    + ")"
                    for g in hits
                }
            )
        )
        return replace(
            ctx.failed(
                key.id, f"{label} is reachable by outside member(s) {who}", attributes=attrs
            ),
            causes=tuple(sorted({g.resource for g in hits})),
            affects=_protected(ctx, key),
        )
    # A project-level scan does not read folder or organisation policies: they are
    # listed in the evidence, but only an unread project policy leaves the key unjudged.
    unread = [u for u in unread if "/folders/" not in u and "/organizations/" not in u]
    if unknown or unread:
        why = (
            "custom roles whose permissions are not in the inventory: "
            + ", ".join(sorted({f"{g.member} ({g.role} on {g.resource})" for g in unknown}))
            if unknown
            else f"the IAM policy of {', '.join(unread)} was not read"
        )
        return ctx.inconclusive(
            key.id, f"{label}: outside members may reach it through {why}", attributes=attrs
        )
    return ctx.passed(
        key.id,
        f"{label}: no member outside the customer is bound on the key, nor above it (project, "
        "folders, organisation) with a role that can use or re-policy keys",
        attributes=attrs,
    )


@rule(
    id="control.vendor-key-control",
    path=PathName.CONTROL,
    severity=Severity.CRITICAL,
    title="No outside principal can use or re-policy the keys protecting log data",
    rationale=(
        "Whoever can decrypt with a data key, change its policy or grant themselves use of it "
        "controls the data, whatever the bucket policy says. A vendor holding that, even "
        "through a chain of roles, breaks a customer-key boundary."
    ),
    remediation=(
        "Remove kms:Decrypt, kms:PutKeyPolicy and kms:CreateGrant from roles outside principals "
        "can assume, and from key policies naming them; add explicit Deny statements."
    ),
    requires=("iam", "kms"),
)
def vendor_key_control(ctx: RuleContext) -> Iterator[Judgement]:
    model = access_model(ctx.graph)
    keys = [t for t in _data_targets(ctx, model) if t.kind == Kind.KEY]
    if not keys:
        yield _no_keys(ctx)
        return
    outsiders = sorted(
        {
            *model.outsiders(),
            *(va.principal for va in ctx.declaration.control.vendor_access),
        }
    )
    for key in keys:
        if key.cloud == "gcp":
            yield _gcp_key_control(ctx, key)
            continue
        if key.cloud == "azure":
            yield _azure_key_control(ctx, key)
            continue
        if key.attributes.get("policy") is None:
            yield ctx.inconclusive(
                key.id, f"the policy of key {key.name or key.id} was not collected"
            )
            continue
        hits = [h for o in outsiders for h in reach(model, o, key, KEY_CAPS)]
        yield _judge_reach(
            ctx,
            key,
            hits,
            "a principal outside the customer can use or re-policy it",
            f"none of the {len(outsiders)} outside principal(s) can decrypt with, re-policy or "
            "destroy it, directly or through a chain",
        )
