"""``network.observed-medium``: replication traffic crossed only on its declared medium.

Replication traffic is an ACCEPTed TCP flow to a declared Kafka port between the platform
networks of two declared regions (sites), placed by address
(:mod:`auditor.analysis.movement_places`). Its medium is what the addresses show:
a NAT gateway's public address (``nat``), a public address of a platform resource
(``internet``), or private addresses at both ends (a private link: peering, transit
gateway, PrivateLink). A private declaration (``network.replication.via`` without
``nat`` or ``internet``) makes public media undeclared.

- FAIL per receiving platform resource with replication bytes on an undeclared medium
  (the NAT gateway or public address that carried it is the cause).
- PASS per receiving platform resource whose replication traffic was all on a private
  medium, and per fully observed platform network that replication did not cross at all.
- INCONCLUSIVE per platform network not observed in full (the gap).
- NOT_APPLICABLE when observed flows were not asked for.

Azure: a NAT gateway's public IPs and public IP prefixes are ``nat``, a NIC's or load
balancer's public IPs ``internet`` (:mod:`auditor.analysis.movement_places_azure`). A
record at the sender takes its medium from the sender's subnet and IP configuration
(:mod:`._observed_medium_azure`): the subnet's NAT gateway (``nat``) before a public IP,
a load balancer outbound rule or default outbound access (``internet``); an appliance
route whose appliance's own way out was not collected, or a subnet with no way out
(model drift), is handled as AWS's undeterminable way below. A
prefix the scan did not collect (or with no range allocated) places nothing, so while
a platform VNet's NAT gateway names one, a resource that records from unplaced public
addresses reached on a Kafka port cannot PASS (INCONCLUSIVE, named:
:mod:`._observed_nat_azure`). The address a VM leaves from by default outbound access
is not published: replication through it arrives from an address placed nowhere, so it
is not recognised as replication (nor judged).

GCP (:mod:`._observed_sites_gcp`, :mod:`auditor.analysis.movement_places_gcp`): a flow's
site is the region of the subnetwork, VM or Cloud NAT holding its address (a network
is global); a Cloud NAT's manually allocated addresses and external forwarding rules
are public media. Not placed: a Cloud NAT's automatically allocated addresses
(Google picks them, the inventory does not hold them), so a platform network whose
Cloud NAT allocates automatically cannot PASS "nothing crossed on a public medium"
while a record from an unplaced public address reached its brokers on a Kafka port
(INCONCLUSIVE, named). A sampled or filtered subnetwork keeps every PASS INCONCLUSIVE.
The sending VM's ``SENT`` record counts (once with the receiver's ``ACCEPT``), so
replication sent to another site's external IP FAILs even when only the sender logs.

AWS: a record at the sender (its private address to the other site's public one) takes
its medium from the sender's subnet route table (:mod:`._observed_medium_aws`): a NAT
gateway route is ``nat`` (the NAT gateway the cause), an internet gateway route from an
interface with a public IP ``internet``; a way that cannot be told (no table or route,
a blackhole, an uncollected prefix list, a transit gateway or appliance) is still a
public one (``nat or internet``: an Elastic IP is reached from outside its VPC only
through an internet gateway), so it FAILs when neither is declared; when one is, it
keeps the receiver INCONCLUSIVE, naming why, unless another flow into it FAILs. A
connection the sender, its NAT gateway and the receiver all logged counts once
(:mod:`auditor.analysis.movement_connections_aws`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.analysis.data_movement import distinct_flows
from auditor.analysis.movement_connections_aws import aws_once
from auditor.analysis.movement_places import Place, Places, places_of
from auditor.analysis.network import platform_networks
from auditor.base.kinds.observed import OBSERVED_FLOW
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks import _observed_nat_azure as azure_nat
from auditor.checks import _observed_sites_gcp as gcp
from auditor.checks._admission import with_links
from auditor.checks._observed_medium_aws import SenderMedium
from auditor.checks._observed_medium_azure import SenderMedium as AzureSenderMedium
from auditor.checks._observed_window import (
    Window,
    flow_json,
    flow_text,
    flows_asked,
    network_key,
    not_asked,
    unobserved,
    windows,
)
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, PathName, Resource, Severity

SERVICE = "vpc-flow-records"
AZURE_SERVICE = "azure-flow-records"
TCP = 6
PUBLIC_MEDIA = ("nat", "internet")


def medium(src: Place, dst: Place) -> tuple[str, str]:
    """The medium two placed ends show, and the resource that makes it public ("" if none)."""
    for p in (src, dst):
        if p.public and p.via == "nat":
            return "nat", p.resource
    for p in (src, dst):
        if p.public:
            return "internet", p.resource
    return "private", ""


@dataclass
class _Seen:
    private: list[Resource] = field(default_factory=list)
    public: list[tuple[Resource, str, str]] = field(default_factory=list)
    """(flow, medium, the resource carrying it)."""
    unknown: list[tuple[Resource, str]] = field(default_factory=list)
    """(flow, why its medium cannot be told): an AWS sender's route not determined."""
    network: str = ""
    """The key of the network the destination lies in (whose read must be complete for
    "all replication traffic into it was private" to hold)."""


