"""Azure networking: VNets with subnets and peerings, NSGs, route tables, NAT, NICs, load balancers.

Kinds follow the AWS contract where the meaning is the same (docs/inventory.md,
"## Azure"): a VNet is a ``network``, an NSG a ``firewall`` (with Azure's
ordered allow/deny ``rules``, default rules included), a UDR table a
``route_table``. Subnets and peerings have no rows of their own in Resource
Graph: they are read from their VNet's properties.
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import (
    ATTACHED_TO,
    HAS_PUBLIC_IP,
    MEMBER_OF,
    PEERS_WITH,
    PROTECTED_BY,
    ROUTE_TABLE_OF,
)
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import (
    listed,
    place,
    port_ranges,
    props,
    ref_id,
    ref_ids,
    subscription_of,
)

DEFAULT_NSG_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "AllowVnetInBound",
        "priority": 65000,
        "direction": "Inbound",
        "access": "Allow",
        "sourceAddressPrefix": "VirtualNetwork",
        "destinationAddressPrefix": "VirtualNetwork",
    },
    {
        "name": "AllowAzureLoadBalancerInBound",
        "priority": 65001,
        "direction": "Inbound",
        "access": "Allow",
        "sourceAddressPrefix": "AzureLoadBalancer",
        "destinationAddressPrefix": "*",
    },
    {
        "name": "DenyAllInBound",
        "priority": 65500,
        "direction": "Inbound",
        "access": "Deny",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "*",
    },
    {
        "name": "AllowVnetOutBound",
        "priority": 65000,
        "direction": "Outbound",
        "access": "Allow",
        "sourceAddressPrefix": "VirtualNetwork",
        "destinationAddressPrefix": "VirtualNetwork",
    },
    {
        "name": "AllowInternetOutBound",
        "priority": 65001,
        "direction": "Outbound",
        "access": "Allow",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "Internet",
    },
    {
        "name": "DenyAllOutBound",
        "priority": 65500,
        "direction": "Outbound",
        "access": "Deny",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "*",
    },
)
"""Azure's fixed default rules of every NSG (used when a row omits them)."""

_PROTOCOLS = {"*": "-1", "tcp": "tcp", "udp": "udp", "icmp": "icmp", "esp": "esp", "ah": "ah"}
_NEXT_HOP = {
    "virtualappliance": "appliance",
    "internet": "internet",
    "none": "none",
    "vnetlocal": "local",
    "virtualnetworkgateway": "vpn",
}
_PEERING_STATE = {
    "connected": "active",
    "initiated": "pending-acceptance",
    "disconnected": "deleted",
}


def owner_of(sub_id: str) -> str:
    """The resource owning a sub-resource id (a NIC from its ipConfiguration id, a scale
    set instance's NIC too)."""
    cut = sub_id.lower().find("/ipconfigurations/")
    if cut > 0:
        return sub_id[:cut]
    parts = sub_id.split("/")
    return "/".join(parts[:9]) if len(parts) > 9 else sub_id


def vnet_of_subnet(subnet_id: str) -> str:
    return subnet_id.split("/subnets/", 1)[0] if "/subnets/" in subnet_id else ""


def nsg_rule(rule: dict[str, Any], default: bool) -> dict[str, Any]:
    p = rule.get("properties") if isinstance(rule.get("properties"), dict) else rule
    assert isinstance(p, dict)
    proto = str(p.get("protocol") or "*").lower()
    return {
        "name": str(rule.get("name") or p.get("name") or ""),
        "priority": int(p["priority"]),
        "direction": str(p.get("direction") or "").lower(),
        "access": str(p.get("access") or "").lower(),
        "protocol": _PROTOCOLS.get(proto, proto),
        "source_prefixes": listed(p.get("sourceAddressPrefix"), p.get("sourceAddressPrefixes")),
        "destination_prefixes": listed(
            p.get("destinationAddressPrefix"), p.get("destinationAddressPrefixes")
        ),
        "source_asgs": ref_ids(p.get("sourceApplicationSecurityGroups")),
        "destination_asgs": ref_ids(p.get("destinationApplicationSecurityGroups")),
        "ports": port_ranges(
            listed(p.get("destinationPortRange") or "*", p.get("destinationPortRanges"))
            if p.get("destinationPortRange") or p.get("destinationPortRanges")
            else ["*"]
        ),
        "default": default,
    }


