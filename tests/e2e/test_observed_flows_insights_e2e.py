"""CloudWatch Logs flow log groups read with one Logs Insights query (``--flows-insights``),
end to end: real boto3 clients against moto, whose Insights queries are evaluated by
:mod:`auditor.fakecloud.logs_insights` over the events moto stores. The Insights read
must give the aggregates the FilterLogEvents read gives, judge a group past the
per-stream cap in full, and fall back to FilterLogEvents (not a gap) when Insights is
refused, fails, runs too long, hits its row limit, or meets a malformed line."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import load_declaration
from auditor.collect.aws import _flow_insights
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.flow_estate import write_flows
from auditor.fakecloud.flow_records import Flow, flow_lines, write_records
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, RawRecord, Resource, Status, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_observed_flows_formats_e2e import (
    CLIENT,
    CUSTOM,
    GROUP,
    SERVICES,
    UNDECLARED,
    _estate,
    _fmt,
    _to,
)
from tests.e2e.test_rules_network_e2e import E1
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
WAY = ("read_with", "insights_fallback", "insights_bytes_scanned")
"""The read-way note: the only attributes the two ways of reading may differ in."""
WINDOW = ("since", "until")
"""Each scan's window ends at its own start: two scans a few seconds apart differ here."""
_SPAN = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    r"(, read with logs:StartQuery)?"
)
"""The window as messages write it (``(N records read, SINCE to UNTIL)``) and the
read-way note the Insights scan adds to it."""