@rule(
    id="network.observed-medium",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Replication traffic crossed only on its declared medium",
    rationale=(
        "A private replication path on paper says nothing about where replication ran. Flow "
        "records between the sites' brokers through a NAT gateway or public addresses show "
        "log data crossed the internet edge the declaration keeps it away from."
    ),
    remediation=(
        "Point replication at the other site's private addresses (peering, transit gateway, "
        "PrivateLink) and remove the public path it used, or declare that medium."
    ),
    requires=("ec2-network", "ec2-compute", SERVICE, AZURE_SERVICE, "cloudasset"),
)
def observed_medium(ctx: RuleContext) -> Iterator[Judgement]:
    g = ctx.graph
    if not flows_asked(g):
        yield not_asked(ctx)
        return
    nets = list(platform_networks(g).networks)
    declared = set(ctx.declaration.regions)
    site = {network_key(n): f"{n.cloud}/{n.region}" for n in nets}
    site = {k: v for k, v in site.items() if v in declared}
    gcp_nets = [n for n in nets if n.cloud == "gcp"]  # GCP: sites by subnetwork region
    gnets = {network_key(n) for n in gcp_nets}
    gsites = {network_key(n) for n in gcp_nets if declared & set(gcp.sites_of(g, n))}
    places = places_of(g)
    senders = (SenderMedium(g.inventory.resources), AzureSenderMedium(g.inventory.resources))
    ports = set(ctx.declaration.network.kafka_ports)
    allowed = {str(v) for v in ctx.declaration.network.replication.via}
    seen: dict[str, _Seen] = {}
    crossed: set[str] = set()
    anets = {network_key(n) for n in nets if n.cloud == "azure"}
    nats = {"gcp": gcp.unplaced_nats(g, gnets), "azure": azure_nat.unplaced_nats(g, anets)}
    scopes = {"gcp": gnets, "azure": anets}
    maybe: dict[str, list[Resource]] = {}  # from an address of such a NAT, perhaps
    for flow in _flows(g, places):
        a = flow.attributes
        if a.get("action") not in gcp.SEEN or a.get("dst_port") not in ports:
            continue
        if a.get("protocol") != TCP:  # Kafka speaks TCP
            continue
        s, d = places.of(str(a.get("src"))), places.of(str(a.get("dst")))
        cloud = d.cloud if d is not None else ""
        if s is None and gcp.maybe_nat(
            str(a.get("src")), d, scopes.get(cloud, set()), nats.get(cloud, [])
        ):
            assert d is not None
            maybe.setdefault(d.resource, []).append(flow)
        if s is None or d is None or not d.resource:
            continue
        ss, ds = (
            gcp.site_of_place(p, gnets, declared) if p.cloud == "gcp" else site.get(p.network)
            for p in (s, d)
        )
        if ss is None or ds is None or ss == ds:
            continue
        crossed.update((s.network, d.network))
        how, carrier, why = _way(senders, s, d, str(a.get("src")), str(a.get("dst")))
        got = seen.setdefault(d.resource, _Seen(network=d.network))
        if how == "unknown" and not allowed & set(PUBLIC_MEDIA):
            got.public.append((flow, "nat or internet", d.resource))  # either is undeclared
        elif how == "unknown":
            got.unknown.append((flow, why))
        elif how == "private" or how in allowed:
            got.private.append(flow)
        else:
            got.public.append((flow, how, carrier))
    wins = windows(g)
    by_key = {network_key(n): n for n in nets}
    undecided = _nets_of(places, maybe)
    for rid in sorted(set(maybe) - set(seen)):
        yield _undecided(ctx, rid, maybe[rid], nats)
    for rid, got in sorted(seen.items()):
        if not got.public and rid in maybe:
            yield _undecided(ctx, rid, maybe[rid], nats)
            continue
        gap = None
        if not got.public and got.unknown:
            yield _unknown(ctx, rid, got)
            continue
        if not got.public:  # a PASS needs every flow into it read (a site's network: keyed)
            gap = unobserved(ctx, by_key[got.network], wins.get(got.network), None, {})
        yield replace(gap, resource=rid) if gap else _judge(ctx, rid, got, sorted(allowed))
    quiet = [
        n
        for n in sorted(nets, key=lambda x: x.id)
        if (network_key(n) in site or network_key(n) in gsites)
        and network_key(n) not in crossed | undecided
    ]
    yield from _uncrossed(ctx, quiet, wins)


