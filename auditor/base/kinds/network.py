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
        attr("auto_create_subnetworks", "boolean", "GCP: auto mode network", "gcp"),
        attr("cidrs", "array", "address ranges (GCP: null, a VPC has none of its own)"),
        attr("dns_servers", "array", "Azure: custom DNS servers", "azure"),
        attr("is_default", "boolean", "the default network"),
        attr(
            "peerings",
            "array",
            (
                "GCP: peerings [{`name`, `network`, `state`, `export_custom_routes`, "
                "`import_custom_routes`}]"
            ),
            "gcp",
        ),
        attr("routing_mode", "string", "GCP: `REGIONAL` or `GLOBAL`", "gcp"),
        attr("subnetworks", "array", "GCP: ids of its subnets", "gcp"),
        attr("vpc_id", "string", "the network's own id (AWS: `vpc-...`)"),
    ],
)

ROUTE_TABLE = define_kind(
    "route_table",
    "A route table deciding where a subnet's traffic goes (AWS route table, Azure UDR table).",
    [
        attr(
            "disable_bgp_route_propagation",
            "boolean",
            "Azure: BGP routes are not propagated",
            "azure",
        ),
        attr("main", "boolean", "the VPC's main table", "aws azure"),
        attr(
            "routes",
            "array",
            "routes [{`destination`, `target_type`, `target_id`, `state`}]",
            "aws azure",
        ),
        attr("subnet_ids", "array", "subnets explicitly associated", "aws azure"),
        attr("vpc_id", "string", "its network", "aws azure"),
    ],
)

ROUTE = define_kind(
    "route",
    "One GCP route of a network (GCP routes are resources of their own).",
    [
        attr("destination", "string", "destination CIDR", "gcp"),
        attr("next_hop", "string", "the next hop's id or address", "gcp"),
        attr(
            "next_hop_type",
            "string",
            ("`internet`, `instance`, `ip`, `ilb`, `vpn`, `peering`, `local`, `other`"),
            "gcp",
        ),
        attr("priority", "integer", "priority (lower first)", "gcp"),
        attr("route_type", "string", "GCP route type (`SUBNET`, `STATIC`, `PEERING`, ...)", "gcp"),
        attr("tags", "array", "instance tags it applies to (none: every instance)", "gcp"),
        attr("vpc_id", "string", "its network", "gcp"),
    ],
)

GATEWAY = define_kind(
    "gateway",
    "A gateway out of a network: internet, NAT, egress-only, VPN gateway, Cloud Router.",
    [
        attr("asn", "integer", "GCP Cloud Router: BGP ASN", "gcp"),
        attr("connectivity", "string", "NAT: `public` or `private`"),
        attr("egress_only", "boolean", "GCP Cloud NAT: outbound only", "gcp"),
        attr(
            "gateway_type", "string", "`internet`, `nat`, `egress-only-internet`, `vpn`, `router`"
        ),
        attr(
            "interface_ids",
            "array",
            "AWS NAT gateway: its network interfaces (they log both legs of what it translates)",
            "aws",
        ),
        attr("private_ips", "array", "AWS NAT gateway: its private addresses", "aws"),
        attr("public_ip_ids", "array", "Azure NAT gateway: its public IP resources", "azure"),
        attr(
            "public_ip_prefix_ids",
            "array",
            "Azure NAT gateway: its public IP prefixes (ranges it leaves from)",
            "azure",
        ),
        attr(
            "nat_subnetworks",
            "array",
            "GCP Cloud NAT of `LIST_OF_SUBNETWORKS`: `{subnet_id, ranges, secondary_ranges}` "
            "per subnetwork it translates (`ranges`: `ALL_IP_RANGES`, `PRIMARY_IP_RANGE`, "
            "`LIST_OF_SECONDARY_IP_RANGES`)",
            "gcp",
        ),
        attr("public_ips", "array", "public addresses it uses (NAT)"),
        attr(
            "source_subnetworks",
            "string",
            ("GCP Cloud NAT: which subnets it serves (`ALL_SUBNETWORKS_ALL_IP_RANGES`, ...)"),
            "gcp",
        ),
        attr("subnet_id", "string", "NAT: the subnet it sits in"),
        attr("subnet_ids", "array", "Azure NAT gateway: subnets it serves", "azure"),
        attr("vpc_ids", "array", "networks it is attached to"),
    ],
)