def _scrub(value: Any) -> Any:
    """``value`` without the read-way note and the window's ends, at any depth."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in (*WAY, *WINDOW)}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _verdict_bytes(verdicts: list[Verdict]) -> str:
    rows = [
        {
            "rule": v.rule,
            "resource": v.resource,
            "status": v.status.value,
            "message": _SPAN.sub("<since> to <until>", v.message),
            "evidence": _scrub(json.loads(json.dumps(v.evidence.attributes, default=str))),
            "causes": list(v.causes),
        }
        for v in sorted(verdicts, key=lambda x: (x.rule, x.resource))
    ]
    return json.dumps(rows, sort_keys=True)


def _reads(inv: Inventory) -> list[Resource]:
    return sorted((r for r in inv.resources if r.kind == "flow_read"), key=lambda r: r.id)


def _estate_scan(fake: FakeAws, insights: bool) -> tuple[Inventory, list[Verdict]]:
    inv = fake.collect(regions=REGIONS, flows_since=DAY, flows_insights=insights)
    return inv, run_rules(inv, load_declaration(ESTATE / "boundary.yaml"), rules=RULES)


@pytest.fixture
def estate(fake_aws: FakeAws) -> FakeAws:
    """The observed-flows fixture estate with its records written."""
    apply_estate(ESTATE / "estate.yaml")
    write_flows(ESTATE / "flows.yaml")
    return fake_aws


def test_insights_gives_the_filter_log_events_verdicts_and_evidence(estate: FakeAws) -> None:
    inv_f, by_filter = _estate_scan(estate, insights=False)
    inv_i, by_insights = _estate_scan(estate, insights=True)
    reads = _reads(inv_i)
    assert {r.attributes["read_with"] for r in reads} == {"logs:StartQuery"}, [
        r.attributes.get("insights_fallback") for r in reads
    ]
    assert all(int(r.attributes["insights_bytes_scanned"] or 0) >= 0 for r in reads)
    assert all("read_with" not in r.attributes for r in _reads(inv_f))
    assert any(int(r.attributes["records"]) > 0 for r in reads)
    assert _verdict_bytes(by_insights) == _verdict_bytes(by_filter)
    spans = [v for v in by_insights if "records read" in v.message]
    assert spans and all(", read with logs:StartQuery)" in v.message for v in spans)
    assert not any("read with" in v.message for v in by_filter)
    assert {v.status for v in by_insights} >= {Status.FAIL, Status.PASS}
    flows_f = [_scrub(r.attributes) for r in inv_f.resources if r.kind == "observed_flow"]
    flows_i = [_scrub(r.attributes) for r in inv_i.resources if r.kind == "observed_flow"]
    assert flows_i == flows_f and flows_f
    assert [_scrub(r.attributes) for r in reads] == [_scrub(r.attributes) for r in _reads(inv_f)]
    assert inv_i.api_calls.get("logs:FilterLogEvents", 0) == 0
    assert inv_i.api_calls["logs:StartQuery"] == len(reads)


def _beyond_the_cap(fake: FakeAws) -> str:
    """10,000 clean replication records on ``broker-usw2-a``'s stream (past the cap with
    what flows.yaml wrote), then one flow to an undeclared internet address: the line
    FilterLogEvents reaches last. The address of the flow's destination."""

    def nic(name: str, region: str) -> dict[str, Any]:
        c = fake.session(CUSTOMER, region).client("ec2")
        got = c.describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])
        return dict(got["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0])

    usw2, use1 = nic("broker-usw2-a", "us-west-2"), nic("broker-use1", "us-east-1")
    eni, ip = usw2["NetworkInterfaceId"], usw2["PrivateIpAddress"]
    clean = Flow(src=use1["PrivateIpAddress"], dst=ip, dst_port=9092, bytes=1000, count=10_000)
    leak = Flow(src=ip, dst="203.0.113.77", dst_port=443, bytes=7_000_000)
    now = int(time.time())
    session = fake.session(CUSTOMER, "us-west-2")
    lines = flow_lines(CUSTOMER, eni, [clean], now - 1) + flow_lines(CUSTOMER, eni, [leak], now)
    write_records(session, "/vpc/orders-flows-usw2", eni, lines, now)
    return "203.0.113.77"


def test_a_group_past_the_per_stream_cap_is_judged_in_full_with_insights(
    estate: FakeAws,
) -> None:
    leak = _beyond_the_cap(estate)
    inv_f, by_filter = _estate_scan(estate, insights=False)
    capped = [r for r in _reads(inv_f) if r.attributes.get("capped_streams")]
    assert len(capped) == 1, [r.attributes for r in _reads(inv_f)]
    cut = [v for v in by_filter if v.rule == "data.observed-egress" and "sample cap" in v.message]
    assert cut and all(v.status is Status.INCONCLUSIVE for v in cut), [
        (v.status, v.message) for v in by_filter if v.rule == "data.observed-egress"
    ]
    assert not any(leak in v.message for v in by_filter)

    inv_i, by_insights = _estate_scan(estate, insights=True)
    (read,) = [r for r in _reads(inv_i) if r.name == "/vpc/orders-flows-usw2"]
    assert read.attributes["read_with"] == "logs:StartQuery"
    assert read.attributes["capped_streams"] == []
    assert int(read.attributes["records"]) == 70 + 10_001  # flows.yaml's, and these
    failed = [v for v in by_insights if v.rule == "data.observed-egress" and leak in v.message]
    assert len(failed) == 1 and failed[0].status is Status.FAIL, failed
    assert not any("sample cap" in v.message for v in by_insights)


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


def _small(fake: FakeAws, flows: list[Flow], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The broker estate, its VPC flow log in a custom format, the records of ``flows``
    (and the raw lines ``extra``) in its group."""
    ids = _estate(fake, False, _fmt(CUSTOM))
    now = int(time.time()) - 600
    lines = flow_lines(CUSTOMER, ids["eni"], _to(flows, ids["ip"]), now, CUSTOM)
    write_records(fake.session(CUSTOMER, E1), GROUP, ids["eni"], [*lines, *extra], now)
    return ids


def _record(fake: FakeAws, insights: bool) -> tuple[dict[str, Any], Inventory]:
    raw: list[RawRecord] = []
    inv = fake.collect(
        regions=(E1,), services=SERVICES, flows_since=DAY, raw=raw, flows_insights=insights
    )
    (rec,) = [r.data for r in raw if r.type == "logs:flow_records"]
    return dict(rec), inv


def _same_as_filter(fake: FakeAws) -> tuple[dict[str, Any], Inventory]:
    """The Insights-asked record, checked equal to the FilterLogEvents one but for the note."""
    plain, _ = _record(fake, insights=False)
    asked, inv = _record(fake, insights=True)
    note = {"ReadWith", "InsightsFallback", "InsightsBytesScanned"}
    drop = (*note, "Since", "Until")
    assert {k: v for k, v in asked.items() if k not in drop} == {
        k: v for k, v in plain.items() if k not in drop
    }
    return asked, inv


def test_a_custom_format_group_is_aggregated_by_insights(fake_aws: FakeAws) -> None:
    _small(fake_aws, [CLIENT, UNDECLARED])
    rec, inv = _same_as_filter(fake_aws)
    assert rec["ReadWith"] == "logs:StartQuery" and "InsightsFallback" not in rec
    assert rec["Records"] == 5 and len(rec["Flows"]) == 2
    assert inv.api_calls.get("logs:FilterLogEvents", 0) == 0


def test_insights_refused_falls_back_without_a_gap(fake_aws: FakeAws, proxy: FaultProxy) -> None:
    _small(fake_aws, [CLIENT, UNDECLARED])
    proxy.inject(Fault(service="logs", operation="StartQuery"))
    rec, inv = _same_as_filter(fake_aws)
    assert rec["ReadWith"] == "logs:FilterLogEvents"
    assert rec["InsightsFallback"].startswith("AccessDenied"), rec["InsightsFallback"]
    assert [g for g in inv.gaps if g.service == "vpc-flow-records"] == []
    assert proxy.stats.injected == 1


def test_a_failed_filter_read_after_a_fallback_is_still_a_gap(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    _small(fake_aws, [CLIENT])
    proxy.inject(
        Fault(service="logs", operation="StartQuery"),
        Fault(service="logs", operation="FilterLogEvents"),
    )
    rec, inv = _record(fake_aws, insights=True)
    assert rec["Status"] == "failed" and rec["ReadWith"] == "logs:FilterLogEvents"
    assert {g.operation for g in inv.gaps if g.service == "vpc-flow-records"} == {"FilterLogEvents"}
    (v,) = run_rules(inv, rules=["network.observed-sources"])
    assert v.status is Status.INCONCLUSIVE, v.message


@pytest.mark.parametrize("outcome", ["Failed", "Timeout", "Cancelled"])
def test_a_query_that_ends_badly_falls_back(
    fake_aws: FakeAws, moto_server: MotoServer, outcome: str
) -> None:
    _small(fake_aws, [CLIENT, UNDECLARED])
    moto_server.insights.outcome = outcome
    rec, _ = _same_as_filter(fake_aws)
    assert rec["InsightsFallback"] == f"the query ended {outcome}"


def test_a_query_past_the_wait_falls_back(
    fake_aws: FakeAws, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small(fake_aws, [CLIENT])
    moto_server.insights.outcome = "Running"
    monkeypatch.setattr(_flow_insights, "WAIT_SECONDS", 0.2)
    monkeypatch.setattr(_flow_insights, "POLL_SECONDS", (0.05,))
    rec, inv = _same_as_filter(fake_aws)
    assert rec["InsightsFallback"].startswith("the query ran past 0.2 s")
    assert inv.api_calls["logs:GetQueryResults"] >= 2


def test_the_row_limit_falls_back(fake_aws: FakeAws) -> None:
    """10,000 distinct flows: as many rows as Insights returns at most, so rows may be
    missing; the group is read with FilterLogEvents."""
    many = [
        Flow(src=f"10.20.{i // 250}.{i % 250 + 1}", dst="", dst_port=9092) for i in range(10_000)
    ]
    _small(fake_aws, many)
    rec, _ = _same_as_filter(fake_aws)
    assert rec["ReadWith"] == "logs:FilterLogEvents"
    assert "10000 rows, the service's limit" in rec["InsightsFallback"]
    assert len(rec["Flows"]) == 10_000


def test_a_malformed_line_falls_back_for_its_example(fake_aws: FakeAws) -> None:
    bad = "ACCEPT OK - eni-0bad - 10.0.0.1 10.20.3.4 9092 6 12 notanumber 1 1 5"
    _small(fake_aws, [CLIENT], extra=(bad,))
    rec, _ = _same_as_filter(fake_aws)
    assert rec["ReadWith"] == "logs:FilterLogEvents"
    assert "malformed counters" in rec["InsightsFallback"], rec["InsightsFallback"]
    assert rec["Malformed"] == 1 and rec["Records"] == 3


def test_without_the_option_no_query_is_made(fake_aws: FakeAws) -> None:
    _small(fake_aws, [CLIENT])
    rec, inv = _record(fake_aws, insights=False)
    assert "ReadWith" not in rec and inv.api_calls.get("logs:StartQuery", 0) == 0
