"""EC2 networking records to network, subnet, route_table, gateway, firewall, ... resources.

Ids are the ARNs AWS uses (``arn:aws:ec2:{region}:{account}:{type}/{id}``).
A resource that the API says is owned by another account (``OwnerId``) gets
that account; a reference to another resource by bare id (a route's target, an
instance's subnet) is built in the account and region of the record that holds
it, except where the API names the other side's owner (peering, transit).

Peering connections and transit gateways, the links between networks, are
normalised in :mod:`auditor.normalize.aws.ec2_transit` with the helpers here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.base.edges import (
    ACL_OF,
    ATTACHED_TO,
    HAS_PUBLIC_IP,
    LOGGED_BY,
    LOGS_TO,
    MEMBER_OF,
    PROTECTED_BY,
    ROUTE_TABLE_OF,
    ROUTES_VIA,
)
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of

_ID_PREFIXES: tuple[tuple[str, str], ...] = (
    # Longest prefixes first: "tgw-attach-" before "tgw-", "vpce-svc-" before "vpce-".
    ("tgw-attach-", "transit-gateway-attachment"),
    ("tgw-rtb-", "transit-gateway-route-table"),
    ("tgw-", "transit-gateway"),
    ("vpce-svc-", "vpc-endpoint-service"),
    ("vpce-", "vpc-endpoint"),
    ("vpc-", "vpc"),
    ("subnet-", "subnet"),
    ("eni-", "network-interface"),
    ("igw-", "internet-gateway"),
    ("eigw-", "egress-only-internet-gateway"),
    ("nat-", "natgateway"),
    ("vgw-", "vpn-gateway"),
    ("pcx-", "vpc-peering-connection"),
    ("sg-", "security-group"),
    ("acl-", "network-acl"),
    ("rtb-", "route-table"),
    ("eipalloc-", "elastic-ip"),
    ("fl-", "vpc-flow-log"),
    ("i-", "instance"),
    ("vol-", "volume"),
    ("snap-", "snapshot"),
    ("pl-", "prefix-list"),
)

PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
"""IP protocol numbers AWS also reports by name."""


def ec2_arn(region: str, account: str, resource_id: str, resource_type: str = "") -> str:
    """The ARN of an EC2 resource; the type is guessed from the id prefix if not given."""
    if not resource_type:
        resource_type = next(
            (t for prefix, t in _ID_PREFIXES if resource_id.startswith(prefix)), "resource"
        )
    return f"arn:aws:ec2:{region}:{account}:{resource_type}/{resource_id}"


def name_of(tags: Mapping[str, str], default: str) -> str:
    """A resource's display name: its ``Name`` tag, else ``default`` (its id)."""
    return tags.get("Name") or default


def protocol_name(value: Any) -> str:
    """``tcp``, ``udp``, ``icmp``, ``icmpv6`` or ``-1`` (all); other numbers as given."""
    text = str(value).lower()
    return PROTOCOLS.get(text, text)