PREFIX_LIST = define_kind(
    "prefix_list",
    "An AWS managed prefix list: a named set of CIDRs that routes and security-group rules "
    "name instead of addresses (AWS-managed, e.g. `com.amazonaws.<region>.s3`, or the "
    "account's own).",
    [
        attr("address_family", "string", "`IPv4` or `IPv6`", "aws"),
        attr("aws_managed", "boolean", "owned by AWS (a service's address ranges)", "aws"),
        attr(
            "cidrs",
            "array",
            "its entries' CIDRs; null when they could not be read (a gap names the list)",
            "aws",
        ),
        attr("max_entries", "integer", "entries it may hold (null for AWS-managed lists)", "aws"),
        attr("owner", "string", "the owning account, or `AWS`", "aws"),
        attr("prefix_list_id", "string", "the list's id (`pl-...`)", "aws"),
        attr("prefix_list_name", "string", "the list's name", "aws"),
        attr("state", "string", "its state (`create-complete`, `modify-complete`, ...)", "aws"),
        attr("version", "integer", "the entries' version (null for AWS-managed lists)", "aws"),
    ],
)

PEERING = define_kind(
    "peering",
    "One side of a network peering connection.",
    [
        attr("accepter", "object", "the peer side {`account`, `region`, `vpc_id`, `cidrs`}"),
        attr("allow_forwarded_traffic", "boolean", "Azure: forwarded traffic allowed", "azure"),
        attr("allow_gateway_transit", "boolean", "Azure: gateway transit allowed", "azure"),
        attr(
            "allow_virtual_network_access",
            "boolean",
            "Azure: the networks may reach each other",
            "azure",
        ),
        attr("exchange_subnet_routes", "boolean", "GCP: subnet routes are exchanged", "gcp"),
        attr("export_custom_routes", "boolean", "GCP: custom routes are exported", "gcp"),
        attr("import_custom_routes", "boolean", "GCP: custom routes are imported", "gcp"),
        attr(
            "peering_state", "string", "Azure: `Connected`, `Initiated` or `Disconnected`", "azure"
        ),
        attr(
            "remote_tenant", "string", "Azure: tenant of the remote network, when another", "azure"
        ),
        attr("requester", "object", "this side {`account`, `region`, `vpc_id`, `cidrs`}"),
        attr("status", "string", "`active`, or another state"),
        attr(
            "use_remote_gateways",
            "boolean",
            "Azure: the remote network's gateways are used",
            "azure",
        ),
    ],
)

TRANSIT_GATEWAY = define_kind(
    "transit_gateway",
    "An AWS transit gateway.",
    [
        attr("owner", "string", "owning account", "aws"),
        attr("state", "string", "state", "aws"),
        attr("tgw_id", "string", "the transit gateway's own id", "aws"),
    ],
)

TRANSIT_ATTACHMENT = define_kind(
    "transit_attachment",
    "An attachment of a VPC, peering, VPN or Direct Connect gateway to a transit gateway.",
    [
        attr(
            "association_route_table_id", "string", "TGW route table it is associated with", "aws"
        ),
        attr("peer", "object", "peering: the other side {`account`, `region`, `tgw_id`}", "aws"),
        attr("resource_id", "string", "the attached VPC, peering, VPN or gateway", "aws"),
        attr("resource_owner", "string", "account owning the attached resource", "aws"),
        attr("resource_type", "string", "`vpc`, `peering`, `vpn`, `direct-connect-gateway`", "aws"),
        attr("state", "string", "attachment state", "aws"),
        attr("subnet_ids", "array", "VPC attachment: its subnets", "aws"),
        attr("tgw_id", "string", "its transit gateway", "aws"),
    ],
)

