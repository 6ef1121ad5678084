"""GCP sites for the replication rules: a global VPC network spans regions.

``network.observed-dead-path`` and ``network.observed-medium`` speak of **sites**
(``cloud/region``). An AWS VPC or Azure VNet lies in one region; a GCP network is
global, so its sites are its subnetworks' regions and a flow is placed at the
region of the subnetwork (or VM, NAT) that holds its address. Replication between
two GCP regions of one network runs over its own subnet routes (the link ``local``,
always private); between networks over peering, VPN or Interconnect.

The open replication paths are the GCP model's (:func:`~auditor.analysis.network.
cloud_flows.cloud_flows`, the ``replication`` class: platform networks of one region
to the brokers of another, through their ingress firewall rules).

A connection between two logged VMs is recorded at both ends, as ``SENT`` by the
source and ``ACCEPT`` by the destination (:mod:`auditor.base.gcp_flowrecords`):
:func:`one_per_connection` keeps one of the two.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

from auditor.analysis.movement_places import Place
from auditor.analysis.movement_places_gcp import (
    SEEN,
    auto_nats,
    one_per_connection,
    site_of_network,
    site_spaces,
)
from auditor.analysis.network import platform_networks
from auditor.analysis.network.addresses import parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cloud_flows import cloud_flows
from auditor.analysis.network.traffic import Flow, judge
from auditor.checks import Judgement, RuleContext
from auditor.checks._observed_window import unplaced_public
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

__all__ = ["SEEN", "one_per_connection"]


def gcp_networks(graph: BoundaryGraph) -> list[Resource]:
    return [n for n in platform_networks(graph).networks if n.cloud == "gcp"]


def spaces(graph: BoundaryGraph) -> dict[str, list[str]]:
    """``gcp/REGION`` -> the ranges of the GCP platform networks' subnetworks there."""
    return site_spaces(gcp_networks(graph), graph.of_kind(Kind.SUBNET))


def sites_of(graph: BoundaryGraph, net: Resource) -> list[str]:
    """The sites a GCP network has subnetworks in."""
    return site_of_network(net, graph.of_kind(Kind.SUBNET))


def site_of_place(place: Place, networks: Iterable[str], declared: Iterable[str]) -> str | None:
    """The declared site of a placed GCP address in one of ``networks`` (None otherwise)."""
    site = f"gcp/{place.region}"
    return site if place.network in set(networks) and site in set(declared) else None


_FLOWS: weakref.WeakKeyDictionary[BoundaryGraph, list[Flow]] = weakref.WeakKeyDictionary()


def model_flows(graph: BoundaryGraph) -> list[Flow]:
    """The per-network model's flows (:func:`cloud_flows`), built once per graph for the GCP
    replication pairs within GCP and across clouds (:mod:`._observed_dead_gcp`)."""
    got = _FLOWS.get(graph)
    if got is None:
        got = _FLOWS[graph] = cloud_flows(graph)
    return got


def open_pairs(graph: BoundaryGraph, allowed: Sequence[str]) -> dict[frozenset[str], list[Flow]]:
    """Site pairs (``gcp/A``, ``gcp/B``) the GCP model finds an open replication path
    between on a declared medium (one network's own routes count as declared)."""
    out: dict[frozenset[str], list[Flow]] = {}
    ok = [*allowed, "local"]
    for f in model_flows(graph):
        t = f.target
        if f.cls != "replication" or t.cloud != "gcp" or f.reach is not Reach.YES:
            continue
        src = f.source.rsplit(" ", 1)[-1]
        if not src.startswith("gcp/") or not judge(f, ok)[0]:
            continue
        out.setdefault(frozenset((src, f"gcp/{t.region}")), []).append(f)
    return out


AUTO_NAT = (
    "addresses of a Cloud NAT that allocates them automatically (natIpAllocateOption "
    "AUTO_ONLY): Google picks them and the inventory does not hold them"
)


def unplaced_nats(graph: BoundaryGraph, networks: Iterable[str]) -> list[Resource]:
    """Cloud NATs of ``networks`` some of whose addresses cannot be placed."""
    nets = set(networks)
    pool = [*graph.of_kind(Kind.GATEWAY), *graph.of_kind(Kind.PUBLIC_IP)]
    return [
        r for r in auto_nats(pool) if nets & {str(v) for v in r.attributes.get("vpc_ids") or []}
    ]


def maybe_nat(
    address: str, dst: Place | None, networks: Iterable[str], nats: Sequence[Resource]
) -> bool:
    """Whether a record from the unplaced ``address`` into ``dst`` may have come through one
    of ``nats`` (a public address, into a GCP platform network's resource)."""
    ip = parse_net(address)
    return bool(
        nats
        and ip is not None
        and ip.is_global
        and dst is not None
        and dst.resource
        and dst.network in set(networks)
    )


def undecided(
    ctx: RuleContext, rid: str, flows: Sequence[Resource], nats: Sequence[Resource]
) -> Judgement:
    """INCONCLUSIVE for ``rid``: records from public addresses nothing places reached it on a
    Kafka port while a platform network's Cloud NAT leaves from addresses not collected."""
    return unplaced_public(
        ctx,
        rid,
        flows,
        nats,
        leaves="Cloud NAT {names} leaves from addresses the inventory does not hold",
        unmodelled=AUTO_NAT,
    )
