"""EC2 site-to-site VPN: VPN connections (site links) and customer gateways (their far ends).

A VPN connection ends at a virtual private gateway (attached to a VPC) or a
transit gateway on the AWS side and at a customer gateway on the other. The
AWS-side tunnel outside addresses (``VgwTelemetry``, the tunnel options, or
``TunnelOutsideIpAddresses`` read by the collector) let the analysis match the
far side of another cloud's tunnel to this connection
(:mod:`auditor.analysis.network.cross_cloud`). The remote address space is the
connection's static routes (and the tunnels' remote network option).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import LINKS_TO
from auditor.base.kinds.network import PEER_GATEWAY, SITE_LINK
from auditor.model import RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_network import ec2_arn, name_of

_DEAD = ("deleted", "deleting")


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


@normalizes("aws", "ec2:customer_gateway")
def customer_gateway(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    if d.get("State") in _DEAD:
        return
    cgw = str(d["CustomerGatewayId"])
    tags = tags_of(d.get("Tags"))
    ip = d.get("IpAddress")
    out.resource(
        id=ec2_arn(rec.region, rec.account, cgw, "customer-gateway"),
        cloud="aws",
        kind=PEER_GATEWAY,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, cgw),
        tags=tags,
        attributes={
            "ip_addresses": [str(ip)] if ip else [],
            "asn": _int(d.get("BgpAsn")) if d.get("BgpAsn") is not None else None,
            "address_prefixes": None,
            "bgp_peer_ip": None,
            "state": str(d.get("State") or "").lower() or None,
        },
        source="ec2:DescribeCustomerGateways",
    )


def _outside_ips(d: Mapping[str, Any]) -> list[str]:
    ips = {
        str(t["OutsideIpAddress"]) for t in d.get("VgwTelemetry") or [] if t.get("OutsideIpAddress")
    }
    for t in (d.get("Options") or {}).get("TunnelOptions") or []:
        if t.get("OutsideIpAddress"):
            ips.add(str(t["OutsideIpAddress"]))
    ips.update(str(i) for i in d.get("TunnelOutsideIpAddresses") or [])
    return sorted(ips)


def _remote_prefixes(d: Mapping[str, Any]) -> list[str] | None:
    opts = d.get("Options") or {}
    routes = [
        str(r["DestinationCidrBlock"])
        for r in d.get("Routes") or []
        if r.get("DestinationCidrBlock") and r.get("State") not in _DEAD
    ]
    remote = opts.get("RemoteIpv4NetworkCidr")
    if remote and remote != "0.0.0.0/0":
        routes.append(str(remote))
    if routes:
        return sorted(set(routes))
    return None if not opts.get("StaticRoutesOnly") else []


@normalizes("aws", "ec2:vpn_connection")
def vpn_connection(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    if d.get("State") in _DEAD:
        return
    vpn = str(d["VpnConnectionId"])
    arn = ec2_arn(rec.region, rec.account, vpn, "vpn-connection")
    tags = tags_of(d.get("Tags"))
    local = ""
    if d.get("VpnGatewayId"):
        local = ec2_arn(rec.region, rec.account, str(d["VpnGatewayId"]), "vpn-gateway")
    elif d.get("TransitGatewayId"):
        local = ec2_arn(rec.region, rec.account, str(d["TransitGatewayId"]), "transit-gateway")
    peer = ""
    if d.get("CustomerGatewayId"):
        peer = ec2_arn(rec.region, rec.account, str(d["CustomerGatewayId"]), "customer-gateway")
    static = (d.get("Options") or {}).get("StaticRoutesOnly")
    out.resource(
        id=arn,
        cloud="aws",
        kind=SITE_LINK,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, vpn),
        tags=tags,
        attributes={
            "link_type": "vpn",
            "status": str(d.get("State") or "").lower() or None,
            "local_gateway": local or None,
            "peer_gateway": peer or None,
            "local_ips": _outside_ips(d),
            "peer_ips": None,
            "peer_asn": None,
            "remote_prefixes": _remote_prefixes(d),
            "routing": None if static is None else ("static" if static else "bgp"),
            "vpc_ids": None,
        },
        source="ec2:DescribeVpnConnections",
    )
    if local:
        out.relation(
            arn, local, LINKS_TO, f"{vpn} on {local.rsplit('/', 1)[-1]}", {"side": "local"}
        )
    if peer:
        out.relation(arn, peer, LINKS_TO, f"{vpn} to {peer.rsplit('/', 1)[-1]}", {"side": "peer"})