def sorted_dicts(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Dicts in a stable order (for lists whose order carries no meaning)."""
    return sorted((dict(i) for i in items), key=lambda i: json.dumps(i, sort_keys=True))


def parse_policy(text: Any) -> Any:
    """A policy document as parsed JSON; a document that is not JSON is kept as text."""
    if text is None or isinstance(text, dict):
        return text
    try:
        return json.loads(str(text))
    except json.JSONDecodeError:
        return str(text)


def ids_of(items: Iterable[Mapping[str, Any]], key: str) -> list[str]:
    """The distinct non-empty ``key`` values of ``items``, sorted (list order means nothing)."""
    return sorted({str(i[key]) for i in items if i.get(key)})


def owner_of(rec: RawRecord) -> str:
    """The account that owns the record's resource: its ``OwnerId``, else the observing account."""
    return str(rec.data.get("OwnerId") or rec.account)


@normalizes("aws", "ec2:vpc")
def vpc(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    vpc_id = str(d["VpcId"])
    cidrs = {
        str(a["CidrBlock"])
        for a in d.get("CidrBlockAssociationSet") or []
        if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"
    }
    cidrs |= {
        str(a["Ipv6CidrBlock"])
        for a in d.get("Ipv6CidrBlockAssociationSet") or []
        if (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"
        and a.get("Ipv6CidrBlock")
    }
    if not cidrs and d.get("CidrBlock"):
        cidrs = {str(d["CidrBlock"])}
    tags = tags_of(d.get("Tags"))
    account = owner_of(rec)
    out.resource(
        id=ec2_arn(rec.region, account, vpc_id, "vpc"),
        cloud="aws",
        kind=Kind.NETWORK,
        account=account,
        region=rec.region,
        name=name_of(tags, vpc_id),
        tags=tags,
        attributes={
            "cidrs": sorted(cidrs),
            "is_default": bool(d.get("IsDefault")),
            "vpc_id": vpc_id,
        },
        source="ec2:DescribeVpcs",
    )


_GONE = {"disassociating", "disassociated", "failing", "failed"}
"""States of a CIDR association that no longer gives addresses."""


@normalizes("aws", "ec2:subnet")
def subnet(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    subnet_id = str(d["SubnetId"])
    vpc_id = str(d["VpcId"])
    account = owner_of(rec)
    arn = str(d.get("SubnetArn") or ec2_arn(rec.region, account, subnet_id, "subnet"))
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.SUBNET,
        account=account,
        region=rec.region,
        name=name_of(tags, subnet_id),
        tags=tags,
        attributes={
            "vpc_id": vpc_id,
            "cidr": d.get("CidrBlock"),
            "az": d.get("AvailabilityZone"),
            "map_public_ip_on_launch": bool(d.get("MapPublicIpOnLaunch")),
            "subnet_id": subnet_id,
            "ipv6_cidrs": sorted(
                str(a["Ipv6CidrBlock"])
                for a in d.get("Ipv6CidrBlockAssociationSet") or []
                if a.get("Ipv6CidrBlock")
                and str((a.get("Ipv6CidrBlockState") or {}).get("State") or "associated")
                not in _GONE
            ),
        },
        source="ec2:DescribeSubnets",
    )
    out.relation(
        arn,
        ec2_arn(rec.region, account, vpc_id, "vpc"),
        MEMBER_OF,
        f"subnet {subnet_id} is in {vpc_id}",
    )


def _route_target(route: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """(target_type, target_id, id to draw the edge to) of one route."""
    gateway = route.get("GatewayId")
    if gateway == "local":
        return "local", "local", None
    if gateway:
        gateway = str(gateway)
        for prefix, target_type in (("igw-", "igw"), ("vgw-", "vgw"), ("vpce-", "vpce")):
            if gateway.startswith(prefix):
                return target_type, gateway, gateway
        return "other", gateway, None
    for key, target_type in (
        ("NatGatewayId", "nat"),
        ("EgressOnlyInternetGatewayId", "egress-only-igw"),
        ("VpcPeeringConnectionId", "peering"),
        ("TransitGatewayId", "tgw"),
    ):
        if route.get(key):
            return target_type, str(route[key]), str(route[key])
    if route.get("InstanceId"):
        eni = route.get("NetworkInterfaceId")
        return "instance", str(route["InstanceId"]), str(eni or route["InstanceId"])
    if route.get("NetworkInterfaceId"):
        return "eni", str(route["NetworkInterfaceId"]), str(route["NetworkInterfaceId"])
    for key in ("CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn"):
        if route.get(key):
            return "other", str(route[key]), None
    return "other", None, None


@normalizes("aws", "ec2:route_table")
def route_table(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    table_id = str(d["RouteTableId"])
    vpc_id = str(d["VpcId"])
    account = owner_of(rec)
    arn = ec2_arn(rec.region, account, table_id, "route-table")
    live = [
        a
        for a in d.get("Associations") or []
        if (a.get("AssociationState") or {}).get("State", "associated") == "associated"
    ]
    main = any(a.get("Main") for a in live)
    subnet_ids = ids_of(live, "SubnetId")
    routes: list[dict[str, Any]] = []
    for route in d.get("Routes") or []:
        destination = (
            route.get("DestinationCidrBlock")
            or route.get("DestinationIpv6CidrBlock")
            or route.get("DestinationPrefixListId")
        )
        target_type, target_id, edge_to = _route_target(route)
        state = str(route.get("State") or "active")
        routes.append(
            {
                "destination": destination,
                "target_type": target_type,
                "target_id": target_id,
                "state": state,
            }
        )
        if edge_to is not None:
            out.relation(
                arn,
                ec2_arn(rec.region, account, edge_to),
                ROUTES_VIA,
                f"route {destination} -> {target_id} ({state})",
                {"destination": destination, "state": state},
            )
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.ROUTE_TABLE,
        account=account,
        region=rec.region,
        name=name_of(tags, table_id),
        tags=tags,
        attributes={
            "vpc_id": vpc_id,
            "main": main,
            "subnet_ids": subnet_ids,
            "routes": sorted(routes, key=lambda r: (str(r["destination"]), str(r["target_id"]))),
        },
        source="ec2:DescribeRouteTables",
    )
    for subnet_id in subnet_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, account, subnet_id, "subnet"),
            ROUTE_TABLE_OF,
            f"{table_id} explicitly associated with {subnet_id}",
        )
    if main:
        out.relation(
            arn,
            ec2_arn(rec.region, account, vpc_id, "vpc"),
            ROUTE_TABLE_OF,
            f"{table_id} is the main route table of {vpc_id}",
        )


def _gateway(
    rec: RawRecord,
    out: Builder,
    *,
    gateway_id: str,
    resource_type: str,
    gateway_type: str,
    vpc_ids: list[str],
    source: str,
    public_ips: list[str] | None = None,
    subnet_id: str | None = None,
    connectivity: str | None = None,
    nat_sides: Mapping[str, JSONValue] | None = None,
) -> str:
    account = owner_of(rec)
    arn = ec2_arn(rec.region, account, gateway_id, resource_type)
    tags = tags_of(rec.data.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.GATEWAY,
        account=account,
        region=rec.region,
        name=name_of(tags, gateway_id),
        tags=tags,
        attributes={
            "gateway_type": gateway_type,
            "vpc_ids": vpc_ids,
            "public_ips": public_ips or [],
            "subnet_id": subnet_id,
            "connectivity": connectivity,
            **(nat_sides or {}),
        },
        source=source,
    )
    for vpc_id in vpc_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, vpc_id, "vpc"),
            ATTACHED_TO,
            f"{gateway_id} attached to {vpc_id}",
        )
    return arn


