"""VPC networks, peerings, subnetworks, firewall rules, routes, Cloud Routers/NAT, PSC.

GCP specifics kept visible for the network analysis
(:mod:`auditor.analysis.network.gcp`): firewall rules are per network with a
priority, a direction, allow or deny, and targets (tags, service accounts or
all instances); every network also has the two implied rules (deny all
ingress, allow all egress, priority 65535), added here as firewall resources
with ``implied: true``. Routes are per network, optionally limited to tagged
instances; ``default-internet-gateway`` is one gateway node per project.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import ATTACHED_TO, MEMBER_OF, PEERS_WITH, ROUTES_VIA
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import (
    SOURCE,
    data,
    full_name,
    labels,
    last,
    location,
    project_of,
    refs,
    region_of,
    sorted_str,
)
from auditor.normalize.gcp.logs import subnet_flow_log

PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
IMPLIED_PRIORITY = 65535


def internet_gateway_id(project: str) -> str:
    """The node standing for a project's ``default-internet-gateway``."""
    return f"//compute.googleapis.com/projects/{project}/global/gateways/default-internet-gateway"


def _ports(rule: Mapping[str, Any]) -> list[dict[str, JSONValue]]:
    proto = str(rule.get("IPProtocol") or rule.get("ipProtocol") or "all").lower()
    proto = PROTOCOLS.get(proto, proto)
    ports = [str(p) for p in rule.get("ports") or []]
    if not ports:
        return [{"protocol": proto, "from_port": None, "to_port": None}]
    out: list[dict[str, JSONValue]] = []
    for p in ports:
        lo, _, hi = p.partition("-")
        out.append({"protocol": proto, "from_port": int(lo), "to_port": int(hi or lo)})
    return out


def _firewall_attrs(
    *,
    network: str,
    fid: str,
    priority: int,
    direction: str,
    action: str,
    rules: list[dict[str, JSONValue]],
    source_ranges: list[str],
    destination_ranges: list[str],
    implied: bool,
    d: Mapping[str, Any] | None = None,
) -> dict[str, JSONValue]:
    d = d or {}
    return {
        "vpc_id": network,
        "group_id": fid,
        "priority": priority,
        "direction": direction,
        "action": action,
        "rules": rules,
        "disabled": bool(d.get("disabled", False)),
        "source_ranges": source_ranges,
        "destination_ranges": destination_ranges,
        "source_tags": sorted_str(d.get("sourceTags")),
        "target_tags": sorted_str(d.get("targetTags")),
        "source_service_accounts": sorted_str(d.get("sourceServiceAccounts")),
        "target_service_accounts": sorted_str(d.get("targetServiceAccounts")),
        "implied": implied,
        "ingress": None,
        "egress": None,
    }


def _peering(
    rec: RawRecord, out: Builder, nid: str, name: str, p: Mapping[str, Any]
) -> dict[str, JSONValue]:
    """One peering of network ``nid`` as a peering resource; returns its summary for the network.

    GCP lists a peering on each network that has it: this is one side's view,
    with no CIDRs (a network has none of its own; its subnetworks do).
    """
    project = project_of(nid) or rec.account
    peer = full_name(p.get("network"))
    pname = str(p.get("name") or "")
    state = str(p.get("state") or "").lower() or None
    pid = f"{nid}/peerings/{pname}"
    side: dict[str, JSONValue] = {
        "account": project,
        "region": "global",
        "vpc_id": nid,
        "cidrs": None,
    }
    other: dict[str, JSONValue] = {
        "account": project_of(peer or "") or None,
        "region": "global",
        "vpc_id": peer,
        "cidrs": None,
    }
    out.resource(
        id=pid,
        cloud="gcp",
        kind=Kind.PEERING,
        account=rec.account,
        region="global",
        name=pname,
        attributes={
            "requester": side,
            "accepter": other,
            "status": state,
            "exchange_subnet_routes": bool(p.get("exchangeSubnetRoutes", True)),
            "export_custom_routes": bool(p.get("exportCustomRoutes", False)),
            "import_custom_routes": bool(p.get("importCustomRoutes", False)),
        },
        source=SOURCE,
    )
    out.relation(pid, nid, PEERS_WITH, f"peering {pname} of {name}")
    if peer:
        out.relation(pid, peer, PEERS_WITH, f"peering {pname} to {last(peer)}")
    return {
        "name": pname,
        "network": peer,
        "state": state,
        "export_custom_routes": bool(p.get("exportCustomRoutes", False)),
        "import_custom_routes": bool(p.get("importCustomRoutes", False)),
    }


