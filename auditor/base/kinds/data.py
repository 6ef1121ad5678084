"""Data-path kinds: stores, keys, volumes, Kafka.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

BUCKET = define_kind(
    "bucket",
    "An object store: S3 bucket, Azure storage account (and its geo secondary), GCS bucket.",
    [
        attr("allow_blob_public_access", "boolean", "Azure: blobs may be made public", "azure"),
        attr(
            "allow_shared_key_access",
            "boolean",
            "Azure: account keys may authorise requests",
            "azure",
        ),
        attr("data_locations", "array", "GCS: the regions of a configurable dual-region", "gcp"),
        attr(
            "encryption",
            "object",
            (
                "default encryption {`algorithm`, `kms_key_id`, `bucket_key`}; "
                "`kms_key_id` as configured (ARN, key id, alias, Key Vault key URI, "
                "Cloud KMS key id)"
            ),
        ),
        attr(
            "geo_secondary_of",
            "string",
            "Azure: on the geo secondary, the storage account it copies",
            "azure",
        ),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr("location_type", "string", "GCS: `region`, `dual-region` or `multi-region`", "gcp"),
        attr(
            "logging",
            "object",
            "access logging {`target_bucket`, `target_prefix`}, or null when off",
        ),
        attr("name", "string", "bucket or storage account name"),
        attr(
            "network_rules",
            "object",
            (
                "Azure: network rule set {`default_action`, `bypass`, `ip_rules`, "
                "`virtual_network_rules`}"
            ),
            "azure",
        ),
        attr(
            "object_lock",
            "object",
            ("write-once retention {`enabled`, `mode`, `days`, `years`} (GCS: retention policy)"),
        ),
        attr("policy", "object", "bucket policy (parsed JSON), or null when none"),
        attr(
            "private_endpoint_connections",
            "array",
            (
                "Azure: private endpoint connections [{`endpoint_id`, `subscription`, "
                "`status`}]; null when the row does not list them"
            ),
            "azure",
        ),
        attr("policy_is_public", "boolean", "S3 judges the policy public"),
        attr(
            "public_access_block",
            "object",
            "S3 public access block flags; `{}` when none is configured",
        ),
        attr("public_access_prevention", "string", "GCS: `enforced` or `inherited`", "gcp"),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
        attr("public_network_access", "string", "Azure: `Enabled` or `Disabled`", "azure"),
        attr(
            "replication",
            "object",
            (
                "replication {`role`, `rules` [{`rule_id`, `status`, "
                "`destination_bucket`, `destination_account`, `replica_kms_key_id`, "
                "`rtc`}]}; GCS: no rules"
            ),
        ),
        attr(
            "read_only_replica",
            "boolean",
            "Azure: true on a geo-redundant account's paired-region copy, which only Azure "
            "writes (a replica location, never a write region)",
            "azure",
        ),
        attr(
            "replication_sku",
            "string",
            ("Azure: the SKU's redundancy (`LRS`, `ZRS`, `GRS`, `RAGRS`, `GZRS`, ...)"),
            "azure",
        ),
        attr("secondary_region", "string", "Azure: region of the geo copy, for a geo SKU", "azure"),
        attr("sku", "string", "Azure: storage account SKU name", "azure"),
        attr(
            "uniform_access", "boolean", "GCS: uniform bucket-level access (no object ACLs)", "gcp"
        ),
        attr("versioning", "string", "`Enabled`, `Suspended`, or null (never enabled, or unknown)"),
    ],
)

KEY = define_kind(
    "key",
    "An encryption key: KMS key, Key Vault key, Cloud KMS crypto key.",
    [
        attr("aliases", "array", "aliases naming it"),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr("key_id", "string", "the key's own id"),
        attr("key_manager", "string", "`CUSTOMER` or `AWS` (provider-managed)"),
        attr("key_ring", "string", "GCP: its key ring's id", "gcp"),
        attr("key_state", "string", "state (`Enabled`, `PendingDeletion`, ...)"),
        attr("key_type", "string", "Azure: key type (`RSA`, `RSA-HSM`, ...)", "azure"),
        attr("key_uri", "string", "Azure: key URI (what a storage account names)", "azure"),
        attr("key_usage", "string", "usage or purpose (`ENCRYPT_DECRYPT`, ...)"),
        attr(
            "multi_region",
            "boolean",
            "a multi-region key (GCP: location `global` or a multi-region)",
        ),
        attr(
            "multi_region_type",
            "string",
            "`PRIMARY` or `REPLICA` for a multi-region key, else null",
        ),
        attr("policy", "object", "key policy (parsed JSON), or null"),
        attr("primary_key_arn", "string", "a replica's primary key, or null"),
        attr("protection_level", "string", "GCP: `SOFTWARE`, `HSM`, `EXTERNAL`, ...", "gcp"),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
        attr("replica_key_arns", "array", "a primary's replica keys"),
        attr("rotation_enabled", "boolean", "automatic rotation is on"),
        attr("rotation_period", "string", "GCP: rotation period (e.g. `7776000s`)", "gcp"),
        attr("vault_id", "string", "Azure: the vault holding it", "azure"),
    ],
)

KEY_RING = define_kind(
    "key_ring",
    "A Cloud KMS key ring.",
    [
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr("key_ring_id", "string", "the key ring's own id", "gcp"),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
    ],
)

KEY_VAULT = define_kind(
    "key_vault",
    "An Azure Key Vault.",
    [
        attr(
            "access_policy_object_ids",
            "array",
            "object ids granted by vault access policies",
            "azure",
        ),
        attr(
            "network_default_action", "string", "firewall default action (`Allow`/`Deny`)", "azure"
        ),
        attr("public_network_access", "string", "`Enabled` or `Disabled`", "azure"),
        attr("purge_protection", "boolean", "purge protection is on", "azure"),
        attr(
            "rbac_authorization",
            "boolean",
            "access is decided by Azure RBAC (not access policies)",
            "azure",
        ),
        attr("soft_delete", "boolean", "soft delete is on", "azure"),
        attr("tenant_id", "string", "tenant the vault trusts", "azure"),
        attr("vault_uri", "string", "the vault's URI", "azure"),
    ],
)

VOLUME = define_kind(
    "volume",
    "An EBS volume.",
    [
        attr("attached_instance_ids", "array", "instances it is attached to", "aws"),
        attr("az", "string", "availability zone", "aws"),
        attr("encrypted", "boolean", "encrypted at rest", "aws"),
        attr("kms_key_id", "string", "KMS key ARN, or null", "aws"),
        attr("size_gib", "integer", "size in GiB", "aws"),
    ],
)

SNAPSHOT = define_kind(
    "snapshot",
    "An EBS snapshot owned by the account.",
    [
        attr("encrypted", "boolean", "encrypted at rest", "aws"),
        attr("kms_key_id", "string", "KMS key ARN, or null", "aws"),
        attr("public", "boolean", "anyone may create volumes from it", "aws"),
        attr(
            "shared_with", "array", "accounts it is shared with (`createVolumePermission`)", "aws"
        ),
        attr("volume_id", "string", "source volume", "aws"),
    ],
)

KAFKA_CLUSTER = define_kind(
    "kafka_cluster",
    "A Kafka service: MSK cluster, Event Hubs namespace, Managed Service for Apache Kafka cluster.",
    [
        attr(
            "broker_count", "integer", "brokers (null where sized otherwise: Event Hubs, GCP vCPUs)"
        ),
        attr("cluster_name", "string", "cluster or namespace name"),
        attr(
            "cluster_type",
            "string",
            "`PROVISIONED`, `SERVERLESS` (MSK, Event Hubs) or `MANAGED` (GCP)",
        ),
        attr(
            "encryption_at_rest_kms_key",
            "string",
            "customer-managed key encrypting data at rest, or null (provider key)",
        ),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr("in_transit", "object", "encryption in transit {`client_broker`, `in_cluster`}"),
        attr("instance_type", "string", "broker instance type (or SKU)"),
        attr(
            "configuration_arn",
            "string",
            "MSK: the custom configuration the brokers run with; null on the MSK default",
            "aws",
        ),
        attr("configuration_revision", "integer", "MSK: revision of that configuration", "aws"),
        attr("kafka_enabled", "boolean", "Event Hubs: the Kafka endpoint is on", "azure"),
        attr("kafka_port", "integer", "Event Hubs: Kafka port (9093)", "azure"),
        attr("kafka_version", "string", "Kafka version"),
        attr("local_auth_disabled", "boolean", "Event Hubs: SAS keys are disabled", "azure"),
        attr("managed_service", "string", "Azure: `event-hubs`", "azure"),
        attr(
            "memory_bytes",
            "string",
            "GCP: memory of the cluster in bytes (as the API writes it)",
            "gcp",
        ),
        attr("minimum_tls_version", "string", "Event Hubs: minimum TLS version", "azure"),
        attr(
            "network_rules",
            "object",
            (
                "Event Hubs: network rule set {`default_action`, `ip_rules`, "
                "`virtual_network_rules`, `trusted_service_access`}"
            ),
            "azure",
        ),
        attr(
            "policy",
            "object",
            ("MSK cluster policy (parsed JSON) or null; absent when it could not be read"),
            "aws",
        ),
        attr("policy_read", "boolean", "MSK: the cluster policy was read (absent when not)", "aws"),
        attr(
            "public_access",
            "string",
            (
                "public broker access: `DISABLED` or `SERVICE_PROVIDED_EIPS` (Azure: as"
                " public network access)"
            ),
        ),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
        attr("public_network_access", "string", "Event Hubs: `Enabled` or `Disabled`", "azure"),
        attr("security_group_ids", "array", "firewalls of the broker interfaces"),
        attr("state", "string", "cluster state"),
        attr("storage_gib_per_broker", "integer", "broker storage in GiB"),
        attr("subnet_ids", "array", "subnets its brokers (GCP: PSC access) sit in"),
        attr("throughput_units", "integer", "Event Hubs: throughput units", "azure"),
        attr("vcpu_count", "string", "GCP: vCPUs (as the API writes it)", "gcp"),
        attr("zone_redundant", "boolean", "Event Hubs: zone redundant", "azure"),
    ],
)