def _attached_vpcs(attachments: Iterable[Mapping[str, Any]]) -> list[str]:
    return ids_of(
        (a for a in attachments if a.get("State") not in ("detached", "detaching")), "VpcId"
    )


@normalizes("aws", "ec2:internet_gateway")
def internet_gateway(rec: RawRecord, out: Builder) -> None:
    _gateway(
        rec,
        out,
        gateway_id=str(rec.data["InternetGatewayId"]),
        resource_type="internet-gateway",
        gateway_type="internet",
        vpc_ids=_attached_vpcs(rec.data.get("Attachments") or []),
        source="ec2:DescribeInternetGateways",
    )


@normalizes("aws", "ec2:egress_only_internet_gateway")
def egress_only_internet_gateway(rec: RawRecord, out: Builder) -> None:
    _gateway(
        rec,
        out,
        gateway_id=str(rec.data["EgressOnlyInternetGatewayId"]),
        resource_type="egress-only-internet-gateway",
        gateway_type="egress-only-internet",
        vpc_ids=_attached_vpcs(rec.data.get("Attachments") or []),
        source="ec2:DescribeEgressOnlyInternetGateways",
    )


@normalizes("aws", "ec2:vpn_gateway")
def vpn_gateway(rec: RawRecord, out: Builder) -> None:
    if rec.data.get("State") == "deleted":
        return  # gone: AWS lists deleted gateways for a while
    _gateway(
        rec,
        out,
        gateway_id=str(rec.data["VpnGatewayId"]),
        resource_type="vpn-gateway",
        gateway_type="vpn",
        vpc_ids=_attached_vpcs(rec.data.get("VpcAttachments") or []),
        source="ec2:DescribeVpnGateways",
    )


