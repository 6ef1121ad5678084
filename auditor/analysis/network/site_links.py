"""Site links: VPN, ExpressRoute, Interconnect and Direct Connect links, and where they lead.

Each cloud records its own side of a link (:data:`~auditor.base.kinds.network.SITE_LINK`):
an AWS VPN connection, an Azure connection, a GCP VPN tunnel or Interconnect
attachment. Its far end is an address (``peer_ips``, or the addresses of the
peer gateway it names: customer gateway, local network gateway, external VPN
gateway). When that address is a public address of another collected gateway
(an AWS tunnel outside address, an Azure VPN gateway's public IP, a GCP HA VPN
interface), the link **joins** the two networks: this is how two clouds'
address spaces meet. A far address that matches no collected gateway leads
outside the estate; who owns it is unknown unless ``network.peers`` names it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.view import network_view
from auditor.base.kinds.network import PEER_GATEWAY, SITE_LINK, VPN_GATEWAY
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

_UP = frozenset({"available", "connected", "established", "active", "succeeded"})
_DOWN = frozenset(
    {
        "deleted",
        "deleting",
        "notconnected",
        "failed",
        "rejected",
        "stopped",
        "negotiation_failure",
        "authorization_error",
        "no_incoming_packets",
        "network_error",
        "deprovisioning",
        "defunct",
        "unprovisioned",
    }
)
DIRECT = frozenset({"expressroute", "interconnect", "direct-connect"})
"""Link types of a private circuit (declared as ``direct-connect``); the rest are ``vpn``."""


def declared_via(link_type: str) -> str:
    """The declaration's ``via`` word for a link type."""
    return "direct-connect" if link_type in DIRECT else "vpn"


@dataclass(frozen=True, kw_only=True, slots=True)
class SiteLink:
    """One side's link, with both ends resolved as far as the collected data allows."""

    link: Resource
    link_type: str
    status: str
    up: Reach
    local_gateway: Resource | None
    networks: tuple[Resource, ...]
    """Networks on this side."""
    local_ips: tuple[str, ...]
    peer: Resource | None
    """The far end as this cloud records it (customer / local network / external gateway)."""
    peer_ips: tuple[str, ...]
    far_gateway: Resource | None
    """Another collected gateway the far end is (matched by address or named directly)."""
    far_networks: tuple[Resource, ...]
    matched_ip: str
    remote_prefixes: tuple[str, ...] | None
    """Ranges this side routes into the link (None: not recorded, e.g. learned over BGP)."""
    routing: str

    @property
    def via(self) -> str:
        return declared_via(self.link_type)

    @property
    def far_label(self) -> str:
        if self.far_networks:
            return ", ".join(_net_label(n) for n in self.far_networks)
        if self.far_gateway is not None:
            return f"gateway {self.far_gateway.name or local_id(self.far_gateway.id)}"
        named = str(self.link.attributes.get("peer_gateway") or "")
        peer = self.peer.name if self.peer is not None else local_id(named)
        ips = ", ".join(self.peer_ips) or "no recorded address"
        return f"{peer + ' ' if peer else ''}({ips})"

    def nodes(self) -> list[str]:
        out = [self.link.id]
        for r in (self.local_gateway, self.peer, self.far_gateway):
            if r is not None and r.id not in out:
                out.append(r.id)
        out.extend(n.id for n in (*self.networks, *self.far_networks) if n.id not in out)
        return out


def _net_label(n: Resource) -> str:
    return f"{n.cloud} network {n.name or local_id(n.id)} ({n.account}/{n.region})"


def status_reach(status: str) -> Reach:
    if status in _UP:
        return Reach.YES
    if status in _DOWN:
        return Reach.NO
    return Reach.UNKNOWN


