"""One running state for collected replication, read the same by every rule and the plan.

``fixtures/gcp-kafka-connect`` collected through Cloud Asset (real
``google-cloud-asset`` client over the GCP fake): MirrorMaker 2 connectors that report
RUNNING on an ACTIVE Connect cluster (``mm2-orders``) and on a DETACHED one
(``mm2-audit``), and the same estate with the Connect clusters left out of the scan.
A connector runs only when it and its Connect cluster both do; when either state was
not read it is unknown (INCONCLUSIVE, never counted as running); and a declared service
is judged only on the collected replication its selector picks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from auditor.analysis.derive import build_graph
from auditor.analysis.offset_sync import offsets_synced
from auditor.boundary import (
    Declaration,
    RunbookResource,
    RunbookStep,
    SelectorSpec,
    load_declaration,
)
from auditor.checks.pack import load_pack
from auditor.cli import main
from auditor.fakecloud.gcp_server import load_assets
from auditor.model import Inventory, Status, Verdict
from auditor.pipeline import evaluate_inventory, write_scan_bundle
from tests.e2e.test_azure_gcp_audit_logs import TODAY
from tests.gcp_helpers import scanned
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "gcp-kafka-connect"
EW4 = "europe-west4"
MK = "//managedkafka.googleapis.com/projects/orders-prod/locations"


@pytest.fixture(scope="module")
def full() -> Inventory:
    return scanned(load_assets(FIXTURE / "estate.yaml"))


@pytest.fixture(scope="module")
def no_connect() -> Inventory:
    """The estate without its Connect clusters: the connectors' hosts were not read."""
    assets = [
        a
        for a in load_assets(FIXTURE / "estate.yaml")
        if a["assetType"] != "managedkafka.googleapis.com/ConnectCluster"
    ]
    return scanned(assets)


def _decl(keep: set[str], **failure: object) -> Declaration:
    decl = load_declaration(FIXTURE / "boundary.yaml")
    services = [s for s in decl.failure.replication if s.name in keep]
    update = {"replication": services, **failure}
    return decl.model_copy(update={"failure": decl.failure.model_copy(update=update)})


def _one(verdicts: list[Verdict], resource: str) -> Verdict:
    (v,) = [v for v in verdicts if v.resource == resource]
    return v


def _runbook(inv: Inventory, service: str) -> Verdict:
    step = RunbookStep(
        name="check replication",
        region=f"gcp/{EW4}",
        resources=[RunbookResource(kind="replication", name=service)],
    )
    decl = _decl({"mm2-orders", "mm2-audit"}, runbook=[step])
    verdicts = run_rules(inv, decl, rules=("failure.runbook-resources",))
    return _one(verdicts, f"runbook:1/replication:{service}")


def test_runbook_counts_connectors_running_on_an_active_connect_cluster(full: Inventory) -> None:
    # A collected connector used to be "cannot tell" here, read as not running: a FAIL.
    v = _runbook(full, "mm2-orders")
    assert v.status is Status.PASS, v.message
    v = _runbook(full, "mm2-audit")
    assert v.status is Status.FAIL, v.message
    assert "has no running resource" in v.message


def test_runbook_is_inconclusive_when_the_connect_cluster_was_not_read(
    no_connect: Inventory,
) -> None:
    v = _runbook(no_connect, "mm2-orders")
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "was not collected" in v.message and v.unmodelled


def test_offsets_are_not_synced_by_connectors_on_a_detached_connect_cluster(
    full: Inventory, no_connect: Inventory
) -> None:
    # The failover plan's answer: mm2-audit's connectors say RUNNING but their Connect
    # cluster is DETACHED, so nothing syncs offsets (it used to say "found running").
    audit = _decl({"mm2-audit"})
    sync = offsets_synced(build_graph(full, audit), audit, EW4)
    assert sync.synced is False, sync.reason
    orders = _decl({"mm2-orders"})
    sync = offsets_synced(build_graph(full, orders), orders, EW4)
    assert sync.synced is True and sync.by == ("mm2-orders",), sync.reason
    # Neither Connect cluster read: unknown, never synced.
    sync = offsets_synced(build_graph(no_connect, orders), orders, EW4)
    assert sync.synced is None and sync.unknown_by == ("mm2-orders",), sync.reason
    assert "was not collected" in sync.reason


def test_replication_service_on_an_unread_connect_cluster_is_inconclusive(
    no_connect: Inventory,
) -> None:
    # mm2-audit's connectors name their target (placed in europe-west4) and say RUNNING;
    # without their Connect cluster's state that used to PASS.
    verdicts = run_rules(no_connect, _decl({"mm2-audit"}), rules=("failure.replication-service",))
    v = _one(verdicts, "replication:mm2-audit")
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "connect-ew4-old was not collected" in v.message