def _subnet(b: Builder, base: dict[str, Any], s: dict[str, Any]) -> None:
    """One subnet of the VNet ``base``, with its NSG, route table and NAT gateway edges.

    Subnets have no Resource Graph rows of their own: they are read from the VNet.
    """
    vnet = base["id"]
    sp = s.get("properties") or {}
    sid = str(s["id"]).lower()
    prefixes = listed(sp.get("addressPrefix"), sp.get("addressPrefixes"))
    nsg = ref_id(sp.get("networkSecurityGroup"))
    rt = ref_id(sp.get("routeTable"))
    nat = ref_id(sp.get("natGateway"))
    b.resource(
        id=sid,
        cloud="azure",
        kind=Kind.SUBNET,
        account=base["account"],
        region=base["region"],
        name=str(s.get("name") or sid.rsplit("/", 1)[-1]),
        source=base["source"],
        attributes={
            "subnet_id": sid,
            "vpc_id": vnet,
            "cidr": prefixes[0] if prefixes else None,
            "cidrs": prefixes,
            "ipv6_cidrs": [p for p in prefixes if ":" in p],
            "az": None,
            "map_public_ip_on_launch": None,
            "default_outbound_access": sp.get("defaultOutboundAccess"),
            "nsg_id": nsg,
            "route_table_id": rt,
            "nat_gateway_id": nat,
            "private_endpoint_network_policies": sp.get("privateEndpointNetworkPolicies"),
        },
    )
    b.relation(sid, vnet, MEMBER_OF, f"subnet of {base['name']}")
    if nsg:
        b.relation(sid, nsg, PROTECTED_BY, "NSG associated with the subnet")
    if rt:
        b.relation(rt, sid, ROUTE_TABLE_OF, "route table associated with the subnet")
    if nat:
        b.relation(nat, sid, ATTACHED_TO, "NAT gateway of the subnet")


def _peering(b: Builder, base: dict[str, Any], cidrs: list[str], peer: dict[str, Any]) -> None:
    """One peering of the VNet ``base`` (address space ``cidrs``), as this side sees it."""
    vnet = base["id"]
    pp = peer.get("properties") or {}
    pid = str(peer["id"]).lower()
    remote = ref_id(pp.get("remoteVirtualNetwork")) or ""
    remote_cidrs = sorted(
        (pp.get("remoteAddressSpace") or {}).get("addressPrefixes")
        or (pp.get("remoteVirtualNetworkAddressSpace") or {}).get("addressPrefixes")
        or []
    )
    state = str(pp.get("peeringState") or "").lower()
    b.resource(
        id=pid,
        cloud="azure",
        kind=Kind.PEERING,
        account=base["account"],
        region=base["region"],
        name=str(peer.get("name") or pid.rsplit("/", 1)[-1]),
        source=base["source"],
        attributes={
            "requester": {
                "account": base["account"],
                "region": base["region"],
                "vpc_id": vnet,
                "cidrs": cidrs,
            },
            "accepter": {
                "account": subscription_of(remote) or None,
                "region": None,
                "vpc_id": remote,
                "cidrs": remote_cidrs,
            },
            "status": _PEERING_STATE.get(state, state or None),
            "peering_state": pp.get("peeringState"),
            "allow_virtual_network_access": pp.get("allowVirtualNetworkAccess"),
            "allow_forwarded_traffic": pp.get("allowForwardedTraffic"),
            "allow_gateway_transit": pp.get("allowGatewayTransit"),
            "use_remote_gateways": pp.get("useRemoteGateways"),
            "remote_tenant": (
                str(pp["remoteTenantId"]).lower() if pp.get("remoteTenantId") else None
            ),
        },
    )
    b.relation(pid, vnet, PEERS_WITH, f"peering {peer.get('name')} (local side)")
    if remote:
        b.relation(pid, remote, PEERS_WITH, f"peering {peer.get('name')} (remote side)")


