"""Observed flows from S3: a moto estate whose VPC flow log delivers to a bucket, gzip files
put there by the fixture in AWS's documented layout, read by the auditor with real boto3
(ListObjectsV2 over the window's day prefixes, GetObject), aggregated, and judged by
``network.observed-sources``."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from auditor.base.flowrecords import DEFAULT_HEADER
from auditor.collect.aws import _flow_objects
from auditor.collect.aws.vpc_flow_records import CAP, SERVICE
from auditor.collect.permissions import action_for_call
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.flow_records import Flow, flow_lines, flow_object_key, put_flow_object
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Resource, Status
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_rules_network_e2e import E1, NET, broker_estate, only, tcp
from tests.helpers import run_rules

RULE = "network.observed-sources"
SERVICES = (*NET, "vpc-flow-records")
BUCKET = "kafka-flow-logs"
DAY = 24 * 3600
CLIENT = Flow(src="10.20.3.4", dst="", dst_port=9092, count=3)
UNDECLARED = Flow(src="198.51.100.7", dst="", dst_port=9092, count=2, bytes=9000)


def _estate(fake: FakeAws) -> dict[str, Any]:
    """The broker estate with a VPC flow log delivering to ``BUCKET``; its interface and IP."""
    ids: dict[str, Any] = broker_estate(
        fake, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16"), tcp(9092, "198.51.100.0/24")]
    )
    session = fake.session(CUSTOMER, E1)
    session.client("s3").create_bucket(Bucket=BUCKET)
    ec2 = session.client("ec2")
    made = ec2.create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{BUCKET}",
    )
    (ids["flow_log"],) = made["FlowLogIds"]
    inst = ec2.describe_instances(InstanceIds=[ids["instance"]])["Reservations"][0]["Instances"][0]
    nic = inst["NetworkInterfaces"][0]
    ids["eni"], ids["ip"] = nic["NetworkInterfaceId"], nic["PrivateIpAddress"]
    return ids


def _put(fake: FakeAws, ids: dict[str, Any], flows: Sequence[Flow], stamp: int) -> str:
    """One delivered file holding ``flows`` (to the broker) ending at ``stamp``; its key."""
    to_broker = [
        Flow(
            src=f.src,
            dst=ids["ip"],
            dst_port=f.dst_port,
            src_port=f.src_port,
            action=f.action,
            count=f.count,
            bytes=f.bytes,
        )
        for f in flows
    ]
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], stamp)
    lines = flow_lines(CUSTOMER, ids["eni"], to_broker, stamp)
    put_flow_object(fake.session(CUSTOMER, E1), BUCKET, key, lines)
    return key


def _collect(fake: FakeAws) -> Inventory:
    return fake.collect(regions=(E1,), services=SERVICES, flows_since=DAY)


def _read(inv: Inventory) -> Resource:
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    return read


def test_an_undeclared_source_in_an_s3_file_fails_with_the_admitting_group(
    fake_aws: FakeAws,
) -> None:
    ids = _estate(fake_aws)
    _put(fake_aws, ids, [CLIENT, UNDECLARED], int(time.time()) - 600)
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["status"] == "read" and read.attributes["bucket"] == BUCKET
    assert read.attributes["objects"] == 1 and read.attributes["records"] == 5
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL, v.message
    assert "198.51.100.7" in v.message and "10.20.3.4" not in v.message
    assert ids["instance"] in v.resource
    assert any(ids["sg"] in c for c in v.causes), v.causes
    (flow,) = v.evidence.attributes["undeclared_flows"]
    assert (flow["src"], flow["dst"], flow["bytes"], flow["records"]) == (
        "198.51.100.7",
        ids["ip"],
        18000,
        2,
    )
    # every call the read made is authorised by the unit's declared actions
    made = {action_for_call(c) for c in inv.api_calls if c.startswith(("s3:", "logs:"))}
    assert made == {"s3:ListBucket", "s3:GetObject"} <= set(SERVICE.actions)


def test_the_clean_twin_passes_on_what_was_read(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    rejected = Flow(src="198.51.100.7", dst="", dst_port=9092, action="REJECT")
    _put(fake_aws, ids, [CLIENT, rejected], int(time.time()) - 600)
    inv = _collect(fake_aws)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message
    assert ids["vpc"] in v.resource
    assert v.evidence.attributes["records"] == 4 and v.evidence.attributes["flows_judged"] == 1


def test_an_object_outside_the_window_is_not_read(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    now = int(time.time())
    _put(fake_aws, ids, [CLIENT], now - 600)
    _put(fake_aws, ids, [UNDECLARED], now - 3 * DAY)  # another day: not even listed
    # stamped two hours before the window: listed when on a listed day, never fetched
    early = now - DAY - 2 * 3600
    _put(fake_aws, ids, [UNDECLARED], early)
    inv = _collect(fake_aws)
    assert inv.api_calls["s3:GetObject"] == 1, inv.api_calls
    first = dt.datetime.fromtimestamp(now - DAY - 3600, dt.UTC).date()  # window less slack
    last = dt.datetime.fromtimestamp(now, dt.UTC).date()
    assert inv.api_calls["s3:ListObjectsV2"] == (last - first).days + 1
    read = _read(inv)
    listed_early = dt.datetime.fromtimestamp(early, dt.UTC).date() >= first
    assert read.attributes["objects_listed"] == 1 + listed_early
    assert read.attributes["objects"] == 1 and read.attributes["records"] == 3
    assert not any(r.attributes.get("src") == "198.51.100.7" for r in inv.resources)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message


def test_records_ending_outside_the_window_are_not_taken(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    now = int(time.time())
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], now - 600)
    inside = flow_lines(
        CUSTOMER, ids["eni"], [Flow(src="10.20.3.4", dst=ids["ip"], dst_port=9092)], now - 600
    )
    before = flow_lines(
        CUSTOMER,
        ids["eni"],
        [Flow(src="198.51.100.7", dst=ids["ip"], dst_port=9092)],
        now - DAY - 600,
    )
    put_flow_object(fake_aws.session(CUSTOMER, E1), BUCKET, key, inside + before)
    read = _read(_collect(fake_aws))
    assert read.attributes["records"] == 1 and read.attributes["outside_window"] == 1


def test_a_corrupt_gzip_object_is_malformed_and_inconclusive(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    now = int(time.time())
    _put(fake_aws, ids, [CLIENT], now - 600)
    bad = flow_object_key(CUSTOMER, E1, ids["flow_log"], now - 1200)
    fake_aws.session(CUSTOMER, E1).client("s3").put_object(
        Bucket=BUCKET, Key=bad, Body=b"\x1f\x8b\x08\x00 this is not deflate data"
    )
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["malformed"] == 1 and read.attributes["records"] == 3
    assert read.attributes["malformed_objects"] == [f"arn:aws:s3:::{BUCKET}/{bad}"]
    assert "not a gzip file" in str(read.attributes["malformed_examples"])
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and "not read in full" in v.message, v.message
    assert bad in v.message


def test_a_file_of_another_format_is_malformed_not_guessed(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], int(time.time()) - 600)
    body = gzip.compress(b"version srcaddr dstaddr\n2 10.0.0.1 10.0.0.2\n")
    fake_aws.session(CUSTOMER, E1).client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["malformed"] == 1 and read.attributes["records"] == 0
    assert "is not the flow log's format" in str(read.attributes["malformed_examples"])
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message


def test_a_missing_bucket_is_a_gap_and_inconclusive(fake_aws: FakeAws) -> None:
    _estate(fake_aws)
    fake_aws.session(CUSTOMER, E1).client("s3").delete_bucket(Bucket=BUCKET)
    inv = _collect(fake_aws)
    gaps = [g for g in inv.gaps if g.service == "vpc-flow-records"]
    assert gaps and gaps[0].resource == f"arn:aws:s3:::{BUCKET}", gaps
    assert gaps[0].operation == "ListObjectsV2" and gaps[0].error_code == "NoSuchBucket"
    assert _read(inv).attributes["status"] == "failed"
    assert inv.api_calls.get("s3:GetObject", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert any(BUCKET in g for g in v.evidence.gaps), v.evidence.gaps


def test_a_format_lacking_a_needed_field_stays_not_read_naming_it(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16")])
    session = fake_aws.session(CUSTOMER, E1)
    session.client("s3").create_bucket(Bucket=BUCKET)
    session.client("ec2").create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{BUCKET}",
        LogFormat="${version} ${srcaddr} ${dstaddr}",
    )
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["status"] == "not-read"
    assert read.attributes["reason"] == (
        "its log format lacks interface-id, dstport, protocol, packets, bytes, start, end, "
        "action, log-status (needed to aggregate flows)"
    )
    assert not any(c.startswith("s3:") for c in inv.api_calls)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and v.unmodelled


def test_the_per_interface_cap_cuts_a_busy_interface_and_says_so(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    now = int(time.time())
    # records all inside the window: one per client port, each ending at the file's stamp
    busy = [
        Flow(src="10.20.3.4", dst="", dst_port=9092, src_port=1024 + i) for i in range(CAP // 2 + 1)
    ]
    _put(fake_aws, ids, busy, now - 600)
    _put(fake_aws, ids, busy, now - 1200)  # the cap holds across the objects of a read
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["records"] == CAP and read.attributes["cap"] == CAP
    assert read.attributes["capped_interfaces"] == [ids["eni"]]
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and f"sample cap of {CAP}" in v.message, v.message


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


def _one_unreadable(fake: FakeAws, proxy: FaultProxy, newer: Flow) -> tuple[Inventory, str]:
    """Two files; the older (CLIENT, fetched first) is refused. The inventory, its key."""
    ids = _estate(fake)
    now = int(time.time())
    older = _put(fake, ids, [CLIENT], now - 1200)
    _put(fake, ids, [newer], now - 600)
    proxy.inject(Fault(service="s3", operation="GetObject", times=1))
    return _collect(fake), older


def test_a_refused_object_is_a_gap_naming_it_and_keeps_the_verdict_from_passing(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    rejected = Flow(src="198.51.100.7", dst="", dst_port=9092, action="REJECT")
    inv, older = _one_unreadable(fake_aws, proxy, rejected)
    arn = f"arn:aws:s3:::{BUCKET}/{older}"
    (gap,) = [g for g in inv.gaps if g.service == "vpc-flow-records"]
    assert (gap.operation, gap.error_code, gap.resource) == ("GetObject", "AccessDenied", arn)
    read = _read(inv)
    assert read.attributes["status"] == "failed" and read.attributes["failed_objects"] == [arn]
    assert read.attributes["objects"] == 1 and read.attributes["records"] == 1
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert any(older in g for g in v.evidence.gaps), v.evidence.gaps


def test_an_undeclared_source_in_the_objects_read_still_fails_beside_a_refused_one(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    inv, _ = _one_unreadable(fake_aws, proxy, UNDECLARED)
    assert _read(inv).attributes["status"] == "failed"
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL and "198.51.100.7" in v.message, v.message


def test_an_object_over_the_size_cap_is_cut_and_keeps_the_verdict_from_passing(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _estate(fake_aws)
    key = _put(fake_aws, ids, [CLIENT], int(time.time()) - 600)
    monkeypatch.setattr(_flow_objects, "OBJECT_CAP", 200)  # the file is ~400 bytes inflated
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["cut_objects"] == [f"arn:aws:s3:::{BUCKET}/{key}"]
    assert read.attributes["objects"] == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and "over the size cap" in v.message, v.message


def test_a_last_line_without_its_newline_and_several_gzip_members_are_read(
    fake_aws: FakeAws,
) -> None:
    ids = _estate(fake_aws)
    stamp = int(time.time()) - 600
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], stamp)
    lines = flow_lines(
        CUSTOMER, ids["eni"], [Flow(src="10.20.3.4", dst=ids["ip"], dst_port=9092, count=2)], stamp
    )
    body = gzip.compress(f"{DEFAULT_HEADER}\n{lines[0]}\n".encode()) + gzip.compress(
        lines[1].encode()
    )
    fake_aws.session(CUSTOMER, E1).client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    read = _read(_collect(fake_aws))
    assert (read.attributes["records"], read.attributes["malformed"]) == (2, 0)


def test_the_read_budget_bounds_a_location_and_keeps_the_verdict_from_passing(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two delivered files and a budget the first one spends: the second is listed as not
    read (never silently dropped), and the clean records cannot earn a PASS."""
    ids = _estate(fake_aws)
    now = int(time.time())
    first = _put(fake_aws, ids, [CLIENT], now - 1200)
    second = _put(fake_aws, ids, [CLIENT], now - 600)
    monkeypatch.setattr(_flow_objects, "READ_BUDGET", 100)  # each file is ~400 bytes inflated
    inv = _collect(fake_aws)
    read = _read(inv)
    assert read.attributes["objects"] == 1 and read.attributes["read_budget"] == 100
    assert read.attributes["unread_objects"] == [f"arn:aws:s3:::{BUCKET}/{second}"]
    assert first != second
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and "read budget of 100 bytes" in v.message, v.message


