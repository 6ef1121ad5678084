"""How Azure sends one IP configuration's traffic: the route chosen, then the way out.

Routes: the VNet's system routes (its ranges ``local``, active peerings' remote ranges
``peering``, the private ranges 10/8, 172.16/12, 192.168/16, 100.64/10 dropped, 0.0.0.0/0
``internet``) and the user routes of the subnet's route table; the longest prefix wins,
a user route beating a system route of the same prefix (:func:`best`).

A piece routed to the Internet leaves by Azure's documented order of precedence
(Virtual Network NAT overview: "Virtual appliance UDR / ExpressRoute >> NAT gateway >>
Instance-level public IP addresses on virtual machines >> Load balancer outbound rules
>> default system"); the appliance is a route, the rest :func:`internet_way` decides:
the subnet's NAT gateway, else a public IP on the IP configuration, else an outbound
rule of a load balancer whose backend pool holds the configuration (outbound rules
are followed only without an instance-level public IP; without one, a load-balancing
rule on a public frontend that does not set ``disableOutboundSnat`` gives its default
SNAT), else the subnet's default outbound access (``defaultOutboundAccess: false``: no
way out; not set: not known).
The outbound model (:mod:`.outbound_azure`) and the observed medium
(:mod:`auditor.analysis.movement_way_azure`) both decide by these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditor.analysis.network.addresses import Net, collapse, nets_of, parse_net
from auditor.model import Resource

DROPPED = nets_of(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])
"""Private ranges Azure's system routes drop (next hop None) unless a VNet holds them."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Route:
    net: Net
    hop: str
    """``local``, ``peering``, ``internet``, ``none``, ``appliance``, ``vpn``, ..."""
    node: str
    """What chose it: the route table (a user route), the peering, the VNet."""
    user: bool
    name: str = ""
    target: str = ""


def active_peerings(
    peerings: Iterable[Resource], vnet: str
) -> list[tuple[Resource, tuple[Net, ...]]]:
    """Active Azure peerings of ``vnet`` allowing network access, with their remote ranges."""
    out: list[tuple[Resource, tuple[Net, ...]]] = []
    for p in sorted(peerings, key=lambda p: p.id):
        a = p.attributes
        if p.cloud != "azure" or str((a.get("requester") or {}).get("vpc_id") or "") != vnet:
            continue
        if a.get("status") != "active" or a.get("allow_virtual_network_access") is False:
            continue
        nets = collapse(nets_of((a.get("accepter") or {}).get("cidrs") or []))
        if nets:
            out.append((p, nets))
    return out


def routes(
    vnet: str,
    space: Sequence[Net],
    peerings: Sequence[tuple[Resource, tuple[Net, ...]]],
    table: Resource | None,
) -> list[Route]:
    """The system routes of the VNet ``vnet`` (its ``space``, its ``peerings``) and the user
    routes of ``table``."""
    out = [Route(net=n, hop="local", node=vnet, user=False) for n in space]
    for p, nets in peerings:
        out.extend(Route(net=n, hop="peering", node=p.id, user=False, name=p.name) for n in nets)
    out.extend(Route(net=n, hop="none", node=vnet, user=False) for n in DROPPED)
    out.append(Route(net=nets_of(["0.0.0.0/0"])[0], hop="internet", node=vnet, user=False))
    for r in (table.attributes.get("routes") or []) if table is not None else []:
        if not isinstance(r, Mapping) or (n := parse_net(str(r.get("destination") or ""))) is None:
            continue
        out.append(
            Route(
                net=n,
                hop=str(r.get("target_type") or "other"),
                node=table.id if table is not None else "",
                user=True,
                name=str(r.get("name") or ""),
                target=str(r.get("target_id") or ""),
            )
        )
    return out


def best(rs: Sequence[Route], d: Net) -> Route | None:
    """The route ``d`` takes: the longest holding it, a user route on a tie."""
    cover = [r for r in rs if r.net.version == d.version and d.subnet_of(r.net)]  # type: ignore[arg-type]
    return max(cover, key=lambda r: (r.net.prefixlen, r.user), default=None)


@dataclass(frozen=True, kw_only=True, slots=True)
class WayOut:
    """How traffic routed to the Internet leaves one IP configuration."""

    how: str
    """``nat``, ``public ip``, ``load balancer``, ``default outbound access``, ``none`` (no
    way out: default outbound access disabled) or ``unknown`` (not recorded)."""
    node: str = ""
    """The resource carrying it: the NAT gateway, public IP, load balancer or subnet."""
    rule: str = ""
    """The load balancer's outbound rule."""


def outbound_rule(balancers: Iterable[Resource], pools: Iterable[str]) -> tuple[str, str] | None:
    """(load balancer, rule) giving ``pools`` outbound SNAT, first by id: a Standard load
    balancer's outbound rule for one of them, else a load-balancing rule on a public
    frontend that does not disable outbound SNAT (Azure's default SNAT through it)."""
    held = {str(p).lower() for p in pools}
    lbs = sorted((lb for lb in balancers if lb.cloud == "azure"), key=lambda r: r.id)
    for lb in lbs:
        if str(lb.attributes.get("sku") or "standard").lower() == "basic":
            continue
        for r in lb.attributes.get("outbound_rules") or []:
            if isinstance(r, Mapping) and str(r.get("backend_pool_id") or "").lower() in held:
                return lb.id, str(r.get("name") or "")
    for lb in lbs:
        public = {
            str(f.get("id") or "").lower()
            for f in lb.attributes.get("frontends") or []
            if isinstance(f, Mapping) and f.get("public_ip_id")
        }
        for r in lb.attributes.get("rules") or []:
            if not isinstance(r, Mapping) or r.get("disable_outbound_snat"):
                continue
            pools_of = {str(p).lower() for p in r.get("backend_pool_ids") or []}
            if str(r.get("frontend_id") or "").lower() in public and held & pools_of:
                return lb.id, f"{r.get('name')} (load-balancing rule SNAT)"
    return None


def internet_way(
    subnet: Resource, public_ips: Sequence[str], pools: Sequence[str], balancers: Iterable[Resource]
) -> WayOut:
    """The way out of an IP configuration in ``subnet`` with ``public_ips`` in the load
    balancer backend ``pools``, by Azure's order of precedence."""
    nat = subnet.attributes.get("nat_gateway_id")
    if nat:
        return WayOut(how="nat", node=str(nat))
    if public_ips:
        return WayOut(how="public ip", node=str(public_ips[0]))
    if (lb := outbound_rule(balancers, pools)) is not None:
        return WayOut(how="load balancer", node=lb[0], rule=lb[1])
    access = subnet.attributes.get("default_outbound_access")
    if access is None:
        return WayOut(how="unknown", node=subnet.id)
    if access is False:
        return WayOut(how="none", node=subnet.id)
    return WayOut(how="default outbound access", node=subnet.id)
