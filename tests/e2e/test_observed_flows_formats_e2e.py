"""Observed flows in a custom log format and in Parquet files, end to end: moto estates
whose VPC flow log delivers to CloudWatch Logs or S3, records written by the fixture in
the flow log's own format, read by the auditor with real boto3 and judged by
``network.observed-sources``.

Moto keeps a flow log's ``LogFormat`` but drops its ``DestinationOptions``
(``describe_flow_logs`` never returns ``FileFormat``; checked below). The Parquet tests
therefore add the documented ``DestinationOptions`` to moto's DescribeFlowLogs answer at
the SDK's ``after-call`` hook, as AWS sends it; the auditor's code runs unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import botocore.handlers
import pytest

from auditor.fakecloud.flow_records import (
    DEFAULT_FIELDS,
    Flow,
    flow_lines,
    flow_object_key,
    flow_rows,
    put_flow_object,
    put_parquet_flow_object,
    write_records,
)
from auditor.model import Inventory, Resource, Status
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_rules_network_e2e import E1, NET, broker_estate, only, tcp
from tests.helpers import run_rules

RULE = "network.observed-sources"
SERVICES = (*NET, "vpc-flow-records")
GROUP = "/vpc/kafka-flows"
BUCKET = "kafka-flow-logs"
DAY = 24 * 3600
CLIENT = Flow(src="10.20.3.4", dst="", dst_port=9092, count=3)
UNDECLARED = Flow(src="198.51.100.7", dst="", dst_port=9092, count=2, bytes=9000)
REJECTED = Flow(src="198.51.100.7", dst="", dst_port=9092, action="REJECT")
CUSTOM = (
    "action", "log-status", "flow-direction", "interface-id", "vpc-id", "dstaddr", "srcaddr",
    "dstport", "protocol", "bytes", "packets", "end", "start", "version",
)  # fmt: skip
"""A custom format: the needed fields in another order, without srcport or account-id,
with ``flow-direction`` and ``vpc-id`` (written ``-`` here, as AWS writes a field it
cannot fill)."""


def _fmt(fields: Sequence[str]) -> str:
    return " ".join(f"${{{f}}}" for f in fields)


def _estate(fake: FakeAws, s3: bool, log_format: str | None = None) -> dict[str, Any]:
    """The broker estate with a VPC flow log to ``GROUP`` or ``BUCKET``; its interface."""
    ids: dict[str, Any] = broker_estate(
        fake, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16"), tcp(9092, "198.51.100.0/24")]
    )
    session = fake.session(CUSTOMER, E1)
    where: dict[str, str] = (
        {"LogDestinationType": "s3", "LogDestination": f"arn:aws:s3:::{BUCKET}"}
        if s3
        else {
            "LogGroupName": GROUP,
            "DeliverLogsPermissionArn": f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
        }
    )
    if s3:
        session.client("s3").create_bucket(Bucket=BUCKET)
    else:
        session.client("logs").create_log_group(logGroupName=GROUP)
    ec2 = session.client("ec2")
    extra = {"LogFormat": log_format} if log_format else {}
    made = ec2.create_flow_logs(
        ResourceIds=[ids["vpc"]], ResourceType="VPC", TrafficType="ALL", **where, **extra
    )
    (ids["flow_log"],) = made["FlowLogIds"]
    inst = ec2.describe_instances(InstanceIds=[ids["instance"]])["Reservations"][0]["Instances"][0]
    nic = inst["NetworkInterfaces"][0]
    ids["eni"], ids["ip"] = nic["NetworkInterfaceId"], nic["PrivateIpAddress"]
    return ids


def test_moto_keeps_the_log_format_and_drops_destination_options(fake_aws: FakeAws) -> None:
    """Why the Parquet tests add ``DestinationOptions`` at the SDK hook (module docstring):
    if moto starts keeping it, this fails and the hook can go."""
    ids = broker_estate(fake_aws, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16")])
    session = fake_aws.session(CUSTOMER, E1)
    session.client("s3").create_bucket(Bucket=BUCKET)
    ec2 = session.client("ec2")
    made = ec2.create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{BUCKET}",
        LogFormat=_fmt(CUSTOM),
        DestinationOptions={"FileFormat": "parquet", "PerHourPartition": False},
    )
    (described,) = ec2.describe_flow_logs(FlowLogIds=made["FlowLogIds"])["FlowLogs"]
    assert described["LogFormat"] == _fmt(CUSTOM)
    assert "DestinationOptions" not in described


def _to(flows: Sequence[Flow], ip: str) -> list[Flow]:
    return [
        Flow(src=f.src, dst=ip, dst_port=f.dst_port, action=f.action, count=f.count, bytes=f.bytes)
        for f in flows
    ]


def _collect(fake: FakeAws) -> Inventory:
    return fake.collect(regions=(E1,), services=SERVICES, flows_since=DAY)


def _read(inv: Inventory) -> Resource:
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    return read


def _custom(fake: FakeAws, s3: bool, flows: Sequence[Flow]) -> dict[str, Any]:
    """A custom-format flow log and its records, in its log group or one S3 file."""
    ids = _estate(fake, s3, _fmt(CUSTOM))
    now = int(time.time()) - 600
    lines = flow_lines(CUSTOMER, ids["eni"], _to(flows, ids["ip"]), now, CUSTOM)
    session = fake.session(CUSTOMER, E1)
    if s3:
        key = flow_object_key(CUSTOMER, E1, ids["flow_log"], now)
        put_flow_object(session, BUCKET, key, lines, header=" ".join(CUSTOM))
    else:
        write_records(session, GROUP, ids["eni"], lines, now)
    return ids


@pytest.mark.parametrize("s3", [False, True], ids=["cloudwatch-logs", "s3-text"])
def test_a_custom_format_is_read_and_an_undeclared_source_fails(
    fake_aws: FakeAws, s3: bool
) -> None:
    ids = _custom(fake_aws, s3, [CLIENT, UNDECLARED])
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["status"] == "read", read.attributes
    assert read.attributes["records"] == 5 and read.attributes["malformed"] == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL, v.message
    assert "198.51.100.7" in v.message and "10.20.3.4" not in v.message
    assert any(ids["sg"] in c for c in v.causes), v.causes
    (flow,) = v.evidence.attributes["undeclared_flows"]
    assert (flow["src"], flow["dst"], flow["bytes"], flow["records"]) == (
        "198.51.100.7", ids["ip"], 18000, 2
    )  # fmt: skip


@pytest.mark.parametrize("s3", [False, True], ids=["cloudwatch-logs", "s3-text"])
def test_the_custom_format_clean_twin_passes(fake_aws: FakeAws, s3: bool) -> None:
    ids = _custom(fake_aws, s3, [CLIENT, REJECTED])
    inv = _collect(fake_aws)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message
    assert ids["vpc"] in v.resource
    assert v.evidence.attributes["records"] == 4 and v.evidence.attributes["flows_judged"] == 1


def test_a_custom_s3_file_with_the_default_header_is_malformed(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws, True, _fmt(CUSTOM))
    now = int(time.time()) - 600
    lines = flow_lines(CUSTOMER, ids["eni"], _to([CLIENT], ids["ip"]), now, CUSTOM)
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], now)
    put_flow_object(fake_aws.session(CUSTOMER, E1), BUCKET, key, lines)  # default header
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["malformed_objects"] == [f"arn:aws:s3:::{BUCKET}/{key}"]
    assert read.attributes["records"] == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message


def test_a_cloudwatch_format_lacking_a_needed_field_stays_not_read_naming_it(
    fake_aws: FakeAws,
) -> None:
    no_action = [f for f in CUSTOM if f != "action"]
    ids = _estate(fake_aws, False, _fmt(no_action))
    now = int(time.time()) - 600
    lines = flow_lines(CUSTOMER, ids["eni"], _to([CLIENT], ids["ip"]), now, no_action)
    write_records(fake_aws.session(CUSTOMER, E1), GROUP, ids["eni"], lines, now)
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["status"] == "not-read"
    assert read.attributes["reason"] == "its log format lacks action (needed to aggregate flows)"
    assert inv.api_calls.get("logs:FilterLogEvents", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and v.unmodelled, v.message


@pytest.fixture
def parquet_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """DescribeFlowLogs answers carry ``DestinationOptions`` (FileFormat parquet) for S3
    flow logs, as AWS sends them and moto does not."""

    def add_options(parsed: dict[str, Any], **_: Any) -> None:
        for fl in parsed.get("FlowLogs") or []:
            if fl.get("LogDestinationType") == "s3":
                fl["DestinationOptions"] = {
                    "FileFormat": "parquet",
                    "HiveCompatiblePartitions": False,
                    "PerHourPartition": False,
                }

    handlers = [*botocore.handlers.BUILTIN_HANDLERS]
    handlers.append(("after-call.ec2.DescribeFlowLogs", add_options))
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    yield


def _parquet(fake: FakeAws, flows: Sequence[Flow]) -> tuple[dict[str, Any], str]:
    ids = _estate(fake, True)
    now = int(time.time()) - 600
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], now, suffix=".log.parquet")
    rows = flow_rows(CUSTOMER, ids["eni"], _to(flows, ids["ip"]), now)
    nodata = {**dict.fromkeys(DEFAULT_FIELDS), "version": 2, "log-status": "NODATA"}
    put_parquet_flow_object(fake.session(CUSTOMER, E1), BUCKET, key, [*rows, nodata])
    return ids, key


@pytest.mark.usefixtures("parquet_answers")
def test_a_parquet_file_is_read_and_an_undeclared_source_fails(fake_aws: FakeAws) -> None:
    ids, _ = _parquet(fake_aws, [CLIENT, UNDECLARED])
    # a plain-text file of the same flow log is not this flow log's: not fetched
    text_key = flow_object_key(CUSTOMER, E1, ids["flow_log"], int(time.time()) - 900)
    put_flow_object(fake_aws.session(CUSTOMER, E1), BUCKET, text_key, ["not read"])
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["status"] == "read", read.attributes
    assert (read.attributes["objects"], read.attributes["objects_listed"]) == (1, 2)
    assert read.attributes["records"] == 5 and read.attributes["no_data"] == 1
    assert read.attributes["malformed"] == 0
    assert inv.api_calls.get("s3:GetObject") == 1
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL, v.message
    assert "198.51.100.7" in v.message and "10.20.3.4" not in v.message
    (flow,) = v.evidence.attributes["undeclared_flows"]
    assert (flow["src"], flow["bytes"], flow["records"]) == ("198.51.100.7", 18000, 2)


@pytest.mark.usefixtures("parquet_answers")
def test_the_parquet_clean_twin_passes(fake_aws: FakeAws) -> None:
    ids, _ = _parquet(fake_aws, [CLIENT, REJECTED])
    inv = _collect(fake_aws)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message
    assert ids["vpc"] in v.resource and v.evidence.attributes["records"] == 4


@pytest.mark.usefixtures("parquet_answers")
@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"PAR1 this is not a parquet file", "not a readable Parquet file"),
        ("missing", "no column 'log_status'"),
        ("mistyped", "column 'dstport' is string"),
    ],
)
def test_a_corrupt_parquet_object_is_malformed_and_inconclusive(
    fake_aws: FakeAws, body: bytes | str, why: str
) -> None:
    from auditor.fakecloud.flow_records import parquet_flow_file

    ids = _estate(fake_aws, True)
    now = int(time.time()) - 600
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], now, suffix=".log.parquet")
    rows: list[dict[str, str | int]] = flow_rows(
        CUSTOMER, ids["eni"], _to([CLIENT], ids["ip"]), now
    )
    if body == "missing":
        body = parquet_flow_file(rows, [f for f in DEFAULT_FIELDS if f != "log-status"])
    elif body == "mistyped":
        body = _mistyped(rows)
    assert isinstance(body, bytes)
    fake_aws.session(CUSTOMER, E1).client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["malformed_objects"] == [f"arn:aws:s3:::{BUCKET}/{key}"]
    assert read.attributes["records"] == 0
    assert why in str(read.attributes["malformed_examples"]), read.attributes
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message


def _mistyped(rows: Sequence[dict[str, str | int]]) -> bytes:
    """A Parquet file whose ``dstport`` column holds strings, not the documented int32."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {}
    for f in DEFAULT_FIELDS:
        values = [r[f] for r in rows]
        columns[f.replace("-", "_")] = pa.array(
            [str(v) for v in values] if f == "dstport" else values
        )
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def test_a_log_group_fed_two_formats_is_not_read(fake_aws: FakeAws) -> None:
    ids = _custom(fake_aws, False, [CLIENT])
    fake_aws.session(CUSTOMER, E1).client("ec2").create_flow_logs(  # the default format
        ResourceIds=[ids["eni"]],
        ResourceType="NetworkInterface",
        TrafficType="ALL",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["status"] == "not-read"
    assert read.attributes["reason"] == f"log group {GROUP} receives 2 different log formats"
    assert inv.api_calls.get("logs:FilterLogEvents", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
