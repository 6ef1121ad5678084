"""Where a GCP address lies, beyond what the cloud-neutral index reads: NAT and front ends.

:class:`~auditor.analysis.movement_places.Places` places instances' internal and
external addresses and subnetworks' primary ranges. A GCP estate adds:

- a **Cloud NAT**'s manually allocated addresses (``natIps`` name reserved
  addresses; the address is in the ``public_ip`` resource of that name): placed as
  the NAT (public, ``via="nat"``), in its router's region and network;
- an **external forwarding rule**'s address (a load balancer's or protocol
  forwarding's): placed public at the rule;
- a subnetwork's **secondary ranges** (alias IPs: GKE pods and services).

Not placeable: a Cloud NAT's automatically allocated addresses
(``natIpAllocateOption: AUTO_ONLY``): Google picks them and Cloud Asset Inventory
does not record them, so a flow from one lies outside every collected network
(:func:`auto_nats` names such NATs so a rule can say why). A GCP network is global:
its **sites** (``gcp/REGION``) are its subnetworks' regions (:func:`site_spaces`).

Internet egress of a VM (:class:`Egress`) follows the sending interface: one with an
external address (an access config) leaves from it, and Cloud NAT never translates
it; one without leaves through a Cloud NAT of its network in its region that serves
its subnetwork's primary range (every subnetwork, or one listed in ``nat_subnetworks``
with ``ALL_IP_RANGES`` or ``PRIMARY_IP_RANGE``). An address on no collected VM
interface (an alias range's) is taken as served by a Cloud NAT of every subnetwork only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from auditor.analysis.network.addresses import Net, parse_net
from auditor.model import Kind, Resource

SEEN = ("ACCEPT", "SENT")
"""Actions of traffic that crossed: GCP's ``SENT`` is a record of the sending VM."""
Spot = dict[str, Any]
"""The fields of a :class:`~auditor.analysis.movement_places.Place` (which imports this)."""


def _nat(r: Resource) -> bool:
    return r.cloud == "gcp" and r.kind == Kind.GATEWAY and r.attributes.get("gateway_type") == "nat"


def _at(r: Resource) -> Spot:
    return {"cloud": r.cloud, "account": r.account, "region": r.region}


def _front_end(r: Resource) -> bool:
    return (
        r.cloud == "gcp"
        and r.kind == Kind.LOAD_BALANCER
        and r.attributes.get("scheme") == "internet-facing"
    )


def exact(resources: Sequence[Resource]) -> list[tuple[str, Spot]]:
    """(address, place) of Cloud NAT addresses and external forwarding rules."""
    addresses = {
        r.id: str(r.attributes.get("public_ip") or "")
        for r in resources
        if r.cloud == "gcp" and r.kind == Kind.PUBLIC_IP
    }
    out: list[tuple[str, Spot]] = []
    for r in resources:  # in the caller's (sorted) order
        a = r.attributes
        if _nat(r):
            nets = [str(v) for v in a.get("vpc_ids") or []]
            place: Spot = {
                **_at(r),
                "network": nets[0] if nets else "",
                "resource": r.id,
                "public": True,
                "via": "nat",
            }
            ips = [addresses.get(str(i), "") for i in a.get("public_ips") or []]
            out.extend((ip, place) for ip in ips if ip)
        elif _front_end(r) and a.get("ip_address"):
            network = str(a.get("vpc_id") or "")
            spot = {**_at(r), "network": network, "resource": r.id, "public": True}
            out.append((str(a["ip_address"]), spot))
    return out


class Egress:
    """How a GCP address leaves for the internet: by its interface, not only its network."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        rs = list(resources)
        ifaces = [
            i
            for r in rs
            if r.cloud == "gcp" and r.kind == Kind.INSTANCE
            for i in r.attributes.get("interfaces") or []
            if isinstance(i, dict) and i.get("private_ip")
        ]
        self._external = {str(i["private_ip"]) for i in ifaces if i.get("external")}
        self._subnet = {str(i["private_ip"]): str(i.get("subnet_id") or "") for i in ifaces}
        self._nats: dict[tuple[str, str], list[set[str] | None]] = {}
        for r in rs:
            if not _nat(r):
                continue
            listed = r.attributes.get("nat_subnetworks")
            served = (
                {
                    str(x.get("subnet_id"))
                    for x in listed
                    if isinstance(x, dict)
                    and {"ALL_IP_RANGES", "PRIMARY_IP_RANGE"} & set(x.get("ranges") or [])
                }
                if isinstance(listed, list)
                else None  # every subnetwork of its region
            )
            for v in r.attributes.get("vpc_ids") or []:
                self._nats.setdefault((str(v), r.region), []).append(served)

    def medium(self, address: str, network: str, region: str) -> str:
        """``public addresses`` for an interface with an external address (Cloud NAT never
        translates it), ``nat`` where a Cloud NAT of the network in that region serves the
        sender's subnetwork."""
        if address in self._external:
            return "public addresses"
        subnet = self._subnet.get(address)
        for served in self._nats.get((network, region), []):
            if served is None or (subnet and subnet in served):
                return "nat"
        return "internet gateway or unmodelled"


