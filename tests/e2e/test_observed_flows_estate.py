"""The observed-flows fixture estate end to end: built in moto from ``fixtures/observed-flows``
(estate.yaml with real boto3 calls, then flows.yaml's records into each VPC's CloudWatch
Logs group), read back by the auditor with ``--flows-since`` and judged by the
observed-flow rules; the README's tables say what FAILs and which twin PASSes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from auditor.analysis.data_movement import movement_map
from auditor.analysis.transfer_prices import tables
from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.flow_estate import write_flows
from auditor.model import Inventory, Status, Verdict
from tests.conftest import FakeAws
from tests.estate_readme import PLANTED, EstateReadme, assert_one_finding_per_misconfiguration
from tests.helpers import run_rules

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows"
REGIONS = ("us-east-1", "us-west-2", "us-east-2")
RULES = (
    "network.observed-closed-path",
    "network.observed-dead-path",
    "network.observed-medium",
    "data.observed-egress",
)
DAY = 24 * 3600
README = EstateReadme(path=ESTATE / "README.md", explained=(PLANTED,))


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


def _scan(fake: FakeAws, since: int | None = DAY, drop: tuple[tuple[str, str], ...] = ()) -> Scan:
    """Build, write the records, delete the log groups ``drop`` names (region, group), read."""
    apply_estate(ESTATE / "estate.yaml")
    write_flows(ESTATE / "flows.yaml")
    for region, group in drop:
        fake.session("111111111111", region).client("logs").delete_log_group(logGroupName=group)
    inv = fake.collect(regions=REGIONS, flows_since=since)
    decl = load_declaration(ESTATE / "boundary.yaml")
    return Scan(inventory=inv, verdicts=run_rules(inv, decl, rules=RULES))


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan(fake_aws: FakeAws) -> Scan:
    """Build, read and judge once; later tests reuse the result."""
    if "scan" not in _SCAN:
        _SCAN["scan"] = _scan(fake_aws)
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


def _one(scan: Scan, rule: str, status: Status) -> Verdict:
    got = [v for v in scan.verdicts if v.rule == rule and v.status is status]
    assert len(got) == 1, [(v.status, v.resource, v.message) for v in got]
    return got[0]


def test_the_closed_path_names_the_flow_and_model_drift(scan: Scan) -> None:
    v = _one(scan, "network.observed-closed-path", Status.FAIL)
    assert "model drift or an unmodelled feature" in v.message
    assert "172.16.5.5 -> 10.0.1.10:9092" in v.message
    (flow,) = v.evidence.attributes["flows"]
    assert flow["src"] == "172.16.5.5" and flow["bytes"] == 2400 and flow["records"] == 2
    assert flow["model"]["reach"] == "no"


def test_the_nat_medium_fails_with_its_bytes_and_the_nat_gateway_as_cause(scan: Scan) -> None:
    v = _one(scan, "network.observed-medium", Status.FAIL)
    assert v.evidence.attributes["bytes"] == 80_000_000
    assert v.evidence.attributes["media"] == ["nat"]
    assert any(":natgateway/" in c or "nat-" in c for c in v.causes), v.causes


def test_bytes_logged_at_both_ends_count_once(scan: Scan) -> None:
    v = _one(scan, "network.observed-dead-path", Status.PASS)
    assert v.evidence.attributes["bytes"] == 240_000_000


def test_egress_names_bytes_per_destination_and_reports_rejects_apart(scan: Scan) -> None:
    v = _one(scan, "data.observed-egress", Status.FAIL)
    assert v.evidence.attributes["bytes_by_destination"] == {"203.0.113.50": 15_000_000}
    twin = [
        x
        for x in scan.verdicts
        if x.rule == "data.observed-egress" and "REJECTed (reported apart" in x.message
    ]
    assert len(twin) == 1 and twin[0].status is Status.PASS
    assert twin[0].evidence.attributes["rejected"]["records"] == 65


def test_without_flows_every_rule_is_not_applicable(fake_aws: FakeAws) -> None:
    s = _scan(fake_aws, since=None)
    assert {(v.rule, v.status) for v in s.verdicts} == {(r, Status.NOT_APPLICABLE) for r in RULES}


def _crossings(scan: Scan) -> dict[tuple[str, str, str, str], tuple[int, str]]:
    m = movement_map(scan.inventory.resources)
    assert m is not None and m.prices == (("aws", tables()["aws"].as_of, "GB"),)
    return {(c.kind, c.source, c.target, c.medium): (c.bytes, c.cost_class) for c in m.crossings}


def test_the_data_movement_map_has_each_crossing_once_with_medium_and_cost_class(
    scan: Scan,
) -> None:
    e1, w2 = "aws/111111111111/us-east-1", "aws/111111111111/us-west-2"
    assert _crossings(scan) == {
        ("internet", e1, "internet", "nat"): (15_000_000, "nat-processing + internet-egress"),
        ("outside the estate", "outside the estate", e1, "internet gateway or unmodelled"): (
            2400,
            "ingress",
        ),
        ("region", e1, w2, "peering"): (240_000_000, "inter-region"),
        ("region", e1, w2, "nat"): (80_000_000, "nat-processing + inter-region"),
    }


def test_the_map_is_rendered_in_both_reports_and_absent_without_flows(scan: Scan) -> None:
    from auditor.render import ReportData, html, markdown

    def report(inv: Inventory) -> ReportData:
        return ReportData(
            declaration_name="orders-kafka",
            declaration_hash="0" * 64,
            pattern="active-passive",
            inventory=inv,
            verdicts=[],
            gaps=[],
            crossings=[],
            rule_titles={},
            pack="default",
            evaluated_on="2026-12-07",
        )

    md = markdown.render(report(scan.inventory)).decode()
    assert "## Data movement (observed flows)" in md
    assert "| region | aws/111111111111/us-east-1 | aws/111111111111/us-west-2 | peering | " in md
    assert "flowchart LR" in md.split("## Data movement")[1]
    page = html.render(report(scan.inventory)).decode()
    assert 'id="movement"' in page and "nat-processing + internet-egress" in page
    assert markdown.render(report(scan.inventory)) == markdown.render(report(scan.inventory))
    bare = replace(
        scan.inventory,
        resources=tuple(r for r in scan.inventory.resources if r.kind != "flow_read"),
    )
    assert movement_map(bare.resources) is None
    assert "Data movement" not in markdown.render(report(bare)).decode()
    assert 'id="movement"' not in html.render(report(bare)).decode()


USE2 = ("us-east-2", "/vpc/orders-flows-use2")
USE1 = ("us-east-1", "/vpc/orders-flows-use1")


def test_a_network_whose_read_failed_is_inconclusive_behind_the_gap(fake_aws: FakeAws) -> None:
    """us-east-2's log group is gone: its network is not observed (a gap, never a PASS), but
    the dead path still FAILs: us-east-1's side, read in full, would have logged any
    connection between the two."""
    s = _scan(fake_aws, drop=(USE2,))
    gap = [g for g in s.inventory.gaps if g.service == "vpc-flow-records"]
    assert gap and USE2[1] in gap[0].resource
    use2 = {v.rule: v for v in s.verdicts if ":us-east-2:" in v.resource}
    for rule in ("network.observed-closed-path", "network.observed-medium", "data.observed-egress"):
        assert use2[rule].status is Status.INCONCLUSIVE, (rule, use2[rule].message)
        assert "failed" in use2[rule].message and use2[rule].evidence.gaps
    dead = _one(s, "network.observed-dead-path", Status.FAIL)
    assert dead.resource == "replication-path:aws/us-east-1~aws/us-east-2"


def test_a_path_with_neither_side_observed_is_inconclusive_not_dead(fake_aws: FakeAws) -> None:
    s = _scan(fake_aws, drop=(USE1, USE2))
    got = {v.resource: v for v in s.verdicts if v.rule == "network.observed-dead-path"}
    v = got["replication-path:aws/us-east-1~aws/us-east-2"]
    assert v.status is Status.INCONCLUSIVE and "no side of it was observed in full" in v.message
    assert v.evidence.gaps
    # us-west-2 saw the replication from us-east-1: that path is live whatever us-east-1 lost
    assert got["replication-path:aws/us-east-1~aws/us-west-2"].status is Status.PASS


def test_a_capped_interface_keeps_medium_and_egress_from_passing(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One record per stream: a busy interface is cut by the sample cap, so bytes that
    left, or replication on another medium, may be in the records not read. In a region
    whose read cut any interface (not only a listener's), these rules cannot PASS."""
    from auditor.collect.aws import vpc_flow_records

    monkeypatch.setattr(vpc_flow_records, "CAP", 1)
    s = _scan(fake_aws)
    cut = {
        r.region
        for r in s.inventory.resources
        if r.kind == "flow_read" and r.attributes.get("capped_streams")
    }
    assert cut, "the cap of one record cut no stream"
    judged = [
        v
        for v in s.verdicts
        if v.rule in ("network.observed-medium", "data.observed-egress")
        and any(f":{region}:" in v.resource for region in cut)
    ]
    assert judged
    assert not [v for v in judged if v.status is Status.PASS], [
        (v.rule, v.resource, v.message) for v in judged if v.status is Status.PASS
    ]
    assert any("sample cap" in v.message for v in judged if v.status is Status.INCONCLUSIVE)
