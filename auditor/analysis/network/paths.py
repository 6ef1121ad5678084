"""Hop-by-hop path reasoning: can traffic from a source reach a target on a port, and how.

Terms:

- **origin**: where a source's packets start: an estate subnet (with the
  source's addresses in it, and its security groups when the source is a
  resource), or the internet. A CIDR source becomes one origin per group of
  estate subnets sharing a route table and NACL (the part of the CIDR inside
  them), plus the internet for its public part.
- **endpoint**: one placement of a target: a subnet, the target's addresses
  there, its security groups, and whether it has a public address.
- **route walk**: the fate of a packet for a destination, starting at a VPC
  route table: longest-prefix match, then ``local`` (delivered inside the VPC),
  ``peering`` (delivered inside the peer VPC only: peering is not transitive),
  ``tgw`` (the attachment's associated TGW route table decides, across TGW
  peerings), ``igw``/``nat`` (leaves for the internet), a blackhole (dropped),
  or something not modelled (UNKNOWN). Walks are cached per (route table,
  destination), so a source class over many subnets costs one walk per table.
- **path**: the hops a connection takes (source, NACL out, security group out,
  route tables and gateways, NACL in, security group in, target) plus the
  return leg (NACL out at the target on ephemeral ports, the target's route
  back, NACL in at the source), each hop naming the rule or route that admits
  it and the zone it sits in. A path is ``YES`` only when every hop admits; the
  first hop that drops makes it ``NO``; a hop that needs data that was not
  collected or is not modelled makes it ``UNKNOWN`` (never ``NO``, never
  ``YES``).
- **source split**: an origin's addresses are an interval set. Where a route (of
  any table along the reply's walk, VPC or TGW), a NACL entry or a security group
  rule covers only part of them, the set is carved into pieces with one
  longest-prefix answer each (:meth:`.route_walk.RouteWalker.walk_parts`,
  :func:`.addresses.carve`) and each answer gets its own path, naming its ranges
  (``Path.part``): some ranges reach, the others stop at the hop that decides.
- **via**: the kinds of link a path crosses (``local``, ``peering``,
  ``transit-gateway``, ``internet``, ``nat``, ``gateway-endpoint``,
  ``interface-endpoint``, ``private-endpoint`` (a PrivateLink consumer
  path, :mod:`.privatelink`), ``load-balancer``), which traffic classes are
  judged on.

The engine is built in layers, one module each: :mod:`.route_walk` (route
walks; :mod:`.tgw_walk` for transit gateways), :mod:`.leg_parts` (origins,
endpoints, NACL and security group hops), :mod:`.private_legs` and
:mod:`.internet_legs`; this module joins them, continues paths through load
balancers and PrivateLink, and answers queries. The targets queries are asked
about are in :mod:`.path_targets`.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from auditor.analysis.network.addresses import Net, nets_of
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id, target_port
from auditor.analysis.network.internet_legs import InternetLegs
from auditor.analysis.network.path_model import WORLD, Endpoint, Origin, Path, _merge_via
from auditor.analysis.network.path_targets import (
    Target,
    kafka_targets,
    management_targets,
    store_path,
)
from auditor.analysis.network.private_legs import PrivateLegs
from auditor.analysis.network.view import NetworkView, network_view
from auditor.base.edges import FORWARDS_TO
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, Kind, Resource

__all__ = [
    "OriginIndex",
    "PathEngine",
    "Target",
    "best",
    "kafka_targets",
    "management_targets",
    "path_engine",
    "store_path",
    "verdict_of",
]


class OriginIndex(Protocol):
    """Narrows which origins may reach an endpoint (:class:`~.delivery.DeliveryIndex`).

    Declared here, by the engine that asks, so the engine need not import the
    index (which is built over the engine).
    """

    def candidates(self, ep: Endpoint) -> list[int] | None:
        """Indexes of the origins that may deliver to ``ep``; None when all may."""
        ...


class PathEngine(PrivateLegs, InternetLegs):
    """Path queries over one graph; caches route walks per (table, destination)."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view)
        self._privatelink: object | None = None
        """The PrivateLink index (:mod:`.privatelink`), built on first use."""

    # --- load balancers -----------------------------------------------------------------
    def behind(self, lb: Resource, lport: int) -> list[tuple[Resource, Resource, int]]:
        """(listener, target, target port) behind a load balancer's listener port."""
        out: list[tuple[Resource, Resource, int]] = []
        for listener in self.graph.targets(lb.id, FORWARDS_TO):
            if listener.kind != Kind.LISTENER or listener.attributes.get("port") != lport:
                continue
            for tg in self.graph.targets(listener.id, FORWARDS_TO):
                for t in self.graph.targets(tg.id, FORWARDS_TO):
                    p = target_port(tg, str(t.attributes.get("instance_id") or local_id(t.id)))
                    if p is not None:
                        out.append((listener, t, p))
        return sorted(out, key=lambda x: (x[1].id, x[2]))

    def via_lb(
        self, first: Path, lb: Resource, lport: int, *, preserve_client: bool = True
    ) -> list[Path]:
        """Continue a path that reached a load balancer to the targets behind it.

        ``preserve_client``: an NLB keeps the client's address, so targets may
        admit the client instead of the NLB (not over PrivateLink, where the
        targets see the NLB's addresses).
        """
        out: list[Path] = []
        for listener, t, p in self.behind(lb, lport):
            lh = self.hop(
                listener,
                "listener",
                f"{listener.attributes.get('protocol')} {lport} -> {local_id(t.id)}:{p}",
            )
            for o in self.origins_for_resource(lb):
                for ep in self.endpoints(t, p):
                    second = self.private_leg(replace(o, sgs=o.sgs or None), ep, p)
                    # NLBs keep the client's address: targets may admit the client instead.
                    if second.reach is not Reach.YES and first.sources and preserve_client:
                        alt = self.private_leg(
                            replace(o, nets=nets_of(first.sources), sgs=None), ep, p
                        )
                        second = alt if alt.reach is Reach.YES else second
                    hops = [*first.hops, lh, *second.hops[1:]]
                    out.append(
                        self._end(
                            ep,
                            first.source,
                            first.port,
                            hops,
                            _merge_via(first.via, ("load-balancer",), second.via),
                            "reachable",
                            sources=nets_of(first.sources),
                            missing=[*first.missing, *second.missing],
                        )
                    )
        return out

    # --- queries ------------------------------------------------------------------------
    def from_origins(
        self,
        origins: Sequence[Origin],
        public: Sequence[Net],
        entry: Reach,
        source: str,
        target: Resource,
        port: int,
        index: OriginIndex | None = None,
    ) -> list[Path]:
        """Every candidate path from ``origins`` (and ``public``) to ``target`` on ``port``.

        With an ``index`` built over ``origins``, private legs that are proven NO
        are left out (the first leg is always kept), so the YES, the first
        UNKNOWN and the first path overall are the same as without it.
        """
        paths: list[Path] = []
        for ep in self.endpoints(target, port):
            # egress_to_public is None for endpoints without a public address,
            # so only their private legs may be skipped.
            chosen = index.candidates(ep) if index is not None and not ep.public else None
            if chosen is not None and not paths and origins and chosen[:1] != [0]:
                chosen = [0, *chosen]
            for o in origins if chosen is None else [origins[i] for i in chosen]:
                paths.extend(self.private_legs(o, ep, port))
                e = self.egress_to_public(o, ep, port)
                if e is not None:
                    paths.append(e)
            if public:
                paths.append(self.internet_leg(ep, port, public, source))
            if entry is Reach.UNKNOWN:
                paths.append(
                    self._end(
                        ep,
                        source,
                        port,
                        [
                            self.hop(
                                source, "source", "addresses outside the estate", Reach.UNKNOWN
                            ),
                            self.hop(
                                ep.resource,
                                "target",
                                "they may enter over a VPN or Direct Connect "
                                "gateway, which is not modelled",
                                Reach.UNKNOWN,
                                unmodelled="entry of off-estate addresses over AWS VPN or "
                                "Direct Connect gateways",
                            ),
                        ],
                        (),
                        "",
                    )
                )
        if target.kind == Kind.LOAD_BALANCER:
            paths = [
                *paths,
                *(x for p in paths if p.reach is Reach.YES for x in self.via_lb(p, target, port)),
            ]
        from auditor.analysis.network.privatelink import privatelink_paths

        paths.extend(privatelink_paths(self, list(origins), source, target, port))
        if not self.view.subnets_of(target) and target.kind != Kind.K8S_CLUSTER:
            ep = Endpoint.unplaced(target, port)
            paths.append(
                self._end(
                    ep,
                    source,
                    port,
                    [self.hop(target, "target", "no subnet recorded", Reach.UNKNOWN)],
                    (),
                    "",
                    missing=[target.id],
                )
            )
        return paths

    def paths(self, source: str, target: Resource, port: int) -> list[Path]:
        """Every candidate path from ``source`` (``internet``, a CIDR, a resource id)."""
        if source == INTERNET_ID:
            return self.from_origins([], WORLD, Reach.NO, INTERNET_ID, target, port)
        res = self.graph.get(source)
        if res is not None and res.kind != Kind.INTERNET and not res.attributes.get("stub"):
            origins = self.origins_for_resource(res)
            return self.from_origins(origins, (), Reach.NO, source, target, port)
        origins, public, entry = self.origins_for_cidr(source)
        return self.from_origins(origins, public, entry, source, target, port)


def best(paths: Sequence[Path]) -> list[Path]:
    """The paths worth showing: every YES (one per via), else the UNKNOWNs, else the NOs."""
    for want in (Reach.YES, Reach.UNKNOWN, Reach.NO):
        got = [p for p in paths if p.reach is want]
        if got:
            seen: set[tuple[str, ...]] = set()
            out: list[Path] = []
            for p in got:
                if p.via not in seen or want is not Reach.YES:
                    seen.add(p.via)
                    out.append(p)
            return out if want is Reach.YES else out[:1]
    return []


def verdict_of(paths: Sequence[Path]) -> Reach:
    if any(p.reach is Reach.YES for p in paths):
        return Reach.YES
    if any(p.reach is Reach.UNKNOWN for p in paths):
        return Reach.UNKNOWN
    return Reach.NO


_ENGINES: weakref.WeakKeyDictionary[BoundaryGraph, PathEngine] = weakref.WeakKeyDictionary()


def path_engine(graph: BoundaryGraph) -> PathEngine:
    """The (cached) path engine of a graph."""
    eng = _ENGINES.get(graph)
    if eng is None:
        eng = PathEngine(network_view(graph))
        _ENGINES[graph] = eng
    return eng
