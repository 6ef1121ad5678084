"""Network path rules about the platform's networks and what connects them.

- ``network.replication-private``: each pair of declared regions is joined by a
  private path of a declared replication kind (peering, transit gateway, VPN,
  direct connect), AWS pairs hop by hop, pairs with an Azure or GCP region
  network by network, across clouds too.
- ``network.peering-declared``: peerings of platform VPCs reach only customer accounts
  or declared peers.
- ``network.transit-declared``: attachments on customer transit gateways (and the
  gateways platform VPCs attach to) belong to customer accounts or declared peers;
  site links (VPN, ExpressRoute, Interconnect) of every cloud lead to customer
  networks or declared peers.

``network.flow-logs`` is in :mod:`auditor.checks.network_flow_logs`.

"Platform VPCs" are the VPCs the platform selector picks plus the VPCs holding
selected platform resources (:func:`auditor.analysis.network.platform_networks`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from itertools import combinations
from typing import Any

from auditor.analysis.boundary_scope import is_customer_account
from auditor.analysis.network import (
    Connectivity,
    Reach,
    local_id,
    network_view,
    platform_networks,
    platform_tables,
)
from auditor.analysis.network.cross_cloud import (
    connections,
    declared_crossings,
    link_id,
    places,
)
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._site_links import site_link_verdicts
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

_DEAD_PEERING = frozenset({"deleted", "rejected", "failed", "expired", "deleting", "inactive"})
"""Peering states that connect nothing (``inactive``: a GCP peering the other side lacks)."""
_DEAD_ATTACHMENT = frozenset({"deleted", "deleting", "rejected", "failed", "failing"})
_PRIVATE_VIA = ("peering", "transit-gateway")


def _no_networks(ctx: RuleContext, *, to_judge: bool = False) -> Judgement:
    """No platform network was found; ``to_judge``: the rule then has nothing to judge
    (NOT_APPLICABLE, which a collection gap makes INCONCLUSIVE)."""
    make = ctx.nothing_to_judge if to_judge else ctx.inconclusive
    return make(
        ctx.scan_scope() if to_judge else scope_id("aws", "*", "*"),
        "no platform VPC was found: the platform selector matched no network and no "
        "resource placed in one",
        attributes={"selector": ctx.declaration.platform.select.model_dump()},
    )


def _vpc_label(v: Resource) -> str:
    vid = str(v.attributes.get("vpc_id") or local_id(v.id))
    if v.cloud != "aws":
        vid = f"{v.cloud} network {v.name or local_id(v.id)}"
    return f"{vid} ({v.account}/{v.region})"


def _declared_peer(ctx: RuleContext, account: str, *ids: str, cloud: str = "aws") -> bool:
    decl = ctx.declaration
    peers = set(decl.network.peers)
    return (
        is_customer_account(decl, cloud, account)
        or account in peers
        or any(i and i in peers for i in ids)
    )


def _conn_json(c: Connectivity) -> dict[str, JSONValue]:
    return {
        "via": c.via,
        "reach": c.reach.value,
        "reason": c.reason,
        "nodes": list(c.nodes),
        "routes": [dict(r) for r in c.routes],
        "missing": list(c.missing),
    }


@rule(
    id="network.replication-private",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Replication between regions takes a declared private path",
    rationale=(
        "Private client connectivity proves nothing about replication: cross-region "
        "replication must have its own private path (peering or transit gateway), or it "
        "silently falls back to the internet."
    ),
    remediation=(
        "Peer the platform networks (or attach both to peered transit gateways, or join them "
        "by VPN / ExpressRoute / Interconnect) and route each network's ranges to that link in "
        "both directions; declare the kind in network.replication.via."
    ),
    requires=("ec2-network", "ec2-vpn", "azure-resources", "cloudasset"),
)
def replication_private(ctx: RuleContext) -> Iterator[Judgement]:
    """AWS pairs hop by hop (route tables, peerings, TGWs); pairs with an Azure or GCP region
    network by network (:mod:`auditor.analysis.network.cross_cloud`)."""
    decl = ctx.declaration
    via_allowed: set[str] = {str(v) for v in decl.network.replication.via} or set(_PRIVATE_VIA)
    clouds = ctx.scanned_clouds()
    if not clouds or "aws" in clouds:
        yield from _aws_replication(ctx, via_allowed)
    yield from _cross_cloud_replication(ctx, via_allowed, clouds)


def _aws_replication(ctx: RuleContext, via_allowed: set[str]) -> Iterator[Judgement]:
    decl = ctx.declaration
    regions = sorted(decl.regions_of("aws"))
    if len(regions) < 2:
        yield ctx.passed(
            scope_id("aws", "*", "*"),
            f"only {len(regions)} AWS region is declared, so no replication path is needed",
            attributes={"regions": regions},
        )
        return
    nets = platform_networks(ctx.graph)
    if not nets.networks:
        yield _no_networks(ctx, to_judge=True)
        return
    by_region: dict[str, list[Resource]] = {r: [] for r in regions}
    for v in nets.networks:
        if v.cloud == "aws" and v.region in by_region:
            by_region[v.region].append(v)
    for region in regions:
        if not by_region[region]:
            yield ctx.nothing_to_judge(
                scope_id("aws", "*", region),
                f"no platform VPC found in declared region {region}, so it has no replication "
                "path to judge",
                region=region,
            )
    view = network_view(ctx.graph)
    for r1, r2 in combinations(regions, 2):
        for a in by_region[r1]:
            for b in by_region[r2]:
                tables_a, tables_b = platform_tables(ctx.graph, a), platform_tables(ctx.graph, b)
                conns = view.connectivity(a, b, tables_a, tables_b)
                yield _judge_replication(ctx, a, b, conns, via_allowed)


def _cross_cloud_replication(
    ctx: RuleContext, via_allowed: set[str], clouds: set[str]
) -> Iterator[Judgement]:
    """Pairs of declared regions where at least one is Azure or GCP (both clouds scanned)."""
    decl = ctx.declaration
    declared = [
        (c, r) for c in ("aws", "azure", "gcp") if c in clouds for r in sorted(decl.regions_of(c))
    ]
    crossing = declared_crossings(ctx.declaration)
    pairs = [
        (p, q)
        for p, q in combinations(declared, 2)
        if (p[0] == q[0] and p[0] != "aws") or frozenset((p, q)) in crossing
    ]
    for cloud in sorted(clouds - {"aws"}):
        if not any(cloud in (p[0], q[0]) for p, q in pairs):
            yield ctx.passed(
                scope_id(cloud, "*", "*"),
                f"{len(decl.regions_of(cloud))} {cloud} region(s) declared and no replication "
                "service declared to a region of another scanned cloud, so no replication path "
                "is needed",
            )
    if not pairs:
        return
    at = places(ctx.graph)
    for place in sorted(
        {p for pair in pairs for p in pair} - {("aws", r) for r in decl.regions_of("aws")}
    ):
        if not at.get(place):
            yield ctx.nothing_to_judge(
                scope_id(place[0], "*", place[1]),
                f"no platform network found in declared {place[0]} region {place[1]}, so it "
                "has no replication path to judge",
                region=place[1],
            )
    for p, q in pairs:
        for a in at.get(p, []):
            for b in at.get(q, []):
                conns = connections(ctx.graph, a, b)
                yield _judge_replication(
                    ctx, a, b, conns, via_allowed | {"local"}, where=(p[1], q[1])
                )


def _judge_replication(
    ctx: RuleContext,
    a: Resource,
    b: Resource,
    conns: list[Connectivity],
    via_allowed: set[str],
    where: tuple[str, str] | None = None,
) -> Judgement:
    pair = link_id(a.id, b.id)
    between = f"{_vpc_label(a)} and {_vpc_label(b)}"
    if where is not None and a.id == b.id:
        pair = link_id(f"{a.id}@{where[0]}", f"{b.id}@{where[1]}")
        between = f"{where[0]} and {where[1]} of {_vpc_label(a)}"
    nodes = [a.id, b.id]
    for c in conns:
        nodes.extend(n for n in c.nodes if n not in nodes)
    attrs: dict[str, JSONValue] = {
        "declared_via": sorted(via_allowed),
        "candidates": [_conn_json(c) for c in conns],
    }
    common: dict[str, Any] = {
        "nodes": nodes,
        "attributes": attrs,
        "depends_on": nodes,
        "account": "*",
        "region": "*",
    }
    good = [c for c in conns if c.reach is Reach.YES and c.via in via_allowed]
    if good:
        g = good[0]
        kind = {"internet": "the internet", "nat": "the internet", "local": "one network"}.get(
            g.via, f"a {g.via}"
        )
        return ctx.passed(
            pair,
            f"replication between {between} has a declared path over {kind}: {g.reason}",
            **common,
        )
    unknown = [c for c in conns if c.reach is Reach.UNKNOWN]
    if unknown:
        return replace(
            ctx.inconclusive(
                pair, f"cannot tell how {between} reach each other: {unknown[0].reason}", **common
            ),
            unmodelled=next((c.unmodelled for c in unknown if c.unmodelled), ""),
            depends_on=tuple(dict.fromkeys([*nodes, *(m for c in unknown for m in c.missing)])),
        )
    return _judge_no_declared_path(ctx, a, b, conns, via_allowed, pair, between, common)


def _judge_no_declared_path(
    ctx: RuleContext,
    a: Resource,
    b: Resource,
    conns: list[Connectivity],
    via_allowed: set[str],
    pair: str,
    between: str,
    common: dict[str, Any],
) -> Judgement:
    """FAIL: the pair is joined only over the internet, an undeclared path, or not at all."""
    affects = (a.id, b.id) if a.id != b.id else (a.id,)
    public = [c for c in conns if c.reach is Reach.YES and c.via in ("internet", "nat")]
    if public:
        return replace(
            ctx.failed(
                pair,
                f"the only way between {between} is over the internet: {public[0].reason}",
                **common,
            ),
            causes=_route_tables(public) or (pair,),
            affects=affects,
        )
    undeclared = [c for c in conns if c.reach is Reach.YES]
    if undeclared:
        return replace(
            ctx.failed(
                pair,
                f"{between} are joined only by an undeclared {undeclared[0].via} path "
                f"(declared: {', '.join(sorted(via_allowed))})",
                **common,
            ),
            causes=tuple(dict.fromkeys(n for c in undeclared for n in c.nodes)) or (pair,),
            affects=affects,
        )
    why = (
        "; ".join(c.reason for c in conns)
        if conns
        else "no peering, transit attachment or site link"
    )
    return replace(
        ctx.failed(
            pair,
            f"no private path joins {between}, so replication would need the internet ({why})",
            **common,
        ),
        affects=affects,
    )


def _route_tables(conns: list[Connectivity]) -> tuple[str, ...]:
    """The route tables whose routes send the traffic of ``conns`` (to a gateway)."""
    return tuple(
        dict.fromkeys(
            str(r.get("route_table"))
            for c in conns
            for r in c.routes
            if isinstance(r, Mapping) and r.get("route_table")
        )
    )


@rule(
    id="network.peering-declared",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Peerings of platform VPCs reach only the customer and declared peers",
    rationale=(
        "A peering is a crossing of the network boundary; one to an undeclared account "
        "lets a third party route into the brokers' network."
    ),
    remediation=(
        "Delete the peering, or declare the peer account / VPC in network.peers with the "
        "reason it is needed."
    ),
    requires=("ec2-network",),
)
def peering_declared(ctx: RuleContext) -> Iterator[Judgement]:
    nets = platform_networks(ctx.graph)
    if not nets.networks:
        yield _no_networks(ctx, to_judge=True)
        return
    view = network_view(ctx.graph)
    seen: dict[str, tuple[Resource, list[Resource]]] = {}
    for v in nets.networks:
        found = view.peerings_of(v)
        if not found:
            yield ctx.passed(
                v.id,
                f"no peering connection touches platform VPC {_vpc_label(v)}",
                attributes={"platform_because": list(nets.why.get(v.id, ()))},
            )
        for p in found:
            # A GCP peering is one object per side (its id names the network): no merging.
            key = p.id if p.cloud in ("gcp", "azure") else local_id(p.id)
            seen.setdefault(key, (p, []))[1].append(v)
    for pid in sorted(seen):
        p, platform_sides = seen[pid]
        yield _judge_peering(ctx, p, platform_sides)


def _judge_peering(ctx: RuleContext, p: Resource, platform_vpcs: list[Resource]) -> Judgement:
    pid = local_id(p.id)
    status = str(p.attributes.get("status") or "")
    sides = {s: p.attributes.get(s) or {} for s in ("requester", "accepter")}
    attrs: dict[str, JSONValue] = {
        "status": status,
        "requester": dict(sides["requester"]),
        "accepter": dict(sides["accepter"]),
        "platform_vpcs": [v.id for v in platform_vpcs],
    }
    nodes = [p.id, *(v.id for v in platform_vpcs)]
    if status in _DEAD_PEERING:
        return ctx.passed(
            p.id, f"peering {pid} is {status} and connects nothing", nodes=nodes, attributes=attrs
        )
    undeclared: list[str] = []
    unknown: list[str] = []
    for name in ("requester", "accepter"):
        info: Mapping[str, Any] = sides[name]
        acct = str(info.get("account") or "")
        vpc = str(info.get("vpc_id") or "")
        region = str(info.get("region") or "")
        if not acct:
            unknown.append(f"{name} {vpc or '?'}")
            continue
        vpc_arn = vpc if p.cloud in ("gcp", "azure") else f"arn:aws:ec2:{region}:{acct}:vpc/{vpc}"
        if not _declared_peer(ctx, acct, vpc, vpc_arn, cloud=p.cloud):
            party = ctx.declaration.party_of(p.cloud, acct)
            undeclared.append(f"{vpc} in {acct} ({party})")
    if undeclared:
        return replace(
            ctx.failed(
                p.id,
                f"peering {pid} ({status}) connects a platform VPC to undeclared "
                f"{', '.join(undeclared)}",
                nodes=nodes,
                attributes=attrs,
                definite=True,
            ),
            causes=(p.id,),
            affects=tuple(v.id for v in platform_vpcs),
        )
    if unknown:
        return replace(
            ctx.inconclusive(
                p.id,
                f"the owner of the {', '.join(unknown)} side of peering {pid} is not recorded",
                nodes=nodes,
                attributes=attrs,
            ),
            unmodelled="peering side whose owner account the provider did not record",
        )
    return ctx.passed(
        p.id,
        f"peering {pid} ({status}) joins only customer accounts or declared peers",
        nodes=nodes,
        attributes=attrs,
    )


@rule(
    id="network.transit-declared",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Transit attachments and site links join only the customer and declared peers",
    rationale=(
        "A transit gateway joins every network attached to it, and a VPN, ExpressRoute, "
        "Interconnect or Direct Connect link joins a network to another address space; an "
        "attachment from an undeclared account, a platform VPC on someone else's gateway, or "
        "a link to an address nobody declared is an unexplained crossing."
    ),
    remediation=(
        "Remove the attachment or link, or declare the peer (account, network id, gateway id "
        "or address range) in network.peers; attach platform VPCs only to customer-owned "
        "transit gateways."
    ),
    requires=("ec2-network", "ec2-vpn", "azure-resources", "cloudasset"),
)
def transit_declared(ctx: RuleContext) -> Iterator[Judgement]:
    """Transit gateway attachments (AWS) and site links (VPN, ExpressRoute, Interconnect).

    Azure virtual WAN hubs and GCP Network Connectivity Center hubs are not collected:
    a network joined only through one of them is not seen by this rule.
    """
    yield from site_link_verdicts(ctx)
    if (clouds := ctx.scanned_clouds()) and clouds <= {"azure", "gcp"}:
        return
    decl = ctx.declaration
    graph = ctx.graph
    view = network_view(graph)
    tgws = [
        t
        for t in graph.of_kind(Kind.TRANSIT_GATEWAY)
        if is_customer_account(decl, "aws", str(t.attributes.get("owner") or t.account))
    ]
    judged = 0
    for t in tgws:
        tid = str(t.attributes.get("tgw_id") or local_id(t.id))
        atts = view.attachments_on(tid)
        if not atts:
            yield ctx.passed(t.id, f"customer transit gateway {tid} has no attachments")
            judged += 1
        for att in atts:
            yield _judge_attachment(ctx, att, t)
            judged += 1
    # Platform VPCs attached to transit gateways owned by others.
    for v in platform_networks(graph).networks:
        for att in view.attachments_of(v):
            tid = str(att.attributes.get("tgw_id") or "")
            owner_tgw = view.find(Kind.TRANSIT_GATEWAY, att.region, tid)
            owner = str(owner_tgw.attributes.get("owner") or owner_tgw.account) if owner_tgw else ""
            if owner and is_customer_account(decl, "aws", owner):
                continue
            judged += 1
            attrs: dict[str, JSONValue] = {"tgw_id": tid, "tgw_owner": owner or None}
            if not owner:
                yield replace(
                    ctx.inconclusive(
                        att.id,
                        f"platform VPC {_vpc_label(v)} is attached to transit gateway {tid} "
                        "whose owner was not collected",
                        nodes=[att.id, v.id],
                        attributes=attrs,
                        depends_on=[tid],
                    ),
                    unmodelled=""
                    if owner_tgw is None
                    else "transit gateway with no recorded owner",
                )
            elif _declared_peer(ctx, owner, tid):
                yield ctx.passed(
                    att.id,
                    f"platform VPC {_vpc_label(v)} attaches to transit gateway {tid} of "
                    f"declared peer {owner}",
                    nodes=[att.id, v.id],
                    attributes=attrs,
                )
            else:
                yield replace(
                    ctx.failed(
                        att.id,
                        f"platform VPC {_vpc_label(v)} attaches to transit gateway {tid} owned "
                        f"by undeclared account {owner} ({decl.party_of('aws', owner)})",
                        nodes=[att.id, v.id],
                        attributes=attrs,
                        definite=True,
                    ),
                    causes=(att.id,),
                    affects=(v.id,),
                )
    if not judged:
        yield ctx.nothing_to_judge(
            scope_id("aws", "*", "*"),
            "no customer-owned transit gateway was found and no platform VPC is attached to one",
        )


def _judge_attachment(ctx: RuleContext, att: Resource, tgw: Resource) -> Judgement:
    a = att.attributes
    aid = local_id(att.id)
    tid = str(tgw.attributes.get("tgw_id") or local_id(tgw.id))
    rtype = str(a.get("resource_type") or "")
    state = str(a.get("state") or "")
    attrs: dict[str, JSONValue] = {
        "tgw_id": tid,
        "resource_type": rtype,
        "resource_id": a.get("resource_id"),
        "resource_owner": a.get("resource_owner"),
        "state": state,
        "peer": a.get("peer"),
    }
    nodes = [att.id, tgw.id]
    if state in _DEAD_ATTACHMENT:
        return ctx.passed(
            att.id, f"attachment {aid} on {tid} is {state}", nodes=nodes, attributes=attrs
        )
    if rtype == "peering":
        peer = a.get("peer") or {}
        owner = str(peer.get("account") or "")
        other = str(peer.get("tgw_id") or "")
        what = f"peering to transit gateway {other or '?'}"
    else:
        owner = str(a.get("resource_owner") or "")
        other = str(a.get("resource_id") or "")
        what = f"{rtype} {other or '?'}"
    if not owner:
        return replace(
            ctx.inconclusive(
                att.id,
                f"the owner of attachment {aid} ({what}) on {tid} is not recorded",
                nodes=nodes,
                attributes=attrs,
            ),
            unmodelled=f"transit gateway {rtype or 'unknown-type'} attachment whose owner "
            "account the provider did not record",
        )
    if _declared_peer(ctx, owner, other):
        return ctx.passed(
            att.id,
            f"attachment {aid} on {tid} ({what}) belongs to {owner}, a customer account or "
            "declared peer",
            nodes=nodes,
            attributes=attrs,
        )
    return replace(
        ctx.failed(
            att.id,
            f"attachment {aid} on customer transit gateway {tid} ({what}) belongs to "
            f"undeclared account {owner} ({ctx.declaration.party_of('aws', owner)})",
            nodes=nodes,
            attributes=attrs,
            definite=True,
        ),
        causes=(att.id,),
        affects=(tgw.id,),
    )
