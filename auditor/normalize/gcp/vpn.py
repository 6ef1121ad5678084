"""GCP site-to-site links: HA and classic VPN gateways, external VPN gateways, VPN tunnels,
Interconnect attachments.

A VPN tunnel runs from a VPN gateway of a network (``vpnGateway`` for HA VPN,
``targetVpnGateway`` for classic VPN) to ``peerIp``: the interface of an
external VPN gateway (``peerExternalGateway``), another GCP HA VPN gateway
(``peerGcpGateway``) or any address. Its remote address space is its remote
traffic selector (policy-based) or what its Cloud Router learns over BGP (not
exported by Cloud Asset). An Interconnect attachment joins a Cloud Router's
network to a dedicated or partner interconnect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import LINKS_TO
from auditor.base.kinds.network import PEER_GATEWAY, SITE_LINK, VPN_GATEWAY
from auditor.model import RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import (
    SOURCE,
    data,
    full_name,
    labels,
    last,
    location,
    region_of,
    sorted_str,
)


def _region(rec: RawRecord, d: Mapping[str, Any]) -> str:
    return region_of(last(d.get("region")) or location(rec))


def _ips(interfaces: Any) -> list[str]:
    return sorted_str(i.get("ipAddress") for i in interfaces or [] if i.get("ipAddress"))


def _gateway(rec: RawRecord, out: Builder, public_ips: list[str] | None) -> None:
    d = data(rec)
    net = full_name(d.get("network"))
    out.resource(
        id=str(rec.data["name"]),
        cloud="gcp",
        kind=VPN_GATEWAY,
        account=rec.account,
        region=_region(rec, d),
        name=str(d.get("name") or last(str(rec.data["name"]))),
        tags=labels(d),
        attributes={
            "gateway_type": "vpn",
            "vpc_ids": [net] if net else [],
            "public_ips": public_ips,
            "asn": None,
        },
        source=SOURCE,
    )


@normalizes("gcp", "compute.googleapis.com/VpnGateway")
def ha_vpn_gateway(rec: RawRecord, out: Builder) -> None:
    _gateway(rec, out, _ips(data(rec).get("vpnInterfaces")))


@normalizes("gcp", "compute.googleapis.com/TargetVpnGateway")
def target_vpn_gateway(rec: RawRecord, out: Builder) -> None:
    """A classic VPN gateway: its addresses are its forwarding rules' (not read here)."""
    _gateway(rec, out, None)


@normalizes("gcp", "compute.googleapis.com/ExternalVpnGateway")
def external_vpn_gateway(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    out.resource(
        id=str(rec.data["name"]),
        cloud="gcp",
        kind=PEER_GATEWAY,
        account=rec.account,
        region="global",
        name=str(d.get("name") or last(str(rec.data["name"]))),
        tags=labels(d),
        attributes={
            "ip_addresses": _ips(d.get("interfaces")),
            "address_prefixes": None,
            "asn": None,
            "bgp_peer_ip": None,
            "state": None,
        },
        source=SOURCE,
    )


@normalizes("gcp", "compute.googleapis.com/VpnTunnel")
def vpn_tunnel(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    tid = str(rec.data["name"])
    local = full_name(d.get("vpnGateway")) or full_name(d.get("targetVpnGateway")) or ""
    peer = full_name(d.get("peerExternalGateway")) or full_name(d.get("peerGcpGateway")) or ""
    remote = sorted_str(d.get("remoteTrafficSelector"))
    out.resource(
        id=tid,
        cloud="gcp",
        kind=SITE_LINK,
        account=rec.account,
        region=_region(rec, d),
        name=str(d.get("name") or last(tid)),
        tags=labels(d),
        attributes={
            "link_type": "vpn",
            "status": str(d.get("status") or "").lower() or None,
            "local_gateway": local or None,
            "peer_gateway": peer or None,
            "local_ips": None,
            "peer_ips": [str(d["peerIp"])] if d.get("peerIp") else [],
            "peer_asn": None,
            # 0.0.0.0/0 is the route-based default: the routes decide, not the selector.
            "remote_prefixes": [r for r in remote if r != "0.0.0.0/0"] or None,
            "routing": "bgp" if d.get("router") else "static",
            "vpc_ids": None,
        },
        source=SOURCE,
    )
    if local:
        out.relation(tid, local, LINKS_TO, f"tunnel on {last(local)}", {"side": "local"})
    if peer:
        out.relation(tid, peer, LINKS_TO, f"tunnel to {last(peer)}", {"side": "peer"})


@normalizes("gcp", "compute.googleapis.com/InterconnectAttachment")
def interconnect_attachment(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    aid = str(rec.data["name"])
    router = full_name(d.get("router")) or ""
    peer = full_name(d.get("interconnect")) or ""
    partner = (d.get("partnerMetadata") or {}).get("partnerName")
    out.resource(
        id=aid,
        cloud="gcp",
        kind=SITE_LINK,
        account=rec.account,
        region=_region(rec, d),
        name=str(d.get("name") or last(aid)),
        tags=labels(d),
        attributes={
            "link_type": "interconnect",
            "status": str(d.get("state") or "").lower() or None,
            "local_gateway": router or None,
            "peer_gateway": peer or (f"partner:{partner}" if partner else None),
            "local_ips": None,
            "peer_ips": [],
            "peer_asn": None,
            "remote_prefixes": None,
            "routing": "bgp",
            "vpc_ids": None,
        },
        source=SOURCE,
    )
    if router:
        out.relation(aid, router, LINKS_TO, f"attachment on {last(router)}", {"side": "local"})
