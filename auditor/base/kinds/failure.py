"""Failure-path kinds: compute, scaling, DNS, health checks, drills.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

INSTANCE = define_kind(
    "instance",
    "A virtual machine: EC2 instance, Azure VM, Compute Engine instance.",
    [
        attr(
            "asg_name",
            "string",
            (
                "asg name (or null (tag `aws:autoscaling:groupName`); and `group_id` "
                "(the managed instance group of `created-by`))"
            ),
        ),
        attr("az", "string", "availability zone (zone)"),
        attr("group_id", "string", "group id", "gcp"),
        attr("has_external_access", "boolean", "(an access config exists)", "gcp"),
        attr("iam_instance_profile", "string", "iam instance profile"),
        attr(
            "identity_ids",
            "array",
            "ids of the user-assigned managed identities it runs with",
            "azure",
        ),
        attr("instance_id", "string", "(its id)"),
        attr("instance_type", "string", "instance (VM) size: = VM size; (machine type)"),
        attr("interface_ids", "array", "ids of its network interfaces"),
        attr("network_ids", "array", "network ids", "gcp"),
        attr("network_tags", "array", "network tags", "gcp"),
        attr("private_ip", "string", "private IP address"),
        attr(
            "public_ip",
            "string",
            ("public IP address, or null (or null; (first access-config `natIP`) or null)"),
        ),
        attr("public_ips", "array", "public IP addresses", "gcp"),
        attr("scale_set_id", "string", "scale set id", "azure"),
        attr(
            "security_group_ids",
            "array",
            (
                "ids of the firewalls (security groups) that apply to it: "
                "/`subnet_id`/`vpc_id`/`private_ip`/`public_ip` null (they live on the "
                "NICs)"
            ),
        ),
        attr("service_accounts", "array", "[emails]", "gcp"),
        attr(
            "state", "string", "lifecycle state as the cloud reports it (`running`/`stopped`/...)"
        ),
        attr("subnet_id", "string", "id of its subnet (first interface)"),
        attr("subnet_ids", "array", "ids of its subnets", "gcp"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in"),
    ],
)

SCALING_GROUP = define_kind(
    "scaling_group",
    "What keeps instances running: Auto Scaling group, VM scale set, managed instance group.",
    [
        attr("desired_capacity", "integer", "the number of instances wanted (target size)"),
        attr(
            "identity_ids",
            "array",
            "ids of the user-assigned managed identities it runs with",
            "azure",
        ),
        attr("instance_ids", "array", "ids of its instances: null (instances are not listed)"),
        attr("instance_type", "string", "instance (VM) size: = VM size", "azure"),
        attr("launch_template", "object string", "launch template (or null; (instance template))"),
        attr("max_size", "integer", "max size"),
        attr("min_size", "integer", "/`max_size` null (autoscalers are not collected)"),
        attr("name", "string", "its name"),
        attr("public_ip_per_instance", "boolean", "public ip per instance", "azure"),
        attr("subnet_ids", "array", "ids of its subnets"),
        attr("target_group_arns", "array", "target group arns"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in", "azure"),
        attr("zones", "array", "zones", "azure gcp"),
    ],
)

K8S_CLUSTER = define_kind(
    "k8s_cluster",
    "A managed Kubernetes cluster: EKS, AKS, GKE.",
    [
        attr(
            "endpoint_private_access",
            "boolean",
            (
                "the API endpoint is reachable from the network (bool; = private "
                "cluster or API server VNet integration; (private nodes))"
            ),
        ),
        attr(
            "endpoint_public_access",
            "boolean",
            ("the API endpoint is reachable from the internet (bool; (no private endpoint))"),
        ),
        attr(
            "identity_ids",
            "array",
            "ids of the user-assigned managed identities it runs with",
            "azure",
        ),
        attr("name", "string", "its name"),
        attr("node_pools", "array", "node pools", "azure"),
        attr("private_cluster", "boolean", "private cluster", "azure"),
        attr(
            "public_access_cidrs",
            "array",
            (
                "CIDRs allowed to reach the public endpoint ([str]; = "
                "`authorizedIPRanges` (else `0.0.0.0/0` when public, `[]` when "
                "private); (authorised networks, else `0.0.0.0/0`))"
            ),
        ),
        attr("role_arn", "string", "role arn"),
        attr("secrets_kms_key", "string", "secrets kms key"),
        attr(
            "security_group_ids",
            "array",
            (
                "ids of the firewalls (security groups) that apply to it: "
                "/`subnet_id`/`vpc_id`/`private_ip`/`public_ip` null (they live on the "
                "NICs)"
            ),
        ),
        attr("subnet_ids", "array", "ids of its subnets"),
        attr("version", "string", "version"),
        attr("vpc_id", "string", "id of the network (VPC/VNet) it sits in"),
    ],
)

DNS_ZONE = define_kind(
    "dns_zone",
    "A DNS zone: Route53 hosted zone, Azure DNS zone or Traffic Manager, Cloud DNS zone.",
    [
        attr("name", "string", "its name: (no trailing dot); (DNS name, no dot)"),
        attr("name_servers", "array", "name servers", "azure"),
        attr("private", "boolean", "private"),
        attr(
            "records_collected",
            "boolean",
            (
                ": an Azure DNS zone's record sets are child resources the Resource "
                "Graph `resources` table does not list (ARM serves them per zone "
                "through the DNS provider's RecordSets API, not called); false and "
                "`failure.dns-*` say INCONCLUSIVE for names in it"
            ),
            "azure",
        ),
        attr("routing_method", "string", "routing method", "azure"),
        attr("status", "string", "status as the cloud reports it", "azure"),
        attr("traffic_manager", "boolean", "traffic manager", "azure"),
        attr("vpcs", "array", "[{`vpc_id`,`region`}]; [{`vpc_id`,`region`}]"),
        attr("zone_id", "string", "id of the DNS zone (its id)"),
    ],
)

DNS_RECORD = define_kind(
    "dns_record",
    "A DNS record set (Traffic Manager: one per endpoint).",
    [
        attr("alias_target", "object", "{`dns_name`,`zone_id`,`evaluate_target_health`} or null"),
        attr("endpoint_status", "string", "endpoint status", "azure"),
        attr("failover", "string", "(`PRIMARY`/`SECONDARY`/null)"),
        attr(
            "health_check_id",
            "string",
            "id of the health check (or null; (the policy's health check))",
        ),
        attr("health_checked_targets", "array", "health checked targets", "gcp"),
        attr("locations", "array", "(backup/geo regions)", "gcp"),
        attr("monitor_status", "string", "monitor status", "azure"),
        attr("name", "string", "its name (no trailing dot)"),
        attr("priority", "integer", "evaluation priority (lower first)", "azure"),
        attr(
            "routing",
            "string",
            (
                "(`failover`,`latency`,`weighted`,`geolocation`,`geoproximity`,`ip-base"
                "d`,`multivalue`,`simple`); (`failover`, `geolocation`, `weighted`, "
                "`simple`)"
            ),
        ),
        attr("set_identifier", "string", "set identifier"),
        attr("trickle_ratio", "integer", "trickle ratio", "gcp"),
        attr("ttl", "integer", "ttl"),
        attr("type", "string", "type"),
        attr("values", "array", "values"),
        attr("zone_id", "string", "id of the DNS zone"),
        attr("zone_name", "string", "null (rules match the zone by id)"),
    ],
)

HEALTH_CHECK = define_kind(
    "health_check",
    "A health check deciding a DNS record's or backend's health.",
    [
        attr("failure_threshold", "integer", "failure threshold"),
        attr("health_check_id", "string", "id of the health check (its id)"),
        attr("port", "integer", "port number"),
        attr("request_interval", "integer", "request interval"),
        attr("resource_path", "string", "resource path"),
        attr("target", "string", "target (FQDN or IP)"),
        attr("type", "string", "type"),
    ],
)

DRILL = define_kind(
    "drill",
    "A recorded failover drill (a file in the declared drills folder, not a cloud API).",
    [
        attr("data_loss_seconds", "number", "(see docs/drill.schema.json)"),
        attr("ended", "string", "ended"),
        attr("file", "string", "file"),
        attr("from_region", "string", "from region"),
        attr("id", "string", "id"),
        attr("measurements", "object", "measurements"),
        attr("notes", "string", "notes"),
        attr("outcome", "string", "outcome"),
        attr("platform", "string", "platform"),
        attr("recovery_time_seconds", "number", "recovery time seconds"),
        attr("run_by", "array", "run by"),
        attr("started", "string", "started"),
        attr("steps", "array", "steps"),
        attr("to_region", "string", "to region"),
        attr("version", "integer", "version"),
    ],
)

DRILL_CATALOG = define_kind(
    "drill_catalog",
    "The drills folder a scan read.",
    [
        attr("as_of", "string", "(the scan's UTC date)"),
        attr("drills", "array", "[ids]"),
        attr("exists", "boolean", "exists"),
        attr("invalid", "array", "[{`file`, `error`}]"),
        attr("path", "string", "(as declared)"),
    ],
)
