"""MirrorMaker 2 on GCP Managed Kafka Connect, collected through Cloud Asset and judged by
``failure.replication-service``: the replication is placed by its clusters' bootstrap
addresses, and its consumer offsets follow only with a checkpoint connector that syncs them.

Real ``google-cloud-asset`` client over the GCP fake; the estate is ``gcp-kafka`` with a
Managed Kafka cluster in the secondary region (europe-west4) and a Connect cluster there
running a source and a checkpoint connector from the primary's ``orders-mk``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auditor.boundary import Declaration, ReplicationService, SelectorSpec, load_declaration
from auditor.checks.pack import load_pack
from auditor.model import Status, Verdict
from auditor.pipeline import evaluate_inventory
from tests.e2e.test_azure_gcp_audit_logs import FIXTURES, TODAY
from tests.gcp_helpers import asset, estate, scanned

pytestmark = pytest.mark.e2e

MK = "//managedkafka.googleapis.com/projects/orders-prod/locations/europe-west1/clusters/orders-mk"
CONNECT = "projects/orders-prod/locations/europe-west4/connectClusters/mm2-ew4"
SOURCE = "bootstrap.orders-mk.europe-west1.managedkafka.orders-prod.cloud.goog:9092"
TARGET = "bootstrap.orders-mk-ew4.europe-west4.managedkafka.orders-prod.cloud.goog:9092"


def _connector(name: str, cls: str, **configs: str) -> dict[str, Any]:
    rel = f"{CONNECT}/connectors/{name}"
    return {
        "name": f"//managedkafka.googleapis.com/{rel}",
        "assetType": "managedkafka.googleapis.com/Connector",
        "ancestors": [
            "projects/100000000001",
            "folders/700000000007",
            "organizations/500000000005",
        ],
        "resource": {
            "version": "v1",
            "parent": f"//managedkafka.googleapis.com/{CONNECT}",
            "location": "europe-west4",
            "data": {
                "name": rel,
                "state": "RUNNING",
                "configs": {
                    "connector.class": f"org.apache.kafka.connect.mirror.{cls}",
                    "source.cluster.alias": "primary",
                    "target.cluster.alias": "secondary",
                    "source.cluster.bootstrap.servers": SOURCE,
                    "target.cluster.bootstrap.servers": TARGET,
                    "source.cluster.sasl.jaas.config": "org.apache... password='hunter2';",
                    **configs,
                },
            },
        },
    }


def _estate(sync: bool) -> list[dict[str, Any]]:
    assets = estate()
    ew4 = copy.deepcopy(asset(assets, MK))
    ew4["name"] = MK.replace("europe-west1", "europe-west4").replace("orders-mk", "orders-mk-ew4")
    ew4["resource"]["location"] = "europe-west4"
    ew4["resource"]["data"]["name"] = ew4["name"].split("googleapis.com/", 1)[1]
    ew4["resource"]["data"]["gcpConfig"]["accessConfig"]["networkConfigs"] = [
        {"subnet": "projects/orders-prod/regions/europe-west4/subnetworks/kafka-ew4"}
    ]
    return [
        *assets,
        ew4,
        _connector("mm2-source", "MirrorSourceConnector", topics="orders.*"),
        _connector(
            "mm2-checkpoint",
            "MirrorCheckpointConnector",
            groups=".*",
            **{"sync.group.offsets.enabled": "true" if sync else "false"},
        ),
    ]


def _declaration() -> Declaration:
    decl = load_declaration(FIXTURES / "gcp-kafka" / "boundary.yaml")
    svc = ReplicationService(
        name="mm2-ew1-to-ew4",
        kind="mirrormaker2",
        select=SelectorSpec.model_validate({"tags": {"kafka-replication": "mirrormaker2"}}),
        source="gcp/europe-west1",
        target="gcp/europe-west4",
        offset_sync=True,
    )
    failure = decl.failure.model_copy(update={"replication": [svc]})
    return decl.model_copy(update={"failure": failure})


def _verdict(sync: bool) -> Verdict:
    inv = scanned(_estate(sync))
    replications = [r for r in inv.resources if r.kind == "kafka_replication"]
    assert {r.name for r in replications} == {"mm2-source", "mm2-checkpoint"}
    for r in replications:  # the credentials in the connector's configuration never leave
        assert "hunter2" not in repr(r.attributes)
        (flow,) = r.attributes["flows"]
        assert (flow["source_region"], flow["target_region"]) == ("europe-west1", "europe-west4")
        assert flow["source_cluster"] == MK
    verdicts = evaluate_inventory(inv, _declaration(), load_pack("default"), TODAY).verdicts
    (v,) = [v for v in verdicts if v.rule == "failure.replication-service"]
    return v


def test_mm2_on_managed_kafka_connect_without_offset_sync_fails() -> None:
    v = _verdict(sync=False)
    assert v.status is Status.FAIL, v.message
    assert "mm2-source" in v.message and "offset" in v.message


def test_twin_with_a_checkpoint_connector_syncing_offsets_passes() -> None:
    v = _verdict(sync=True)
    assert v.status is Status.PASS, v.message
