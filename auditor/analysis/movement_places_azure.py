"""Where Azure addresses lie: NIC, load balancer and NAT gateway addresses, placed by owner.

Azure keeps public addresses on ``publicIPAddresses`` resources that name their owner
(a NIC's or a load balancer frontend's IP configuration, or a NAT gateway), and a VM's
addresses on its NICs. :class:`~auditor.analysis.movement_places.Places` takes these
before its cloud-neutral pass, so a NAT gateway's public IP is a ``nat`` place in the
VNets of its subnets, a NIC's public IP a public place of its VM, a load balancer's
frontend a place of the load balancer; a NAT gateway's public IP prefixes are ranges
(:func:`nat_prefix_spots`), ``nat`` places of the same VNets. Not placed (they fall to
the address ranges, or outside the estate): a prefix the scan did not collect or whose
range is not allocated (:func:`unplaced_nats` names such NAT gateways so a rule can say
why), scale set instances' public IPs when Resource Graph's ``computeresources`` was not
read (it is with ``--flows-since``: then they are public IPs of the instance's NIC), and
the addresses Azure gives VMs without one for default outbound access (not published).
:func:`host_local` names the addresses a VM reaches on its own host (168.63.129.16,
link-local): traffic to them crosses no boundary.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from auditor.model import Kind, Resource

HOST_ADDRESSES = (
    ipaddress.ip_network("168.63.129.16/32"),
    ipaddress.ip_network("169.254.0.0/16"),
)
"""Addresses an Azure VM reaches on its own host, never across a network: the platform
address (DNS, DHCP, health probes) and link-local (the instance metadata service)."""


def host_local(address: str) -> bool:
    """Whether an Azure VM's traffic to ``address`` stays on its host."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in HOST_ADDRESSES)


@dataclass(frozen=True, kw_only=True, slots=True)
class Spot:
    """One Azure address and where it lies."""

    address: str
    account: str
    region: str
    network: str = ""
    resource: str = ""
    public: bool = False
    via: str = ""


def _vnet(subnet: object) -> str:
    s = str(subnet or "")
    return s.split("/subnets/", 1)[0] if "/subnets/" in s else ""


def _nic_spots(nic: Resource, pips: dict[str, str]) -> Iterator[Spot]:
    a = nic.attributes
    who = str(a.get("attached_to") or "") or nic.id
    net = str(a.get("vpc_id") or "")
    for ip in a.get("private_ips") or []:
        yield Spot(
            address=str(ip), account=nic.account, region=nic.region, network=net, resource=who
        )
    for pid in a.get("public_ip_ids") or []:
        if str(pid) in pips:
            yield Spot(
                address=pips[str(pid)],
                account=nic.account,
                region=nic.region,
                network=net,
                resource=who,
                public=True,
            )


def _lb_spots(lb: Resource, pips: dict[str, str]) -> Iterator[Spot]:
    for fe in lb.attributes.get("frontends") or []:
        net = _vnet(fe.get("subnet_id")) or str(lb.attributes.get("vpc_id") or "")
        if fe.get("private_ip"):
            yield Spot(
                address=str(fe["private_ip"]),
                account=lb.account,
                region=lb.region,
                network=net,
                resource=lb.id,
            )
        if str(fe.get("public_ip_id") or "") in pips:
            yield Spot(
                address=pips[str(fe["public_ip_id"])],
                account=lb.account,
                region=lb.region,
                network=net,
                resource=lb.id,
                public=True,
            )


def _nat_spots(nat: Resource, pips: dict[str, str], served: list[str]) -> Iterator[Spot]:
    """A NAT gateway's public IPs, in the VNet of its subnets (its row's, else the subnets
    naming it)."""
    for pid in nat.attributes.get("public_ip_ids") or []:
        if str(pid) in pips:
            yield _nat_spot(nat, pips[str(pid)], served)