@normalizes("aws", "ec2:nat_gateway")
def nat_gateway(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    if d.get("State") in ("deleted", "failed"):
        return  # gone: AWS lists deleted NAT gateways for about an hour
    addresses = d.get("NatGatewayAddresses") or []
    allocations = ids_of(addresses, "AllocationId")
    connectivity = d.get("ConnectivityType") or ("public" if allocations else "private")
    nat_id = str(d["NatGatewayId"])
    arn = _gateway(
        rec,
        out,
        gateway_id=nat_id,
        resource_type="natgateway",
        gateway_type="nat",
        vpc_ids=[str(d["VpcId"])] if d.get("VpcId") else [],
        source="ec2:DescribeNatGateways",
        public_ips=ids_of(addresses, "PublicIp"),
        subnet_id=d.get("SubnetId"),
        connectivity=str(connectivity),
        nat_sides={
            "private_ips": ids_of(addresses, "PrivateIp"),
            "interface_ids": ids_of(addresses, "NetworkInterfaceId"),
        },
    )
    for allocation in allocations:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, allocation, "elastic-ip"),
            HAS_PUBLIC_IP,
            f"{nat_id} uses elastic IP {allocation}",
        )


@normalizes("aws", "ec2:address")
def address(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    public_ip = str(d["PublicIp"])
    allocation = str(d.get("AllocationId") or public_ip)
    instance_id = d.get("InstanceId") or None
    interface_id = d.get("NetworkInterfaceId") or None
    arn = ec2_arn(rec.region, rec.account, allocation, "elastic-ip")
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.PUBLIC_IP,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, allocation),
        tags=tags,
        attributes={
            "public_ip": public_ip,
            "allocation_id": d.get("AllocationId"),
            "association": (
                {"instance_id": instance_id, "interface_id": interface_id}
                if instance_id or interface_id
                else None
            ),
        },
        source="ec2:DescribeAddresses",
    )
    if instance_id:
        out.relation(
            ec2_arn(rec.region, rec.account, str(instance_id), "instance"),
            arn,
            HAS_PUBLIC_IP,
            f"{instance_id} has elastic IP {public_ip}",
        )
    if interface_id:
        owner = str(d.get("NetworkInterfaceOwnerId") or rec.account)
        out.relation(
            ec2_arn(rec.region, owner, str(interface_id), "network-interface"),
            arn,
            HAS_PUBLIC_IP,
            f"{interface_id} has elastic IP {public_ip}",
        )


def _sg_rules(permissions: Iterable[Mapping[str, Any]], account: str) -> list[dict[str, Any]]:
    rules = []
    for perm in permissions:
        cidrs = {str(r["CidrIp"]) for r in perm.get("IpRanges") or [] if r.get("CidrIp")}
        cidrs |= {str(r["CidrIpv6"]) for r in perm.get("Ipv6Ranges") or [] if r.get("CidrIpv6")}
        groups = sorted_dicts(
            {"group_id": str(g["GroupId"]), "account": str(g.get("UserId") or account)}
            for g in perm.get("UserIdGroupPairs") or []
            if g.get("GroupId")
        )
        rules.append(
            {
                "protocol": protocol_name(perm.get("IpProtocol", "-1")),
                "from_port": perm.get("FromPort"),
                "to_port": perm.get("ToPort"),
                "cidrs": sorted(cidrs),
                "prefix_lists": ids_of(perm.get("PrefixListIds") or [], "PrefixListId"),
                "groups": groups,
            }
        )
    return sorted_dicts(rules)


