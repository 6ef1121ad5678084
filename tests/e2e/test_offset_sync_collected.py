"""Consumer offset sync judged from the collected replication, never the declared flag.

``failure.replication-service`` and the failover plan ask
:func:`~auditor.analysis.kafka_replication.flow_offsets` (through
:func:`~auditor.analysis.offset_sync.service_offsets`): a declared ``offset_sync: true``
FAILs naming the setting when the collected service does not sync offsets or does not
select the declared consumer groups; a setting that cannot be read (a config-provider
reference) is INCONCLUSIVE naming it; a declared ``false`` with collected sync on passes.

AWS: ``fixtures/failure-msk-replication`` built with boto3 on the embedded MSK
Replicator / MSK Connect fake (extra connectors created with the real client); GCP:
MirrorMaker 2 connectors served by the Cloud Asset fake.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.analysis.derive import build_graph
from auditor.analysis.offset_sync import offsets_synced
from auditor.boundary import Declaration, ReplicationService, SelectorSpec, load_declaration
from auditor.checks.pack import load_pack
from auditor.fakecloud.estate import apply_estate
from auditor.model import Inventory, Status, Verdict
from auditor.pipeline import evaluate_inventory
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_azure_gcp_audit_logs import TODAY
from tests.e2e.test_gcp_kafka_connect import _connect_cluster, _connector, _declaration
from tests.e2e.test_gcp_kafka_connect import _estate as gcp_estate
from tests.gcp_helpers import scanned
from tests.helpers import run_rules

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "failure-msk-replication"
REGIONS = ("us-east-1", "us-west-2")
SERVICES = ("msk", "msk-config", "msk-replicator", "msk-connect")
RULE = "failure.replication-service"
_CACHE: dict[str, Inventory] = {}


def _vault_connectors(fake: FakeAws) -> None:
    """A MirrorMaker 2 pair into another cluster whose checkpoint's
    ``sync.group.offsets.enabled`` comes from a config provider (resolved only in the
    workers): the metrics pair of the fixture, re-pointed and re-tagged."""
    steps = yaml.safe_load((FIXTURE / "estate.yaml").read_text(encoding="utf-8"))[1]["steps"]
    subnet = fake.session(region="us-west-2").client("ec2").describe_subnets()["Subnets"][0]
    client = fake.session(region="us-west-2").client("kafkaconnect")
    for step in steps:
        args = step.get("args", {})
        if not str(args.get("connectorName", "")).startswith("mm2-metrics-"):
            continue
        text = yaml.safe_dump(args).replace("fo-metrics-usw2.m1n2o3", "fo-vault-usw2.v1v2v3")
        new: dict[str, Any] = yaml.safe_load(text)
        new["connectorName"] = new["connectorName"].replace("metrics", "vault")
        new["tags"] = {"kafka-replication": "mm2-vault"}
        vpc = new["kafkaCluster"]["apacheKafkaCluster"]["vpc"]
        vpc["subnets"] = [subnet["SubnetId"]]
        config = new["connectorConfiguration"]
        if "sync.group.offsets.enabled" in config:
            config["sync.group.offsets.enabled"] = "${ssm::/mm2/vault/sync-offsets}"
        client.create_connector(**new)


def _inventory(fake: FakeAws, vault: bool = False) -> Inventory:
    key = f"vault={vault}"
    if key not in _CACHE:
        fake.server.reset()
        apply_estate(FIXTURE / "estate.yaml")
        if vault:
            _vault_connectors(fake)
        _CACHE[key] = fake.collect(accounts=(CUSTOMER,), regions=REGIONS, services=SERVICES)
    return _CACHE[key]


def _aws_decl(name: str, **update: object) -> Declaration:
    """The fixture's declaration with one service (``name``), ``update`` applied to it."""
    decl = load_declaration(FIXTURE / "boundary.yaml")
    base = {s.name: s for s in decl.failure.replication}
    if name in base:
        svc = base[name].model_copy(update=update)
    else:
        svc = ReplicationService(
            name=name,
            kind="mirrormaker2",
            select=SelectorSpec.model_validate({"tags": {"kafka-replication": name}}),
            source="aws/us-east-1",
            target="aws/us-west-2",
            offset_sync=True,
        ).model_copy(update=update)
    return decl.model_copy(
        update={"failure": decl.failure.model_copy(update={"replication": [svc]})}
    )


def _one(inv: Inventory, decl: Declaration) -> Verdict:
    (v,) = run_rules(inv, decl, rules=(RULE,))
    return v


# --- AWS: MSK Replicator ----------------------------------------------------------------------


def test_replicator_selecting_the_declared_groups_passes(fake_aws: FakeAws) -> None:
    decl = _aws_decl("msk-replicator", consumer_groups=["orders-app", "billing"])
    v = _one(_inventory(fake_aws), decl)
    assert v.status is Status.PASS, v.message
    sync = offsets_synced(build_graph(_inventory(fake_aws), decl), decl, "us-west-2")
    assert sync.synced is True and sync.by == ("msk-replicator",), sync.reason