def _nat_spot(nat: Resource, address: str, served: Iterable[str]) -> Spot:
    """``address`` (an IP or a prefix) a NAT gateway leaves from, placed in the first VNet of
    its subnets (its row's, else the subnets naming it in ``served``)."""
    vnets = sorted({str(v) for v in nat.attributes.get("vpc_ids") or []} | set(served))
    return Spot(
        address=address,
        account=nat.account,
        region=nat.region,
        network=vnets[0] if vnets else "",
        resource=nat.id,
        public=True,
        via="nat",
    )


def _served(rs: Iterable[Resource]) -> dict[str, list[str]]:
    """NAT gateway id -> the VNets of the subnets naming it."""
    served: dict[str, list[str]] = {}
    for r in rs:
        if r.kind == Kind.SUBNET and r.attributes.get("nat_gateway_id"):
            served.setdefault(str(r.attributes["nat_gateway_id"]), []).append(_vnet(r.id))
    return served


def _is_nat(r: Resource) -> bool:
    return (
        r.cloud == "azure" and r.kind == Kind.GATEWAY and r.attributes.get("gateway_type") == "nat"
    )


def _prefixes(rs: Iterable[Resource]) -> dict[str, Resource]:
    return {r.id: r for r in rs if r.cloud == "azure" and r.kind == Kind.PUBLIC_IP}


def _nat_prefix_ids(nat: Resource, prefixes: dict[str, Resource]) -> list[str]:
    """The prefixes a NAT gateway leaves from: those its row names, and those naming it."""
    named = {str(p) for p in nat.attributes.get("public_ip_prefix_ids") or []}
    naming = {
        pid
        for pid, p in prefixes.items()
        if p.attributes.get("prefix")
        and str((p.attributes.get("association") or {}).get("resource_id") or "") == nat.id
    }
    return sorted(named | naming)


def nat_prefix_spots(resources: Iterable[Resource]) -> list[Spot]:
    """The public IP prefix ranges NAT gateways leave from (``address`` is the range), as
    ``nat`` places in the VNet of the gateway's subnets, in id order."""
    rs = sorted((r for r in resources if r.cloud == "azure"), key=lambda r: r.id)
    prefixes, served = _prefixes(rs), _served(rs)
    out: list[Spot] = []
    for nat in (r for r in rs if _is_nat(r)):
        for pid in _nat_prefix_ids(nat, prefixes):
            rng = prefixes[pid].attributes.get("prefix") if pid in prefixes else None
            if rng:
                out.append(_nat_spot(nat, str(rng), served.get(nat.id, [])))
    return out


def unplaced_nats(resources: Iterable[Resource]) -> list[Resource]:
    """NAT gateways naming a public IP prefix whose range the inventory does not hold (not
    collected, or no range allocated): traffic leaving through it is placed nowhere."""
    rs = sorted((r for r in resources if r.cloud == "azure"), key=lambda r: r.id)
    prefixes = _prefixes(rs)
    return [
        nat
        for nat in rs
        if _is_nat(nat)
        and any(
            pid not in prefixes or not prefixes[pid].attributes.get("prefix")
            for pid in _nat_prefix_ids(nat, prefixes)
        )
    ]


def azure_spots(resources: Iterable[Resource]) -> list[Spot]:
    """The placed addresses of the Azure resources among ``resources``, in id order."""
    rs = sorted((r for r in resources if r.cloud == "azure"), key=lambda r: r.id)
    pips = {
        r.id: str(r.attributes["public_ip"])
        for r in rs
        if r.kind == Kind.PUBLIC_IP and r.attributes.get("public_ip")
    }
    served = _served(rs)
    out: list[Spot] = []
    for r in rs:
        if r.kind == Kind.INTERFACE:
            out.extend(_nic_spots(r, pips))
        elif r.kind == Kind.LOAD_BALANCER:
            out.extend(_lb_spots(r, pips))
        elif r.kind == Kind.GATEWAY and r.attributes.get("gateway_type") == "nat":
            out.extend(_nat_spots(r, pips, served.get(r.id, [])))
    return out
