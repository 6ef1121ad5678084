"""The observed-flows-gcp fixture end to end: ``fixtures/observed-flows-gcp`` served by the GCP
fake (estate.yaml to the real google-cloud-asset client, flows.yaml's ``vpc_flows`` entries
to the real google-cloud-logging client's ``entries.list``), read with ``--flows-since``,
normalised and judged by the four observed-flow rules; the README's tables say what FAILs
and which twin PASSes. Edits of the estate show what GCP cannot judge: a sampled or
filtered subnetwork, a subnetwork without flow logs, a failed read, a Cloud NAT whose
addresses are allocated automatically."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.analysis.data_movement import movement_map
from auditor.boundary import load_declaration
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.collect.gcp.vpc_flow_records import OPERATION
from auditor.fakecloud.gcp_logging import flow_entry, load_entries
from auditor.fakecloud.gcp_server import GcpFake, load_assets
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from tests.estate_readme import PLANTED, EstateReadme, assert_one_finding_per_misconfiguration
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows-gcp"
PROJECT = "orders-prod"
REGIONS = ("europe-west1", "europe-west4", "europe-west3")
RULES = (
    "network.observed-closed-path",
    "network.observed-dead-path",
    "network.observed-medium",
    "data.observed-egress",
)
DAY = 24 * 3600
README = EstateReadme(path=ESTATE / "README.md", explained=(PLANTED,))
CP = "//compute.googleapis.com/projects/orders-prod"
MAIN = f"{CP}/global/networks/kafka-main"
DR3 = f"{CP}/global/networks/kafka-dr3"
EW4 = f"{CP}/regions/europe-west4/subnetworks/main-ew4"
EW3 = f"{CP}/regions/europe-west3/subnetworks/dr3-ew3"
NAT = f"{CP}/regions/europe-west1/routers/nat-router-ew1"
LOG = f"projects/{PROJECT}/logs/compute.googleapis.com%2Fvpc_flows"


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


Edit = Callable[[list[dict[str, Any]]], object]


def _data(assets: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    (found,) = [a for a in assets if a["name"] == name]
    out: dict[str, Any] = found["resource"]["data"]
    return out


def _scan(
    *edits: Edit,
    since: int | None = DAY,
    fault: tuple[str, int, str] | None = None,
    extra: Sequence[Mapping[str, Any]] = (),
    keep: Callable[[Mapping[str, Any]], bool] = lambda e: True,
) -> Scan:
    assets = copy.deepcopy(load_assets(ESTATE / "estate.yaml"))
    for edit in edits:
        edit(assets)
    entries = [e for e in [*load_entries(ESTATE / "flows.yaml"), *extra] if keep(e)]
    with GcpFake(assets, page_size=20, entries=entries) as fake:
        if fault is not None:
            fake.fail(*fault)
        result = collect_gcp(
            GcpScanOptions(
                projects=(PROJECT,),
                api_endpoint=fake.endpoint,
                logging_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=20,
                max_workers=2,
                flows_since=since,
            )
        )
    inv = normalize(
        result.records,
        scope=Scope(accounts=(PROJECT,), regions=REGIONS, cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )
    decl = load_declaration(ESTATE / "boundary.yaml")
    return Scan(inventory=inv, verdicts=run_rules(inv, decl, rules=RULES))


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan() -> Scan:
    """Serve, read and judge once; later tests reuse the result."""
    if "scan" not in _SCAN:
        _SCAN["scan"] = _scan()
    return _SCAN["scan"]


def test_every_planted_violation_is_caught(scan: Scan) -> None:
    assert README.uncaught(scan.verdicts, scan.inventory) == []


def test_every_other_verdict_passes_or_is_explained(scan: Scan) -> None:
    assert README.unexplained(scan.verdicts, scan.inventory) == []
    assert README.stale(scan.verdicts, scan.inventory) == []


def test_the_clean_twins_pass(scan: Scan) -> None:
    assert README.flagged_twins(scan.verdicts, scan.inventory) == []


def test_each_planted_misconfiguration_is_one_finding(scan: Scan) -> None:
    assert_one_finding_per_misconfiguration(README, scan.verdicts, scan.inventory)


def _one(s: Scan, rule: str, status: Status, resource: str = "") -> Verdict:
    got = [
        v
        for v in s.verdicts
        if v.rule == rule and v.status is status and (not resource or v.resource == resource)
    ]
    assert len(got) == 1, [(v.status, v.resource, v.message) for v in s.verdicts if v.rule == rule]
    return got[0]


def _on(s: Scan, rule: str, resource: str) -> Verdict:
    got = [v for v in s.verdicts if v.rule == rule and v.resource == resource]
    assert len(got) == 1, [(v.status, v.resource, v.message) for v in s.verdicts if v.rule == rule]
    return got[0]


def test_the_closed_path_names_the_flow_and_model_drift(scan: Scan) -> None:
    v = _one(scan, "network.observed-closed-path", Status.FAIL)
    assert "model drift or an unmodelled feature" in v.message
    assert "172.16.5.5 -> 10.10.0.10:9092" in v.message
    (flow,) = v.evidence.attributes["flows"]
    assert flow["src"] == "172.16.5.5" and flow["bytes"] == 2400 and flow["records"] == 2
    assert flow["model"]["reach"] == "no"


def test_the_nat_medium_fails_with_its_bytes_and_the_cloud_nat_as_cause(scan: Scan) -> None:
    v = _one(scan, "network.observed-medium", Status.FAIL)
    assert v.evidence.attributes["bytes"] == 80_000_000
    assert v.evidence.attributes["media"] == ["nat"]
    assert v.causes == (f"{NAT}/nats/egress-nat",)


def test_a_connection_recorded_at_both_ends_counts_once(scan: Scan) -> None:
    v = _one(scan, "network.observed-dead-path", Status.PASS)
    assert v.evidence.attributes["bytes"] == 240_000_000
    assert v.evidence.attributes["records"] == 3


def test_egress_is_what_the_sending_vm_recorded(scan: Scan) -> None:
    v = _one(scan, "data.observed-egress", Status.FAIL)
    assert v.resource == MAIN
    assert v.evidence.attributes["bytes_by_destination"] == {"203.0.113.50": 15_000_000}
    assert [f["action"] for f in v.evidence.attributes["flows"]] == ["SENT"]


def test_without_flows_every_rule_is_not_applicable() -> None:
    s = _scan(since=None)
    assert {(v.rule, v.status) for v in s.verdicts} == {(r, Status.NOT_APPLICABLE) for r in RULES}


def test_the_data_movement_map_places_the_cloud_nat_and_the_gcp_regions(scan: Scan) -> None:
    m = movement_map(scan.inventory.resources)
    assert m is not None
    got = {(c.kind, c.source, c.target, c.medium): c.bytes for c in m.crossings}
    e1, e4 = "gcp/orders-prod/europe-west1", "gcp/orders-prod/europe-west4"
    # the NAT'd replication is one crossing: broker-ew1's SENT to 34.91.0.20 is the
    # connection broker-ew4-b recorded from 34.140.0.10; the SENT to the internet counts
    assert got == {
        ("region", e1, e4, "local"): 240_000_000,
        ("region", e1, e4, "nat"): 80_000_000,
        ("internet", e1, "internet", "nat"): 15_000_000,
        ("outside the estate", "outside the estate", e1, "internet gateway or unmodelled"): 2400,
    }


def _external_ip(name: str, address: str) -> Edit:
    def edit(assets: list[dict[str, Any]]) -> None:
        (vm,) = [a for a in assets if a["name"].endswith(f"/instances/{name}")]
        nic = vm["resource"]["data"]["networkInterfaces"][0]
        nic["accessConfigs"] = [{"name": "External NAT", "natIP": address}]

    return edit


def test_internet_egress_follows_the_sending_interface_not_the_networks_cloud_nat() -> None:
    """broker-ew1 given its own external IP: Cloud NAT never translates an interface with
    an access config, so its 15 MB to 203.0.113.50 leave from that address, though
    egress-nat still serves kafka-main in europe-west1."""
    s = _scan(_external_ip("broker-ew1", "34.140.9.9"))
    m = movement_map(s.inventory.resources)
    assert m is not None
    e1 = "gcp/orders-prod/europe-west1"
    got = {(c.kind, c.source, c.target, c.medium): c for c in m.crossings}
    out = got[("internet", e1, "internet", "public addresses")]
    assert out.bytes == 15_000_000 and out.cost_class == "internet-egress"
    assert ("internet", e1, "internet", "nat") not in got


def _sample(subnet: str, rate: float) -> Edit:
    return lambda assets: _data(assets, subnet)["logConfig"].update(flowSampling=rate)


MAIN_EW1 = f"{CP}/regions/europe-west1/subnetworks/main-ew1"


def test_sampled_subnetworks_keep_nothing_crossed_inconclusive_and_seen_breaches_failing() -> None:
    """GCP samples: with main-ew1 and dr3-ew3 at 0.5, what was not sampled may have crossed.
    Every PASS that rests on "nothing (else) crossed" is INCONCLUSIVE naming the setting;
    the breaches the samples show still FAIL; a path whose traffic was seen still PASSes."""
    s = _scan(_sample(MAIN_EW1, 0.5), _sample(EW3, 0.5))
    got = {(v.rule, v.resource): v for v in s.verdicts}
    for rule in ("network.observed-closed-path", "network.observed-medium", "data.observed-egress"):
        v = got[(rule, DR3)]
        assert v.status is Status.INCONCLUSIVE, (rule, v.message)
        assert "subnetwork dr3-ew3 samples 0.5 of its flows" in v.message
        assert v.unmodelled and not v.evidence.gaps
    dead = got[("network.observed-dead-path", "replication-path:gcp/europe-west1~gcp/europe-west3")]
    assert (
        dead.status is Status.INCONCLUSIVE and "no side of it was observed in full" in dead.message
    )
    assert "main-ew1 samples 0.5" in dead.message and "dr3-ew3 samples 0.5" in dead.message
    ew4a = f"{CP}/zones/europe-west4-a/instances/broker-ew4-a"
    assert got[("network.observed-medium", ew4a)].status is Status.INCONCLUSIVE
    assert _one(s, "network.observed-closed-path", Status.FAIL).resource.endswith("/broker-ew1")
    assert _one(s, "network.observed-medium", Status.FAIL).resource.endswith("/broker-ew4-b")
    assert _one(s, "data.observed-egress", Status.FAIL).resource == MAIN
    assert (
        got[
            ("network.observed-dead-path", "replication-path:gcp/europe-west1~gcp/europe-west4")
        ].status
        is Status.PASS
    )


def test_one_side_logged_in_full_is_enough_to_call_a_path_dead() -> None:
    """dr3-ew3 samples, kafka-main logs everything: a connection between them would have
    been recorded in kafka-main, so the path is still dead."""
    s = _scan(_sample(EW3, 0.25))
    v = _on(s, "network.observed-dead-path", "replication-path:gcp/europe-west1~gcp/europe-west3")
    assert v.status is Status.FAIL and "kafka-main" in v.message


def test_a_filtered_subnetwork_is_named() -> None:
    def edit(assets: list[dict[str, Any]]) -> None:
        _data(assets, EW4)["logConfig"]["filterExpr"] = (
            "inIpRange(connection.dest_ip, '10.0.0.0/8')"
        )

    s = _scan(edit)
    v = _on(s, "network.observed-medium", f"{CP}/zones/europe-west4-a/instances/broker-ew4-a")
    assert v.status is Status.INCONCLUSIVE
    assert "subnetwork main-ew4 logs only flows matching" in v.message


def test_a_subnetwork_without_flow_logs_leaves_its_network_unobserved() -> None:
    """Flow logs are per subnetwork: main-ew4 off means kafka-main is not observed whole."""

    def edit(assets: list[dict[str, Any]]) -> None:
        _data(assets, EW4)["logConfig"]["enable"] = False

    s = _scan(edit)
    egress = _one(s, "data.observed-egress", Status.FAIL)  # broker-ew1's SENT
    assert egress.resource == MAIN
    dead = _on(
        s, "network.observed-dead-path", "replication-path:gcp/europe-west1~gcp/europe-west4"
    )
    assert dead.status is Status.PASS  # broker-ew1 recorded what it sent to broker-ew4-a
    ew4a = _on(s, "network.observed-medium", f"{CP}/zones/europe-west4-a/instances/broker-ew4-a")
    assert ew4a.status is Status.INCONCLUSIVE
    assert "subnetwork main-ew4 (europe-west4) has no flow log read" in ew4a.message
    # what the log holds still counts: the entries written before logging was turned off
    assert _one(s, "network.observed-medium", Status.FAIL).resource.endswith("/broker-ew4-b")


def test_a_failed_read_is_inconclusive_behind_its_gap() -> None:
    denied = '{"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}'
    s = _scan(fault=("entries:list", 403, denied))
    gaps = [g for g in s.inventory.gaps if g.operation == OPERATION]
    # the vpc_flows read's gap (the fixture's Firewall Rules Logging read fails beside it)
    assert LOG in {g.resource for g in gaps}
    judged = [v for v in s.verdicts if v.rule in RULES]
    assert judged and all(v.status is Status.INCONCLUSIVE for v in judged), [
        (v.rule, v.status, v.resource) for v in judged
    ]
    on_main = [v for v in judged if v.resource == MAIN]
    assert on_main and all("failed" in v.message and v.evidence.gaps for v in on_main)


def test_a_cloud_nat_with_automatic_addresses_keeps_replication_media_undecided() -> None:
    """AUTO_ONLY: Google picks egress-nat's addresses and the inventory does not hold them,
    so 34.140.0.10 places nowhere: without the sender's own record (broker-ew1's SENT to
    34.91.0.20 is left out here) the replication it carried cannot be told from a
    client's, and broker-ew4-b is INCONCLUSIVE naming that, not PASS."""

    def keep(e: Mapping[str, Any]) -> bool:
        return e["jsonPayload"]["connection"]["dest_ip"] != "34.91.0.20"

    def edit(assets: list[dict[str, Any]]) -> None:
        nat = _data(assets, NAT)["nats"][0]
        nat["natIpAllocateOption"] = "AUTO_ONLY"
        del nat["natIps"]
        assets[:] = [a for a in assets if "/addresses/" not in a["name"]]

    s = _scan(edit, keep=keep)
    v = _on(s, "network.observed-medium", f"{CP}/zones/europe-west4-a/instances/broker-ew4-b")
    assert v.status is Status.INCONCLUSIVE
    assert "AUTO_ONLY" in v.unmodelled and "34.140.0.10" in v.message