def _implied_firewalls(rec: RawRecord, out: Builder, nid: str) -> None:
    """The implied rules every VPC network has (not returned by the API), as firewalls."""
    for fid, direction, action, ranges in (
        (f"{nid}/firewalls/implied-deny-ingress", "ingress", "deny", ["0.0.0.0/0"]),
        (f"{nid}/firewalls/implied-allow-egress", "egress", "allow", ["0.0.0.0/0"]),
    ):
        out.resource(
            id=fid,
            cloud="gcp",
            kind=Kind.FIREWALL,
            account=rec.account,
            region="global",
            name=last(fid),
            attributes=_firewall_attrs(
                network=nid,
                fid=fid,
                priority=IMPLIED_PRIORITY,
                direction=direction,
                action=action,
                rules=[{"protocol": "-1", "from_port": None, "to_port": None}],
                source_ranges=ranges if direction == "ingress" else [],
                destination_ranges=ranges if direction == "egress" else [],
                implied=True,
            ),
            source="implied",
        )


@normalizes("gcp", "compute.googleapis.com/Network")
def network(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    nid = str(rec.data["name"])
    name = str(d.get("name") or last(nid))
    peerings = [_peering(rec, out, nid, name, p) for p in d.get("peerings") or []]
    out.resource(
        id=nid,
        cloud="gcp",
        kind=Kind.NETWORK,
        account=rec.account,
        region="global",
        name=name,
        tags=labels(d),
        attributes={
            "vpc_id": nid,
            "cidrs": None,
            "is_default": name == "default",
            "auto_create_subnetworks": d.get("autoCreateSubnetworks"),
            "routing_mode": (d.get("routingConfig") or {}).get("routingMode"),
            "subnetworks": refs(d.get("subnetworks")),
            "peerings": sorted(peerings, key=lambda p: str(p["name"])),
        },
        source=SOURCE,
    )
    _implied_firewalls(rec, out, nid)


def _ipv6_ranges(d: Mapping[str, Any]) -> list[str] | None:
    """A subnetwork's IPv6 ranges: [] for an IPv4-only one (the default stack), None when
    it is dual-stack but names no range."""
    found = sorted_str(
        v for k in ("ipv6CidrRange", "externalIpv6Prefix", "internalIpv6Prefix") if (v := d.get(k))
    )
    if found or str(d.get("stackType") or "IPV4_ONLY") == "IPV4_ONLY":
        return found
    return None


@normalizes("gcp", "compute.googleapis.com/Subnetwork")
def subnetwork(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    sid = str(rec.data["name"])
    net = full_name(d.get("network"))
    out.resource(
        id=sid,
        cloud="gcp",
        kind=Kind.SUBNET,
        account=rec.account,
        region=region_of(last(d.get("region")) or location(rec)),
        name=str(d.get("name") or last(sid)),
        attributes={
            "vpc_id": net,
            "cidr": d.get("ipCidrRange"),
            "secondary_cidrs": sorted_str(
                r.get("ipCidrRange") for r in d.get("secondaryIpRanges") or []
            ),
            "az": None,
            "map_public_ip_on_launch": None,
            "subnet_id": sid,
            "private_google_access": d.get("privateIpGoogleAccess"),
            "purpose": d.get("purpose"),
            "ipv6_cidrs": _ipv6_ranges(d),
        },
        source=SOURCE,
    )
    if net:
        out.relation(sid, net, MEMBER_OF, f"subnetwork of {last(net)}")
    subnet_flow_log(rec, out, sid, region_of(last(d.get("region")) or location(rec)))


@normalizes("gcp", "compute.googleapis.com/Firewall")
def firewall(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    fid = str(rec.data["name"])
    net = full_name(d.get("network")) or ""
    direction = str(d.get("direction") or "INGRESS").lower()
    allowed, denied = d.get("allowed") or [], d.get("denied") or []
    action = "deny" if denied and not allowed else "allow"
    rules = [p for r in (allowed or denied) for p in _ports(r)]
    out.resource(
        id=fid,
        cloud="gcp",
        kind=Kind.FIREWALL,
        account=rec.account,
        region="global",
        name=str(d.get("name") or last(fid)),
        attributes=_firewall_attrs(
            network=net,
            fid=fid,
            priority=int(d.get("priority", 1000)),
            direction=direction,
            action=action,
            rules=sorted(rules, key=lambda r: (str(r["protocol"]), str(r["from_port"]))),
            source_ranges=sorted_str(d.get("sourceRanges"))
            or (
                ["0.0.0.0/0"]
                if direction == "ingress"
                and not d.get("sourceTags")
                and not d.get("sourceServiceAccounts")
                else []
            ),
            destination_ranges=sorted_str(d.get("destinationRanges"))
            or (["0.0.0.0/0"] if direction == "egress" else []),
            implied=False,
            d=d,
        ),
        source=SOURCE,
    )
    if net:
        out.relation(fid, net, ATTACHED_TO, f"firewall rule of {last(net)}")


def _next_hop(d: Mapping[str, Any]) -> tuple[str, str | None]:
    if d.get("nextHopGateway"):
        gw = str(d["nextHopGateway"])
        return ("internet" if gw.endswith("default-internet-gateway") else "other"), full_name(gw)
    if d.get("nextHopPeering"):
        return "peering", str(d["nextHopPeering"])
    if d.get("nextHopInstance"):
        return "instance", full_name(d["nextHopInstance"])
    if d.get("nextHopIlb"):
        return "ilb", full_name(d["nextHopIlb"]) or str(d["nextHopIlb"])
    if d.get("nextHopVpnTunnel"):
        return "vpn", full_name(d["nextHopVpnTunnel"])
    if d.get("nextHopIp"):
        return "ip", str(d["nextHopIp"])
    if d.get("nextHopNetwork"):
        return "local", full_name(d["nextHopNetwork"])
    return "other", None


@normalizes("gcp", "compute.googleapis.com/Route")
def route(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    rid = str(rec.data["name"])
    net = full_name(d.get("network")) or ""
    hop_type, hop = _next_hop(d)
    project = project_of(rid) or rec.account
    if hop_type == "internet":
        hop = internet_gateway_id(project)
        out.resource(
            id=hop,
            cloud="gcp",
            kind=Kind.GATEWAY,
            account=rec.account,
            region="global",
            name="default-internet-gateway",
            attributes={
                "gateway_type": "internet",
                "vpc_ids": None,
                "public_ips": None,
                "subnet_id": None,
                "connectivity": "public",
            },
            source="implied",
        )
    out.resource(
        id=rid,
        cloud="gcp",
        kind="route",
        account=rec.account,
        region="global",
        name=str(d.get("name") or last(rid)),
        attributes={
            "vpc_id": net,
            "destination": d.get("destRange"),
            "priority": int(d.get("priority", 1000)),
            "tags": sorted_str(d.get("tags")),
            "next_hop_type": hop_type,
            "next_hop": hop,
            "route_type": d.get("routeType"),
        },
        source=SOURCE,
    )
    if net:
        out.relation(rid, net, ATTACHED_TO, f"route of {last(net)}")
    if hop and hop_type in ("internet", "instance", "ilb", "vpn", "other"):
        out.relation(rid, hop, ROUTES_VIA, f"route {d.get('destRange')} -> {last(hop)}")


@normalizes("gcp", "compute.googleapis.com/Router")
def router(rec: RawRecord, out: Builder) -> None:
    """A Cloud Router; each Cloud NAT on it is an egress-only NAT gateway."""
    d = data(rec)
    rid = str(rec.data["name"])
    net = full_name(d.get("network")) or ""
    region = region_of(last(d.get("region")) or location(rec))
    out.resource(
        id=rid,
        cloud="gcp",
        kind=Kind.GATEWAY,
        account=rec.account,
        region=region,
        name=str(d.get("name") or last(rid)),
        attributes={
            "gateway_type": "router",
            "vpc_ids": [net] if net else [],
            "public_ips": None,
            "subnet_id": None,
            "connectivity": "private",
            "asn": (d.get("bgp") or {}).get("asn"),
        },
        source=SOURCE,
    )
    if net:
        out.relation(rid, net, ATTACHED_TO, f"Cloud Router on {last(net)}")
    for nat in d.get("nats") or []:
        nid = f"{rid}/nats/{nat.get('name')}"
        out.resource(
            id=nid,
            cloud="gcp",
            kind=Kind.GATEWAY,
            account=rec.account,
            region=region,
            name=str(nat.get("name") or ""),
            attributes={
                "gateway_type": "nat",
                "vpc_ids": [net] if net else [],
                "public_ips": refs(nat.get("natIps")),
                "subnet_id": None,
                "connectivity": "public",
                "egress_only": True,
                "source_subnetworks": nat.get("sourceSubnetworkIpRangesToNat"),
                **_nat_subnetworks(nat),
            },
            source=SOURCE,
        )
        if net:
            out.relation(nid, net, ATTACHED_TO, f"Cloud NAT {nat.get('name')} on {last(net)}")


def _nat_subnetworks(nat: dict[str, Any]) -> dict[str, JSONValue]:
    """For a ``LIST_OF_SUBNETWORKS`` Cloud NAT, ``nat_subnetworks``: each subnetwork it
    serves with the ranges it translates (``ALL_IP_RANGES``, ``PRIMARY_IP_RANGE``,
    ``LIST_OF_SECONDARY_IP_RANGES``) and the secondary ranges named. Nothing for a NAT
    of another scope (it serves every subnetwork)."""
    if nat.get("sourceSubnetworkIpRangesToNat") != "LIST_OF_SUBNETWORKS":
        return {}
    out: list[JSONValue] = []
    for sub in nat.get("subnetworks") or []:
        name = full_name(sub.get("name")) if isinstance(sub, dict) else None
        if not isinstance(sub, dict) or name is None:
            continue
        out.append(
            {
                "subnet_id": name,
                "ranges": sorted_str(sub.get("sourceIpRangesToNat")),
                "secondary_ranges": sorted_str(sub.get("secondaryIpRangeNames")),
            }
        )
    out.sort(key=lambda x: str(x["subnet_id"]) if isinstance(x, dict) else "")
    return {"nat_subnetworks": out}


def _forwarding_rule(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    fid = str(rec.data["name"])
    net = full_name(d.get("network"))
    sub = full_name(d.get("subnetwork"))
    target = str(d.get("target") or "")
    region = region_of(last(d.get("region")) or location(rec))
    common = {
        "vpc_id": net,
        "subnet_ids": [sub] if sub else [],
        "security_group_ids": [],
        "ip_address": d.get("IPAddress"),
    }
    psc = (
        "serviceAttachments/" in target
        or target in ("all-apis", "vpc-sc")
        or (d.get("pscConnectionId") is not None)
    )
    if psc:
        out.resource(
            id=fid,
            cloud="gcp",
            kind=Kind.PRIVATE_ENDPOINT,
            account=rec.account,
            region=region,
            name=str(d.get("name") or last(fid)),
            tags=labels(d),
            attributes={
                **common,
                "endpoint_type": "PrivateServiceConnect",
                "service_name": full_name(target) if "/" in target else target,
                "route_table_ids": [],
                "policy": None,
                "state": str(d.get("pscConnectionStatus") or "").lower() or None,
                "private_dns_enabled": None,
            },
            source=SOURCE,
        )
    else:
        scheme = str(d.get("loadBalancingScheme") or "")
        out.resource(
            id=fid,
            cloud="gcp",
            kind=Kind.LOAD_BALANCER,
            account=rec.account,
            region=region,
            name=str(d.get("name") or last(fid)),
            tags=labels(d),
            attributes={
                **common,
                "lb_type": scheme.lower() or None,
                "scheme": "internet-facing" if scheme.startswith("EXTERNAL") else "internal",
                "dns_name": None,
                "ports": sorted_str(d.get("ports"))
                or ([d["portRange"]] if d.get("portRange") else []),
                "target": full_name(target) if target else None,
            },
            source=SOURCE,
        )
    if sub:
        out.relation(fid, sub, MEMBER_OF, f"forwarding rule in {last(sub)}")
    elif net:
        out.relation(fid, net, MEMBER_OF, f"forwarding rule in {last(net)}")


normalizes("gcp", "compute.googleapis.com/ForwardingRule")(_forwarding_rule)
normalizes("gcp", "compute.googleapis.com/GlobalForwardingRule")(_forwarding_rule)


@normalizes("gcp", "compute.googleapis.com/ServiceAttachment")
def service_attachment(rec: RawRecord, out: Builder) -> None:
    """A PSC service attachment (the producer side): an endpoint service."""
    d = data(rec)
    sid = str(rec.data["name"])
    accept = [
        str(a.get("projectIdOrNum") or a.get("networkUrl") or "")
        for a in d.get("consumerAcceptLists") or []
    ]
    out.resource(
        id=sid,
        cloud="gcp",
        kind=Kind.ENDPOINT_SERVICE,
        account=rec.account,
        region=region_of(last(d.get("region")) or location(rec)),
        name=str(d.get("name") or last(sid)),
        attributes={
            "service_name": sid,
            "service_id": str(d.get("id") or ""),
            "acceptance_required": d.get("connectionPreference") == "ACCEPT_MANUAL",
            "load_balancer_arns": refs([d.get("targetService")]),
            "allowed_principals": sorted(set(accept)),
            "nat_subnets": refs(d.get("natSubnets")),
        },
        source=SOURCE,
    )
