"""Kafka-layer kinds: managed replication between clusters, and broker configurations.

Read from the control plane (MSK Replicator, MirrorMaker 2 on MSK Connect, MSK
configurations, Event Hubs geo-disaster recovery, GCP Managed Kafka Connect);
docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

KAFKA_REPLICATION = define_kind(
    "kafka_replication",
    (
        "A managed Kafka replication: MSK Replicator, a MirrorMaker 2 connector on MSK "
        "Connect, an Event Hubs geo-disaster recovery pairing, a MirrorMaker 2 connector on a "
        "GCP Managed Kafka Connect cluster."
    ),
    [
        attr(
            "service",
            "string",
            "`msk-replicator`, `msk-connect`, `eventhubs-geo-dr` or `managedkafka-connect`",
        ),
        attr("name", "string", "its name"),
        attr("state", "string", "state as the API writes it (`RUNNING`, `Succeeded`, ...)"),
        attr(
            "flows",
            "array",
            (
                "what it copies: [{`source_cluster`, `target_cluster`, `source_bootstrap`, "
                "`target_bootstrap`, `source_region`, `target_region`, `topics`, "
                "`topics_excluded`, `consumer_groups`, `consumer_groups_excluded`, "
                "`offset_sync`, `data`}]; a cluster is "
                "null when it is no collected resource (MirrorMaker 2 names bootstrap servers), "
                "a region null when it cannot be told (brokers outside the cloud's API); "
                "`offset_sync` is whether consumer group offsets are synchronised to the "
                "target (null: the setting could not be read); `consumer_groups` and "
                "`consumer_groups_excluded` the group patterns it selects and leaves out "
                "(empty: the service's default); `data` false for what copies no records "
                "(an MM2 checkpoint connector, "
                "a metadata-only pairing)"
            ),
        ),
        attr(
            "connector_class",
            "string",
            "MSK Connect, Managed Kafka Connect: the connector class",
            "aws gcp",
        ),
        attr(
            "mirror_role",
            "string",
            "MirrorMaker 2 connector: `source`, `checkpoint`, `heartbeat` or null (not MM2)",
            "aws gcp",
        ),
        attr(
            "config",
            "object",
            "MSK Connect, Managed Kafka Connect: the connector configuration",
            "aws gcp",
        ),
        attr(
            "connect_bootstrap",
            "string",
            "MSK Connect: bootstrap servers of the cluster the connector's workers use "
            "(Managed Kafka Connect: null, not in the connector's asset)",
            "aws gcp",
        ),
        attr(
            "connect_cluster",
            "string",
            "Managed Kafka Connect: id of the Connect cluster the connector runs on",
            "gcp",
        ),
        attr("role", "string", "Event Hubs: `Primary` or `Secondary`", "azure"),
        attr("partner", "string", "Event Hubs: id of the paired namespace", "azure"),
        attr("namespace", "string", "Event Hubs: id of the namespace it was read from", "azure"),
    ],
)

KAFKA_CONNECT_CLUSTER = define_kind(
    "kafka_connect_cluster",
    (
        "A managed Kafka Connect cluster (GCP Managed Service for Apache Kafka Connect): the "
        "workers its connectors run on, attached to one primary Kafka cluster."
    ),
    [
        attr("name", "string", "its name"),
        attr(
            "state",
            "string",
            "state as the API writes it (`ACTIVE`, `CREATING`, `DELETING`, `DETACHED`)",
        ),
        attr(
            "kafka_cluster",
            "string",
            "id of its primary Kafka cluster (where workers keep their state; MirrorMaker 2 "
            "connectors on it must write into it)",
        ),
        attr("subnet_ids", "array", "subnets its workers reach the network from"),
        attr("vcpu_count", "string", "vCPUs (as the API writes it)"),
        attr("memory_bytes", "string", "memory in bytes (as the API writes it)"),
    ],
)

KAFKA_CONFIG = define_kind(
    "kafka_config",
    "A managed Kafka broker configuration: one revision of an MSK configuration.",
    [
        attr("name", "string", "configuration name"),
        attr("configuration_arn", "string", "the configuration's ARN", "aws"),
        attr("revision", "integer", "revision number", "aws"),
        attr("latest", "boolean", "it is the configuration's latest revision", "aws"),
        attr("kafka_versions", "array", "Kafka versions it is for", "aws"),
        attr("state", "string", "configuration state", "aws"),
        attr(
            "server_properties",
            "object",
            "the server properties it sets (`key`: `value`, as written)",
        ),
        attr(
            "default_replication_factor",
            "integer",
            "`default.replication.factor`, null when it does not set it",
        ),
        attr("min_insync_replicas", "integer", "`min.insync.replicas`, null when not set"),
        attr(
            "unclean_leader_election",
            "boolean",
            "`unclean.leader.election.enable`, null when not set",
        ),
    ],
)