@normalizes("aws", "ec2:security_group")
def security_group(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    group_id = str(d["GroupId"])
    account = owner_of(rec)
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=str(d.get("SecurityGroupArn") or ec2_arn(rec.region, account, group_id)),
        cloud="aws",
        kind=Kind.FIREWALL,
        account=account,
        region=rec.region,
        name=name_of(tags, group_id),
        tags=tags,
        attributes={
            "vpc_id": d.get("VpcId"),
            "group_id": group_id,
            "ingress": _sg_rules(d.get("IpPermissions") or [], account),
            "egress": _sg_rules(d.get("IpPermissionsEgress") or [], account),
        },
        source="ec2:DescribeSecurityGroups",
    )


@normalizes("aws", "ec2:network_acl")
def network_acl(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    acl_id = str(d["NetworkAclId"])
    account = owner_of(rec)
    arn = ec2_arn(rec.region, account, acl_id, "network-acl")
    entries = []
    for e in d.get("Entries") or []:
        ports = e.get("PortRange") or {}
        entries.append(
            {
                "rule_number": int(e["RuleNumber"]),
                "egress": bool(e.get("Egress")),
                "protocol": protocol_name(e.get("Protocol", "-1")),
                "from_port": ports.get("From"),
                "to_port": ports.get("To"),
                "cidr": e.get("CidrBlock") or e.get("Ipv6CidrBlock"),
                "action": str(e.get("RuleAction", "")).lower(),
            }
        )
    entries.sort(key=lambda e: (e["egress"], e["rule_number"], str(e["cidr"])))
    subnet_ids = ids_of(d.get("Associations") or [], "SubnetId")
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.NETWORK_ACL,
        account=account,
        region=rec.region,
        name=name_of(tags, acl_id),
        tags=tags,
        attributes={
            "vpc_id": d.get("VpcId"),
            "default": bool(d.get("IsDefault")),
            "subnet_ids": subnet_ids,
            "entries": entries,
        },
        source="ec2:DescribeNetworkAcls",
    )
    for subnet_id in subnet_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, account, subnet_id, "subnet"),
            ACL_OF,
            f"{acl_id} applies to {subnet_id}",
        )


@normalizes("aws", "ec2:network_interface")
def network_interface(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    eni_id = str(d["NetworkInterfaceId"])
    account = owner_of(rec)
    arn = ec2_arn(rec.region, account, eni_id, "network-interface")
    subnet_id = d.get("SubnetId")
    groups = ids_of(d.get("Groups") or [], "GroupId")
    private_ips = ids_of(d.get("PrivateIpAddresses") or [], "PrivateIpAddress")
    if not private_ips and d.get("PrivateIpAddress"):
        private_ips = [str(d["PrivateIpAddress"])]
    tags = tags_of(d.get("TagSet") or d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.INTERFACE,
        account=account,
        region=rec.region,
        name=name_of(tags, eni_id),
        tags=tags,
        attributes={
            "subnet_id": subnet_id,
            "vpc_id": d.get("VpcId"),
            "private_ips": private_ips,
            "public_ip": (d.get("Association") or {}).get("PublicIp"),
            "security_group_ids": groups,
            "interface_type": d.get("InterfaceType"),
            "attached_to": (d.get("Attachment") or {}).get("InstanceId"),
            "description": d.get("Description") or "",
        },
        source="ec2:DescribeNetworkInterfaces",
    )
    if subnet_id:
        out.relation(
            arn,
            ec2_arn(rec.region, account, str(subnet_id), "subnet"),
            MEMBER_OF,
            f"{eni_id} is in {subnet_id}",
        )
    for group in groups:
        out.relation(
            arn,
            ec2_arn(rec.region, account, group, "security-group"),
            PROTECTED_BY,
            f"{eni_id} uses security group {group}",
        )


@normalizes("aws", "ec2:vpc_endpoint")
def vpc_endpoint(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    vpce_id = str(d["VpcEndpointId"])
    vpc_id = str(d["VpcId"])
    account = owner_of(rec)
    arn = ec2_arn(rec.region, account, vpce_id, "vpc-endpoint")
    subnet_ids = sorted(str(s) for s in d.get("SubnetIds") or [])
    groups = ids_of(d.get("Groups") or [], "GroupId")
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.PRIVATE_ENDPOINT,
        account=account,
        region=rec.region,
        name=name_of(tags, vpce_id),
        tags=tags,
        attributes={
            "endpoint_type": d.get("VpcEndpointType"),
            "service_name": d.get("ServiceName"),
            "vpc_id": vpc_id,
            "subnet_ids": subnet_ids,
            "route_table_ids": sorted(str(r) for r in d.get("RouteTableIds") or []),
            "security_group_ids": groups,
            "policy": parse_policy(d.get("PolicyDocument")),
            "state": d.get("State"),
            "private_dns_enabled": bool(d.get("PrivateDnsEnabled")),
        },
        source="ec2:DescribeVpcEndpoints",
    )
    for subnet_id in subnet_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, account, subnet_id, "subnet"),
            MEMBER_OF,
            f"{vpce_id} has an interface in {subnet_id}",
        )
    if not subnet_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, account, vpc_id, "vpc"),
            MEMBER_OF,
            f"{vpce_id} serves {vpc_id}",
        )
    for group in groups:
        out.relation(
            arn,
            ec2_arn(rec.region, account, group, "security-group"),
            PROTECTED_BY,
            f"{vpce_id} uses security group {group}",
        )