def _flows(g: BoundaryGraph, places: Places) -> list[Resource]:
    """The observed flows, each connection once (both ends, an AWS NAT gateway's legs)."""
    flows = aws_once(distinct_flows(g.of_kind(OBSERVED_FLOW)), g.inventory.resources, places.of)
    return gcp.one_per_connection(flows, places.of)


def _way(
    senders: tuple[SenderMedium, AzureSenderMedium], s: Place, d: Place, src: str, dst: str
) -> tuple[str, str, str]:
    """(medium, the resource carrying it, why when ``unknown``) of one flow: a record at the
    sender takes the sender's way out (AWS: its route table; Azure: its subnet's way), any
    other what the addresses show."""
    sent = senders[0].of(s, d, src, dst) or senders[1].of(s, d, src, dst)
    return sent if sent is not None else (*medium(s, d), "")


def _uncrossed(
    ctx: RuleContext, nets: list[Resource], wins: dict[str, Window]
) -> Iterator[Judgement]:
    """PASS per site network replication did not cross, when observed in full (else the gap)."""
    for n in nets:
        k = network_key(n)
        gap = unobserved(ctx, n, wins.get(k), None, {})
        if gap is not None:
            yield gap
            continue
        w = wins[k]
        yield ctx.passed(
            n.id,
            f"no replication traffic crossed between {n.name or n.id} and another site in a "
            f"fully observed window, on any medium ({w.records()} records read, {w.span()})",
            nodes=[r.id for r in w.reads],
            attributes={"records": w.records()},
        )


def _undecided(
    ctx: RuleContext, rid: str, flows: list[Resource], nats: dict[str, list[Resource]]
) -> Judgement:
    """INCONCLUSIVE for ``rid`` behind its cloud's NATs whose addresses are not placed."""
    res = ctx.graph.get(rid)
    if res is not None and res.cloud == "azure":
        return azure_nat.undecided(ctx, rid, flows, nats["azure"])
    return gcp.undecided(ctx, rid, flows, nats["gcp"])


def _unknown(ctx: RuleContext, rid: str, got: _Seen) -> Judgement:
    """INCONCLUSIVE: replication into ``rid`` whose medium the sender's route cannot tell."""
    whys = sorted({w for _, w in got.unknown})
    total = sum(int(str(f.attributes.get("bytes") or 0)) for f, _ in got.unknown)
    name = ctx.graph.resource(rid).name if ctx.graph.get(rid) is not None else rid
    j = ctx.inconclusive(
        rid,
        f"replication traffic reached {name}'s public address ({total} bytes) "
        f"from a sender whose way out cannot be told: {'; '.join(whys[:3])}",
        nodes=[f.id for f, _ in got.unknown],
        attributes={"bytes": total, "flows": [flow_json(f) for f, _ in got.unknown]},
    )
    return replace(j, unmodelled="; ".join(whys))


def _nets_of(places: Places, maybe: dict[str, list[Resource]]) -> set[str]:
    """The networks of the resources that records from unplaced addresses reached."""
    return {
        p.network
        for flows in maybe.values()
        for f in flows[:1]
        if (p := places.of(str(f.attributes.get("dst")))) is not None
    }


def _judge(ctx: RuleContext, rid: str, got: _Seen, allowed: list[str]) -> Judgement:
    name = ctx.graph.resource(rid).name if ctx.graph.get(rid) is not None else rid
    declared = ", ".join(allowed) or "none"
    if got.public:
        total = sum(int(str(f.attributes.get("bytes") or 0)) for f, _, _ in got.public)
        media = sorted({m for _, m, _ in got.public})
        causes = sorted({c for _, _, c in got.public if c})
        rows: list[JSONValue] = [{**flow_json(f), "medium": m} for f, m, _ in got.public]
        j = ctx.failed(
            rid,
            f"replication traffic reached {name} over {', '.join(media)} ({total} bytes), "
            f"not the declared medium ({declared}): "
            + "; ".join(f"{flow_text(f)} via {m}" for f, m, _ in got.public[:5]),
            nodes=[*(f.id for f, _, _ in got.public), *causes],
            attributes={"bytes": total, "media": list(media), "flows": rows},
            definite=True,
        )
        return with_links(j, causes=causes or [rid], affects=[rid])
    total = sum(int(str(f.attributes.get("bytes") or 0)) for f in got.private)
    return ctx.passed(
        rid,
        f"all replication traffic observed into {name} ({len(got.private)} flow aggregate(s), "
        f"{total} bytes) crossed between private addresses (declared: {declared})",
        nodes=[f.id for f in got.private],
        attributes={"bytes": total, "flows": [flow_json(f) for f in got.private]},
    )