TRANSIT_ROUTE_TABLE = define_kind(
    "transit_route_table",
    "A transit gateway route table.",
    [
        attr("associations", "array", "attachments associated", "aws"),
        attr("propagations", "array", "attachments propagating routes", "aws"),
        attr(
            "routes",
            "array",
            ("routes [{`destination`, `attachment_ids`, `state`, `type` (`static`/`propagated`)}]"),
            "aws",
        ),
        attr("tgw_id", "string", "its transit gateway", "aws"),
    ],
)

PRIVATE_ENDPOINT = define_kind(
    "private_endpoint",
    "A private way into a service: VPC endpoint, Azure private endpoint, GCP PSC endpoint.",
    [
        attr(
            "endpoint_type",
            "string",
            ("`Interface`, `Gateway`, `GatewayLoadBalancer`, `PrivateServiceConnect`, ..."),
        ),
        attr(
            "group_ids",
            "array",
            "Azure: sub-resources it connects to (`blob`, `vault`, ...)",
            "azure",
        ),
        attr("ip_address", "string", "GCP: its address", "gcp"),
        attr("manual", "boolean", "Azure: a manual (approval-pending) connection", "azure"),
        attr("policy", "object", "endpoint policy (parsed JSON), or null"),
        attr("private_dns_enabled", "boolean", "private DNS names resolve to it"),
        attr("route_table_ids", "array", "Gateway endpoints: route tables it is in"),
        attr("security_group_ids", "array", "firewalls of its interfaces"),
        attr("service_name", "string", "the service it connects to"),
        attr("state", "string", "connection state (`available`, `accepted`, ...)"),
        attr("subnet_ids", "array", "subnets it sits in"),
        attr("target_ids", "array", "Azure: resources it connects to", "azure"),
        attr("vpc_id", "string", "network it sits in"),
    ],
)

ENDPOINT_SERVICE = define_kind(
    "endpoint_service",
    "A service offered over private link: endpoint service, private link service, PSC attachment.",
    [
        attr("acceptance_required", "boolean", "connections must be accepted by the owner"),
        attr(
            "allowed_principals",
            "array",
            ("who may connect (principals, subscriptions, consumer projects or networks)"),
        ),
        attr(
            "auto_approval_subscriptions",
            "array",
            "Azure: subscriptions whose connections are approved automatically",
            "azure",
        ),
        attr("load_balancer_arns", "array", "load balancers (or target service) behind it"),
        attr("nat_subnets", "array", "GCP: subnets used to NAT consumer traffic", "gcp"),
        attr("service_id", "string", "the service's id"),
        attr("service_name", "string", "the name consumers connect to"),
    ],
)

FIREWALL = define_kind(
    "firewall",
    "A stateful firewall: AWS security group, Azure NSG, GCP firewall rule.",
    [
        attr("action", "string", "GCP: `allow` or `deny`", "gcp"),
        attr("destination_ranges", "array", "GCP: destination CIDRs (egress)", "gcp"),
        attr("direction", "string", "GCP: `ingress` or `egress`", "gcp"),
        attr("disabled", "boolean", "GCP: the rule is disabled", "gcp"),
        attr("egress", "array", "AWS: egress rules, shaped as `ingress`"),
        attr("group_id", "string", "the firewall's own id (security group id)"),
        attr("implied", "boolean", "GCP: one of the implied rules every network has", "gcp"),
        attr(
            "ingress",
            "array",
            (
                "AWS: ingress rules [{`protocol`, `from_port`, `to_port`, `cidrs`, "
                "`prefix_lists`, `groups` [{`group_id`, `account`}]}]"
            ),
        ),
        attr("interface_ids", "array", "Azure: NICs the NSG is attached to", "azure"),
        attr("priority", "integer", "GCP: rule priority (lower first)", "gcp"),
        attr(
            "rules",
            "array",
            (
                "Azure: NSG rules incl. defaults [{`name`, `priority`, `direction`, "
                "`access`, `protocol`, `source_prefixes`, `destination_prefixes`, "
                "`source_asgs`, `destination_asgs`, `ports`, `default`}]; GCP: "
                "[{`protocol`, `from_port`, `to_port`}]"
            ),
            "azure gcp",
        ),
        attr(
            "source_ranges",
            "array",
            "GCP: source CIDRs (`0.0.0.0/0` when an ingress rule names none)",
            "gcp",
        ),
        attr("source_service_accounts", "array", "GCP: source service accounts", "gcp"),
        attr("source_tags", "array", "GCP: source network tags", "gcp"),
        attr("subnet_ids", "array", "Azure: subnets the NSG is attached to", "azure"),
        attr(
            "target_service_accounts",
            "array",
            "GCP: target service accounts (none: every instance)",
            "gcp",
        ),
        attr("target_tags", "array", "GCP: target network tags (none: every instance)", "gcp"),
        attr("vpc_id", "string", "id of the network it belongs to"),
    ],
)

