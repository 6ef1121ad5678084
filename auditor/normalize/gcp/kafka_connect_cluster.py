"""Managed Service for Apache Kafka Connect clusters as ``kafka_connect_cluster`` resources.

A Connect cluster hosts connectors (MirrorMaker 2 among them,
:mod:`auditor.normalize.gcp.kafka_connect`) and is attached to one primary Managed
Kafka cluster (``kafkaCluster``), where its workers keep their state and into which
its MirrorMaker 2 connectors write. Its workers reach the network from the subnets of
``gcpConfig.accessConfig.networkConfigs`` (``primarySubnet``, ``additionalSubnets``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import MEMBER_OF, RUNS_ON
from auditor.base.kinds.kafka import KAFKA_CONNECT_CLUSTER
from auditor.model import RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import (
    SOURCE,
    data,
    full_name,
    labels,
    last,
    location,
    refs,
    region_of,
)


def _subnets(d: Mapping[str, Any]) -> list[str]:
    access: Mapping[str, Any] = (d.get("gcpConfig") or {}).get("accessConfig") or {}
    names: list[Any] = []
    for n in access.get("networkConfigs") or []:
        names.append(n.get("primarySubnet"))
        names.extend(n.get("additionalSubnets") or [])
    return refs(names)


@normalizes("gcp", "managedkafka.googleapis.com/ConnectCluster")
def connect_cluster(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    cid = str(rec.data["name"])
    kafka = full_name(d.get("kafkaCluster"), "managedkafka")
    subnets = _subnets(d)
    cap: Mapping[str, Any] = d.get("capacityConfig") or {}
    out.resource(
        id=cid,
        cloud="gcp",
        kind=KAFKA_CONNECT_CLUSTER,
        account=rec.account,
        region=region_of(location(rec) or cid.split("/locations/")[-1].split("/")[0]),
        name=last(cid),
        tags=labels(d),
        attributes={
            "name": last(cid),
            "state": d.get("state"),
            "kafka_cluster": kafka,
            "subnet_ids": subnets,
            "vcpu_count": None if cap.get("vcpuCount") is None else str(cap["vcpuCount"]),
            "memory_bytes": None if cap.get("memoryBytes") is None else str(cap["memoryBytes"]),
        },
        source=SOURCE,
    )
    if kafka:
        out.relation(cid, kafka, RUNS_ON, f"primary Kafka cluster {last(kafka)}")
    for s in subnets:
        out.relation(cid, s, MEMBER_OF, f"workers in {last(s)}")