def test_checkpoint_not_selecting_a_declared_group_fails_naming_the_setting(
    fake_aws: FakeAws,
) -> None:
    # The audit checkpoint's groups is ".*", but MirrorMaker 2's default groups.exclude
    # leaves out "connect-.*": that group's offsets never reach us-west-2.
    decl = _aws_decl("mm2-audit", consumer_groups=["audit-readers", "connect-audit-sink"])
    v = _one(_inventory(fake_aws), decl)
    assert v.status is Status.FAIL, v.message
    assert "offset_sync: true is declared" in v.message
    assert "groups/groups.exclude does not select consumer group(s) connect-audit-sink" in (
        v.message
    )
    sync = offsets_synced(build_graph(_inventory(fake_aws), decl), decl, "us-west-2")
    assert sync.synced is False and "connect-audit-sink" in sync.reason, sync.reason


def test_declared_false_with_collected_sync_on_is_fine(fake_aws: FakeAws) -> None:
    decl = _aws_decl("msk-replicator", offset_sync=False)
    v = _one(_inventory(fake_aws), decl)
    assert v.status is Status.PASS, v.message
    assert "the declaration says offset_sync: false" in v.message
    sync = offsets_synced(build_graph(_inventory(fake_aws), decl), decl, "us-west-2")
    assert sync.synced is True, sync.reason


# --- AWS: MirrorMaker 2 on MSK Connect ----------------------------------------------------------


def test_a_checkpoint_setting_from_a_config_provider_is_inconclusive(fake_aws: FakeAws) -> None:
    inv = _inventory(fake_aws, vault=True)
    (cp,) = [r for r in inv.resources if r.name == "mm2-vault-checkpoint"]
    assert cp.attributes["flows"][0]["offset_sync"] is None  # type: ignore[index]
    decl = _aws_decl("mm2-vault")
    v = _one(inv, decl)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "mm2-vault-checkpoint: sync.group.offsets.enabled" in v.message
    assert "was not readable" in v.message
    sync = offsets_synced(build_graph(inv, decl), decl, "us-west-2")
    assert sync.synced is None and sync.unknown_by == ("mm2-vault",), sync.reason


# --- GCP: MirrorMaker 2 on Managed Kafka Connect ----------------------------------------------


def _gcp(checkpoint: dict[str, str], **update: object) -> tuple[Verdict, bool | None]:
    assets = gcp_estate(sync=True)
    assets = [a for a in assets if not a["name"].endswith("/connectors/mm2-checkpoint")]
    assets.append(_connector("mm2-checkpoint", "MirrorCheckpointConnector", **checkpoint))
    inv = scanned([*assets, _connect_cluster("ACTIVE")])
    decl = _declaration()
    svc = decl.failure.replication[0].model_copy(update=update)
    decl = decl.model_copy(
        update={"failure": decl.failure.model_copy(update={"replication": [svc]})}
    )
    verdicts = evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts
    (v,) = [v for v in verdicts if v.rule == RULE]
    return v, offsets_synced(build_graph(inv, decl), decl, "europe-west4").synced


ON = {"groups": "orders-.*", "sync.group.offsets.enabled": "true"}


@pytest.mark.parametrize(
    ("checkpoint", "update", "status", "synced", "says"),
    [
        (ON, {"consumer_groups": ["orders-app"]}, Status.PASS, True, "syncs consumer offsets"),
        (
            ON,
            {"consumer_groups": ["orders-app", "billing-app"]},
            Status.FAIL,
            False,
            "groups/groups.exclude does not select consumer group(s) billing-app",
        ),
        (
            {**ON, "emit.checkpoints.enabled": "false"},
            {},
            Status.FAIL,
            False,
            "mm2-checkpoint: sync.group.offsets.enabled (with emit.checkpoints.enabled) is off",
        ),
        (
            {**ON, "sync.group.offsets.enabled": "${secretmanager:mm2:sync}"},
            {},
            Status.INCONCLUSIVE,
            None,
            "sync.group.offsets.enabled (with emit.checkpoints.enabled) was not readable",
        ),
        (ON, {"offset_sync": False}, Status.PASS, True, "syncs consumer offsets"),
        (
            {"groups": "orders-(", "sync.group.offsets.enabled": "true"},
            {"consumer_groups": ["orders-app"]},
            Status.INCONCLUSIVE,
            None,
            "is no readable pattern for orders-app",
        ),
    ],
    ids=["covers", "misses-group", "checkpoints-off", "provider", "declared-false", "bad-regex"],
)
def test_gcp_offset_sync_is_read_from_the_checkpoint_connector(
    checkpoint: dict[str, str],
    update: dict[str, object],
    status: Status,
    synced: bool | None,
    says: str,
) -> None:
    v, plan = _gcp(copy.deepcopy(checkpoint), **update)
    assert (v.status, plan) == (status, synced), v.message
    assert says in v.message, v.message
