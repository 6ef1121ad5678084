"""Data-path kinds: stores, keys, volumes, Kafka.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

BUCKET = define_kind(
    "bucket",
    "An object store: S3 bucket, Azure storage account (and its geo secondary), GCS bucket.",
    [
        attr("allow_blob_public_access", "boolean", "allow blob public access", "azure"),
        attr("allow_shared_key_access", "boolean", "allow shared key access", "azure"),
        attr("data_locations", "array", "data locations", "gcp"),
        attr(
            "encryption",
            "object",
            (
                "{`algorithm` (`AES256`,`aws:kms`,`aws:kms:dsse`) , `kms_key_id` (as "
                "written in the config: ARN, key id or alias), `bucket_key` bool} or "
                "null; {`algorithm` `cmek` (`kms_key_id` the default key's id) or "
                "`google-managed`}"
            ),
        ),
        attr("geo_secondary_of", "string", "geo secondary of", "azure"),
        attr(
            "iam_bindings",
            "array",
            ("IAM policy bindings [{`role`, `members`, `condition`}] set on it (GCP)"),
            "gcp",
        ),
        attr("location_type", "string", "location type", "gcp"),
        attr("logging", "object", "{`target_bucket`,`target_prefix`} or null"),
        attr("name", "string", "its name"),
        attr(
            "network_rules",
            "object",
            ("network rule set {`default_action`, `ip_rules`, `virtual_network_rules`, ...}"),
            "azure",
        ),
        attr(
            "object_lock",
            "object",
            (
                "{`enabled` bool, `mode` or null, `days` or null, `years` or null} or "
                "null; (retention policy)"
            ),
        ),
        attr("policy", "object", "resource policy (parsed JSON), or null: (parsed JSON) or null"),
        attr("policy_is_public", "boolean", "policy is public"),
        attr(
            "public_access_block",
            "object",
            (
                "{`block_public_acls`, `ignore_public_acls`, `block_public_policy`, "
                "`restrict_public_buckets`} or `{}` when none is configured (null = "
                "could not read); null (Azure has neither: `data.no-public-access` "
                "judges `allow_blob_public_access` and public network access)"
            ),
        ),
        attr("public_access_prevention", "string", "(`enforced`/`inherited`)", "gcp"),
        attr(
            "public_members",
            "array",
            "`allUsers`/`allAuthenticatedUsers` members of its IAM policy (GCP)",
            "gcp",
        ),
        attr(
            "public_network_access",
            "string",
            "public network access setting (`Enabled`/`Disabled`)",
            "azure",
        ),
        attr(
            "replication",
            "object",
            (
                "{`role`, `rules`: [{`id`,`status`,`destination_bucket` "
                "(ARN),`destination_account` or null,`replica_kms_key_id` or null,`rtc`"
                " bool}]} or null (on S3: no replication configuration; a failed read "
                "carries a gap on the bucket. Azure writes null only when the SKU or "
                "the geo copy's region cannot be told, and the replication rule is then"
                " INCONCLUSIVE; GCS has no replication rules: always `{role: null, "
                "rules: []}`); null"
            ),
        ),
        attr("replication_sku", "string", "replication sku", "azure"),
        attr("secondary_region", "string", "secondary region", "azure"),
        attr("sku", "string", "SKU name", "azure"),
        attr("uniform_access", "boolean", "uniform access", "gcp"),
        attr("versioning", "string", "(`Enabled`/`Suspended`/null)"),
    ],
)

KEY = define_kind(
    "key",
    "An encryption key: KMS key, Key Vault key, Cloud KMS crypto key.",
    [
        attr("aliases", "array", "aliases"),
        attr(
            "iam_bindings",
            "array",
            ("IAM policy bindings [{`role`, `members`, `condition`}] set on it (GCP)"),
            "gcp",
        ),
        attr("key_id", "string", "(its id)"),
        attr("key_manager", "string", "(`CUSTOMER`/`AWS`); CUSTOMER; `CUSTOMER`"),
        attr("key_ring", "string", "key ring", "gcp"),
        attr("key_state", "string", "key state"),
        attr("key_type", "string", "key type", "azure"),
        attr("key_uri", "string", "key uri", "azure"),
        attr("key_usage", "string", "(purpose)"),
        attr(
            "multi_region", "boolean", "multi region (bool; (location `global` or a multi-region))"
        ),
        attr("multi_region_type", "string", "(`PRIMARY`/`REPLICA`/null)"),
        attr("policy", "object", "resource policy (parsed JSON), or null: (parsed JSON) or null"),
        attr("primary_key_arn", "string", "primary key arn"),
        attr("protection_level", "string", "protection level", "gcp"),
        attr(
            "public_members",
            "array",
            "`allUsers`/`allAuthenticatedUsers` members of its IAM policy (GCP)",
            "gcp",
        ),
        attr("replica_key_arns", "array", "replica key arns"),
        attr("rotation_enabled", "boolean", "rotation enabled"),
        attr("rotation_period", "string", "rotation period", "gcp"),
        attr("vault_id", "string", "vault id", "azure"),
    ],
)

KEY_RING = define_kind(
    "key_ring",
    "A Cloud KMS key ring.",
    [
        attr("key_ring_id", "string", "key ring id", "gcp"),
    ],
)

KEY_VAULT = define_kind(
    "key_vault",
    "An Azure Key Vault.",
    [
        attr("access_policy_object_ids", "array", "access policy object ids", "azure"),
        attr("network_default_action", "string", "network default action", "azure"),
        attr(
            "public_network_access",
            "string",
            "public network access setting (`Enabled`/`Disabled`)",
            "azure",
        ),
        attr("purge_protection", "boolean", "purge protection", "azure"),
        attr("rbac_authorization", "boolean", "rbac authorization", "azure"),
        attr("soft_delete", "boolean", "soft delete", "azure"),
        attr("tenant_id", "string", "Entra ID tenant id", "azure"),
        attr("vault_uri", "string", "vault uri", "azure"),
    ],
)

VOLUME = define_kind(
    "volume",
    "An EBS volume.",
    [
        attr("attached_instance_ids", "array", "attached instance ids", "aws"),
        attr("az", "string", "availability zone", "aws"),
        attr("encrypted", "boolean", "whether it is encrypted at rest", "aws"),
        attr(
            "kms_key_id",
            "string",
            "the key that encrypts it, or null (provider key): (ARN) or null",
            "aws",
        ),
        attr("size_gib", "integer", "size gib", "aws"),
    ],
)

SNAPSHOT = define_kind(
    "snapshot",
    "An EBS snapshot owned by the account.",
    [
        attr("encrypted", "boolean", "whether it is encrypted at rest", "aws"),
        attr("kms_key_id", "string", "the key that encrypts it, or null (provider key)", "aws"),
        attr("public", "boolean", "public", "aws"),
        attr("shared_with", "array", "[account ids] (from `createVolumePermission`)", "aws"),
        attr("volume_id", "string", "volume id", "aws"),
    ],
)

KAFKA_CLUSTER = define_kind(
    "kafka_cluster",
    "A Kafka service: MSK cluster, Event Hubs namespace, Managed Service for Apache Kafka cluster.",
    [
        attr("broker_count", "integer", "null (sized in vCPUs: capacity rules cannot count it)"),
        attr("cluster_name", "string", "cluster name"),
        attr("cluster_type", "string", "(`PROVISIONED`/`SERVERLESS`); SERVERLESS; `MANAGED`"),
        attr(
            "encryption_at_rest_kms_key",
            "string",
            ("encryption at rest kms key (or null; (CMEK id, or null: a Google-managed key))"),
        ),
        attr("in_transit", "object", "{`client_broker`, `in_cluster` bool}"),
        attr("instance_type", "string", "instance (VM) size"),
        attr("kafka_enabled", "boolean", "kafka enabled", "azure"),
        attr("kafka_port", "integer", "9093", "azure"),
        attr("kafka_version", "string", "kafka version"),
        attr("local_auth_disabled", "boolean", "local auth disabled", "azure"),
        attr("managed_service", "string", "event-hubs", "azure"),
        attr("memory_bytes", "string", "memory bytes", "gcp"),
        attr("minimum_tls_version", "string", "minimum tls version", "azure"),
        attr(
            "network_rules",
            "object",
            (
                "network rule set {`default_action`, `ip_rules`, "
                "`virtual_network_rules`, ...} (null when the row lacks the rule set)"
            ),
            "azure",
        ),
        attr("policy", "object", "resource policy (parsed JSON), or null", "aws"),
        attr("policy_read", "boolean", "policy read", "aws"),
        attr("public_access", "string", "(`DISABLED`/`SERVICE_PROVIDED_EIPS`); `DISABLED`"),
        attr(
            "public_network_access",
            "string",
            "public network access setting (`Enabled`/`Disabled`)",
            "azure",
        ),
        attr(
            "security_group_ids", "array", "ids of the firewalls (security groups) that apply to it"
        ),
        attr("state", "string", "lifecycle state as the cloud reports it"),
        attr("storage_gib_per_broker", "integer", "storage gib per broker"),
        attr("subnet_ids", "array", "ids of its subnets (PSC access subnets)"),
        attr("throughput_units", "integer", "throughput units", "azure"),
        attr("vcpu_count", "string", "vcpu count", "gcp"),
        attr("zone_redundant", "boolean", "zone redundant", "azure"),
    ],
)
