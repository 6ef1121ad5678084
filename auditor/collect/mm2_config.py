"""The MirrorMaker 2 connector configuration keys a collector keeps (MSK Connect, Managed
Kafka Connect): what says what is replicated where, and whether checkpoints and consumer
offsets follow. None holds a secret; every other key (``sasl.jaas.config``, ...) may, and
never leaves the collector."""

from __future__ import annotations

KEPT = frozenset(
    {
        "connector.class",
        "tasks.max",
        "topics",
        "topics.exclude",
        "topics.regex",
        "groups",
        "groups.exclude",
        "source.cluster.alias",
        "target.cluster.alias",
        "source.cluster.bootstrap.servers",
        "target.cluster.bootstrap.servers",
        "replication.factor",
        "replication.policy.class",
        "emit.checkpoints.enabled",
        "emit.checkpoints.interval.seconds",
        "emit.heartbeats.enabled",
        "sync.group.offsets.enabled",
        "sync.group.offsets.interval.seconds",
        "sync.topic.configs.enabled",
        "sync.topic.acls.enabled",
        "refresh.groups.enabled",
        "refresh.topics.enabled",
        "checkpoints.topic.replication.factor",
        "offset-syncs.topic.replication.factor",
        "offset-syncs.topic.location",
    }
)
"""Connector configuration keys kept: none of them holds a secret."""