class SiteLinks:
    """Every site link of a graph, both ends resolved, indexed by network."""

    def __init__(self, graph: BoundaryGraph) -> None:
        self.graph = graph
        self.view = network_view(graph)
        self._by_ip: dict[str, tuple[Resource, tuple[Resource, ...]]] = {}
        self._index_gateways()
        self.links: list[SiteLink] = [self._resolve(r) for r in graph.of_kind(SITE_LINK)]
        self._by_network: dict[str, list[SiteLink]] = {}
        for s in self.links:
            for n in s.networks:
                self._by_network.setdefault(n.id, []).append(s)

    # --- resolution ---------------------------------------------------------------------
    def networks_of_gateway(self, gw: Resource | None) -> tuple[Resource, ...]:
        """The networks a gateway (VGW, VPN gateway, Cloud Router, transit gateway) serves."""
        if gw is None:
            return ()
        out: dict[str, Resource] = {}
        if gw.kind == Kind.TRANSIT_GATEWAY:
            tid = str(gw.attributes.get("tgw_id") or local_id(gw.id))
            for att in self.view.attachments_on(tid):
                a = att.attributes
                if a.get("resource_type") == "vpc" and a.get("state") in ("available", None):
                    v = self.view.vpc(att.region, str(a.get("resource_id") or ""))
                    if v is not None:
                        out[v.id] = v
        for vid in gw.attributes.get("vpc_ids") or []:
            v = self.graph.get(str(vid)) or self.view.vpc(gw.region, str(vid))
            if v is not None and v.kind == Kind.NETWORK:
                out[v.id] = v
        return tuple(out[k] for k in sorted(out))

    def _gateway_ips(self, gw: Resource) -> list[str]:
        ips = [str(i) for i in gw.attributes.get("public_ips") or []]
        for pid in gw.attributes.get("public_ip_ids") or []:
            pip = self.graph.get(str(pid))
            if pip is not None and pip.attributes.get("public_ip"):
                ips.append(str(pip.attributes["public_ip"]))
        return ips

    def _index_gateways(self) -> None:
        for gw in self.graph.of_kind(VPN_GATEWAY):
            for ip in self._gateway_ips(gw):
                self._by_ip.setdefault(ip, (gw, self.networks_of_gateway(gw)))
        for link in self.graph.of_kind(SITE_LINK):
            # AWS records its tunnel outside addresses on the connection, not the gateway.
            local = self._get(link.attributes.get("local_gateway"))
            if local is None:
                continue
            for ip in link.attributes.get("local_ips") or []:
                self._by_ip.setdefault(str(ip), (local, self.networks_of_gateway(local)))

    def _get(self, rid: object) -> Resource | None:
        return self.graph.get(str(rid)) if rid else None

    def _resolve(self, link: Resource) -> SiteLink:
        a = link.attributes
        status = str(a.get("status") or "").lower()
        local = self._get(a.get("local_gateway"))
        peer = self._get(a.get("peer_gateway"))
        peer_ips = [str(i) for i in a.get("peer_ips") or []]
        if not peer_ips and peer is not None:
            peer_ips = [str(i) for i in peer.attributes.get("ip_addresses") or []]
        local_ips = [str(i) for i in a.get("local_ips") or []]
        if not local_ips and local is not None:
            local_ips = self._gateway_ips(local)
        far: Resource | None = None
        far_nets: tuple[Resource, ...] = ()
        matched = ""
        if peer is not None and peer.kind == VPN_GATEWAY:
            far, far_nets = peer, self.networks_of_gateway(peer)  # Vnet2Vnet, HA VPN to HA VPN
        for ip in peer_ips:
            got = self._by_ip.get(ip)
            if far is None and got is not None and got[0].id != (local.id if local else ""):
                far, far_nets = got
                matched = ip
        remote = a.get("remote_prefixes")
        if remote is None and peer is not None and peer.kind == PEER_GATEWAY:
            remote = peer.attributes.get("address_prefixes") or None
        return SiteLink(
            link=link,
            link_type=str(a.get("link_type") or "vpn"),
            status=status,
            up=status_reach(status),
            local_gateway=local,
            networks=self.networks_of_gateway(local),
            local_ips=tuple(sorted(set(local_ips))),
            peer=peer,
            peer_ips=tuple(sorted(set(peer_ips))),
            far_gateway=far,
            far_networks=far_nets,
            matched_ip=matched,
            remote_prefixes=None if remote is None else tuple(str(x) for x in remote),
            routing=str(a.get("routing") or ""),
        )

    # --- queries ------------------------------------------------------------------------
    def of_network(self, net: Resource) -> list[SiteLink]:
        return list(self._by_network.get(net.id, ()))

    def between(self, a: Resource, b: Resource) -> list[SiteLink]:
        """Links on ``a``'s side whose far end is a gateway of ``b``."""
        return [s for s in self.of_network(a) if any(n.id == b.id for n in s.far_networks)]

    def touching(self, nets: Iterable[Resource]) -> list[SiteLink]:
        seen: dict[str, SiteLink] = {}
        for n in nets:
            for s in self.of_network(n):
                seen.setdefault(s.link.id, s)
        return [seen[k] for k in sorted(seen)]


def owner_of_far(s: SiteLink) -> tuple[str, str]:
    """(cloud, account) owning the far end, when the far end is a collected gateway."""
    if s.far_gateway is not None:
        return s.far_gateway.cloud, s.far_gateway.account
    return "", ""


_CACHE: weakref.WeakKeyDictionary[BoundaryGraph, SiteLinks] = weakref.WeakKeyDictionary()


def site_links(graph: BoundaryGraph) -> SiteLinks:
    """The (cached) site links of a graph."""
    got = _CACHE.get(graph)
    if got is None:
        got = SiteLinks(graph)
        _CACHE[graph] = got
    return got


def names_of(s: SiteLink) -> Sequence[str]:
    """Every name a declaration may use for the far end (ids, addresses, prefixes)."""
    out = [*s.peer_ips, *(s.remote_prefixes or ())]
    if s.peer is not None:
        out.extend([s.peer.id, local_id(s.peer.id), s.peer.name])
    out.append(str(s.link.attributes.get("peer_gateway") or ""))
    return [x for x in out if x]