def test_services_whose_selectors_match_nothing_do_not_pass_on_other_replication(
    full: Inventory,
) -> None:
    # Two declared services between the same regions, selectors matching nothing: each
    # used to stand on all collected replication and PASS on orders-source's copy.
    decl = _decl({"mm2-orders", "mm2-audit"})
    nothing = SelectorSpec.model_validate({"ids": ["*/connectors/no-such-*"]})
    services = [s.model_copy(update={"select": nothing}) for s in decl.failure.replication]
    failure = decl.failure.model_copy(update={"replication": services})
    decl = decl.model_copy(update={"failure": failure})
    verdicts = run_rules(full, decl, rules=("failure.replication-service",))
    for name in ("mm2-orders", "mm2-audit"):
        v = _one(verdicts, f"replication:{name}")
        assert v.status is Status.INCONCLUSIVE, v.message
        assert "its selector matches no collected replication" in v.message
        assert "orders-source" in v.message and v.unmodelled
    # The same declaration with its own selectors is judged on what each picks.
    verdicts = run_rules(
        full, _decl({"mm2-orders", "mm2-audit"}), rules=("failure.replication-service",)
    )
    assert _one(verdicts, "replication:mm2-orders").status is Status.PASS
    assert _one(verdicts, "replication:mm2-audit").status is Status.FAIL


def test_a_selector_matching_nothing_with_nothing_collected_still_fails(
    no_connect: Inventory,
) -> None:
    # Nothing collected between the regions and nothing selected: the declared service
    # does not exist in a complete scan (no gap here), a FAIL, not an INCONCLUSIVE.
    inv = replace(
        no_connect,
        resources=tuple(r for r in no_connect.resources if r.kind != "kafka_replication"),
    )
    verdicts = run_rules(inv, _decl({"mm2-orders"}), rules=("failure.replication-service",))
    v = _one(verdicts, "replication:mm2-orders")
    assert v.status is Status.FAIL, v.message
    assert "no collected replication copies europe-west1 -> europe-west4" in v.message


def test_data_replicated_is_inconclusive_while_a_service_may_run(no_connect: Inventory) -> None:
    # mm2-orders' connectors say RUNNING on a Connect cluster the scan did not read (it
    # used to PASS on their word); next to a service its selector cannot find, the
    # store is not shown unreplicated either: INCONCLUSIVE, naming what was not read.
    decl = _decl({"mm2-orders", "mm2-audit"})
    nothing = SelectorSpec.model_validate({"ids": ["*/connectors/no-such-*"]})
    audit = decl.failure.replication[1].model_copy(update={"select": nothing})
    failure = decl.failure.model_copy(update={"replication": [decl.failure.replication[0], audit]})
    decl = decl.model_copy(update={"failure": failure})
    store = f"{MK}/europe-west1/clusters/orders-mk"
    v = _one(run_rules(no_connect, decl, rules=("failure.data-replicated",)), store)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "connect-ew4 was not collected" in v.message and v.unmodelled
    assert "mm2-audit is not found by its selector" in v.message


def _yaml(decl: Declaration) -> str:
    """The (edited) declaration as the bundle's declaration.yaml."""
    data = decl.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=True)


def _plan(tmp_path: Path, inv: Inventory, decl: Declaration) -> str:
    ev = evaluate_inventory(inv, decl, load_pack("default"), TODAY)
    started = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    bundle = write_scan_bundle(
        tmp_path, decl=decl, decl_text=_yaml(decl), ev=ev, started=started, finished=started
    )
    r = CliRunner().invoke(main, ["failover-plan", str(bundle)])
    assert r.exit_code == 0, r.output
    return r.output


def test_failover_plan_says_what_is_known_of_offsets(
    tmp_path: Path, full: Inventory, no_connect: Inventory
) -> None:
    # Connectors on a DETACHED Connect cluster: offsets NOT synced (it said "consumer
    # groups resume from synced offsets"); Connect cluster not read: unknown, said so.
    out = _plan(tmp_path / "detached", full, _decl({"mm2-audit"}))
    assert f"Consumers: offsets are NOT synced into {EW4}" in out, out
    assert "consumer offsets were NOT synced" in out
    out = _plan(tmp_path / "unread", no_connect, _decl({"mm2-orders"}))
    assert f"Consumers: whether offsets are synced into {EW4} is unknown" in out, out
    assert "was not collected" in out
    assert "consumer offsets may have been synced (its sync setting or running was not read)" in out