LOG_ARCHIVE = "222222222222"


def test_a_bucket_of_a_log_archive_account_is_refused_as_s3_does_and_never_read_as_ours(
    fake_aws: FakeAws,
) -> None:
    """The flow log delivers to a bucket another account owns (a log archive): every call
    names the scanned account as the expected owner, so S3 refuses it: a gap naming the
    bucket and the owner expected, and the VPC INCONCLUSIVE behind it, never a PASS."""
    ids = _estate(fake_aws)
    fake_aws.session(CUSTOMER, E1).client("s3").delete_bucket(Bucket=BUCKET)
    fake_aws.session(LOG_ARCHIVE, E1).client("s3").create_bucket(Bucket=BUCKET)
    stamp = int(time.time()) - 600
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], stamp)
    lines = flow_lines(
        CUSTOMER, ids["eni"], [Flow(src="10.20.3.4", dst=ids["ip"], dst_port=9092)], stamp
    )
    put_flow_object(fake_aws.session(LOG_ARCHIVE, E1), BUCKET, key, lines)
    inv = _collect(fake_aws)
    gaps = [g for g in inv.gaps if g.service == "vpc-flow-records"]
    assert [(g.operation, g.error_code, g.resource) for g in gaps] == [
        ("ListObjectsV2", "AccessDenied", f"arn:aws:s3:::{BUCKET}")
    ]
    assert CUSTOMER in gaps[0].message and "another account" in gaps[0].message
    assert _read(inv).attributes["status"] == "failed"
    assert inv.api_calls.get("s3:GetObject", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
