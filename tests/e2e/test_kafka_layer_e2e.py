"""Kafka-layer evidence end to end: MSK Replicator, MSK Connect (MirrorMaker 2), MSK configurations.

The estates in ``fixtures/failure-msk-replication/`` are built with real boto3 calls
against the embedded fake (moto, with these APIs answered in front of it), collected
with the real ``kafka`` and ``kafkaconnect`` clients, normalised and judged.
``estate.yaml`` passes both Kafka-layer rules; ``broken.yaml`` (estate.yaml plus
plants) fails them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.analysis.derive import build_graph
from auditor.analysis.kafka_replication import collected_flows, flow_offsets
from auditor.analysis.offset_sync import offsets_synced
from auditor.boundary import Declaration, load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.moto_server import MotoServer
from auditor.graph.build import BoundaryGraph
from auditor.model import Inventory, Status, Verdict
from tests.collect_helpers import undeclared_calls
from tests.conftest import CUSTOMER, FakeAws
from tests.estate_readme import PLANTED, EstateReadme, assert_one_finding_per_misconfiguration
from tests.helpers import run_rules

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "failure-msk-replication"
REGIONS = ("us-east-1", "us-west-2")
SERVICES = ("msk", "msk-config", "msk-replicator", "msk-connect")
RULES = ("failure.replication-service", "failure.broker-durability")
_CACHE: dict[str, Inventory] = {}


def estate(fake: FakeAws, name: str) -> Inventory:
    if name not in _CACHE:
        fake.server.reset()
        apply_estate(FIXTURE / name)
        _CACHE[name] = fake.collect(accounts=(CUSTOMER,), regions=REGIONS, services=SERVICES)
    return _CACHE[name]


def judge(inv: Inventory) -> list[Verdict]:
    return run_rules(inv, load_declaration(FIXTURE / "boundary.yaml"), rules=RULES)


def one(verdicts: list[Verdict], rule: str, part: str) -> Verdict:
    found = [v for v in verdicts if v.rule == rule and part in v.resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in found]
    return found[0]


def by_name(inv: Inventory, kind: str, name: str):  # type: ignore[no-untyped-def]
    found = [r for r in inv.resources if r.kind == kind and r.name == name]
    assert len(found) == 1, [r.name for r in inv.resources if r.kind == kind]
    return found[0]


# --- collection -------------------------------------------------------------------------------


def test_collected_without_gaps_and_only_declared_calls(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "estate.yaml")
    assert inv.gaps == ()
    assert undeclared_calls(inv, *SERVICES) == set()
    assert inv.api_calls["kafka:DescribeReplicator"] == 1
    assert inv.api_calls["kafkaconnect:DescribeConnector"] == 4


def test_replicator_is_read_with_its_flows_and_offset_sync(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "estate.yaml")
    use1 = by_name(inv, "kafka_cluster", "fo-msk-use1")
    usw2 = by_name(inv, "kafka_cluster", "fo-msk-usw2")
    rep = by_name(inv, "kafka_replication", "fo-use1-to-usw2")
    assert (rep.region, rep.source, rep.tags) == (
        "us-west-2",
        "kafka:DescribeReplicator",
        {"kafka-replication": "msk-replicator"},
    )
    assert rep.attributes["service"] == "msk-replicator"
    assert rep.attributes["state"] == "RUNNING"
    assert rep.attributes["flows"] == [
        {
            "source_cluster": use1.id,
            "target_cluster": usw2.id,
            "source_bootstrap": None,
            "target_bootstrap": None,
            "source_region": "us-east-1",
            "target_region": "us-west-2",
            "topics": ["orders.*"],
            "topics_excluded": [],
            "consumer_groups": [".*"],
            "consumer_groups_excluded": [],
            "offset_sync": True,
            "data": True,
        }
    ]
    rels = {(r.kind, r.target) for r in inv.relations if r.source == rep.id}
    assert rels == {("failure.replicates_from", use1.id), ("failure.replicates_into", usw2.id)}


def test_mirrormaker2_connectors_keep_no_secret_config(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "estate.yaml")
    source = by_name(inv, "kafka_replication", "mm2-audit-source")
    checkpoint = by_name(inv, "kafka_replication", "mm2-audit-checkpoint")
    assert source.tags == {"kafka-replication": "mm2-audit"}
    assert (source.attributes["mirror_role"], checkpoint.attributes["mirror_role"]) == (
        "source",
        "checkpoint",
    )
    config = source.attributes["config"]
    assert isinstance(config, dict)
    assert "source.cluster.sasl.jaas.config" not in config  # credentials never leave the collector
    assert config["topics"] == "audit.*"
    [flow] = source.attributes["flows"]  # type: ignore[misc]
    assert (flow["source_region"], flow["target_region"], flow["data"], flow["offset_sync"]) == (
        "us-east-1",
        "us-west-2",
        True,
        False,
    )
    [cflow] = checkpoint.attributes["flows"]  # type: ignore[misc]
    assert (cflow["data"], cflow["offset_sync"]) == (False, True)


def test_cluster_configuration_revision_is_read(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "estate.yaml")
    cluster = by_name(inv, "kafka_cluster", "fo-msk-use1")
    config = by_name(inv, "kafka_config", "orders-durable-use1 r1")
    assert cluster.attributes["configuration_arn"] == config.attributes["configuration_arn"]
    assert cluster.attributes["configuration_revision"] == 1
    assert config.id == f"{config.attributes['configuration_arn']}/revision/1"
    assert {
        k: config.attributes[k] for k in ("default_replication_factor", "min_insync_replicas")
    } == {
        "default_replication_factor": 3,
        "min_insync_replicas": 2,
    }
    assert config.attributes["unclean_leader_election"] is False
    assert config.attributes["latest"] is True
    assert config.attributes["server_properties"] == {
        "auto.create.topics.enable": "false",
        "default.replication.factor": "3",
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
    }
    configured = [r.target for r in inv.relations if r.source == cluster.id]
    assert config.id in configured
    assert [r.kind for r in inv.relations if r.target == config.id] == ["failure.configured_by"]


def offset_sync_routes(graph: BoundaryGraph) -> list[tuple[tuple[str, str], set[str]]]:
    """Per (source region, target region): the running record-copying replications whose
    offsets :func:`flow_offsets` says are synced, and what syncs them."""
    flows = collected_flows(graph)
    routes: dict[tuple[str, str], set[str]] = {}
    for f in flows:
        if not f.data or f.running is not True or not f.source_region or not f.target_region:
            continue
        sync = flow_offsets(f, flows)
        if sync.synced is True:
            routes.setdefault((f.source_region, f.target_region), set()).update(
                {f.replication, *sync.by}
            )
    return sorted(routes.items())


def test_offset_sync_routes_name_what_syncs_offsets(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "estate.yaml")
    graph = build_graph(inv, load_declaration(FIXTURE / "boundary.yaml"))
    [(regions, route)] = offset_sync_routes(graph)
    assert regions == ("us-east-1", "us-west-2")
    names = sorted(by.name for by in inv.resources if by.id in route)
    assert names == [
        "fo-use1-to-usw2",
        "mm2-audit-checkpoint",
        "mm2-audit-source",
        "mm2-metrics-checkpoint",
        "mm2-metrics-source",
    ]
    broken_inv = estate(fake_aws, "broken.yaml")
    [(_, broken)] = offset_sync_routes(
        build_graph(broken_inv, load_declaration(FIXTURE / "boundary.yaml"))
    )
    names = sorted(by.name for by in broken_inv.resources if by.id in broken)
    assert names == ["mm2-audit-checkpoint", "mm2-audit-source"]


# --- rules ------------------------------------------------------------------------------------


def test_passing_estate_passes_both_rules(fake_aws: FakeAws) -> None:
    v = judge(estate(fake_aws, "estate.yaml"))
    assert {(x.rule, x.status) for x in v} == {(r, Status.PASS) for r in RULES}, [
        (x.rule, x.resource, x.status, x.message) for x in v
    ]
    assert len([x for x in v if x.rule == "failure.replication-service"]) == 3
    assert len([x for x in v if x.rule == "failure.broker-durability"]) == 2
    svc = one(v, "failure.replication-service", "replication:msk-replicator")
    assert "fo-use1-to-usw2" in svc.message and "syncs consumer offsets" in svc.message


def test_a_service_with_no_region_to_replicate_to_never_passes(fake_aws: FakeAws) -> None:
    """The passing estate, declared with one region only: the service names no target,
    so nothing would be judged; it FAILs as misdeclared instead of passing empty."""
    data = load_declaration(FIXTURE / "boundary.yaml").model_dump(mode="json", by_alias=True)
    data["regions"] = {"aws/us-east-1": "primary"}
    for svc in data["failure"]["replication"]:
        svc.pop("target", None)
    decl = Declaration.model_validate(data)
    v = run_rules(estate(fake_aws, "estate.yaml"), decl, rules=("failure.replication-service",))
    got = one(v, "failure.replication-service", "replication:msk-replicator")
    assert got.status is Status.FAIL and "no source and target region" in got.message


def test_replicator_without_offset_sync_fails(fake_aws: FakeAws) -> None:
    v = judge(estate(fake_aws, "broken.yaml"))
    svc = one(v, "failure.replication-service", "replication:msk-replicator")
    assert svc.status is Status.FAIL
    assert "fo-use1-to-usw2-v2" in svc.message and "SynchroniseConsumerGroupOffsets" in svc.message
    mm2 = one(v, "failure.replication-service", "replication:mm2-metrics")
    assert mm2.status is Status.FAIL and "checkpoint connector" in mm2.message
    assert one(v, "failure.replication-service", "replication:mm2-audit").status is Status.PASS


def test_weak_broker_configuration_fails(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "broken.yaml")
    v = judge(inv)
    weak = by_name(inv, "kafka_cluster", "fo-msk-usw2-weak")
    verdict = one(v, "failure.broker-durability", weak.id)
    assert verdict.status is Status.FAIL
    assert "default.replication.factor is 2" in verdict.message
    assert "unclean.leader.election.enable is true" in verdict.message
    assert "not below the replication factor" in verdict.message
    good = by_name(inv, "kafka_cluster", "fo-msk-use1")
    assert one(v, "failure.broker-durability", good.id).status is Status.PASS


# --- gaps -------------------------------------------------------------------------------------


@pytest.fixture
def proxy(moto_server: MotoServer, fake_aws: FakeAws) -> Iterator[FaultProxy]:
    p = FaultProxy(moto_server.endpoint)
    p.start()
    old = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = p.endpoint
    try:
        yield p
    finally:
        os.environ["AWS_ENDPOINT_URL"] = old
        p.stop()


def test_api_errors_are_gaps_and_verdicts_inconclusive(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    apply_estate(FIXTURE / "estate.yaml")
    proxy.inject(
        Fault(service="kafka", operation="DescribeReplicator"),
        Fault(
            service="kafkaconnect",
            operation="ListConnectors",
            status=500,
            code="InternalServerError",
        ),
        Fault(service="kafka", operation="DescribeConfigurationRevision", region="us-west-2"),
    )
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=REGIONS, services=SERVICES)
    gaps = {(g.region, g.service, g.operation, g.error_code) for g in inv.gaps}
    assert ("us-west-2", "msk-replicator", "DescribeReplicator", "AccessDenied") in gaps
    assert ("us-west-2", "msk-connect", "ListConnectors", "InternalServerError") in gaps
    assert ("us-west-2", "msk-config", "DescribeConfigurationRevision", "AccessDenied") in gaps
    assert not [r for r in inv.resources if r.kind == "kafka_replication"]
    v = judge(inv)
    for name in ("msk-replicator", "mm2-audit", "mm2-metrics"):
        verdict = one(v, "failure.replication-service", f"replication:{name}")
        assert verdict.status is Status.INCONCLUSIVE, verdict.message
        assert verdict.evidence.gaps
    west = by_name(inv, "kafka_cluster", "fo-msk-usw2")
    verdict = one(v, "failure.broker-durability", west.id)
    assert verdict.status is Status.INCONCLUSIVE and verdict.evidence.gaps
    east = by_name(inv, "kafka_cluster", "fo-msk-use1")
    assert one(v, "failure.broker-durability", east.id).status is Status.PASS


def test_readme_tables_match_the_broken_estate(fake_aws: FakeAws) -> None:
    """Every planted row FAILs, every twin PASSes, and nothing else is flagged."""
    inv = estate(fake_aws, "broken.yaml")
    v = judge(inv)
    readme = EstateReadme(path=FIXTURE / "README.md", explained=(PLANTED,))
    assert readme.uncaught(v, inv) == []
    assert readme.flagged_twins(v, inv) == []
    assert readme.unexplained(v, inv) == []
    assert_one_finding_per_misconfiguration(readme, v, inv)


def _with_reverse_replicator(fake: FakeAws) -> Inventory:
    """The passing estate plus a replicator copying us-west-2 back into us-east-1."""
    saved = apply_estate(FIXTURE / "estate.yaml")
    use1, usw2 = saved["msk1"]["ClusterArn"], saved["msk2"]["ClusterArn"]
    fake.session(CUSTOMER, "us-east-1").client("kafka").create_replicator(
        ReplicatorName="fo-usw2-to-use1",
        ServiceExecutionRoleArn=f"arn:aws:iam::{CUSTOMER}:role/fo-replicator",
        KafkaClusters=[
            {"AmazonMskCluster": {"MskClusterArn": arn}, "VpcConfig": {"SubnetIds": ["s"]}}
            for arn in (usw2, use1)
        ],
        ReplicationInfoList=[
            {
                "SourceKafkaClusterArn": usw2,
                "TargetKafkaClusterArn": use1,
                "TargetCompressionType": "NONE",
                "TopicReplication": {"TopicsToReplicate": ["payments.*"]},
                "ConsumerGroupReplication": {
                    "ConsumerGroupsToReplicate": [".*"],
                    "SynchroniseConsumerGroupOffsets": True,
                },
            }
        ],
    )
    return fake.collect(accounts=(CUSTOMER,), regions=REGIONS, services=SERVICES)


def test_collected_replicators_both_ways_are_a_loop_without_conflict_handling(
    fake_aws: FakeAws,
) -> None:
    """Active-active: a replicator each way, read from the API, is a loop; none is declared."""
    inv = _with_reverse_replicator(fake_aws)
    data = load_declaration(FIXTURE / "boundary.yaml").model_dump(mode="json", by_alias=True)
    data["pattern"] = "active-active"
    data["regions"] = {"aws/us-east-1": "active", "aws/us-west-2": "active"}
    data["failure"]["replication"] = []  # nothing declared: the loop is seen, not declared
    decl = Declaration.model_validate(data)
    v = run_rules(inv, decl, rules=("failure.replication-loops",))
    [loop] = [x for x in v if x.resource.startswith("loop:")]
    assert loop.status is Status.FAIL
    assert "msk-replicator fo-use1-to-usw2" in loop.message
    assert "msk-replicator fo-usw2-to-use1" in loop.message


def test_a_collected_replicator_back_into_the_primary_is_a_second_writer(
    fake_aws: FakeAws,
) -> None:
    v = run_rules(
        _with_reverse_replicator(fake_aws),
        load_declaration(FIXTURE / "boundary.yaml"),
        rules=("failure.single-write-region",),
    )
    [verdict] = v
    assert verdict.status is Status.FAIL
    assert "fo-usw2-to-use1 replicates us-west-2 back into us-east-1" in verdict.message
    # without it, the same estate has one write region
    passing = run_rules(
        estate(fake_aws, "estate.yaml"),
        load_declaration(FIXTURE / "boundary.yaml"),
        rules=("failure.single-write-region",),
    )
    assert [x.status for x in passing] == [Status.PASS], [x.message for x in passing]


def test_a_replicator_that_is_not_running_syncs_no_offsets_for_the_plan(
    fake_aws: FakeAws,
) -> None:
    """The failover plan's offset answer reads the replicator's collected state: RUNNING
    syncs, FAILED does not (it used to be "cannot tell", counted as running). The fake
    always answers RUNNING, so the collected resource's state is set to FAILED here."""
    inv = estate(fake_aws, "estate.yaml")
    decl = load_declaration(FIXTURE / "boundary.yaml")
    keep = [s for s in decl.failure.replication if s.name == "msk-replicator"]
    decl = decl.model_copy(
        update={"failure": decl.failure.model_copy(update={"replication": keep})}
    )
    sync = offsets_synced(build_graph(inv, decl), decl, "us-west-2")
    assert sync.synced is True and sync.by == ("msk-replicator",), sync.reason
    rep = by_name(inv, "kafka_replication", "fo-use1-to-usw2")
    failed = dataclasses.replace(rep, attributes={**rep.attributes, "state": "FAILED"})
    inv = dataclasses.replace(
        inv, resources=tuple(failed if r.id == rep.id else r for r in inv.resources)
    )
    sync = offsets_synced(build_graph(inv, decl), decl, "us-west-2")
    assert sync.synced is False, sync.reason
    assert "fo-use1-to-usw2 (msk-replicator) is not running" in sync.reason
