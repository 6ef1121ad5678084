"""MirrorMaker 2 connectors on MSK Connect as kafka_replication resources.

Only MirrorMaker 2 connector classes are replication; other connectors (sinks
into S3, ...) make no resource. The source and target are the connector's
``source.cluster.bootstrap.servers`` and ``target.cluster.bootstrap.servers``
(the target defaults to the cluster the Connect workers use); their region is
read from MSK broker host names (``*.kafka.<region>.amazonaws.com``) and is null
for any other broker (self-managed, another cloud): the auditor cannot place
those. A checkpoint connector syncs consumer group offsets when
``sync.group.offsets.enabled`` is true and checkpoints are emitted
(``emit.checkpoints.enabled``, true unless set false); it copies no records. A
setting given through a config provider (``${provider:path:key}``) is not readable
here: ``offset_sync`` is then null.
"""

from __future__ import annotations

import re

from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes, tags_of

MIRROR_ROLES = {
    "org.apache.kafka.connect.mirror.MirrorSourceConnector": "source",
    "org.apache.kafka.connect.mirror.MirrorCheckpointConnector": "checkpoint",
    "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector": "heartbeat",
}
_MSK_HOST = re.compile(
    r"\.kafka(?:-serverless)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?::\d+)?$"
)


def bootstrap_region(servers: str | None) -> str | None:
    """The AWS region of MSK bootstrap servers (one region for all of them), else None."""
    regions = set()
    for server in (servers or "").split(","):
        match = _MSK_HOST.search(server.strip().lower())
        if match is None:
            return None
        regions.add(match.group(1))
    return regions.pop() if len(regions) == 1 else None


def config_list(value: str | None) -> list[str]:
    """A comma-separated connector setting as a sorted list."""
    return sorted(v.strip() for v in (value or "").split(",") if v.strip())


def config_flag(config: dict[str, str], key: str, default: bool) -> bool | None:
    """A true/false connector setting (``default`` when unset; None when it is a config
    provider reference, whose value is resolved only in the workers)."""
    value = config.get(key)
    if value is None:
        return default
    if value.strip().startswith("${"):
        return None
    return value.strip().lower() == "true"


def checkpoint_syncs(role: str, config: dict[str, str]) -> bool | None:
    """Whether a MirrorMaker 2 connector syncs consumer group offsets (None: not readable)."""
    if role != "checkpoint":
        return False
    sync = config_flag(config, "sync.group.offsets.enabled", False)
    emit = config_flag(config, "emit.checkpoints.enabled", True)
    if sync is False or emit is False:
        return False
    return None if sync is None or emit is None else True


@normalizes("aws", "kafkaconnect:connector")
def connector(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    config = {str(k): str(v) for k, v in (d.get("connectorConfiguration") or {}).items()}
    cls = config.get("connector.class", "")
    role = MIRROR_ROLES.get(cls) or MIRROR_ROLES.get(f"org.apache.kafka.connect.mirror.{cls}")
    if role is None:
        return
    arn = str(d["connectorArn"])
    name = str(d.get("connectorName") or arn)
    workers = ((d.get("kafkaCluster") or {}).get("apacheKafkaCluster") or {}).get(
        "bootstrapServers"
    )
    source = config.get("source.cluster.bootstrap.servers")
    target = config.get("target.cluster.bootstrap.servers") or workers
    syncs = checkpoint_syncs(role, config)
    flow: dict[str, JSONValue] = {
        "source_cluster": None,
        "target_cluster": None,
        "source_bootstrap": source,
        "target_bootstrap": target,
        "source_region": bootstrap_region(source),
        "target_region": bootstrap_region(target),
        "topics": config_list(config.get("topics") or config.get("topics.regex")),
        "topics_excluded": config_list(config.get("topics.exclude")),
        "consumer_groups": config_list(config.get("groups")),
        "consumer_groups_excluded": config_list(config.get("groups.exclude")),
        "offset_sync": syncs,
        "data": role == "source",
    }
    tags = d.get("tags")
    out.resource(
        id=arn,
        cloud="aws",
        kind=KAFKA_REPLICATION,
        account=rec.account,
        region=rec.region,
        name=name,
        tags=tags_of(tags),
        attributes={
            "service": "msk-connect",
            "name": name,
            "state": d.get("connectorState"),
            "flows": [flow],
            "connector_class": cls,
            "mirror_role": role,
            "config": dict(sorted(config.items())),
            "connect_bootstrap": workers,
        },
        source="kafkaconnect:DescribeConnector",
    )
