"""The Azure and GCP meaning of ``network.flow-logs``: all traffic, kept by the customer.

- Azure: a VNet is covered by an enabled Network Watcher flow log on the VNet, or
  on each of its subnets (a subnet flow log, or an NSG flow log on the subnet's
  NSG). Each covering flow log must store its records in a storage account of a
  customer subscription (the customer lists its subscriptions completely: an
  undeclared one is outside it); declared by tenant alone, an undeclared
  subscription's owner is unknown (INCONCLUSIVE). Network Watcher flow logs
  record allowed and denied flows alike (no traffic filter exists).
- GCP: every subnetwork of the network (proxy-only and PSC subnets have none) has
  ``logConfig.enable``, a ``flowSampling`` of 1.0 (the API's default is 0.5) and
  no ``filterExpr``: sampling and filters drop traffic from the record. The
  records go to Cloud Logging in the subnetwork's project, which must be a
  customer project.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.checks import Judgement, RuleContext
from auditor.model import JSONValue, Kind, Resource

GCP_DEFAULT_SAMPLING = 0.5


def _subnets(ctx: RuleContext, net: Resource) -> list[Resource]:
    return sorted(
        (s for s in ctx.graph.of_kind(Kind.SUBNET) if s.attributes.get("vpc_id") == net.id),
        key=lambda s: s.id,
    )


def _flow_logs(ctx: RuleContext, cloud: str) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for f in ctx.graph.of_kind(Kind.FLOW_LOG):
        if f.cloud == cloud and f.attributes.get("resource_id"):
            out.setdefault(str(f.attributes["resource_id"]).lower(), []).append(f)
    return out


def _sub_of(rid: str) -> str:
    m = re.match(r"^/subscriptions/([^/]+)", rid)
    return m.group(1) if m else ""


@dataclass
class _Cover:
    """Which flow logs cover an Azure VNet, and which subnets none does (or may)."""

    covering: dict[str, Resource] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)
    """Subnets only a flow log without a recorded enabled state could cover."""
    unread: list[Resource] = field(default_factory=list)


def _azure_cover(ctx: RuleContext, net: Resource) -> _Cover:
    """The enabled flow logs on the VNet, else on each subnet or its NSG."""
    by_target = _flow_logs(ctx, "azure")
    out = _Cover()
    on_vnet = by_target.get(net.id, [])
    out.covering = {f.id: f for f in on_vnet if f.attributes.get("enabled") is True}
    # flow logs whose record holds no enabled state: each may be the one that covers
    out.unread = [f for f in on_vnet if f.attributes.get("enabled") is None]
    if out.covering:
        return out
    for s in _subnets(ctx, net):
        logs = [*by_target.get(s.id, []), *by_target.get(str(s.attributes.get("nsg_id")), [])]
        on = [f for f in logs if f.attributes.get("enabled") is True]
        out.covering.update({f.id: f for f in on})
        maybe = [f for f in logs if f.attributes.get("enabled") is None]
        out.unread.extend(maybe)
        if on:
            continue
        if maybe or any(f in on_vnet for f in out.unread):
            out.unsure.append(s.name)
        else:
            out.uncovered.append(s.name)
    return out


def judge_azure(ctx: RuleContext, net: Resource) -> Judgement:
    cover = _azure_cover(ctx, net)
    covering, uncovered = cover.covering, cover.uncovered
    decl = ctx.declaration
    outside: list[str] = []
    unowned: list[str] = []
    rows: list[JSONValue] = []
    # Closed world only when the customer's subscriptions are listed in the declaration.
    closed = bool(decl.accounts("azure", "customer"))
    for f in covering.values():
        dest = str(f.attributes.get("destination") or "")
        party = decl.party_of("azure", _sub_of(dest)) if dest else "unknown"
        rows.append(
            {"id": f.id, "target": f.attributes.get("resource_id"), "storage": dest, "party": party}
        )
        if party == "unknown" and dest and not closed:
            unowned.append(
                f"{f.name} stores its records in {dest}, in subscription {_sub_of(dest)}; the "
                "customer is declared without a subscription list, so its owner is unknown"
            )
            continue
        if party != "customer":
            outside.append(
                f"{f.name} stores its records in {dest or 'no storage account'} "
                f"({party}), outside the customer"
            )
    attrs: dict[str, JSONValue] = {"flow_logs": rows, "uncovered_subnets": uncovered}
    label = f"Azure VNet {net.name} ({net.account}/{net.region})"
    nodes = [net.id, *sorted(covering)]
    if not uncovered and cover.unread and (cover.unsure or not covering):
        names = ", ".join(sorted({f.name for f in cover.unread}))
        j = ctx.inconclusive(
            net.id,
            f"{label}: flow log(s) {names} may cover it, but their collected records hold no "
            "enabled state",
            nodes=[net.id, *sorted({f.id for f in cover.unread})],
            attributes=attrs,
            depends_on=sorted({f.id for f in cover.unread}),
        )
        return replace(j, unmodelled=f"enabled state of flow log(s) {names} (not in their records)")
    if not covering or uncovered:
        why = (
            "no enabled flow log on the VNet, its subnets or their NSGs"
            if not covering
            else f"subnets without an enabled flow log: {', '.join(uncovered)}"
        )
        return ctx.failed(net.id, f"{label}: {why}", nodes=nodes, attributes=attrs)
    if outside:
        j = ctx.failed(
            net.id, f"{label}: " + "; ".join(outside), nodes=nodes, attributes=attrs, definite=True
        )
        return replace(j, causes=tuple(sorted(covering)), affects=(net.id,))
    if unowned:
        j = ctx.inconclusive(
            net.id, f"{label}: " + "; ".join(unowned), nodes=nodes, attributes=attrs
        )
        return replace(
            j, unmodelled="the owner of a storage account outside declared subscriptions"
        )
    return ctx.passed(
        net.id,
        f"{label}: flow logs {', '.join(sorted(f.name for f in covering.values()))} record "
        "its traffic into customer storage",
        nodes=nodes,
        attributes=attrs,
    )


def judge_gcp(ctx: RuleContext, net: Resource) -> Judgement:
    by_target = _flow_logs(ctx, "gcp")
    decl = ctx.declaration
    problems: list[str] = []
    rows: list[JSONValue] = []
    logs: list[Resource] = []
    for s in _subnets(ctx, net):
        found = by_target.get(s.id.lower(), [])
        if not found:
            continue
        f = found[0]
        logs.append(f)
        a = f.attributes
        sampling = a.get("sampling")
        rate = float(sampling) if isinstance(sampling, int | float) else GCP_DEFAULT_SAMPLING
        rows.append(
            {
                "subnet": s.id,
                "enabled": a.get("enabled"),
                "sampling": sampling,
                "filter": a.get("filter"),
                "metadata": a.get("metadata"),
            }
        )
        if a.get("enabled") is not True:
            problems.append(f"subnet {s.name} has flow logs off")
            continue
        if rate < 1.0:
            default = "" if isinstance(sampling, int | float) else " (the API default)"
            problems.append(f"subnet {s.name} samples {rate:g} of flows{default}")
        if a.get("filter"):
            problems.append(f"subnet {s.name} logs only flows matching {a.get('filter')!r}")
        if decl.party_of("gcp", s.account) != "customer":
            problems.append(
                f"subnet {s.name}'s records go to Cloud Logging of project "
                f"{s.account}, outside the customer"
            )
    attrs: dict[str, JSONValue] = {"subnets": rows}
    label = f"GCP network {net.name} ({net.account})"
    nodes = [net.id, *(f.id for f in logs)]
    if not logs:
        j = ctx.inconclusive(
            net.id, f"{label}: no subnetwork of it was found to judge", attributes=attrs
        )
        return replace(j, unmodelled=f"the subnetworks of {net.name} (none collected)")
    if problems:
        return ctx.failed(
            net.id, f"{label}: " + "; ".join(problems), nodes=nodes, attributes=attrs, definite=True
        )
    return ctx.passed(
        net.id,
        f"{label}: all {len(logs)} subnetwork(s) log every flow (sampling 1.0, no filter) to "
        "Cloud Logging of customer projects",
        nodes=nodes,
        attributes=attrs,
    )


def judge(ctx: RuleContext, net: Resource) -> Iterator[Judgement]:
    """The flow-log verdict of one Azure or GCP platform network."""
    yield judge_azure(ctx, net) if net.cloud == "azure" else judge_gcp(ctx, net)
