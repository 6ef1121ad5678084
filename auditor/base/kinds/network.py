"""Network-path kinds: networks, routing, gateways, firewalls, load balancers.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

INTERNET = define_kind(
    "internet", "The public internet, a zone of its own (the graph adds it).", []
)

NETWORK = define_kind(
    "network",
    "A virtual network: AWS VPC, Azure VNet, GCP VPC network.",
    [
        attr("auto_create_subnetworks", "boolean", "auto create subnetworks", "gcp"),
        attr("cidrs", "array", "cidrs ([str]; null (a VPC has no CIDR of its own))"),
        attr("dns_servers", "array", "dns servers", "azure"),
        attr("is_default", "boolean", "is default"),
        attr(
            "peerings",
            "array",
            ("[{`name`,`network`,`state`,`export_custom_routes`,`import_custom_routes`}]"),
            "gcp",
        ),
        attr("routing_mode", "string", "routing mode", "gcp"),
        attr("subnetworks", "array", "[ids]", "gcp"),
        attr(
            "vpc_id",
            "string",
            ("id of the network (VPC/VNet) it sits in: /`subnet_id` are full ids; (its id)"),
        ),
    ],
)

ROUTE_TABLE = define_kind(
    "route_table",
    "A route table deciding where a subnet's traffic goes (AWS route table, Azure UDR table).",
    [
        attr("disable_bgp_route_propagation", "boolean", "disable bgp route propagation", "azure"),
        attr("main", "boolean", "main", "aws azure"),
        attr(
            "routes",
            "array",
            (
                "[{`destination` (CIDR or `pl-...`), `target_type` (`local`,`igw`,`nat`"
                ",`peering`,`tgw`,`vpce`,`eni`,`instance`,`egress-only-igw`,`vgw`,`othe"
                "r`), `target_id`, `state` (`active`/`blackhole`)}]"
            ),
            "aws azure",
        ),
        attr("subnet_ids", "array", "ids of its subnets", "aws azure"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in", "aws azure"),
    ],
)

ROUTE = define_kind(
    "route",
    "One GCP route of a network (GCP routes are resources of their own).",
    [
        attr("destination", "string", "destination", "gcp"),
        attr("next_hop", "string", "next hop", "gcp"),
        attr(
            "next_hop_type",
            "string",
            "(`internet`,`instance`,`ip`,`ilb`,`vpn`,`peering`,`local`,`other`)",
            "gcp",
        ),
        attr("priority", "integer", "evaluation priority (lower first)", "gcp"),
        attr("route_type", "string", "route type", "gcp"),
        attr("tags", "array", "(empty: every instance)", "gcp"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in", "gcp"),
    ],
)

GATEWAY = define_kind(
    "gateway",
    "A gateway out of a network: internet, NAT, egress-only, VPN gateway, Cloud Router.",
    [
        attr("asn", "integer", "(router)", "gcp"),
        attr("connectivity", "string", "(`public`/`private` NAT)"),
        attr("egress_only", "boolean", "egress only", "gcp"),
        attr("gateway_type", "string", "(`internet`,`nat`,`egress-only-internet`,`vpn`)"),
        attr("public_ip_ids", "array", "public ip ids", "azure"),
        attr("public_ips", "array", "public IP addresses ([str] (NAT))"),
        attr("source_subnetworks", "string", "(NAT)", "gcp"),
        attr("subnet_id", "string", "id of its subnet (NAT)"),
        attr("subnet_ids", "array", "ids of its subnets", "azure"),
        attr("vpc_ids", "array", "ids of the networks it is attached to"),
    ],
)

PEERING = define_kind(
    "peering",
    "One side of a network peering connection.",
    [
        attr("accepter", "object", "{same}; (the peer network)"),
        attr("allow_forwarded_traffic", "boolean", "allow forwarded traffic", "azure"),
        attr("allow_gateway_transit", "boolean", "allow gateway transit", "azure"),
        attr("allow_virtual_network_access", "boolean", "allow virtual network access", "azure"),
        attr("exchange_subnet_routes", "boolean", "exchange subnet routes", "gcp"),
        attr("export_custom_routes", "boolean", "export custom routes", "gcp"),
        attr("import_custom_routes", "boolean", ". Peering is not transitive.", "gcp"),
        attr("peering_state", "string", "peering state", "azure"),
        attr("remote_tenant", "string", "remote tenant", "azure"),
        attr(
            "requester",
            "object",
            (
                "{`account`,`region`,`vpc_id`,`cidrs`}; {`account`,`region` "
                "`global`,`vpc_id`,`cidrs` null} (this side)"
            ),
        ),
        attr(
            "status",
            "string",
            ("status as the cloud reports it: (`active`,...); (`active`/`inactive`)"),
        ),
        attr("use_remote_gateways", "boolean", "use remote gateways", "azure"),
    ],
)

TRANSIT_GATEWAY = define_kind(
    "transit_gateway",
    "An AWS transit gateway.",
    [
        attr("owner", "string", "owner", "aws"),
        attr("state", "string", "lifecycle state as the cloud reports it", "aws"),
        attr("tgw_id", "string", "tgw id", "aws"),
    ],
)

TRANSIT_ATTACHMENT = define_kind(
    "transit_attachment",
    "An attachment of a VPC, peering, VPN or Direct Connect gateway to a transit gateway.",
    [
        attr("association_route_table_id", "string", "association route table id", "aws"),
        attr("peer", "object", "{`account`,`region`,`tgw_id`} (peering)", "aws"),
        attr("resource_id", "string", "id of the resource it belongs to", "aws"),
        attr("resource_owner", "string", "resource owner", "aws"),
        attr("resource_type", "string", "(`vpc`,`peering`,`vpn`,`direct-connect-gateway`)", "aws"),
        attr("state", "string", "lifecycle state as the cloud reports it", "aws"),
        attr("subnet_ids", "array", "ids of its subnets ([str] (vpc))", "aws"),
        attr("tgw_id", "string", "tgw id", "aws"),
    ],
)

TRANSIT_ROUTE_TABLE = define_kind(
    "transit_route_table",
    "A transit gateway route table.",
    [
        attr("associations", "array", "[attachment ids]", "aws"),
        attr("propagations", "array", "[attachment ids]", "aws"),
        attr(
            "routes",
            "array",
            ("[{`destination`, `attachment_ids` [str], `state`, `type` (`static`/`propagated`)}]"),
            "aws",
        ),
        attr("tgw_id", "string", "tgw id", "aws"),
    ],
)

PRIVATE_ENDPOINT = define_kind(
    "private_endpoint",
    "A private way into a service: VPC endpoint, Azure private endpoint, GCP PSC endpoint.",
    [
        attr(
            "endpoint_type",
            "string",
            ("(`Gateway`,`Interface`,`GatewayLoadBalancer`); `PrivateServiceConnect`"),
        ),
        attr("group_ids", "array", "group ids", "azure"),
        attr("ip_address", "string", "ip address", "gcp"),
        attr("manual", "boolean", "manual", "azure"),
        attr("policy", "object", "resource policy (parsed JSON), or null (parsed JSON or null)"),
        attr("private_dns_enabled", "boolean", "private dns enabled"),
        attr("route_table_ids", "array", "route table ids"),
        attr(
            "security_group_ids", "array", "ids of the firewalls (security groups) that apply to it"
        ),
        attr("service_name", "string", "the service it connects to or offers (target)"),
        attr("state", "string", "lifecycle state as the cloud reports it (`accepted`, ...)"),
        attr("subnet_ids", "array", "ids of its subnets"),
        attr("target_ids", "array", "target ids", "azure"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in"),
    ],
)

ENDPOINT_SERVICE = define_kind(
    "endpoint_service",
    "A service offered over private link: endpoint service, private link service, PSC attachment.",
    [
        attr("acceptance_required", "boolean", "acceptance required"),
        attr(
            "allowed_principals",
            "array",
            "allowed principals ([str]; [consumer projects/networks])",
        ),
        attr("auto_approval_subscriptions", "array", "auto approval subscriptions", "azure"),
        attr("load_balancer_arns", "array", "load balancer arns ([str]; [target service])"),
        attr("nat_subnets", "array", "nat subnets", "gcp"),
        attr("service_id", "string", "service id"),
        attr("service_name", "string", "the service it connects to or offers (its id)"),
    ],
)

FIREWALL = define_kind(
    "firewall",
    "A stateful firewall: AWS security group, Azure NSG, GCP firewall rule.",
    [
        attr("action", "string", "(`allow`/`deny`)", "gcp"),
        attr("destination_ranges", "array", "destination ranges", "gcp"),
        attr("direction", "string", "(`ingress`/`egress`)", "gcp"),
        attr("disabled", "boolean", "disabled", "gcp"),
        attr("egress", "array", "egress"),
        attr("group_id", "string", "(its id)"),
        attr("implied", "boolean", "implied", "gcp"),
        attr(
            "ingress",
            "array",
            (
                "and `egress`: [{`protocol` (`tcp`,`udp`,`icmp`,`-1`), `from_port` int "
                "or null, `to_port` int or null, `cidrs` [str] (v4 and v6), "
                "`prefix_lists` [str], `groups` [{`group_id`,`account`}]}]; /`egress` "
                "null; /`egress` null"
            ),
        ),
        attr("interface_ids", "array", "ids of its network interfaces", "azure"),
        attr("priority", "integer", "evaluation priority (lower first)", "gcp"),
        attr(
            "rules",
            "array",
            (
                "its rules: "
                "[{`name`,`priority`,`direction`,`access`,`protocol`,`source_prefixes` "
                "(CIDRs or service "
                "tags),`destination_prefixes`,`source_asgs`,`destination_asgs`,`ports` "
                "[[from,to]],`default`}] incl. the default rules (65000/65001/65500); "
                "[{`protocol`,`from_port`,`to_port`}] (null ports: all)"
            ),
            "azure gcp",
        ),
        attr("source_ranges", "array", "(`0.0.0.0/0` when an ingress rule names no source)", "gcp"),
        attr("source_service_accounts", "array", "source service accounts", "gcp"),
        attr("source_tags", "array", "source tags", "gcp"),
        attr("subnet_ids", "array", "ids of its subnets", "azure"),
        attr("target_service_accounts", "array", "(empty targets: every instance)", "gcp"),
        attr("target_tags", "array", "target tags", "gcp"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in"),
    ],
)

NETWORK_ACL = define_kind(
    "network_acl",
    "An AWS network ACL (stateless, per subnet).",
    [
        attr("default", "boolean", "default", "aws"),
        attr(
            "entries",
            "array",
            (
                "[{`rule_number`, `egress` bool, `protocol`, `from_port`, `to_port`, "
                "`cidr`, `action` (`allow`/`deny`)}]"
            ),
            "aws",
        ),
        attr("subnet_ids", "array", "ids of its subnets", "aws"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in", "aws"),
    ],
)

INTERFACE = define_kind(
    "interface",
    "A network interface (ENI, Azure NIC).",
    [
        attr("application_security_group_ids", "array", "application security group ids", "azure"),
        attr("attached_to", "string", "(instance id or null)", "aws azure"),
        attr("description", "string", "description", "aws azure"),
        attr("interface_type", "string", "interface type", "aws azure"),
        attr("lb_backend_pool_ids", "array", "lb backend pool ids", "azure"),
        attr("private_ips", "array", "private ips", "aws azure"),
        attr("public_ip", "string", "public IP address, or null: str or null", "aws azure"),
        attr("public_ip_ids", "array", "public ip ids", "azure"),
        attr(
            "security_group_ids",
            "array",
            "ids of the firewalls (security groups) that apply to it",
            "aws azure",
        ),
        attr("subnet_id", "string", "id of its subnet", "aws azure"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in", "aws azure"),
    ],
)

PUBLIC_IP = define_kind(
    "public_ip",
    "A public IP address resource (Elastic IP, Azure public IP).",
    [
        attr("allocation_id", "string", "allocation id", "aws azure"),
        attr("allocation_method", "string", "allocation method", "azure"),
        attr("association", "object", "{`instance_id`,`interface_id`} or null", "aws azure"),
        attr("fqdn", "string", "fqdn", "azure"),
        attr("public_ip", "string", "public IP address, or null", "aws azure"),
        attr("sku", "string", "SKU name", "azure"),
    ],
)

FLOW_LOG = define_kind(
    "flow_log",
    "A VPC flow log.",
    [
        attr("destination", "string", "destination", "aws"),
        attr(
            "destination_type", "string", "(`s3`,`cloud-watch-logs`,`kinesis-data-firehose`)", "aws"
        ),
        attr(
            "resource_id", "string", "id of the resource it belongs to (vpc/subnet/eni id)", "aws"
        ),
        attr("status", "string", "status as the cloud reports it", "aws"),
        attr("traffic_type", "string", "traffic type", "aws"),
    ],
)

LOAD_BALANCER = define_kind(
    "load_balancer",
    "A load balancer (ELBv2, Azure load balancer, GCP forwarding rule).",
    [
        attr("backend_pool_ids", "array", "backend pool ids", "azure"),
        attr("dns_name", "string", "DNS name"),
        attr("frontends", "array", "frontends", "azure"),
        attr("ip_address", "string", "ip address", "gcp"),
        attr(
            "lb_type",
            "string",
            (
                "load balancer type: (`network`,`application`,`gateway`); (the load "
                "balancing scheme, lower case)"
            ),
        ),
        attr("ports", "array", "ports", "gcp"),
        attr("rules", "array", "its rules", "azure"),
        attr(
            "scheme",
            "string",
            (
                "`internet-facing` or `internal`: (`internet-facing`/`internal`); "
                "(`internet-facing` for EXTERNAL*, else `internal`)"
            ),
        ),
        attr(
            "security_group_ids", "array", "ids of the firewalls (security groups) that apply to it"
        ),
        attr("sku", "string", "SKU name", "azure"),
        attr("subnet_ids", "array", "ids of its subnets"),
        attr("target", "string", "target", "gcp"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in"),
    ],
)

LISTENER = define_kind(
    "listener",
    "An ELBv2 listener.",
    [
        attr("load_balancer_arn", "string", "load balancer arn", "aws"),
        attr("port", "integer", "port number", "aws"),
        attr("protocol", "string", "protocol", "aws"),
        attr("target_group_arns", "array", "target group arns", "aws"),
    ],
)

TARGET_GROUP = define_kind(
    "target_group",
    "An ELBv2 target group.",
    [
        attr("port", "integer", "port number", "aws"),
        attr("protocol", "string", "protocol", "aws"),
        attr("target_type", "string", "target type", "aws"),
        attr("targets", "array", "[{`id`,`port`}]", "aws"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in", "aws"),
    ],
)

SUBNET = define_kind(
    "subnet",
    "A subnet of a network (AWS subnet, Azure VNet subnet, GCP subnetwork).",
    [
        attr("az", "string", "availability zone"),
        attr("cidr", "string", "cidr"),
        attr("cidrs", "array", "cidrs", "azure"),
        attr("default_outbound_access", "boolean", "default outbound access", "azure"),
        attr("map_public_ip_on_launch", "boolean", "map public ip on launch (bool; null)"),
        attr("nat_gateway_id", "string", "nat gateway id", "azure"),
        attr("nsg_id", "string", "nsg id", "azure"),
        attr(
            "private_endpoint_network_policies",
            "string",
            "private endpoint network policies",
            "azure",
        ),
        attr("private_google_access", "boolean", "private google access", "gcp"),
        attr("purpose", "string", "purpose", "gcp"),
        attr("route_table_id", "string", "route table id", "azure"),
        attr("secondary_cidrs", "array", "secondary cidrs", "gcp"),
        attr("subnet_id", "string", "id of its subnet (its id)"),
        attr(
            "vpc_id", "string", "id of the network (VPC/VNet) it sits in: /`subnet_id` are full ids"
        ),
    ],
)