@normalizes("azure", "microsoft.network/virtualnetworks")
def virtual_network(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    vnet = base["id"]
    cidrs = sorted(str(c) for c in (p.get("addressSpace") or {}).get("addressPrefixes") or [])
    b.resource(
        **base,
        kind=Kind.NETWORK,
        attributes={
            "vpc_id": vnet,
            "cidrs": cidrs,
            "is_default": False,
            "dns_servers": sorted((p.get("dhcpOptions") or {}).get("dnsServers") or []),
        },
    )
    for s in p.get("subnets") or []:
        _subnet(b, base, s)
    for peer in p.get("virtualNetworkPeerings") or []:
        _peering(b, base, cidrs, peer)


@normalizes("azure", "microsoft.network/networksecuritygroups")
def network_security_group(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    defaults = p.get("defaultSecurityRules")
    rules = [nsg_rule(r, False) for r in p.get("securityRules") or []]
    rules += [nsg_rule(r, True) for r in (defaults if defaults else DEFAULT_NSG_RULES)]
    rules.sort(key=lambda r: (r["direction"], r["priority"], r["name"]))
    b.resource(
        **base,
        kind=Kind.FIREWALL,
        attributes={
            "group_id": base["id"],
            "vpc_id": None,
            "rules": rules,
            "ingress": None,
            "egress": None,
            "subnet_ids": ref_ids(p.get("subnets")),
            "interface_ids": ref_ids(p.get("networkInterfaces")),
        },
    )


@normalizes("azure", "microsoft.network/routetables")
def route_table(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    subnets = ref_ids(p.get("subnets"))
    vnets = sorted({vnet_of_subnet(s) for s in subnets} - {""})
    routes = []
    for r in p.get("routes") or []:
        rp = r.get("properties") or {}
        hop = str(rp.get("nextHopType") or "").lower()
        routes.append(
            {
                "name": str(r.get("name") or ""),
                "destination": str(rp.get("addressPrefix") or ""),
                "target_type": _NEXT_HOP.get(hop, "other"),
                "target_id": str(rp.get("nextHopIpAddress") or hop),
                "state": "active",
            }
        )
    routes.sort(key=lambda r: (r["destination"], r["name"]))
    b.resource(
        **base,
        kind=Kind.ROUTE_TABLE,
        attributes={
            "vpc_id": vnets[0] if len(vnets) == 1 else None,
            "main": False,
            "subnet_ids": subnets,
            "routes": routes,
            "disable_bgp_route_propagation": p.get("disableBgpRoutePropagation"),
        },
    )
    for s in subnets:
        b.relation(base["id"], s, ROUTE_TABLE_OF, "route table associated with the subnet")


@normalizes(
    "azure",
    "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces/"
    "ipconfigurations/publicipaddresses",
)
def scale_set_public_ip(rec: RawRecord, b: Builder) -> None:
    """A scale set instance's public IP (Resource Graph ``computeresources``), owned by the
    instance's NIC: a public IP like any, so the address is placed at that NIC."""
    public_ip(rec, b)


@normalizes("azure", "microsoft.network/publicipaddresses")
def public_ip(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    config = ref_id(p.get("ipConfiguration"))
    owner = owner_of(config) if config else ref_id(p.get("natGateway"))
    sku = rec.data.get("sku") or {}
    b.resource(
        **base,
        kind=Kind.PUBLIC_IP,
        attributes={
            "public_ip": p.get("ipAddress"),
            "prefix": None,
            "allocation_id": base["id"],
            "association": {"resource_id": owner, "ip_configuration": config} if owner else None,
            "sku": sku.get("name") if isinstance(sku, dict) else None,
            "allocation_method": p.get("publicIPAllocationMethod"),
            "fqdn": (p.get("dnsSettings") or {}).get("fqdn"),
        },
    )


@normalizes("azure", "microsoft.network/natgateways")
def nat_gateway(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    subnets = ref_ids(p.get("subnets"))
    pips = ref_ids(p.get("publicIpAddresses"))
    b.resource(
        **base,
        kind=Kind.GATEWAY,
        attributes={
            "gateway_type": "nat",
            "vpc_ids": sorted({vnet_of_subnet(s) for s in subnets} - {""}),
            "subnet_ids": subnets,
            "subnet_id": subnets[0] if len(subnets) == 1 else None,
            "public_ips": None,
            "public_ip_ids": pips,
            "public_ip_prefix_ids": ref_ids(p.get("publicIpPrefixes")),
            "connectivity": "public",
        },
    )
    for ip in pips:
        b.relation(base["id"], ip, HAS_PUBLIC_IP, "NAT gateway public IP")


def _scale_set_of(vm: str | None) -> str | None:
    """The scale set of a scale set instance's id (``.../virtualmachinescalesets/S/
    virtualmachines/N``), else None."""
    if vm and "/virtualmachinescalesets/" in vm and "/virtualmachines/" in vm:
        return vm.rsplit("/virtualmachines/", 1)[0]
    return None


@normalizes("azure", "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces")
def scale_set_interface(rec: RawRecord, b: Builder) -> None:
    """A scale set instance's NIC (Resource Graph ``computeresources``): a NIC like any."""
    network_interface(rec, b)


@normalizes("azure", "microsoft.network/networkinterfaces")
def network_interface(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    subnets: set[str] = set()
    private_ips: list[str] = []
    pips: set[str] = set()
    pools: set[str] = set()
    asgs: set[str] = set()
    configs: list[dict[str, Any]] = []
    for cfg in p.get("ipConfigurations") or []:
        cp = cfg.get("properties") or {}
        configs.append(
            {
                "name": str(cfg.get("name") or ""),
                "private_ip": cp.get("privateIPAddress"),
                "subnet_id": ref_id(cp.get("subnet")),
                "public_ip_id": ref_id(cp.get("publicIPAddress")),
                "lb_backend_pool_ids": ref_ids(cp.get("loadBalancerBackendAddressPools")),
            }
        )
        if (s := ref_id(cp.get("subnet"))) is not None:
            subnets.add(s)
        if cp.get("privateIPAddress"):
            private_ips.append(str(cp["privateIPAddress"]))
        if (ip := ref_id(cp.get("publicIPAddress"))) is not None:
            pips.add(ip)
        pools.update(ref_ids(cp.get("loadBalancerBackendAddressPools")))
        asgs.update(ref_ids(cp.get("applicationSecurityGroups")))
    nsg = ref_id(p.get("networkSecurityGroup"))
    vm = ref_id(p.get("virtualMachine"))
    subnet = sorted(subnets)[0] if subnets else None
    b.resource(
        **base,
        kind=Kind.INTERFACE,
        attributes={
            "subnet_id": subnet,
            "vpc_id": vnet_of_subnet(subnet) if subnet else None,
            "private_ips": sorted(private_ips),
            "public_ip": None,
            "public_ip_ids": sorted(pips),
            "security_group_ids": [nsg] if nsg else [],
            "interface_type": "nic",
            "attached_to": vm,
            "description": None,
            "lb_backend_pool_ids": sorted(pools),
            "application_security_group_ids": sorted(asgs),
            "ip_configurations": sorted(configs, key=lambda c: c["name"]),
            "scale_set_id": _scale_set_of(vm),
        },
    )
    if subnet:
        b.relation(base["id"], subnet, MEMBER_OF, "NIC IP configuration subnet")
    if nsg:
        b.relation(base["id"], nsg, PROTECTED_BY, "NSG associated with the NIC")
    for ip in sorted(pips):
        b.relation(base["id"], ip, HAS_PUBLIC_IP, "public IP on the NIC")


@normalizes("azure", "microsoft.network/loadbalancers")
def load_balancer(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    frontends = []
    subnets: set[str] = set()
    for fe in p.get("frontendIPConfigurations") or []:
        fp = fe.get("properties") or {}
        sn = ref_id(fp.get("subnet"))
        if sn:
            subnets.add(sn)
        frontends.append(
            {
                "id": str(fe.get("id") or "").lower(),
                "name": str(fe.get("name") or ""),
                "public_ip_id": ref_id(fp.get("publicIPAddress")),
                "private_ip": fp.get("privateIPAddress"),
                "subnet_id": sn,
            }
        )
    rules = []
    for r in p.get("loadBalancingRules") or []:
        rp = r.get("properties") or {}
        pools = ref_ids(rp.get("backendAddressPools"))
        if (one := ref_id(rp.get("backendAddressPool"))) is not None:
            pools = sorted({*pools, one})
        rules.append(
            {
                "name": str(r.get("name") or ""),
                "protocol": str(rp.get("protocol") or "All").lower(),
                "frontend_port": int(rp.get("frontendPort") or 0),
                "backend_port": int(rp.get("backendPort") or 0),
                "frontend_id": ref_id(rp.get("frontendIPConfiguration")),
                "backend_pool_ids": pools,
                "disable_outbound_snat": bool(rp.get("disableOutboundSnat")),
            }
        )
    rules.sort(key=lambda r: (r["frontend_port"], r["name"]))
    outbound = [
        {
            "name": str(r.get("name") or ""),
            "protocol": str((r.get("properties") or {}).get("protocol") or "All").lower(),
            "backend_pool_id": ref_id((r.get("properties") or {}).get("backendAddressPool")),
            "frontend_ids": ref_ids((r.get("properties") or {}).get("frontendIPConfigurations")),
        }
        for r in p.get("outboundRules") or []
    ]
    public = [f for f in frontends if f["public_ip_id"]]
    sku = rec.data.get("sku") or {}
    b.resource(
        **base,
        kind=Kind.LOAD_BALANCER,
        attributes={
            "lb_type": "network",
            "sku": sku.get("name") if isinstance(sku, dict) else None,
            "scheme": "internet-facing" if public else "internal",
            "vpc_id": vnet_of_subnet(sorted(subnets)[0]) if subnets else None,
            "subnet_ids": sorted(subnets),
            "security_group_ids": [],
            "dns_name": None,
            "frontends": sorted(frontends, key=lambda f: f["id"]),
            "rules": rules,
            "outbound_rules": sorted(outbound, key=lambda r: r["name"]),
            "backend_pool_ids": ref_ids(p.get("backendAddressPools")),
        },
    )
    for f in public:
        b.relation(base["id"], str(f["public_ip_id"]), HAS_PUBLIC_IP, "frontend public IP")


@normalizes("azure", "microsoft.network/privateendpoints")
def private_endpoint(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    conns = [
        *(p.get("privateLinkServiceConnections") or []),
        *(p.get("manualPrivateLinkServiceConnections") or []),
    ]
    targets: list[str] = []
    groups: set[str] = set()
    states: set[str] = set()
    for c in conns:
        cp = c.get("properties") or {}
        if cp.get("privateLinkServiceId"):
            targets.append(str(cp["privateLinkServiceId"]).lower())
        groups.update(str(g) for g in cp.get("groupIds") or [])
        st = (cp.get("privateLinkServiceConnectionState") or {}).get("status")
        if st:
            states.add(str(st))
    subnet = ref_id(p.get("subnet"))
    b.resource(
        **base,
        kind=Kind.PRIVATE_ENDPOINT,
        attributes={
            "endpoint_type": "Interface",
            "service_name": sorted(targets)[0] if targets else None,
            "target_ids": sorted(set(targets)),
            "group_ids": sorted(groups),
            "vpc_id": vnet_of_subnet(subnet) if subnet else None,
            "subnet_ids": [subnet] if subnet else [],
            "route_table_ids": [],
            "security_group_ids": [],
            "policy": None,
            "state": ",".join(sorted(states)) or None,
            "private_dns_enabled": None,
            "manual": bool(p.get("manualPrivateLinkServiceConnections")),
        },
    )
    if subnet:
        b.relation(base["id"], subnet, MEMBER_OF, "private endpoint subnet")


@normalizes("azure", "microsoft.network/privatelinkservices")
def private_link_service(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    lbs = sorted({owner_of(i) for i in ref_ids(p.get("loadBalancerFrontendIpConfigurations"))})
    auto = [str(s) for s in (p.get("autoApproval") or {}).get("subscriptions") or []]
    visible = [str(s) for s in (p.get("visibility") or {}).get("subscriptions") or []]
    b.resource(
        **base,
        kind=Kind.ENDPOINT_SERVICE,
        attributes={
            "service_name": p.get("alias") or base["id"],
            "service_id": base["id"],
            "acceptance_required": "*" not in auto,
            "load_balancer_arns": lbs,
            "allowed_principals": sorted(visible),
            "auto_approval_subscriptions": sorted(auto),
        },
    )
