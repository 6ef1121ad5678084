"""The observed-flows-archive fixture end to end: a workload account whose VPC flow logs
deliver to buckets of other accounts (a log archive account the scan covers, and one it
does not), built in moto from ``fixtures/observed-flows-archive``, scanned with
``--flows-since`` over both declared accounts and judged; the README's tables say what
FAILs, which twin PASSes and what stays INCONCLUSIVE."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.flow_estate import write_flows
from auditor.model import Inventory, Resource, Status, Verdict
from tests.conftest import FakeAws
from tests.estate_readme import (
    INCONCLUSIVE,
    PLANTED,
    EstateReadme,
    assert_one_finding_per_misconfiguration,
)
from tests.helpers import run_rules

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows-archive"
WORKLOAD, ARCHIVE = "111111111111", "222222222222"
REGIONS = ("us-east-1", "us-west-2", "us-east-2")
RULES = ("network.observed-sources", "data.observed-egress")
DAY = 24 * 3600
README = EstateReadme(path=ESTATE / "README.md", explained=(PLANTED, INCONCLUSIVE))


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


def _scan(fake: FakeAws, accounts: tuple[str, ...]) -> Scan:
    apply_estate(ESTATE / "estate.yaml")
    write_flows(ESTATE / "flows.yaml")
    inv = fake.collect(accounts=accounts, regions=REGIONS, flows_since=DAY)
    decl = load_declaration(ESTATE / "boundary.yaml")
    return Scan(inventory=inv, verdicts=run_rules(inv, decl, rules=RULES))


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan(fake_aws: FakeAws) -> Scan:
    """Build, read and judge once (both declared accounts); later tests reuse the result."""
    if "scan" not in _SCAN:
        _SCAN["scan"] = _scan(fake_aws, (WORKLOAD, ARCHIVE))
    return _SCAN["scan"]


def _reads(inv: Inventory) -> dict[str, Resource]:
    return {r.region: r for r in inv.resources if r.kind == "flow_read"}


def test_every_planted_violation_is_caught(scan: Scan) -> None:
    assert README.uncaught(scan.verdicts, scan.inventory) == []


def test_every_other_verdict_passes_or_is_explained(scan: Scan) -> None:
    assert README.unexplained(scan.verdicts, scan.inventory) == []
    assert README.stale(scan.verdicts, scan.inventory) == []


def test_the_clean_twins_pass(scan: Scan) -> None:
    assert README.flagged_twins(scan.verdicts, scan.inventory) == []


def test_each_planted_misconfiguration_is_one_finding(scan: Scan) -> None:
    assert_one_finding_per_misconfiguration(README, scan.verdicts, scan.inventory)


def test_the_archive_is_read_as_the_workload_account_with_the_archive_credentials(
    scan: Scan,
) -> None:
    reads = _reads(scan.inventory)
    assert set(reads) == set(REGIONS)
    for region in ("us-east-1", "us-west-2"):
        a = reads[region].attributes
        assert reads[region].account == WORKLOAD
        assert (a["status"], a["held_by"], a["bucket"]) == ("read", ARCHIVE, "orders-log-archive")
        assert a["location"] == f"vpc-flow-logs/AWSLogs/{WORKLOAD}/vpcflowlogs/{region}/"
        assert a["objects"] == 1
    unread = reads["us-east-2"].attributes
    assert unread["status"] == "failed" and "held_by" not in unread
    assert "owner account was not scanned" in str(unread["reason"])
    # only the bucket no scanned account owns is a gap
    gaps = [g for g in scan.inventory.gaps if g.service == "vpc-flow-records"]
    assert [(g.region, g.resource) for g in gaps] == [
        ("us-east-2", "arn:aws:s3:::orders-audit-flow-logs")
    ]


def test_the_unread_bucket_is_named_in_the_inconclusive(scan: Scan) -> None:
    (v,) = [
        x
        for x in scan.verdicts
        if x.rule == "network.observed-sources" and x.status is Status.INCONCLUSIVE
    ]
    assert "orders-audit-flow-logs" in v.message and "owner account was not scanned" in v.message


def test_without_the_archive_account_the_archived_sites_are_inconclusive(
    fake_aws: FakeAws,
) -> None:
    """The same estate scanned without 222222222222: nothing is read from its bucket, so
    the planted breach is not judged PASS (nor FAIL): INCONCLUSIVE naming the bucket."""
    s = _scan(fake_aws, (WORKLOAD,))
    got = {
        (v.resource.rsplit(":", 2)[0].split(":")[-1], v.status)
        for v in s.verdicts
        if v.rule == "network.observed-sources"
    }
    assert got == {(r, Status.INCONCLUSIVE) for r in REGIONS}, got
    for v in s.verdicts:
        if v.rule == "network.observed-sources" and "orders-log-archive" in v.message:
            assert "owner account was not scanned" in v.message
    assert s.inventory.api_calls.get("s3:GetObject", 0) == 0
