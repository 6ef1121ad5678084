"""Azure site-to-site links: virtual network gateways, local network gateways, connections,
ExpressRoute circuits.

A virtual network gateway (``gatewayType`` ``Vpn`` or ``ExpressRoute``) sits in
its VNet's ``GatewaySubnet``; its public addresses are public IP resources (read
by the analysis from their own rows). A local network gateway is the far end of
an IPsec connection (``gatewayIpAddress`` and the address prefixes behind it).
A connection joins a virtual network gateway to a local network gateway
(``IPsec``), another virtual network gateway (``Vnet2Vnet``) or an ExpressRoute
circuit (``peer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import LINKS_TO
from auditor.base.kinds.network import PEER_GATEWAY, SITE_LINK, VPN_GATEWAY
from auditor.model import RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props, ref_id
from auditor.normalize.azure.network import vnet_of_subnet

_LINK_TYPES = {"ipsec": "vpn", "vnet2vnet": "vnet2vnet", "expressroute": "expressroute"}


def _asn(bgp: Any) -> int | None:
    if isinstance(bgp, Mapping) and bgp.get("asn") is not None:
        try:
            return int(bgp["asn"])
        except (TypeError, ValueError):
            return None
    return None


def _sub(item: Mapping[str, Any]) -> Mapping[str, Any]:
    p = item.get("properties")
    return p if isinstance(p, Mapping) else item


@normalizes("azure", "microsoft.network/virtualnetworkgateways")
def virtual_network_gateway(rec: RawRecord, out: Builder) -> None:
    p = props(rec)
    base = place(rec)
    vnets: set[str] = set()
    pip_ids: set[str] = set()
    for conf in p.get("ipConfigurations") or []:
        c = _sub(conf)
        if (subnet := ref_id(c.get("subnet"))) and (vnet := vnet_of_subnet(subnet)):
            vnets.add(vnet)
        if pip := ref_id(c.get("publicIPAddress")):
            pip_ids.add(pip)
    bgp = p.get("bgpSettings") or {}
    tunnel_ips = {
        str(ip)
        for a in (bgp.get("bgpPeeringAddresses") or [] if isinstance(bgp, Mapping) else [])
        for ip in a.get("tunnelIpAddresses") or []
    }
    out.resource(
        **base,
        kind=VPN_GATEWAY,
        attributes={
            "gateway_type": "expressroute"
            if str(p.get("gatewayType") or "").lower() == "expressroute"
            else "vpn",
            "vpc_ids": sorted(vnets),
            "public_ip_ids": sorted(pip_ids),
            "public_ips": sorted(tunnel_ips),
            "asn": _asn(bgp),
        },
    )


@normalizes("azure", "microsoft.network/localnetworkgateways")
def local_network_gateway(rec: RawRecord, out: Builder) -> None:
    p = props(rec)
    bgp = p.get("bgpSettings") or {}
    space = p.get("localNetworkAddressSpace") or {}
    ip = p.get("gatewayIpAddress")
    out.resource(
        **place(rec),
        kind=PEER_GATEWAY,
        attributes={
            "ip_addresses": [str(ip)] if ip else [],
            "address_prefixes": sorted({str(x) for x in space.get("addressPrefixes") or []}),
            "asn": _asn(bgp),
            "bgp_peer_ip": bgp.get("bgpPeeringAddress") if isinstance(bgp, Mapping) else None,
            "state": str(p.get("provisioningState") or "").lower() or None,
        },
    )


@normalizes("azure", "microsoft.network/expressroutecircuits")
def expressroute_circuit(rec: RawRecord, out: Builder) -> None:
    """An ExpressRoute circuit: the provider's side of ExpressRoute connections."""
    p = props(rec)
    prefixes: set[str] = set()
    asn: int | None = None
    for peering in p.get("peerings") or []:
        q = _sub(peering)
        for key in ("primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"):
            if q.get(key):
                prefixes.add(str(q[key]))
        asn = asn or _asn({"asn": q.get("peerASN")})
    out.resource(
        **place(rec),
        kind=PEER_GATEWAY,
        attributes={
            "ip_addresses": [],
            "address_prefixes": sorted(prefixes),
            "asn": asn,
            "bgp_peer_ip": None,
            "state": str(p.get("serviceProviderProvisioningState") or "").lower() or None,
        },
    )


def _selectors(p: Mapping[str, Any]) -> list[str]:
    return sorted(
        {
            str(r)
            for pol in p.get("trafficSelectorPolicies") or []
            for r in _sub(pol).get("remoteAddressRanges") or []
        }
    )


@normalizes("azure", "microsoft.network/connections")
def connection(rec: RawRecord, out: Builder) -> None:
    p = props(rec)
    base = place(rec)
    ctype = str(p.get("connectionType") or "").lower()
    local = ref_id(p.get("virtualNetworkGateway1")) or ""
    peer = (
        ref_id(p.get("localNetworkGateway2"))
        or ref_id(p.get("virtualNetworkGateway2"))
        or ref_id(p.get("peer"))
        or ""
    )
    status = p.get("connectionStatus") or p.get("provisioningState")
    out.resource(
        **base,
        kind=SITE_LINK,
        attributes={
            "link_type": _LINK_TYPES.get(ctype, ctype or None),
            "status": str(status).lower() if status else None,
            "local_gateway": local or None,
            "peer_gateway": peer or None,
            "local_ips": None,
            "peer_ips": None,
            "peer_asn": None,
            "remote_prefixes": _selectors(p) or None,
            "routing": "bgp" if p.get("enableBgp") else "static",
            "vpc_ids": None,
        },
    )
    cid = lid(rec.data["id"])
    if local:
        out.relation(cid, local, LINKS_TO, "connection on its gateway", {"side": "local"})
    if peer:
        out.relation(cid, peer, LINKS_TO, f"connection ({ctype}) to its peer", {"side": "peer"})
