"""Managed Kafka bootstrap addresses and which connectors are replication."""

from __future__ import annotations

import pytest

from auditor.model import RawRecord, Scope
from auditor.normalize import normalize
from auditor.normalize.gcp.kafka_connect import bootstrap_cluster

HOST = "bootstrap.orders-mk.europe-west1.managedkafka.orders-prod.cloud.goog"
MK = "//managedkafka.googleapis.com/projects/orders-prod/locations/europe-west1/clusters/orders-mk"


@pytest.mark.parametrize(
    ("servers", "want"),
    [
        (f"{HOST}:9092", (MK, "europe-west1")),
        (f"{HOST}:9092, {HOST}", (MK, "europe-west1")),
        # two clusters, a self-managed broker, nothing: not placed
        (f"{HOST}:9092,{HOST.replace('orders-mk', 'other')}:9092", (None, None)),
        (f"{HOST}:9092,broker-1.internal:9092", (None, None)),
        ("b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_bootstrap_cluster(servers: str | None, want: tuple[str | None, str | None]) -> None:
    assert bootstrap_cluster(servers) == want


def _record(cls: str) -> RawRecord:
    rel = "projects/orders-prod/locations/europe-west1/connectClusters/cc/connectors/c"
    return RawRecord(
        cloud="gcp",
        account="orders-prod",
        region="europe-west1",
        service="managedkafka",
        type="managedkafka.googleapis.com/Connector",
        data={
            "name": f"//managedkafka.googleapis.com/{rel}",
            "assetType": "managedkafka.googleapis.com/Connector",
            "ancestors": [],
            "resource": {
                "data": {"name": rel, "state": "PAUSED", "configs": {"connector.class": cls}},
                "location": "europe-west1",
                "parent": "",
            },
        },
        operation="cloudasset:ListAssets",
    )


def test_only_mirrormaker_connectors_are_replication() -> None:
    scope = Scope(accounts=("orders-prod",), regions=("europe-west1",), cloud="gcp")
    sink = normalize([_record("io.confluent.connect.gcs.GcsSinkConnector")], scope=scope)
    assert not sink.resources
    (mm2,) = normalize([_record("MirrorSourceConnector")], scope=scope).resources
    assert mm2.kind == "kafka_replication" and mm2.attributes["mirror_role"] == "source"
    (flow,) = mm2.attributes["flows"]
    # no bootstrap servers given: neither end is placed (the rules cannot judge it)
    assert flow["source_region"] is None and flow["target_region"] is None
    assert flow["data"] is True and flow["offset_sync"] is False