def test_a_capped_vm_keeps_medium_and_egress_from_passing(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.collect.gcp import vpc_flow_records

    monkeypatch.setattr(vpc_flow_records, "CAP", 1)
    s = _scan()
    judged = [
        v
        for v in s.verdicts
        if v.rule in ("network.observed-medium", "data.observed-egress")
        and v.status is not Status.FAIL
    ]
    assert judged and not [v for v in judged if v.status is Status.PASS], [
        (v.rule, v.resource, v.message) for v in judged if v.status is Status.PASS
    ]
    assert any("sample cap of 1 records per VM" in v.message for v in judged)


def _into(vm: str, zone: str, net: str, sub: str, src: str, dst: str) -> dict[str, Any]:
    """A record ``vm`` reported as the destination of ``src`` on 9092."""
    return flow_entry(
        project=PROJECT,
        vm=vm,
        zone=zone,
        network=net,
        subnetwork=sub,
        src=src,
        dst=dst,
        dst_port=9092,
        ago=1500,
    )


BROKER_EW3 = f"{CP}/zones/europe-west3-a/instances/broker-ew3"


def test_a_source_is_walked_as_its_own_address_not_its_networks_space() -> None:
    """dr3-allow-kafka admits europe-west1's range only: broker-ew4-a (10.20.0.10) lies in
    kafka-main, whose space the rule admits in part, yet its own address is refused, so
    its accepted connection to broker-ew3 crossed a path the model closes."""

    def edit(assets: list[dict[str, Any]]) -> None:
        fw = _data(assets, f"{CP}/global/firewalls/dr3-allow-kafka")
        fw["sourceRanges"] = ["10.10.0.0/20", "10.30.0.0/20"]

    flow = _into("broker-ew3", "europe-west3-a", "kafka-dr3", "dr3-ew3", "10.20.0.10", "10.30.0.10")
    s = _scan(edit, extra=[flow])
    v = _on(s, "network.observed-closed-path", BROKER_EW3)
    assert v.status is Status.FAIL, v.message
    assert "10.20.0.10 -> 10.30.0.10:9092" in v.message
    (got,) = v.evidence.attributes["flows"]
    assert got["model"]["reach"] == "no" and got["model"]["via"] == ["peering"]


def test_google_front_ends_reach_the_internal_address_through_the_firewall_only() -> None:
    """A health check from 35.191.0.5 reaches broker-ew1 (no external IP) through Google's
    front end: closed while no firewall rule admits the range, open once one does."""
    probe = _into(
        "broker-ew1", "europe-west1-b", "kafka-main", "main-ew1", "35.191.0.5", "10.10.0.10"
    )
    s = _scan(extra=[probe])
    v = _on(s, "network.observed-closed-path", f"{CP}/zones/europe-west1-b/instances/broker-ew1")
    assert v.status is Status.FAIL and "35.191.0.5 -> 10.10.0.10:9092" in v.message
    shown = {f["src"]: f["model"] for f in v.evidence.attributes["flows"]}
    assert shown["35.191.0.5"]["via"] == ["google-front-end"]

    def allow(assets: list[dict[str, Any]]) -> None:
        rule = copy.deepcopy(next(a for a in assets if a["name"].endswith("/main-allow-kafka")))
        rule["name"] = f"{CP}/global/firewalls/main-allow-health-checks"
        rule["resource"]["data"].update(
            name="main-allow-health-checks", sourceRanges=["35.191.0.0/16", "130.211.0.0/22"]
        )
        assets.append(rule)

    s = _scan(allow, extra=[probe])
    v = _on(s, "network.observed-closed-path", f"{CP}/zones/europe-west1-b/instances/broker-ew1")
    assert "35.191.0.5" not in v.message  # the planted 172.16.5.5 is the only closed flow


def _malformed() -> dict[str, Any]:
    entry = _into("app-ew3", "europe-west3-a", "kafka-dr3", "dr3-ew3", "10.30.0.50", "10.30.0.10")
    del entry["jsonPayload"]["connection"]["dest_port"]
    return entry


def _sink_excludes(assets: list[dict[str, Any]]) -> None:
    sink = _data(assets, "//logging.googleapis.com/projects/orders-prod/sinks/_Default")
    sink["exclusions"] = [
        {"name": "no-flows", "filter": 'LOG_ID("compute.googleapis.com/vpc_flows")'}
    ]


@pytest.mark.parametrize(
    ("edits", "extra", "why"),
    [
        ((), (_malformed(),), "1 malformed entr(y/ies)"),
        ((_sink_excludes,), (), "the _Default log sink of orders-prod has exclusions"),
    ],
    ids=["malformed-entry", "default-sink-exclusion"],
)
def test_what_may_hide_records_keeps_the_twins_from_passing(
    edits: tuple[Edit, ...], extra: tuple[dict[str, Any], ...], why: str
) -> None:
    s = _scan(*edits, extra=extra)
    twins = [v for v in s.verdicts if v.resource == DR3 or v.resource.endswith("/broker-ew4-a")]
    assert twins and all(v.status is Status.INCONCLUSIVE for v in twins), [
        (v.rule, v.resource, v.status) for v in twins
    ]
    assert all(why in v.message for v in twins)
    # one read per project: both networks' "nothing crossed" claims go; seen breaches stay
    assert {v.resource for v in s.verdicts if v.status is Status.FAIL} == {
        MAIN,
        f"{CP}/zones/europe-west1-b/instances/broker-ew1",
        f"{CP}/zones/europe-west4-a/instances/broker-ew4-b",
    }
    dead = [v for v in s.verdicts if v.rule == "network.observed-dead-path"]
    assert {v.status for v in dead if "europe-west3" in v.resource} == {Status.INCONCLUSIVE}


def test_replication_sent_to_an_external_ip_fails_on_the_senders_record_alone() -> None:
    """Without broker-ew4-b's own records, broker-ew1's SENT to its external IP 34.91.0.20 on
    9092 is the replication on a public medium (the receiver's public address)."""

    def keep(e: Mapping[str, Any]) -> bool:
        return (e["jsonPayload"].get("dest_instance") or {}).get("vm_name") != "broker-ew4-b"

    s = _scan(keep=keep)
    v = _one(s, "network.observed-medium", Status.FAIL)
    assert v.resource.endswith("/broker-ew4-b")
    assert v.evidence.attributes["media"] == ["internet"]
    assert v.evidence.attributes["bytes"] == 80_000_000
    assert [f["action"] for f in v.evidence.attributes["flows"]] == ["SENT"]
