"""MSK Replicators as kafka_replication resources, joined to the clusters they copy.

Each replication info becomes one flow from its source cluster to its target
cluster (aliases resolved through the replicator's cluster list); a cluster's
region is its ARN's. ``offset_sync`` is the flow's
``ConsumerGroupReplication.SynchroniseConsumerGroupOffsets`` (AWS's default
when unset is false; null when the answer has no ``ConsumerGroupReplication``, so
the setting was not read); ``flows`` is empty when the API listed none.
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import REPLICATES_FROM, REPLICATES_INTO
from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes, tags_of


def arn_region(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def _strings(value: Any) -> list[str]:
    return sorted(str(v) for v in value or [])


def _flow(info: Any, clusters: dict[str, str | None]) -> dict[str, JSONValue]:
    topics = info.get("TopicReplication") or {}
    read = isinstance(info.get("ConsumerGroupReplication"), dict)
    groups = info.get("ConsumerGroupReplication") if read else {}
    source = clusters.get(str(info.get("SourceKafkaClusterAlias")))
    target = clusters.get(str(info.get("TargetKafkaClusterAlias")))
    return {
        "source_cluster": source,
        "target_cluster": target,
        "source_bootstrap": None,
        "target_bootstrap": None,
        "source_region": arn_region(source),
        "target_region": arn_region(target),
        "topics": _strings(topics.get("TopicsToReplicate")),
        "topics_excluded": _strings(topics.get("TopicsToExclude")),
        "consumer_groups": _strings(groups.get("ConsumerGroupsToReplicate")),
        "consumer_groups_excluded": _strings(groups.get("ConsumerGroupsToExclude")),
        "offset_sync": bool(groups.get("SynchroniseConsumerGroupOffsets", False)) if read else None,
        "data": True,
    }


@normalizes("aws", "msk:replicator")
def replicator(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    arn = str(d["ReplicatorArn"])
    name = str(d.get("ReplicatorName") or arn)
    clusters: dict[str, str | None] = {
        str(c.get("KafkaClusterAlias")): (c.get("AmazonMskCluster") or {}).get("MskClusterArn")
        for c in d.get("KafkaClusters") or []
    }
    flows = [_flow(i, clusters) for i in d.get("ReplicationInfoList") or []]
    out.resource(
        id=arn,
        cloud="aws",
        kind=KAFKA_REPLICATION,
        account=rec.account,
        region=rec.region,
        name=name,
        tags=tags_of(d.get("Tags")),
        attributes={
            "service": "msk-replicator",
            "name": name,
            "state": d.get("ReplicatorState"),
            "flows": list(flows),
        },
        source="kafka:DescribeReplicator",
    )
    for flow in flows:
        if flow["source_cluster"]:
            out.relation(
                arn, str(flow["source_cluster"]), REPLICATES_FROM, f"MSK Replicator {name} reads it"
            )
        if flow["target_cluster"]:
            out.relation(
                arn,
                str(flow["target_cluster"]),
                REPLICATES_INTO,
                f"MSK Replicator {name} writes into it",
            )