NETWORK_ACL = define_kind(
    "network_acl",
    "An AWS network ACL (stateless, per subnet).",
    [
        attr("default", "boolean", "the VPC's default ACL", "aws"),
        attr(
            "entries",
            "array",
            (
                "rules [{`rule_number`, `egress`, `protocol`, `from_port`, `to_port`, "
                "`cidr`, `action`}]"
            ),
            "aws",
        ),
        attr("subnet_ids", "array", "subnets it applies to", "aws"),
        attr("vpc_id", "string", "its VPC", "aws"),
    ],
)

INTERFACE = define_kind(
    "interface",
    "A network interface (ENI, Azure NIC).",
    [
        attr(
            "application_security_group_ids",
            "array",
            "Azure: application security groups of the NIC",
            "azure",
        ),
        attr("attached_to", "string", "instance it is attached to, or null", "aws azure"),
        attr("description", "string", "the interface's description", "aws azure"),
        attr("interface_type", "string", "interface type as the cloud names it", "aws azure"),
        attr(
            "ip_configurations",
            "array",
            (
                "Azure: IP configurations [{`name`, `private_ip`, `subnet_id`, `public_ip_id`, "
                "`lb_backend_pool_ids`}]"
            ),
            "azure",
        ),
        attr(
            "lb_backend_pool_ids",
            "array",
            "Azure: load balancer backend pools the NIC is in",
            "azure",
        ),
        attr("private_ips", "array", "its private addresses", "aws azure"),
        attr("public_ip", "string", "its public address, or null", "aws azure"),
        attr("public_ip_ids", "array", "Azure: public IP resources bound to it", "azure"),
        attr(
            "scale_set_id",
            "string",
            "Azure: the scale set of an instance's NIC (Resource Graph `computeresources`)",
            "azure",
        ),
        attr(
            "security_group_ids",
            "array",
            "ids of the firewalls (security groups) that apply to it",
            "aws azure",
        ),
        attr("subnet_id", "string", "subnet it sits in", "aws azure"),
        attr("vpc_id", "string", "network it sits in", "aws azure"),
    ],
)

PUBLIC_IP = define_kind(
    "public_ip",
    "A public IP address resource (Elastic IP, Azure public IP, GCP external address).",
    [
        attr("allocation_id", "string", "AWS allocation id", "aws azure"),
        attr("allocation_method", "string", "Azure: `Static` or `Dynamic`", "azure"),
        attr(
            "association",
            "object",
            (
                "what uses it: AWS {`instance_id`, `interface_id`}, Azure "
                "{`resource_id`, `ip_configuration`}, GCP {`resource_id`}; null when unused"
            ),
            "aws azure gcp",
        ),
        attr("fqdn", "string", "Azure: DNS name of the address, or null", "azure"),
        attr("prefix", "string", "Azure: a public IP prefix's range (`public_ip` null)", "azure"),
        attr("public_ip", "string", "the address", "aws azure gcp"),
        attr("sku", "string", "Azure: `Basic` or `Standard`", "azure"),
    ],
)

