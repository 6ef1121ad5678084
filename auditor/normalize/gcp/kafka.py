"""Managed Service for Apache Kafka clusters and GKE clusters.

A Managed Kafka cluster is reached only through Private Service Connect
endpoints in the subnets its ``accessConfig`` names (``public_access``
``DISABLED``); it is sized in vCPUs, not brokers, so ``broker_count`` is null
(capacity rules say they cannot count it). ``encryption_at_rest_kms_key`` is
its CMEK or null (a Google-managed key, ``key_manager`` ``PROVIDER``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import ENCRYPTED_BY, MEMBER_OF
from auditor.model import Kind, RawRecord
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


@normalizes("gcp", "managedkafka.googleapis.com/Cluster")
def kafka_cluster(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    cid = str(rec.data["name"])
    gcp: Mapping[str, Any] = d.get("gcpConfig") or {}
    subnets = refs(
        n.get("subnet") for n in (gcp.get("accessConfig") or {}).get("networkConfigs") or []
    )
    key = full_name(gcp.get("kmsKey"), "cloudkms")
    cap: Mapping[str, Any] = d.get("capacityConfig") or {}
    out.resource(
        id=cid,
        cloud="gcp",
        kind=Kind.KAFKA_CLUSTER,
        account=rec.account,
        region=region_of(location(rec) or cid.split("/locations/")[-1].split("/")[0]),
        name=last(cid),
        tags=labels(d),
        attributes={
            "cluster_name": last(cid),
            "cluster_type": "MANAGED",
            "state": d.get("state"),
            "broker_count": None,
            "instance_type": None,
            "subnet_ids": subnets,
            "security_group_ids": [],
            "kafka_version": None,
            "encryption_at_rest_kms_key": key,
            "in_transit": {"client_broker": "TLS", "in_cluster": True},
            "public_access": "DISABLED",
            "storage_gib_per_broker": None,
            "vcpu_count": cap.get("vcpuCount"),
            "memory_bytes": cap.get("memoryBytes"),
        },
        source=SOURCE,
    )
    for s in subnets:
        out.relation(cid, s, MEMBER_OF, f"PSC access in {last(s)}")
    if key:
        out.relation(cid, key, ENCRYPTED_BY, f"CMEK {last(key)}")


@normalizes("gcp", "container.googleapis.com/Cluster")
def gke_cluster(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    cid = str(rec.data["name"])
    private: Mapping[str, Any] = d.get("privateClusterConfig") or {}
    man: Mapping[str, Any] = d.get("masterAuthorizedNetworksConfig") or {}
    cidrs = (
        sorted(str(c.get("cidrBlock")) for c in man.get("cidrBlocks") or [])
        if man.get("enabled")
        else ["0.0.0.0/0"]
    )
    net = full_name(
        d.get("network") and f"projects/{rec.account}/global/networks/{last(d['network'])}"
    )
    sub_name = (d.get("networkConfig") or {}).get("subnetwork") or d.get("subnetwork")
    sub = full_name(sub_name) if sub_name and "/" in str(sub_name) else None
    key = full_name((d.get("databaseEncryption") or {}).get("keyName"), "cloudkms")
    out.resource(
        id=cid,
        cloud="gcp",
        kind=Kind.K8S_CLUSTER,
        account=rec.account,
        region=region_of(location(rec) or str(d.get("location") or "")),
        name=str(d.get("name") or last(cid)),
        tags={str(k): str(v) for k, v in (d.get("resourceLabels") or {}).items()} or labels(d),
        attributes={
            "name": str(d.get("name") or last(cid)),
            "version": d.get("currentMasterVersion"),
            "endpoint_public_access": not bool(private.get("enablePrivateEndpoint", False)),
            "public_access_cidrs": cidrs,
            "endpoint_private_access": bool(private.get("enablePrivateNodes", False)),
            "subnet_ids": [sub] if sub else [],
            "security_group_ids": [],
            "vpc_id": net,
            "role_arn": None,
            "secrets_kms_key": key,
        },
        source=SOURCE,
    )
    if sub:
        out.relation(cid, sub, MEMBER_OF, f"nodes in {last(sub)}")
    if key:
        out.relation(cid, key, ENCRYPTED_BY, f"secrets encrypted by {last(key)}")
