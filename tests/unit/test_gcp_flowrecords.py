"""GCP vpc_flows entries: strict parsing, and the Cloud Logging fake's honest filter subset."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from auditor.base.flowrecords import FlowTally
from auditor.base.gcp_flowrecords import GcpFlowRecord, parse_entry
from auditor.collect.readonly import MutatingCallRefused
from auditor.fakecloud.gcp_logging import LoggingEntries, LoggingRequestError, flow_entry

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
VM = "//compute.googleapis.com/projects/orders-prod/zones/europe-west1-b/instances/broker-ew1-a"


def _entry(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "project": "orders-prod",
        "vm": "broker-ew1-a",
        "zone": "europe-west1-b",
        "network": "kafka-net",
        "subnetwork": "kafka-ew1",
        "src": "203.0.113.50",
        "dst": "10.10.0.11",
        "dst_port": 9092,
        "now": NOW,
        **kw,
    }
    return flow_entry(**args)


def test_a_destination_report_is_an_accepted_flow_at_the_reporting_vm() -> None:
    got = parse_entry(_entry(bytes_sent=9000, packets_sent=3))
    assert isinstance(got, GcpFlowRecord)
    r = got.record
    assert (r.interface, r.src, r.dst, r.dst_port, r.protocol) == (
        VM,
        "203.0.113.50",
        "10.10.0.11",
        9092,
        6,
    )
    assert (r.action, r.bytes, r.packets, r.end - r.start) == ("ACCEPT", 9000, 3, 5)
    assert got.network == "//compute.googleapis.com/projects/orders-prod/global/networks/kafka-net"
    assert got.subnetwork.endswith("/regions/europe-west1/subnetworks/kafka-ew1")


def test_a_source_report_is_sent_not_accepted() -> None:
    got = parse_entry(_entry(reporter="SRC", src="10.10.0.11", dst="192.0.2.1"))
    assert isinstance(got, GcpFlowRecord) and got.record.action == "SENT"
    assert got.record.interface == VM


def test_a_gateway_report_has_no_vm_and_is_returned_as_its_reporter() -> None:
    e = _entry()
    e["jsonPayload"]["reporter"] = "SRC_GATEWAY"
    assert parse_entry(e) == "SRC_GATEWAY"


@pytest.mark.parametrize(
    ("path", "value", "why"),
    [
        (("connection", "dest_port"), None, "no connection.dest_port"),
        (("connection", "dest_port"), 70000, "dest_port: 70000 out of range"),
        (("connection", "src_ip"), "10.0.0", "connection.src_ip: not an address"),
        (("connection", "dest_ip"), 167772161, "connection.dest_ip: not an address"),
        (("bytes_sent",), "12.5", "bytes_sent: not a count"),
        (("bytes_sent",), True, "bytes_sent: not a count"),
        (("packets_sent",), -1, "packets_sent: -1 out of range"),
        (("end_time",), "yesterday", "end_time: not an RFC 3339 time"),
        (("reporter",), "BOTH", "reporter 'BOTH'"),
        (("dest_instance",), None, "no dest_instance"),
        (("dest_instance", "vm_name"), "Broker A", "dest_instance.vm_name"),
    ],
)
def test_an_entry_the_format_does_not_allow_is_malformed(
    path: tuple[str, ...], value: Any, why: str
) -> None:
    e = _entry()
    target = e["jsonPayload"]
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    with pytest.raises(ValueError, match=why.replace("(", r"\(")):
        parse_entry(e)


def test_records_feed_the_common_aggregation_and_its_cap() -> None:
    tally = FlowTally(cap=2)
    for ago in (10, 20, 30):
        got = parse_entry(_entry(ago=ago))
        assert isinstance(got, GcpFlowRecord)
        tally.take(got.record)
    assert tally.records == 2 and tally.capped == {VM}
    [flow] = tally.flows()
    assert flow["records"] == 2 and flow["bytes"] == 8192 and flow["action"] == "ACCEPT"


def _body(**kw: Any) -> dict[str, Any]:
    log = "projects/orders-prod/logs/compute.googleapis.com%2Fvpc_flows"
    return {
        "resourceNames": ["projects/orders-prod"],
        "filter": f'logName="{log}" AND timestamp>="2026-12-07T10:00:00Z"',
        **kw,
    }


def test_the_fake_filters_by_log_and_time_and_pages() -> None:
    fake = LoggingEntries(
        [_entry(ago=60 * i, insert_id=f"e{i}") for i in range(5)]
        + [_entry(ago=5 * 3600, insert_id="old")]
    )
    first = fake.list(_body(pageSize=3))
    assert [e["insertId"] for e in first["entries"]] == ["e4", "e3", "e2"]
    rest = fake.list(_body(pageSize=3, pageToken=first["nextPageToken"]))
    assert [e["insertId"] for e in rest["entries"]] == ["e1", "e0"] and "nextPageToken" not in rest
    other = copy.deepcopy(_body())
    other["filter"] = other["filter"].replace("vpc_flows", "other")
    assert fake.list(other)["entries"] == []


@pytest.mark.parametrize(
    "body",
    [
        _body(filter='logName="x" OR severity>=ERROR'),
        _body(filter='severity>="ERROR"'),
        _body(filter='timestamp="2026-12-07T10:00:00Z"'),
        _body(filter='timestamp>="noon"'),
        _body(resourceNames=["organizations/1"]),
        _body(orderBy="severity"),
        _body(pageSize=5000),
        _body(filter='logName="projects/other/logs/x"'),
        _body(unknownField=1),
    ],
)
def test_the_fake_refuses_what_it_does_not_understand(body: dict[str, Any]) -> None:
    with pytest.raises(LoggingRequestError):
        LoggingEntries().list(body)
    status, _ = LoggingEntries().handle(json.dumps(body).encode())
    assert status == 400


def test_the_logging_wrapper_refuses_every_other_call() -> None:
    from auditor.collect.gcp.vpc_flow_records import ReadOnlyLogging

    class _Client:
        _connection = object()

    guarded = ReadOnlyLogging(_Client())
    with pytest.raises(MutatingCallRefused):
        guarded.write_entries  # noqa: B018


def test_an_estate_declares_flows_relative_to_now(tmp_path: Any) -> None:
    from auditor.fakecloud.gcp_logging import EntriesError, load_entries

    path = tmp_path / "estate.yaml"
    path.write_text(
        "assets: []\n"
        "vpcFlows:\n"
        "  - {project: orders-prod, vm: broker-ew1-a, zone: europe-west1-b,\n"
        "     network: kafka-net, subnetwork: kafka-ew1,\n"
        "     src: 203.0.113.50, dst: 10.10.0.11, dst_port: 9092, ago: 60}\n",
        encoding="utf-8",
    )
    [entry] = load_entries(path)
    got = parse_entry(entry)
    assert isinstance(got, GcpFlowRecord) and got.record.src == "203.0.113.50"
    assert dt.datetime.now(dt.UTC).timestamp() - got.record.end < 120
    path.write_text("assets: []\nvpcFlows: [{vm: x}]\n", encoding="utf-8")
    with pytest.raises(EntriesError, match=r"vpcFlows\[0\]"):
        load_entries(path)