FLOW_LOG = define_kind(
    "flow_log",
    "A flow log: AWS VPC flow log, Azure NSG/VNet flow log, a GCP subnetwork's `logConfig`.",
    [
        attr(
            "aggregation_interval",
            "string",
            "GCP: how long flows are aggregated (`INTERVAL_5_SEC`, ...)",
            "gcp",
        ),
        attr("analytics_workspace_id", "string", "Azure: traffic analytics workspace", "azure"),
        attr("destination", "string", "where records go (ARN; Azure: storage account id)"),
        attr("enabled", "boolean", "Azure, GCP: the flow log is on", "azure gcp"),
        attr(
            "filter",
            "string",
            "GCP: `filterExpr`; Azure: `enabledFilteringCriteria` (only matching flows are logged)",
            "azure gcp",
        ),
        attr(
            "record_types",
            "string",
            "Azure: `recordTypes`, the flow states logged (`B`, `C`, `E`, `D`; null: all)",
            "azure",
        ),
        attr("metadata", "string", "GCP: metadata included in the records", "gcp"),
        attr("retention_days", "integer", "Azure: storage retention (0: forever)", "azure"),
        attr(
            "sampling",
            "number",
            "GCP: `flowSampling`, the share of flows logged (1.0: all)",
            "gcp",
        ),
        attr(
            "destination_type",
            "string",
            "`s3`, `cloud-watch-logs` or `kinesis-data-firehose`",
            "aws",
        ),
        attr(
            "resource_id",
            "string",
            "what it covers: VPC, subnet or ENI; Azure NSG, VNet, subnet or NIC; GCP subnetwork",
        ),
        attr("status", "string", "delivery status", "aws"),
        attr("traffic_type", "string", "`ACCEPT`, `REJECT` or `ALL`", "aws"),
    ],
)

LOAD_BALANCER = define_kind(
    "load_balancer",
    "A load balancer (ELBv2, Azure load balancer, GCP forwarding rule).",
    [
        attr("backend_pool_ids", "array", "Azure: its backend pools", "azure"),
        attr("dns_name", "string", "its DNS name"),
        attr("frontends", "array", "Azure: frontend IP configurations", "azure"),
        attr("ip_address", "string", "GCP: forwarding rule address", "gcp"),
        attr(
            "lb_type",
            "string",
            ("`network`, `application`, `gateway` (GCP: load balancing scheme, lower case)"),
        ),
        attr("ports", "array", "GCP: ports the forwarding rule accepts", "gcp"),
        attr(
            "outbound_rules",
            "array",
            "Azure: outbound rules [{`name`, `protocol`, `backend_pool_id`, `frontend_ids`}]",
            "azure",
        ),
        attr("rules", "array", "Azure: load balancing rules", "azure"),
        attr("scheme", "string", "`internet-facing` or `internal`"),
        attr("security_group_ids", "array", "firewalls that apply to it"),
        attr("sku", "string", "Azure: `Basic` or `Standard` (null: unknown)", "azure"),
        attr("subnet_ids", "array", "subnets it sits in"),
        attr("target", "string", "GCP: forwarding rule target", "gcp"),
        attr("vpc_id", "string", "network it sits in"),
    ],
)

LISTENER = define_kind(
    "listener",
    "An ELBv2 listener.",
    [
        attr("load_balancer_arn", "string", "its load balancer", "aws"),
        attr("port", "integer", "port it listens on", "aws"),
        attr("protocol", "string", "protocol (`TCP`, `TLS`, `HTTPS`, ...)", "aws"),
        attr("target_group_arns", "array", "target groups it forwards to", "aws"),
    ],
)

TARGET_GROUP = define_kind(
    "target_group",
    "An ELBv2 target group.",
    [
        attr("port", "integer", "target port", "aws"),
        attr("protocol", "string", "target protocol", "aws"),
        attr("target_type", "string", "`instance`, `ip`, `lambda` or `alb`", "aws"),
        attr("targets", "array", "registered targets [{`id`, `port`}]", "aws"),
        attr("vpc_id", "string", "its VPC", "aws"),
    ],
)

