"""The Azure meaning of the audit rules: where each subscription's Activity Log goes.

The Activity Log records every management operation of a subscription in every
region, and Azure keeps it 90 days. It is an audit trail only once a diagnostic
setting on the subscription (``scope = subscription``) exports its
``Administrative`` category (or ``allLogs``) to a Log Analytics workspace, a
storage account or an Event Hub:

- multi-region: every declared customer subscription has such an export (the
  Activity Log is subscription-wide, so one export covers every region);
- log store: every destination lies in a subscription of ``control.audit.log_store``'s
  party; the customer lists its subscriptions completely, so an undeclared
  subscription is outside the customer;
- tamper: no principal outside the customer can delete or redirect the export
  (``Microsoft.Insights/diagnosticSettings/write``/``delete`` at the subscription)
  or alter its destination (workspace write/delete/purge; storage write, blob
  delete or account keys), unless the storage account's immutability policy is locked;
- data events: every data store's blob service logs ``StorageRead`` and
  ``StorageWrite``, every Event Hubs data store its ``RuntimeAuditLogs``, and every
  vault holding a data key its ``AuditEvent`` (``allLogs`` or the ``audit`` group
  count too).

A subscription whose settings were read and none exports the Activity Log FAILs the
log store (nothing holds it) and has no export to tamper with (NOT_APPLICABLE).
Diagnostic settings come from the ``azure-diagnostics`` unit; where it did not run
(a failed read is a gap), nothing is judged as absent (INCONCLUSIVE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from auditor.base.edges import ENCRYPTED_BY, ROLE_ASSIGNED
from auditor.checks import Judgement, RuleContext
from auditor.checks.control_trust import not_scanned, scanned
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, Resource

UNIT = "azure-diagnostics"
ACTIVITY = ("administrative", "alllogs", "audit")
"""Log categories (or groups) of a subscription setting that carry management operations."""


def subscription_of(rid: str) -> str:
    m = re.match(r"^/subscriptions/([^/]+)", rid, re.IGNORECASE)
    return m.group(1).lower() if m else ""


def customer_subscriptions(ctx: RuleContext) -> list[str]:
    """The declared customer subscriptions, as declared (ids in resource ids are lower-case)."""
    return sorted(set(ctx.declaration.accounts("azure", "customer")))


def _settings_of(ctx: RuleContext, target: str) -> list[Resource]:
    return [
        s
        for s in ctx.graph.of_kind("diagnostic_setting")
        if str(s.attributes.get("resource_id") or "").lower() == target.lower()
    ]


def destinations(s: Resource) -> list[tuple[str, str]]:
    """(what, id) of each destination of a diagnostic setting."""
    a = s.attributes
    out = [
        ("workspace", str(a.get("workspace_id") or "")),
        ("storage account", str(a.get("storage_account_id") or "")),
        ("event hub", str(a.get("event_hub_rule_id") or "")),
    ]
    return [(w, i) for w, i in out if i]


def _logs(s: Resource) -> set[str]:
    return {str(x).lower() for x in s.attributes.get("logs") or []}


def exports(ctx: RuleContext, sub: str) -> tuple[list[Resource], list[Resource]]:
    """(settings of the subscription, those exporting its management operations)."""
    settings = _settings_of(ctx, f"/subscriptions/{sub.lower()}")
    good = [s for s in settings if destinations(s) and _logs(s) & set(ACTIVITY)]
    return settings, good


def _exported(
    ctx: RuleContext, sub: str, *, absent: Callable[[str, str], Judgement]
) -> tuple[list[Resource], Judgement | None]:
    """A subscription's Activity Log exports, or the verdict that stops judging them.

    Not scanned, or settings not read: INCONCLUSIVE. Read, and none exports the
    Activity Log: ``absent(sub, scope id)`` says what that absence means to the rule.
    """
    if not scanned(ctx.graph, sub):
        return [], _unscanned(ctx, sub)
    _, good = exports(ctx, sub)
    if good:
        return good, None
    if not _read(ctx, sub):
        return [], _not_read(ctx, sub)
    return [], absent(sub, scope_id("azure", sub, "*"))


def _read(ctx: RuleContext, sub: str) -> bool:
    """Whether the subscription's own diagnostic settings were read (the collector marks
    ``azure-diagnostics`` run in a subscription only then; a failed read is a gap)."""
    return ctx.graph.inventory.was_collected(UNIT, sub)


def _unscanned(ctx: RuleContext, sub: str) -> Judgement:
    return not_scanned(
        ctx.inconclusive(
            scope_id("azure", sub, "*"), f"customer subscription {sub} was not scanned", account=sub
        ),
        "azure",
        sub,
    )


def _not_read(ctx: RuleContext, sub: str) -> Judgement:
    """INCONCLUSIVE: the read failed (its gap lies behind it) or was never made (named)."""
    j = ctx.inconclusive(
        scope_id("azure", sub, "*"),
        f"the diagnostic settings of subscription {sub} were not read, so where its Activity "
        "Log goes is unknown",
        account=sub,
    )
    gap = any(
        g.cloud == "azure"
        and g.service in ("*", UNIT)
        and g.account in ("*", sub)
        and not g.resource
        for g in ctx.graph.inventory.gaps
    )
    if gap:
        return j
    return replace(
        j, unmodelled=f"the Activity Log export of a subscription whose {UNIT} unit did not run"
    )


def multi_region(ctx: RuleContext) -> Iterator[Judgement]:
    for sub in customer_subscriptions(ctx):
        if not scanned(ctx.graph, sub):
            yield _unscanned(ctx, sub)
            continue
        settings, good = exports(ctx, sub)
        sid = scope_id("azure", sub, "*")
        attrs: dict[str, JSONValue] = {
            "settings": [
                {
                    "id": s.id,
                    "logs": sorted(_logs(s)),
                    "destinations": [i for _, i in destinations(s)],
                }
                for s in settings
            ]
        }
        nodes = [s.id for s in settings]
        if good:
            names = ", ".join(s.name for s in good)
            yield ctx.passed(
                sid,
                f"the Activity Log of subscription {sub} (every region) is exported by {names}",
                account=sub,
                nodes=nodes,
                attributes=attrs,
            )
        elif not _read(ctx, sub):
            yield _not_read(ctx, sub)
        else:
            why = "; ".join(
                f"{s.name}: "
                + ("no destination" if not destinations(s) else "no Administrative logs")
                for s in settings
            )
            j = ctx.failed(
                sid,
                f"the Activity Log of subscription {sub} is not exported: Azure keeps it 90 days "
                f"only ({why or 'no subscription diagnostic setting'})",
                account=sub,
                nodes=nodes,
                attributes=attrs,
                definite=True,
            )
            # the subscription's settings are what to change (add or widen one): one finding
            # with control.audit-log-store's FAIL on the same absence
            yield replace(j, causes=(sid,))


def log_store(ctx: RuleContext, want: str) -> Iterator[Judgement]:
    decl = ctx.declaration
    for sub in customer_subscriptions(ctx):
        good, stop = _exported(ctx, sub, absent=lambda s, sid: _no_log_store(ctx, s, sid, want))
        if stop is not None:
            yield stop
            continue
        for s in good:
            where: list[JSONValue] = []
            problems: list[str] = []
            for what, did in destinations(s):
                owner = subscription_of(did)
                party = decl.party_of("azure", owner) if owner else "unknown"
                where.append({"destination": did, "subscription": owner, "party": party})
                if want != "any" and party != want:
                    outside = (
                        " (outside the customer's declared subscriptions)"
                        if party == "unknown"
                        else ""
                    )
                    problems.append(
                        f"its {what} {did.rsplit('/', 1)[-1]} is in subscription {owner} "
                        f"({party}){outside}, not a {want} subscription"
                    )
            attrs: dict[str, JSONValue] = {"destinations": where, "required_owner": want}
            dest_ids = [i for _, i in destinations(s)]
            label = f"Activity Log export {s.name} of subscription {sub}"
            if problems:
                yield ctx.failed(
                    s.id,
                    f"{label}: " + "; ".join(problems),
                    attributes=attrs,
                    nodes=dest_ids,
                    definite=True,
                )
            else:
                yield ctx.passed(
                    s.id,
                    f"{label} writes to "
                    + ", ".join(f"{w} {i.rsplit('/', 1)[-1]}" for w, i in destinations(s))
                    + f" in {want} subscriptions",
                    attributes=attrs,
                    nodes=dest_ids,
                )


def _no_log_store(ctx: RuleContext, sub: str, sid: str, want: str) -> Judgement:
    """Settings read, none exports the Activity Log: no store holds it beyond 90 days."""
    settings, _ = exports(ctx, sub)
    party = "" if want == "any" else f"{want} "
    j = ctx.failed(
        sid,
        f"subscription {sub} exports no Activity Log, so its management operations land in "
        f"no {party}log store (Azure keeps them 90 days only): add a subscription diagnostic "
        "setting exporting Administrative to a Log Analytics workspace or storage account of "
        f"a {party}subscription",
        account=sub,
        nodes=[s.id for s in settings],
        attributes={"settings": [s.id for s in settings], "required_owner": want},
        definite=True,
    )
    return replace(j, causes=(sid,))  # the absence control.audit-trail-multi-region FAILs


def _nothing_to_protect(ctx: RuleContext, sub: str, sid: str) -> Judgement:
    """Settings read, none exports the Activity Log: no export to tamper with."""
    return ctx.nothing_to_judge(
        sid,
        f"subscription {sub} exports no Activity Log, so there is no export to protect "
        "(control.audit-trail-multi-region and control.audit-log-store judge its absence)",
        account=sub,
    )


SETTING_ACTIONS = (
    "Microsoft.Insights/diagnosticSettings/write",
    "Microsoft.Insights/diagnosticSettings/delete",
)
WORKSPACE_ACTIONS = (
    ("Microsoft.OperationalInsights/workspaces/write", False),
    ("Microsoft.OperationalInsights/workspaces/delete", False),
    ("Microsoft.OperationalInsights/workspaces/purge/action", False),
)
STORAGE_ACTIONS = (
    ("Microsoft.Storage/storageAccounts/write", False),
    ("Microsoft.Storage/storageAccounts/delete", False),
    ("Microsoft.Storage/storageAccounts/listKeys/action", False),
    ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", True),
    ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write", True),
)


def outside_grants(
    ctx: RuleContext, target: str, actions: Sequence[tuple[str, bool]]
) -> tuple[list[str], list[str]]:
    """(outside principals whose roles at a scope over ``target`` grant one of ``actions``,
    roles whose permissions were not read)."""
    hits, unknown = _outside_assignments(ctx, target, actions)
    return sorted({text for text, _ in hits}), unknown


def _outside_assignments(
    ctx: RuleContext, target: str, actions: Sequence[tuple[str, bool]]
) -> tuple[list[tuple[str, str]], list[str]]:
    """As :func:`outside_grants`, each hit with the role assignment that gives it."""
    from auditor.analysis.azure_access import _under, customer_tenants, grants, is_outside

    graph = ctx.graph
    tenants = customer_tenants(graph)
    hits: list[tuple[str, str]] = []
    unknown: list[str] = []
    for p in graph.of_kind(Kind.PRINCIPAL, include_stubs=True):
        if p.cloud != "azure" or not p.id.startswith("/tenants/"):
            continue
        named = ctx.declaration.identity_party("azure", [p.id.rsplit("/", 1)[-1]])
        if not (is_outside(graph, p, tenants) if named is None else named != "customer"):
            continue
        for rel in graph.out_edges(p.id, ROLE_ASSIGNED):
            if not _under(rel.target, target.lower()):
                continue
            role_id = str(rel.attributes.get("role_definition_id") or "")
            role = graph.get(role_id)
            if role is None or role.attributes.get("permissions") is None:
                unknown.append(role_id)
                continue
            hit = next((a for a, d in actions if grants(role, a, d)), None)
            if hit:
                assignment = str(rel.attributes.get("assignment") or rel.target)
                hits.append(
                    (f"{p.name or p.id} ({hit} through {role.name or role_id})", assignment)
                )
    return sorted(set(hits)), sorted(set(unknown))


def tamper(ctx: RuleContext) -> Iterator[Judgement]:
    for sub in customer_subscriptions(ctx):
        good, stop = _exported(ctx, sub, absent=lambda s, sid: _nothing_to_protect(ctx, s, sid))
        if stop is not None:
            yield stop
            continue
        for s in good:
            yield _tamper_one(ctx, s, sub)


def _tamper_one(ctx: RuleContext, s: Resource, sub: str) -> Judgement:
    found, unknown = _outside_assignments(
        ctx, f"/subscriptions/{sub}", [(a, False) for a in SETTING_ACTIONS]
    )
    hits = sorted({h for h, _ in found})
    causes = {a for _, a in found}
    problems = [f"{h} can delete or redirect the export" for h in hits]
    notes: list[str] = []
    unseen: list[str] = []
    for what, did in destinations(s):
        dest = ctx.graph.get(did)
        owner = subscription_of(did)
        declared = {c.lower(): c for c in customer_subscriptions(ctx)}
        if what != "event hub" and not (owner in declared and scanned(ctx.graph, declared[owner])):
            unseen.append(f"its {what} {did} is in subscription {owner}, which was not scanned")
            continue
        if what == "storage account":
            lock = (dest.attributes.get("object_lock") if dest is not None else None) or {}
            if lock.get("mode") == "LOCKED":
                notes.append(
                    f"storage account {did.rsplit('/', 1)[-1]} has a locked immutability policy"
                )
                continue
            hs, u = _outside_assignments(ctx, did, STORAGE_ACTIONS)
        elif what == "workspace":
            hs, u = _outside_assignments(ctx, did, WORKSPACE_ACTIONS)
        else:
            notes.append(f"event hub {did}: a stream, judged by where its consumers store it")
            continue
        h = sorted({x for x, _ in hs})
        causes |= {a for _, a in hs}
        problems += [f"{x} can alter its {what} {did.rsplit('/', 1)[-1]}" for x in h]
        unknown += u
    attrs: dict[str, JSONValue] = {"notes": notes, "unread_roles": sorted(set(unknown))}
    label = f"Activity Log export {s.name} of subscription {sub}"
    if problems:
        # what to change: the role assignments that let outside principals alter it
        return replace(
            ctx.failed(s.id, f"{label}: " + "; ".join(problems), attributes=attrs, definite=True),
            causes=tuple(sorted(causes)),
        )
    if unseen:
        return ctx.inconclusive(
            s.id, f"{label}: who can change it is unknown: " + "; ".join(unseen), attributes=attrs
        )
    if unknown:
        return ctx.inconclusive(
            s.id,
            f"{label}: the permissions of role(s) {', '.join(sorted(set(unknown)))} held by "
            "outside principals were not read",
            attributes=attrs,
        )
    return ctx.passed(
        s.id,
        f"{label}: no principal outside the customer can delete or redirect it, or alter its "
        "destination" + (f" ({'; '.join(notes)})" if notes else ""),
        attributes=attrs,
    )


_STORE_LOGS = {
    "storage": ({"storageread", "storagewrite"}, "/blobservices/default"),
    "eventhub": ({"runtimeauditlogs"}, ""),
    "vault": ({"auditevent"}, ""),
}


def _covers(s: Resource, wanted: set[str]) -> bool:
    logs = _logs(s)
    return bool(destinations(s)) and ("alllogs" in logs or "audit" in logs or wanted <= logs)


def data_events(ctx: RuleContext, stores: Sequence[Resource]) -> Iterator[Judgement]:
    """Judge the resource logs of Azure data stores and of the vaults of their keys."""
    targets: dict[str, tuple[Resource, str]] = {}
    for st in stores:
        if st.cloud != "azure":
            continue
        if "/microsoft.storage/storageaccounts/" in st.id:
            targets[st.id] = (st, "storage")
        elif "/microsoft.eventhub/namespaces/" in st.id:
            targets[st.id] = (st, "eventhub")
        for rel in ctx.graph.out_edges(st.id, ENCRYPTED_BY):
            key = ctx.graph.get(rel.target)
            vault = str((key.attributes.get("vault_id") if key is not None else "") or "")
            vres = ctx.graph.get(vault) if vault else None
            if vres is not None:
                targets[vres.id] = (vres, "vault")
    if not targets and any(s.cloud == "azure" for s in stores):
        yield ctx.inconclusive(
            "scope:azure/*/*", "no Azure data store whose resource logs can be judged"
        )
    for rid, (res, what) in sorted(targets.items()):
        wanted, suffix = _STORE_LOGS[what]
        settings = _settings_of(ctx, rid + suffix)
        good = [s for s in settings if _covers(s, wanted)]
        attrs: dict[str, JSONValue] = {
            "settings": [{"id": s.id, "logs": sorted(_logs(s))} for s in settings],
            "required": sorted(wanted),
        }
        nodes = [s.id for s in settings]
        label = f"{what} {res.name}"
        if good:
            yield ctx.passed(
                rid,
                f"{label}: {', '.join(sorted(wanted))} logged by {', '.join(s.name for s in good)}",
                attributes=attrs,
                nodes=nodes,
            )
        elif not _read(ctx, res.account):
            yield ctx.inconclusive(
                rid,
                f"{label}: the diagnostic settings of subscription {res.account} were not read",
                attributes=attrs,
            )
        else:
            yield ctx.failed(
                rid,
                f"{label}: no diagnostic setting logs {', '.join(sorted(wanted))} to a destination",
                attributes=attrs,
                nodes=nodes,
            )
