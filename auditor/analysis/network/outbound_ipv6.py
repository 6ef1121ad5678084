"""IPv6 egress: which public IPv6 space a platform source's subnet routes out, per cloud.

The outbound walk (:mod:`.outbound`) follows IPv4 routes; IPv6 leaves by its own
routes (``::/0`` to an internet gateway, to an AWS egress-only internet gateway), so
a source whose subnet holds IPv6 ranges could reach the internet while its IPv4 path
is closed. AWS is judged: :func:`public_v6_routes` carves the public IPv6 space by the
subnet's route table (longest prefix first) and the outbound module filters each
piece through the NACL and security groups as it does IPv4. A subnet with no IPv6
range gives its sources no IPv6 address: nothing leaves over IPv6. GCP and Azure
IPv6 paths (external IPv6 access configs, IPv6 user routes, dual-stack NICs) are not
modelled: a source in a subnet with IPv6 ranges is UNKNOWN there, naming it, never a
PASS that ignores IPv6.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.analysis.network.addresses import (
    Net,
    internet_space,
    net_intersect,
    net_subtract,
    parse_net,
)
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource

PUBLIC6: tuple[Net, ...] = net_intersect(internet_space(6), [ipaddress.IPv6Network("2000::/3")])
"""The public IPv6 space: global unicast (``2000::/3``), what the internet routes."""

INTERNET_TARGETS = {"igw": "internet", "egress-only-igw": "internet"}
"""AWS route target types that send IPv6 to the internet, as the declared link."""

UNMODELLED = {
    "gcp": "GCP IPv6 egress (external IPv6 access configs and IPv6 routes of dual-stack "
    "subnetworks)",
    "azure": "Azure IPv6 egress (IPv6 IP configurations, public IPv6 addresses and IPv6 "
    "routes of dual-stack subnets)",
}
"""Clouds whose IPv6 path the model does not walk, named for the INCONCLUSIVE."""


@dataclass(frozen=True, kw_only=True, slots=True)
class V6Route:
    """One route of a table and the public IPv6 space it decides (after longer prefixes)."""

    destination: str
    nets: tuple[Net, ...]
    target_type: str
    target_id: str
    state: str


def ipv6_ranges(subnet: Resource) -> tuple[Net, ...] | None:
    """The subnet's IPv6 ranges; None when they were not recorded."""
    raw = subnet.attributes.get("ipv6_cidrs")
    if not isinstance(raw, list):
        return None
    nets = (parse_net(str(c)) for c in raw)
    return tuple(n for n in nets if isinstance(n, ipaddress.IPv6Network))


def public_v6_routes(table: Resource) -> tuple[list[V6Route], tuple[Net, ...]]:
    """Routes of ``table`` over the public IPv6 space, longest prefix first, each with the
    part it decides; and the part no route decides (dropped: no route)."""
    parsed: list[tuple[ipaddress.IPv6Network, dict[str, object]]] = []
    for r in table.attributes.get("routes") or []:
        if not isinstance(r, dict):
            continue
        net = parse_net(str(r.get("destination") or ""))
        if isinstance(net, ipaddress.IPv6Network):
            parsed.append((net, r))
    parsed.sort(key=lambda nr: (-nr[0].prefixlen, str(nr[0])))
    remaining: tuple[Net, ...] = PUBLIC6
    out: list[V6Route] = []
    for net, r in parsed:
        got = net_intersect(remaining, [net])
        if not got:
            continue
        remaining = net_subtract(remaining, got)
        out.append(
            V6Route(
                destination=str(net),
                nets=got,
                target_type=str(r.get("target_type") or "other"),
                target_id=str(r.get("target_id") or ""),
                state=str(r.get("state") or "active"),
            )
        )
    return out, remaining


def subnets_of(graph: BoundaryGraph, res: Resource) -> list[Resource] | None:
    """The subnets an Azure or GCP source sits in (through its NICs on Azure); None when
    one of them was not collected."""
    ids: list[str] = []
    if res.cloud == "gcp" or res.attributes.get("nic_configurations") is not None:
        ids = [str(s) for s in res.attributes.get("subnet_ids") or []]  # GCP, scale sets
    else:
        for nic_id in sorted(str(n) for n in res.attributes.get("interface_ids") or []):
            nic = graph.get(nic_id) or graph.get(nic_id.lower())
            if nic is None:
                return None
            ids.extend(str(s) for s in _nic_subnets(nic))
    out: list[Resource] = []
    for sid in sorted(set(ids)):
        sub = graph.get(sid) or graph.get(sid.lower())
        if sub is None:
            return None
        out.append(sub)
    return out


def _nic_subnets(nic: Resource) -> Sequence[object]:
    subs = nic.attributes.get("subnet_ids")
    if isinstance(subs, list) and subs:
        return subs
    one = nic.attributes.get("subnet_id")
    return [one] if one else []
