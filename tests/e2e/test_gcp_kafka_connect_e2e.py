"""``fixtures/gcp-kafka-connect`` end to end: Managed Kafka Connect clusters collected through
Cloud Asset (real ``google-cloud-asset`` client over the GCP fake), joined to the
MirrorMaker 2 connectors they run and to their primary Kafka cluster, and judged by
``failure.replication-service`` against the README's tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.fakecloud.gcp_server import load_assets
from auditor.model import Inventory, Status, Verdict
from tests.estate_readme import PLANTED, EstateReadme, assert_one_finding_per_misconfiguration
from tests.gcp_helpers import scanned
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "gcp-kafka-connect"
RULE = "failure.replication-service"
MK = "//managedkafka.googleapis.com/projects/orders-prod/locations"


@pytest.fixture(scope="module")
def judged() -> tuple[Inventory, list[Verdict]]:
    inv = scanned(load_assets(FIXTURE / "estate.yaml"))
    return inv, run_rules(inv, load_declaration(FIXTURE / "boundary.yaml"), rules=(RULE,))


def test_readme_tables_match_the_estate(judged: tuple[Inventory, list[Verdict]]) -> None:
    inv, verdicts = judged
    readme = EstateReadme(path=FIXTURE / "README.md", explained=(PLANTED,))
    assert readme.uncaught(verdicts, inv) == []
    assert readme.flagged_twins(verdicts, inv) == []
    assert readme.unexplained(verdicts, inv) == []
    assert readme.stale(verdicts, inv) == []
    assert_one_finding_per_misconfiguration(readme, verdicts, inv)


def test_connect_clusters_are_collected_and_linked(judged: tuple[Inventory, list[Verdict]]) -> None:
    inv, _ = judged
    connects = {r.name: r for r in inv.resources if r.kind == "kafka_connect_cluster"}
    assert set(connects) == {"connect-ew4", "connect-ew4-old"}
    ew4 = connects["connect-ew4"]
    assert ew4.attributes["state"] == "ACTIVE" and ew4.region == "europe-west4"
    assert ew4.attributes["kafka_cluster"] == f"{MK}/europe-west4/clusters/orders-mk-ew4"
    assert ew4.attributes["vcpu_count"] == "12"
    runs_on = {(r.source, r.target) for r in inv.relations if r.kind == "failure.runs_on"}
    assert (ew4.id, f"{MK}/europe-west4/clusters/orders-mk-ew4") in runs_on
    assert (f"{ew4.id}/connectors/orders-source", ew4.id) in runs_on
    subnets = {
        r.target for r in inv.relations if r.source == ew4.id and r.kind.endswith("member_of")
    }
    assert subnets == {
        "//compute.googleapis.com/projects/orders-prod/regions/europe-west4/subnetworks/connect-ew4"
    }


def test_a_detached_connect_cluster_runs_no_replication(
    judged: tuple[Inventory, list[Verdict]],
) -> None:
    (v,) = [v for v in judged[1] if v.resource == "replication:mm2-audit"]
    assert v.status is Status.FAIL, v.message
    assert "connect-ew4-old is DETACHED, not ACTIVE" in v.message
    assert f"{MK}/europe-west4/connectClusters/connect-ew4-old" in v.evidence.nodes


def test_a_target_left_unset_is_the_connect_clusters_primary(
    judged: tuple[Inventory, list[Verdict]],
) -> None:
    (v,) = [v for v in judged[1] if v.resource == "replication:mm2-orders"]
    assert v.status is Status.PASS, v.message
    assert "europe-west1 -> europe-west4" in v.message


def test_data_replicated_counts_only_replication_whose_connect_cluster_runs(
    judged: tuple[Inventory, list[Verdict]],
) -> None:
    """orders-mk's records are copied by mm2-orders (ACTIVE Connect cluster): PASS; declared
    with mm2-audit alone (its Connect cluster DETACHED), they are not replicated: FAIL,
    where the connectors' own RUNNING state alone would have passed it."""
    inv, _ = judged
    decl = load_declaration(FIXTURE / "boundary.yaml")
    rule = "failure.data-replicated"
    store = f"{MK}/europe-west1/clusters/orders-mk"

    def verdict(names: set[str]) -> Verdict:
        keep = [s for s in decl.failure.replication if s.name in names]
        d = decl.model_copy(
            update={"failure": decl.failure.model_copy(update={"replication": keep})}
        )
        (v,) = [v for v in run_rules(inv, d, rules=(rule,)) if v.resource == store]
        return v

    both = verdict({"mm2-orders", "mm2-audit"})
    assert both.status is Status.PASS, both.message
    audit = verdict({"mm2-audit"})
    assert audit.status is Status.FAIL, audit.message
    assert "mm2-audit has no running member" in audit.message
