"""Failure-path kinds: compute, scaling, DNS, health checks, drills.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

INSTANCE = define_kind(
    "instance",
    "A virtual machine: EC2 instance, Azure VM, Compute Engine instance.",
    [
        attr("asg_name", "string", "scaling group it belongs to, or null"),
        attr("az", "string", "availability zone (GCP: zone)"),
        attr("group_id", "string", "GCP: id of the managed instance group that created it", "gcp"),
        attr("has_external_access", "boolean", "GCP: an access config (external IP) exists", "gcp"),
        attr("iam_instance_profile", "string", "AWS instance profile ARN, or null"),
        attr("identity_ids", "array", "Azure: user-assigned identities it runs with", "azure"),
        attr("instance_id", "string", "the instance's own id"),
        attr("instance_type", "string", "instance type, VM size or machine type"),
        attr("interface_ids", "array", "ids of its network interfaces"),
        attr(
            "interfaces",
            "array",
            "GCP: per network interface [{`private_ip`, `network`, `subnet_id`, `external` "
            "(an access config exists), `public_ip` (its `natIP`)}]",
            "gcp",
        ),
        attr("network_ids", "array", "GCP: networks of its interfaces", "gcp"),
        attr(
            "network_tags", "array", "GCP: network tags (select firewall rules and routes)", "gcp"
        ),
        attr("private_ip", "string", "primary private address (Azure: null, on the NIC)"),
        attr(
            "ipv6_addresses",
            "array",
            "AWS: IPv6 addresses of its network interfaces ([] when none)",
            "aws",
        ),
        attr("public_ip", "string", "primary public address, or null"),
        attr("public_ips", "array", "GCP: every external address", "gcp"),
        attr("scale_set_id", "string", "Azure: the scale set it belongs to, or null", "azure"),
        attr("security_group_ids", "array", "firewalls that apply to it (Azure: null, on the NIC)"),
        attr("service_accounts", "array", "GCP: service account emails it runs as", "gcp"),
        attr("state", "string", "run state (`running`, `stopped`, ...)"),
        attr("subnet_id", "string", "subnet of its primary interface"),
        attr("subnet_ids", "array", "GCP: subnets of all its interfaces", "gcp"),
        attr("vpc_id", "string", "network of its primary interface"),
    ],
)

INSTANCE_TEMPLATE = define_kind(
    "instance_template",
    "A GCP instance template: the machine a managed instance group starts.",
    [
        attr("instance_labels", "object", "labels of the instances it starts", "gcp"),
        attr("machine_type", "string", "machine type of the instances it starts", "gcp"),
        attr("name", "string", "template name", "gcp"),
    ],
)

SCALING_GROUP = define_kind(
    "scaling_group",
    "What keeps instances running: Auto Scaling group, VM scale set, managed instance group.",
    [
        attr(
            "desired_capacity", "integer", "instances wanted (VMSS: sku capacity; MIG: target size)"
        ),
        attr(
            "identity_ids",
            "array",
            "Azure: user-assigned identities its instances run with",
            "azure",
        ),
        attr("instance_ids", "array", "its instances (null: not listed)"),
        attr("instance_type", "string", "Azure: VM size", "azure"),
        attr("launch_template", "object string", "launch template or instance template, or null"),
        attr("max_size", "integer", "most instances (null: autoscaler not collected)"),
        attr("min_size", "integer", "fewest instances (null: autoscaler not collected)"),
        attr("name", "string", "group name"),
        attr(
            "public_ip_per_instance", "boolean", "Azure: every instance gets a public IP", "azure"
        ),
        attr(
            "nic_configurations",
            "array",
            (
                "Azure: NIC configurations of every instance [{`name`, `primary`, "
                "`security_group_ids`, `ip_configurations` [{`name`, `subnet_id`, `public_ip`, "
                "`public_ip_sku`, `lb_backend_pool_ids`, `application_security_group_ids`}]}]; "
                "null when the row has no network "
                "profile"
            ),
            "azure",
        ),
        attr("security_group_ids", "array", "Azure: NSGs of its NIC configurations", "azure"),
        attr("subnet_ids", "array", "subnets it launches into"),
        attr("target_group_arns", "array", "target groups it registers with"),
        attr("vpc_id", "string", "Azure: network it launches into", "azure"),
        attr("zones", "array", "zones it spans", "azure gcp"),
    ],
)

K8S_CLUSTER = define_kind(
    "k8s_cluster",
    "A managed Kubernetes cluster: EKS, AKS, GKE.",
    [
        attr(
            "endpoint_private_access",
            "boolean",
            "the API server is reachable from inside the network",
        ),
        attr("endpoint_public_access", "boolean", "the API server has a public endpoint"),
        attr("identity_ids", "array", "Azure: user-assigned identities it runs with", "azure"),
        attr("name", "string", "cluster name"),
        attr(
            "node_pools",
            "array",
            "AKS: node pools [{`name`, `count`, `vm_size`, `mode`, ...}]",
            "azure",
        ),
        attr("private_cluster", "boolean", "AKS: a private cluster", "azure"),
        attr(
            "public_access_cidrs",
            "array",
            ("CIDRs allowed to the public endpoint (`0.0.0.0/0`: anyone; `[]`: private)"),
        ),
        attr("role_arn", "string", "role the control plane acts as, or null"),
        attr("secrets_kms_key", "string", "key encrypting Kubernetes secrets, or null"),
        attr("security_group_ids", "array", "firewalls of the control plane interfaces"),
        attr("subnet_ids", "array", "subnets of the control plane (and node pools)"),
        attr("version", "string", "Kubernetes version"),
        attr("vpc_id", "string", "network it sits in"),
    ],
)

DNS_ZONE = define_kind(
    "dns_zone",
    "A DNS zone: Route53 hosted zone, Azure DNS zone or Traffic Manager, Cloud DNS zone.",
    [
        attr("name", "string", "zone DNS name, no trailing dot"),
        attr("name_servers", "array", "Azure: the zone's name servers", "azure"),
        attr("private", "boolean", "a private zone (resolves only inside its networks)"),
        attr(
            "records_collected",
            "boolean",
            (
                "Azure: false, record sets of a DNS zone are not listed, so DNS rules "
                "are INCONCLUSIVE there"
            ),
            "azure",
        ),
        attr(
            "routing_method", "string", "Traffic Manager: routing method (`Priority`, ...)", "azure"
        ),
        attr("status", "string", "Traffic Manager: profile status", "azure"),
        attr(
            "traffic_manager",
            "boolean",
            "Azure: the zone stands for a Traffic Manager profile",
            "azure",
        ),
        attr("vpcs", "array", "networks a private zone is associated with [{`vpc_id`, `region`}]"),
        attr("zone_id", "string", "the zone's own id"),
    ],
)

DNS_RECORD = define_kind(
    "dns_record",
    "A DNS record set (Traffic Manager: one per endpoint).",
    [
        attr(
            "alias_target",
            "object",
            ("Route53 alias {`dns_name`, `zone_id`, `evaluate_target_health`}, or null"),
        ),
        attr(
            "endpoint_status",
            "string",
            "Traffic Manager: the endpoint's `Enabled`/`Disabled`",
            "azure",
        ),
        attr("failover", "string", "`PRIMARY` or `SECONDARY` for failover routing, else null"),
        attr("health_check_id", "string", "id of the health check deciding its health, or null"),
        attr(
            "health_checked_targets",
            "array",
            "GCP: the targets the routing policy health-checks",
            "gcp",
        ),
        attr("locations", "array", "GCP: backup or geo locations of the routing policy", "gcp"),
        attr("monitor_status", "string", "Traffic Manager: the endpoint's monitor status", "azure"),
        attr("name", "string", "record name, no trailing dot"),
        attr("priority", "integer", "Traffic Manager: endpoint priority (lower first)", "azure"),
        attr(
            "routing",
            "string",
            (
                "routing policy: `simple`, `failover`, `latency`, `weighted`, "
                "`geolocation`, `geoproximity`, `ip-based`, `multivalue`"
            ),
        ),
        attr(
            "set_identifier", "string", "set identifier among records of one name and type, or null"
        ),
        attr("trickle_ratio", "integer", "GCP: share of traffic sent to the backup", "gcp"),
        attr("ttl", "integer", "time to live in seconds"),
        attr("type", "string", "record type (`A`, `CNAME`, ...)"),
        attr("values", "array", "the record's values"),
        attr("zone_id", "string", "id of its zone"),
        attr("zone_name", "string", "its zone's name (GCP: null, zones match by id)"),
        attr(
            "always_serve",
            "string",
            "Traffic Manager: `Enabled` when the endpoint is served whatever its health",
            "azure",
        ),
        attr(
            "tripping_percentage",
            "number",
            "GCP: primaryBackup fails over when healthy primaries fall below this share",
            "gcp",
        ),
        attr(
            "target_regions",
            "array",
            "GCP: regions of the internal load balancers the routing policy targets",
            "gcp",
        ),
    ],
)

HEALTH_CHECK = define_kind(
    "health_check",
    "A health check deciding a DNS record's or backend's health.",
    [
        attr("failure_threshold", "integer", "failed checks before unhealthy"),
        attr("health_check_id", "string", "the health check's own id"),
        attr("port", "integer", "port checked"),
        attr("request_interval", "integer", "seconds between checks"),
        attr("resource_path", "string", "path requested (HTTP checks)"),
        attr("target", "string", "host checked (FQDN or IP)"),
        attr("type", "string", "protocol of the check (`HTTPS`, `TCP`, ...)"),
    ],
)

DRILL = define_kind(
    "drill",
    "A recorded failover drill (a file in the declared drills folder, not a cloud API).",
    [
        attr("data_loss_seconds", "number", "measured data loss in seconds, or null"),
        attr("dns_records", "array", "DNS record names the drill says it switched"),
        attr("ended", "string", "when the drill ended (UTC, `Z`)"),
        attr("file", "string", "the drill file's name in the folder"),
        attr("from_region", "string", "region failed away from (where the fault was injected)"),
        attr("health_checks", "array", "health check ids or targets the drill says decided"),
        attr("id", "string", "the drill's id"),
        attr("kind", "string", "what was tested (`region-failover`, `kill-broker`, ...)"),
        attr("measurements", "object", "measurements as recorded (docs/drill.schema.json)"),
        attr("notes", "string", "free notes"),
        attr("outcome", "string", "the recorded outcome"),
        attr("platform", "string", "`platform` as recorded"),
        attr("recovery_time_seconds", "number", "measured recovery time in seconds, or null"),
        attr("run_by", "array", "who ran it"),
        attr(
            "signature",
            "object",
            "{`status`: `verified` (by a trusted key) | `unchecked` (signed, no trusted key "
            "given) | `unsigned`, `signer`: fingerprint}",
        ),
        attr("started", "string", "when the drill started (UTC, `Z`)"),
        attr("steps", "array", "steps as recorded"),
        attr("to_region", "string", "region failed over to"),
        attr("version", "integer", "drill file format version"),
    ],
)

DRILL_CATALOG = define_kind(
    "drill_catalog",
    "The drills folder a scan read.",
    [
        attr("as_of", "string", "the scan's UTC date"),
        attr("drills", "array", "ids of the valid drills found"),
        attr("exists", "boolean", "the folder exists"),
        attr("invalid", "array", "files that are no valid drill [{`file`, `error`}]"),
        attr("path", "string", "the folder, as declared"),
    ],
)