SUBNET = define_kind(
    "subnet",
    "A subnet of a network (AWS subnet, Azure VNet subnet, GCP subnetwork).",
    [
        attr("az", "string", "availability zone (null where none)"),
        attr("cidr", "string", "primary address range"),
        attr("cidrs", "array", "Azure: every address range", "azure"),
        attr(
            "default_outbound_access",
            "boolean",
            "Azure: default outbound access is on (null: platform default)",
            "azure",
        ),
        attr(
            "ipv6_cidrs",
            "array",
            "its IPv6 address ranges ([] when it has none: its resources hold no IPv6 address)",
        ),
        attr("map_public_ip_on_launch", "boolean", "AWS: instances get a public IP"),
        attr("nat_gateway_id", "string", "Azure: its NAT gateway", "azure"),
        attr("nsg_id", "string", "Azure: its NSG", "azure"),
        attr(
            "private_endpoint_network_policies",
            "string",
            "Azure: NSG/UDR apply to private endpoints (`Enabled`/`Disabled`)",
            "azure",
        ),
        attr("private_google_access", "boolean", "GCP: private Google access", "gcp"),
        attr(
            "purpose",
            "string",
            "GCP: subnet purpose (`PRIVATE`, `PRIVATE_SERVICE_CONNECT`, ...)",
            "gcp",
        ),
        attr("route_table_id", "string", "Azure: its route table", "azure"),
        attr("secondary_cidrs", "array", "GCP: secondary ranges", "gcp"),
        attr("subnet_id", "string", "the subnet's own id"),
        attr("vpc_id", "string", "its network"),
    ],
)

SITE_LINK = define_kind(
    "site_link",
    (
        "A link that joins a network to an address space elsewhere: AWS site-to-site VPN "
        "connection, Azure connection (IPsec, Vnet2Vnet, ExpressRoute), GCP VPN tunnel or "
        "Interconnect attachment."
    ),
    [
        attr(
            "link_type",
            "string",
            "`vpn`, `vnet2vnet`, `expressroute`, `interconnect` or `direct-connect`",
        ),
        attr("local_gateway", "string", "id of the gateway on this side"),
        attr("local_ips", "array", "public addresses of this side's tunnel ends"),
        attr("peer_asn", "integer", "BGP ASN of the far side"),
        attr("peer_gateway", "string", "id of the far side as this cloud records it"),
        attr("peer_ips", "array", "public addresses of the far side's tunnel ends"),
        attr(
            "remote_prefixes",
            "array",
            (
                "address ranges this side sends into the link (static routes, local network "
                "gateway prefixes, traffic selectors)"
            ),
        ),
        attr("routing", "string", "`static` or `bgp`"),
        attr("status", "string", "link state as the cloud reports it (lower case)"),
        attr("vpc_ids", "array", "networks on this side"),
    ],
)

PEER_GATEWAY = define_kind(
    "peer_gateway",
    (
        "The far end of a site-to-site link as one cloud records it: AWS customer gateway, "
        "Azure local network gateway, GCP external VPN gateway."
    ),
    [
        attr("address_prefixes", "array", "address ranges declared behind it"),
        attr("asn", "integer", "its BGP ASN"),
        attr("bgp_peer_ip", "string", "its BGP peering address"),
        attr("ip_addresses", "array", "its public addresses"),
        attr("state", "string", "state (lower case)"),
    ],
)

VPN_GATEWAY = define_kind(
    "vpn_gateway",
    (
        "A cloud-side gateway that terminates site-to-site links of a network: Azure virtual "
        "network gateway (VPN or ExpressRoute), GCP HA VPN or classic VPN gateway."
    ),
    [
        attr("asn", "integer", "its BGP ASN"),
        attr("gateway_type", "string", "`vpn` or `expressroute`"),
        attr("public_ip_ids", "array", "Azure: its public IP resources", "azure"),
        attr("public_ips", "array", "its public addresses (interfaces)"),
        attr("vpc_ids", "array", "networks it serves"),
    ],
)
