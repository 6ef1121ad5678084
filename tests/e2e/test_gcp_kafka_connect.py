"""MirrorMaker 2 on GCP Managed Kafka Connect, collected through Cloud Asset and judged by
``failure.replication-service``: the replication is placed by its clusters' bootstrap
addresses, and its consumer offsets follow only with a checkpoint connector that syncs them.

Real ``google-cloud-asset`` client over the GCP fake; the estate is ``gcp-kafka`` with a
Managed Kafka cluster in the secondary region (europe-west4) and a Connect cluster there
running a source and a checkpoint connector from the primary's ``orders-mk``. The Connect
cluster itself is collected (``managedkafka.googleapis.com/ConnectCluster``): a connector
runs only while it is ACTIVE, and a target left unset is its primary Kafka cluster.
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


EW4_MK = "projects/orders-prod/locations/europe-west4/clusters/orders-mk-ew4"


def _connect_cluster(state: str) -> dict[str, Any]:
    return {
        "name": f"//managedkafka.googleapis.com/{CONNECT}",
        "assetType": "managedkafka.googleapis.com/ConnectCluster",
        "ancestors": [
            "projects/100000000001",
            "folders/700000000007",
            "organizations/500000000005",
        ],
        "resource": {
            "version": "v1",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": "europe-west4",
            "data": {
                "name": CONNECT,
                "kafkaCluster": EW4_MK,
                "state": state,
                "capacityConfig": {"vcpuCount": "12", "memoryBytes": "12884901888"},
                "gcpConfig": {
                    "accessConfig": {
                        "networkConfigs": [
                            {
                                "primarySubnet": (
                                    "projects/orders-prod/regions/europe-west4/subnetworks/kafka-ew4"
                                )
                            }
                        ]
                    }
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
        select=SelectorSpec.model_validate({"ids": ["*/connectClusters/mm2-ew4/connectors/*"]}),
        source="gcp/europe-west1",
        target="gcp/europe-west4",
        offset_sync=True,
    )
    failure = decl.failure.model_copy(update={"replication": [svc]})
    return decl.model_copy(update={"failure": failure})


def _verdict(sync: bool) -> Verdict:
    """The pair on an ACTIVE Connect cluster (a connector runs only while it does)."""
    inv = scanned([*_estate(sync), _connect_cluster("ACTIVE")])
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


def _on_connect(state: str | None, *, default_target: bool) -> Verdict:
    """The syncing pair on a collected Connect cluster in ``state`` (None: not collected);
    with ``default_target`` the connectors leave their target to the Connect cluster."""
    assets = [*_estate(sync=True), *([_connect_cluster(state)] if state else [])]
    for a in assets:
        configs = a["resource"]["data"].get("configs")
        if default_target and a["assetType"].endswith("/Connector") and configs:
            del configs["target.cluster.bootstrap.servers"]
    inv = scanned(assets)
    if state is None:
        verdicts = evaluate_inventory(inv, _declaration(), load_pack("default"), TODAY).verdicts
        (v,) = [v for v in verdicts if v.rule == "failure.replication-service"]
        return v
    (connect,) = [r for r in inv.resources if r.kind == "kafka_connect_cluster"]
    assert connect.attributes["kafka_cluster"] == f"//managedkafka.googleapis.com/{EW4_MK}"
    assert connect.attributes["state"] == state
    assert connect.region == "europe-west4"
    edges = {(r.source, r.target) for r in inv.relations if r.kind == "failure.runs_on"}
    assert (connect.id, connect.attributes["kafka_cluster"]) in edges
    assert (f"{connect.id}/connectors/mm2-source", connect.id) in edges
    verdicts = evaluate_inventory(inv, _declaration(), load_pack("default"), TODAY).verdicts
    (v,) = [v for v in verdicts if v.rule == "failure.replication-service"]
    return v


def test_connectors_on_a_detached_connect_cluster_fail() -> None:
    v = _on_connect("DETACHED", default_target=False)
    assert v.status is Status.FAIL, v.message
    assert "not running" in v.message or "is running" in v.message
    assert "mm2-ew4 is DETACHED, not ACTIVE" in v.message
    assert f"//managedkafka.googleapis.com/{CONNECT}" in v.evidence.nodes


def test_connectors_on_an_active_connect_cluster_pass() -> None:
    v = _on_connect("ACTIVE", default_target=False)
    assert v.status is Status.PASS, v.message


def test_connectors_whose_connect_cluster_was_not_collected_are_inconclusive() -> None:
    # RUNNING connectors on a Connect cluster the scan did not see: whether they run is
    # not known (the cluster may be DETACHED), so neither a PASS nor a FAIL.
    v = _on_connect(None, default_target=False)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert f"Connect cluster //managedkafka.googleapis.com/{CONNECT} was not collected" in (
        v.message
    )


def test_a_target_left_to_the_connect_cluster_is_its_primary_cluster() -> None:
    # Without the Connect cluster the target cannot be placed: the region it writes into
    # was not read, so INCONCLUSIVE naming it (it was a FAIL "no collected replication
    # copies europe-west1 -> europe-west4", a verdict on missing data); with it, the
    # connectors write into orders-mk-ew4 there and count.
    v = _on_connect(None, default_target=True)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "its target is left to its Connect cluster" in v.message
    assert "which was not collected" in v.message and "no collected replication" not in v.message
    assert v.unmodelled
    v = _on_connect("ACTIVE", default_target=True)
    assert v.status is Status.PASS, v.message
    v = _on_connect("CREATING", default_target=True)
    assert v.status is Status.FAIL, v.message
    assert "CREATING, not ACTIVE" in v.message