def ranges(resources: Iterable[Resource]) -> list[tuple[Net, Spot]]:
    """(range, place) of GCP subnetworks' secondary ranges."""
    out: list[tuple[Net, Spot]] = []
    for r in resources:  # in the caller's (sorted) order
        if r.cloud != "gcp" or r.kind != Kind.SUBNET:
            continue
        place = {**_at(r), "network": str(r.attributes.get("vpc_id") or "")}
        for c in r.attributes.get("secondary_cidrs") or []:
            n = parse_net(str(c))
            if n is not None:
                out.append((n, place))
    return out


def auto_nats(resources: Iterable[Resource]) -> list[Resource]:
    """Cloud NATs some of whose addresses the inventory cannot hold (auto-allocated, or a
    reserved address not collected)."""
    known = {r.id for r in resources if r.cloud == "gcp" and r.kind == Kind.PUBLIC_IP}
    return [
        r
        for r in resources
        if _nat(r)
        and (
            not r.attributes.get("public_ips")
            or any(str(i) not in known for i in r.attributes.get("public_ips") or [])
        )
    ]


def site_spaces(networks: Iterable[Resource], subnets: Iterable[Resource]) -> dict[str, list[str]]:
    """``gcp/REGION`` -> the ranges (primary and secondary) of the given GCP networks'
    subnetworks there."""
    ids = {n.id for n in networks if n.cloud == "gcp"}
    out: dict[str, list[str]] = {}
    for s in subnets:
        a = s.attributes
        if s.cloud != "gcp" or str(a.get("vpc_id") or "") not in ids:
            continue
        cidrs = [a.get("cidr"), *(a.get("secondary_cidrs") or [])]
        out.setdefault(f"gcp/{s.region}", []).extend(str(c) for c in cidrs if c)
    return {k: sorted(set(v)) for k, v in sorted(out.items())}


def site_of_network(net: Resource, subnets: Iterable[Resource]) -> list[str]:
    """The sites (``gcp/REGION``) a GCP network has subnetworks in."""
    return sorted(
        {
            f"gcp/{s.region}"
            for s in subnets
            if s.cloud == "gcp" and str(s.attributes.get("vpc_id") or "") == net.id
        }
    )


def one_per_connection(
    flows: Sequence[Resource], where: Callable[[str], Any] | None = None
) -> list[Resource]:
    """``flows`` less each GCP ``SENT`` aggregate whose connection the receiving VM also
    recorded as ``ACCEPT``: the same source, destination, port and protocol; or, with
    ``where`` (an address -> its place, :meth:`Places.of`), translated on the way (sent to a
    VM's external address through Cloud NAT or from the sender's external address): an
    ``ACCEPT`` at the VM holding that address, on the same port and protocol, from a public
    address placed in the sender's network."""
    keys = ("src", "dst", "dst_port", "protocol")
    accepted = {
        tuple(str(f.attributes.get(k)) for k in keys)
        for f in flows
        if f.attributes.get("action") == "ACCEPT"
    }
    translated: set[tuple[str, str, str, str]] = set()
    if where is not None:
        for f in flows:
            a = f.attributes
            src = where(str(a.get("src"))) if a.get("action") == "ACCEPT" else None
            if src is not None and src.public:
                at = str(a.get("instance_id") or a.get("interface_id") or "")
                translated.add((at, str(a.get("dst_port")), str(a.get("protocol")), src.network))
    out: list[Resource] = []
    for f in flows:
        a = f.attributes
        if a.get("action") == "SENT":
            if tuple(str(a.get(k)) for k in keys) in accepted:
                continue
            src = where(str(a.get("src"))) if where is not None else None
            dst = where(str(a.get("dst"))) if where is not None else None
            if src is not None and dst is not None and dst.public:
                key = (dst.resource, str(a.get("dst_port")), str(a.get("protocol")), src.network)
                if key in translated:
                    continue
        out.append(f)
    return out
