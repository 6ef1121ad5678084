"""Where an address lies in the collected estate: which cloud, account, region, zone, network.

The observed-flow rules and the data-movement map place each end of a flow record:
an exact address of a collected resource (an interface's private or public address,
an instance's, a NAT gateway's, an Elastic/public IP), else the subnet, else the
network whose ranges hold it; an address none of these holds lies outside every
collected network (``None``). Cloud-neutral: it reads the normalised kinds, and Azure's
addresses placed by their owners first, NAT gateways' prefixes as ranges
(:mod:`.movement_places_azure`; GCP's Cloud NAT
addresses and alias ranges: :mod:`.movement_places_gcp`).
"""

from __future__ import annotations

import ipaddress
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, replace

from auditor.analysis import movement_places_gcp
from auditor.analysis.movement_places_azure import azure_spots, nat_prefix_spots
from auditor.analysis.network.addresses import Net, parse_net
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource


@dataclass(frozen=True, kw_only=True, slots=True)
class Place:
    """One end of a flow, placed."""

    cloud: str
    account: str
    region: str
    az: str = ""
    network: str = ""
    """The network's own id (``vpc-...``), "" when not known."""
    resource: str = ""
    """The resource holding the exact address ("" when only a range holds it)."""
    public: bool = False
    """The address is a public address of a collected resource."""
    via: str = ""
    """``nat`` when the address is a NAT gateway's, else ""."""


def _addr(text: object) -> str:
    try:
        return str(ipaddress.ip_address(str(text)))
    except ValueError:
        return ""


class Places:
    """An index of the estate's addresses and ranges."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._exact: dict[str, Place] = {}
        self._ranges: list[tuple[Net, int, Place]] = []
        self._seen: dict[str, Place | None] = {}
        subnets: dict[tuple[str, str], Resource] = {}
        # Resources' own addresses before public IP resources (which name no zone).
        rs = sorted(resources, key=lambda r: (r.kind == Kind.PUBLIC_IP, r.id))
        for r in rs:
            if r.kind == Kind.SUBNET:
                subnets[(r.region, str(r.attributes.get("subnet_id") or ""))] = r
        for address, spot in movement_places_gcp.exact(rs):  # GCP: Cloud NAT, front ends
            self._put(address, Place(**spot))
        for s in azure_spots(rs):
            at = Place(cloud="azure", account=s.account, region=s.region, network=s.network)
            self._put(s.address, replace(at, resource=s.resource, public=s.public, via=s.via))
        for r in rs:
            self._take(r, subnets)
        for n, spot in movement_places_gcp.ranges(rs):  # GCP: alias (secondary) ranges
            self._ranges.append((n, len(self._ranges), Place(**spot)))
        for s in nat_prefix_spots(rs):  # Azure: NAT gateways' public IP prefixes
            rng = parse_net(s.address)
            if rng is not None:
                at = Place(cloud="azure", account=s.account, region=s.region, network=s.network)
                nat = replace(at, resource=s.resource, public=True, via=s.via)
                self._ranges.append((rng, len(self._ranges), nat))
        self._ranges.sort(key=lambda x: (-x[0].prefixlen, x[1]))

    def _put(self, address: object, place: Place) -> None:
        a = _addr(address)
        if a and a not in self._exact:
            self._exact[a] = place

    def _take(self, r: Resource, subnets: dict[tuple[str, str], Resource]) -> None:
        a = r.attributes
        net = str(a.get("vpc_id") or "")
        base = Place(cloud=r.cloud, account=r.account, region=r.region, network=net)
        sub = subnets.get((r.region, str(a.get("subnet_id") or "")))
        az = str(a.get("az") or (sub.attributes.get("az") if sub is not None else "") or "")
        if r.kind in (Kind.INTERFACE, Kind.INSTANCE):
            here = Place(
                cloud=r.cloud, account=r.account, region=r.region, az=az, network=net, resource=r.id
            )
            for ip in [a.get("private_ip"), *(a.get("private_ips") or [])]:
                self._put(ip, here)
            for ip in [a.get("public_ip"), *(a.get("public_ips") or [])]:
                self._put(ip, replace(here, public=True))
        elif r.kind == Kind.GATEWAY and a.get("gateway_type") == "nat":
            vpcs = [str(v) for v in a.get("vpc_ids") or []]
            nat = Place(
                cloud=r.cloud,
                account=r.account,
                region=r.region,
                az=az,
                network=net or (vpcs[0] if vpcs else ""),
                resource=r.id,
                public=True,
                via="nat",
            )
            for ip in a.get("public_ips") or []:
                self._put(ip, nat)
        elif r.kind == Kind.PUBLIC_IP:
            self._put(a.get("public_ip"), replace(base, public=True))
        elif r.kind == Kind.SUBNET:
            for c in [a.get("cidr"), *(a.get("cidrs") or [])]:
                n = parse_net(str(c)) if c else None
                if n is not None:
                    self._ranges.append((n, len(self._ranges), replace(base, az=az)))
        elif r.kind == Kind.NETWORK:
            own = replace(base, network=net or r.id.rsplit("/", 1)[-1])
            for c in a.get("cidrs") or []:
                n = parse_net(str(c))
                if n is not None:
                    self._ranges.append((n, len(self._ranges), own))

    def of(self, address: str) -> Place | None:
        """Where ``address`` lies; None when outside every collected network (remembered:
        the rules ask for the same addresses flow after flow)."""
        if address in self._seen:
            return self._seen[address]
        got = self._find(address)
        self._seen[address] = got
        return got

    def _find(self, address: str) -> Place | None:
        a = _addr(address)
        if not a:
            return None
        if a in self._exact:
            return self._exact[a]
        ip = ipaddress.ip_address(a)
        for n, _, place in self._ranges:
            if n.version == ip.version and ip in n:
                return place
        return None


_PLACES: weakref.WeakKeyDictionary[BoundaryGraph, Places] = weakref.WeakKeyDictionary()


def places_of(graph: BoundaryGraph) -> Places:
    """The (cached) address index of a graph's inventory, shared by the observed-flow rules."""
    got = _PLACES.get(graph)
    if got is None:
        got = _PLACES[graph] = Places(graph.inventory.resources)
    return got
