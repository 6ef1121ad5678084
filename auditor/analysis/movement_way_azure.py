"""How an Azure sender's packets left: decided per IP configuration and subnet, as Azure does.

A VNet holding a NAT gateway says nothing about one sender: a NAT gateway serves the
subnets it is attached to. The sender's IP configuration (found by its private
address) takes the route of its subnet (:mod:`.network.outbound_azure_way`, the same
route choice and way out the outbound model uses):

- a user route to a ``VirtualAppliance`` (a firewall or another appliance) sends it
  through that appliance: named; when the appliance's address is on a collected NIC,
  that NIC's own way out follows, else its way out is not known and the medium says so;
- routed to the Internet: the subnet's NAT gateway (``nat``), else a public IP on the
  IP configuration (``public addresses``), else a Standard load balancer's outbound
  rule for its backend pool (``load balancer outbound``), else the subnet's default
  outbound access; ``defaultOutboundAccess: false`` leaves no way out, so a record of
  such egress is model drift (``none``, named in :attr:`Way.reason`);
- anything that cannot be told (no NIC holds the address, no subnet, VNet or route
  table collected, a route to a VPN gateway, default outbound access not recorded) is
  ``unknown`` with the reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.analysis.network.addresses import collapse, internet_space, net_intersect, nets_of
from auditor.analysis.network.outbound_azure_way import (
    active_peerings,
    best,
    internet_way,
    routes,
)
from auditor.model import Kind, Resource

UNKNOWN = "unknown"
_MEDIUM = {
    "nat": "nat",
    "public ip": "public addresses",
    "load balancer": "load balancer outbound",
    "default outbound access": "default outbound access",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Way:
    """How one sender's packet left: the medium, its kind, the resource carrying it, why."""

    medium: str
    """The data-movement map's label."""
    kind: str
    """``nat``, ``public ip``, ``load balancer``, ``default outbound access``, ``local``,
    ``peering``, ``none`` (no way out: model drift) or ``unknown``."""
    target: str = ""
    reason: str = ""


def _unknown(reason: str, target: str = "") -> Way:
    return Way(medium=UNKNOWN, kind=UNKNOWN, target=target, reason=reason)


class Egress:
    """Azure senders' IP configurations, subnets, route tables and load balancers."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        rs = sorted((r for r in resources if r.cloud == "azure"), key=lambda r: r.id)
        self._by_id = {r.id: r for r in rs}
        self._senders: dict[str, tuple[Resource, Mapping[str, Any]]] = {}
        self._peerings = [r for r in rs if r.kind == Kind.PEERING]
        self._balancers = [r for r in rs if r.kind == Kind.LOAD_BALANCER]
        self._seen: dict[tuple[str, str, str], Way] = {}
        for nic in (r for r in rs if r.kind == Kind.INTERFACE):
            configs = [c for c in nic.attributes.get("ip_configurations") or [] if c]
            for c in configs:
                if c.get("private_ip"):
                    self._senders.setdefault(str(c["private_ip"]), (nic, c))
            for ip in nic.attributes.get("private_ips") or []:
                self._senders.setdefault(str(ip), (nic, {}))

    def way(self, address: str, destination: str, *, via: str = "") -> Way:
        """How a packet from ``address`` (an Azure sender) to ``destination`` left
        (remembered: the map and the rules ask flow after flow)."""
        key = (address, destination, via)
        if key not in self._seen:
            self._seen[key] = self._way(address, destination, via)
        return self._seen[key]

    def _way(self, address: str, destination: str, via: str) -> Way:
        try:
            dest = nets_of([f"{ipaddress.ip_address(destination)}"])[0]
        except ValueError:
            return _unknown(f"{address} -> {destination} is not two addresses")
        got = self._senders.get(address)
        if got is None:
            return _unknown(f"{address} is on no collected NIC")
        nic, config = got
        subnet = self._by_id.get(str(config.get("subnet_id") or nic.attributes.get("subnet_id")))
        vnet = self._by_id.get(str(subnet.attributes.get("vpc_id"))) if subnet else None
        if subnet is None or vnet is None:
            return _unknown(f"the subnet or VNet of NIC {nic.name} was not collected")
        table_id = str(subnet.attributes.get("route_table_id") or "")
        table = self._by_id.get(table_id)
        if table_id and table is None:
            return _unknown(
                f"route table {table_id.rsplit('/', 1)[-1]} of {subnet.name} was not collected"
            )
        space = collapse(nets_of(str(c) for c in vnet.attributes.get("cidrs") or []))
        r = best(routes(vnet.id, space, active_peerings(self._peerings, vnet.id), table), dest)
        if r is None or r.hop == "none":
            by = f"user route {r.name} of {table.name if table else ''}" if r and r.user else ""
            if by:
                return Way(
                    medium="none",
                    kind="none",
                    target=r.node if r else "",
                    reason=f"{by} drops {destination} (next hop None): a record of it leaving is "
                    "model drift",
                )
            return _unknown(
                f"no route of subnet {subnet.name} delivers {destination} (routes learned "
                "from a VPN or ExpressRoute gateway are not collected)"
            )
        if r.hop in ("local", "peering"):
            return Way(medium=r.hop, kind=r.hop, target=r.node)
        if r.hop == "appliance":
            return self._appliance(r.target, r.name, address, destination, via)
        if r.hop != "internet":
            return _unknown(f"user route {r.name} sends it to {r.hop} {r.target}".rstrip())
        if not net_intersect([dest], internet_space(dest.version)):
            return _unknown(f"{destination} is private: the Internet next hop does not deliver it")
        return self._internet(nic, config, subnet)

    def _internet(self, nic: Resource, config: Mapping[str, Any], subnet: Resource) -> Way:
        """Routed to the Internet: the way out of the IP configuration ``config`` of ``nic``
        (the NIC's own addresses and pools when the configuration is not recorded)."""
        pips = [str(config["public_ip_id"])] if config.get("public_ip_id") else []
        pools = [str(p) for p in config.get("lb_backend_pool_ids") or []]
        if not config:
            pips = [str(p) for p in nic.attributes.get("public_ip_ids") or []]
            pools = [str(p) for p in nic.attributes.get("lb_backend_pool_ids") or []]
        out = internet_way(subnet, pips, pools, self._balancers)
        if out.how in _MEDIUM:
            return Way(medium=_MEDIUM[out.how], kind=out.how, target=out.node)
        if out.how == "none":
            return Way(
                medium="none",
                kind="none",
                target=subnet.id,
                reason=f"subnet {subnet.name} has no NAT gateway and default outbound access "
                f"disabled, and NIC {nic.name} no public IP or load balancer outbound rule: a "
                "record of it leaving is model drift",
            )
        return _unknown(
            f"whether subnet {subnet.name} (no NAT gateway, no public IP or outbound rule for "
            f"NIC {nic.name}) has default outbound access is not recorded",
            subnet.id,
        )

    def _appliance(self, hop: str, route: str, address: str, destination: str, via: str) -> Way:
        """Through the appliance at ``hop``: its own way out when its NIC was collected."""
        name = f"virtual appliance {hop}"
        if hop in self._senders and not via and hop != address:
            inner = self.way(hop, destination, via=hop)
            return Way(
                medium=f"{name}, then {inner.medium}",
                kind=inner.kind,
                target=inner.target,
                reason=f"user route {route} sends it through {name}; {inner.reason}"
                if inner.reason
                else "",
            )
        why = f"user route {route} sends it through {name}, whose own way out was not collected"
        return Way(medium=f"{name} (its way out not collected)", kind=UNKNOWN, reason=why)