@normalizes("aws", "ec2:vpc_endpoint_service")
def vpc_endpoint_service(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    service_id = str(d["ServiceId"])
    principals = (
        sorted({str(p["Principal"]) for p in d["AllowedPrincipals"] if p.get("Principal")})
        if "AllowedPrincipals" in d
        else None
    )
    balancers = {str(a) for a in d.get("NetworkLoadBalancerArns") or []}
    balancers |= {str(a) for a in d.get("GatewayLoadBalancerArns") or []}
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=ec2_arn(rec.region, rec.account, service_id, "vpc-endpoint-service"),
        cloud="aws",
        kind=Kind.ENDPOINT_SERVICE,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, service_id),
        tags=tags,
        attributes={
            "service_name": d.get("ServiceName"),
            "service_id": service_id,
            "acceptance_required": bool(d.get("AcceptanceRequired")),
            "load_balancer_arns": sorted(balancers),
            "allowed_principals": principals,
        },
        source="ec2:DescribeVpcEndpointServiceConfigurations",
    )


def bucket_arn(destination: str) -> str:
    """``arn:aws:s3:::bucket/prefix/`` (or a bare bucket name) as the bucket's ARN."""
    name = destination.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return f"arn:aws:s3:::{name}"


@normalizes("aws", "ec2:flow_log")
def flow_log(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    log_id = str(d["FlowLogId"])
    arn = ec2_arn(rec.region, rec.account, log_id, "vpc-flow-log")
    resource_id = str(d["ResourceId"])
    destination_type = str(d.get("LogDestinationType") or "cloud-watch-logs")
    destination = d.get("LogDestination") or d.get("LogGroupName")
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.FLOW_LOG,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, log_id),
        tags=tags,
        attributes={
            "resource_id": resource_id,
            "traffic_type": d.get("TrafficType"),
            "destination_type": destination_type,
            "destination": destination,
            "status": d.get("FlowLogStatus"),
        },
        source="ec2:DescribeFlowLogs",
    )
    out.relation(
        ec2_arn(rec.region, rec.account, resource_id),
        arn,
        LOGGED_BY,
        f"{log_id} records {d.get('TrafficType')} traffic of {resource_id}",
    )
    if destination_type == "s3" and destination:
        out.relation(
            arn,
            bucket_arn(str(destination)),
            LOGS_TO,
            f"{log_id} delivers to {destination}",
        )
