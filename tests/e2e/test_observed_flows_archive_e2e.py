"""Observed flows a log archive account holds: account A's VPC flow log delivers to a bucket
(or, with a cross-account role, a log group) of account B. When the scan also covers B, the
records are read with B's own credentials and clients (the bucket's expected owner named as
B), under A's key layout, and judged as A's; when it does not, the read is an honest gap.
Real boto3 over the moto server, two accounts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from auditor.collect.aws.vpc_flow_records import SERVICE
from auditor.collect.permissions import action_for_call
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.flow_records import (
    Flow,
    flow_lines,
    flow_object_key,
    put_flow_object,
    write_records,
)
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Resource, Status
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_rules_network_e2e import E1, NET, broker_estate, only, tcp
from tests.helpers import CUSTOMER_2, VENDOR, run_rules

RULE = "network.observed-sources"
SERVICES = (*NET, "vpc-flow-records")
ARCHIVE = CUSTOMER_2
"""The log archive account (AWS Control Tower's "Log Archive")."""
BUCKET = "org-flow-log-archive"
PREFIX = "network/"
GROUP = "/org/vpc-flows"
DAY = 24 * 3600
CLIENT = Flow(src="10.20.3.4", dst="", dst_port=9092, count=3)
UNDECLARED = Flow(src="198.51.100.7", dst="", dst_port=9092, count=2, bytes=9000)
REJECTED = Flow(src="198.51.100.7", dst="", dst_port=9092, action="REJECT")
UNDECLARED_TO_OTHER = Flow(src="198.51.100.9", dst="10.99.0.5", dst_port=9092, count=2)


def _broker(fake: FakeAws) -> dict[str, Any]:
    """The broker estate in A: its VPC, security group, interface and address."""
    ids: dict[str, Any] = broker_estate(
        fake, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16"), tcp(9092, "198.51.100.0/24")]
    )
    ec2 = fake.session(CUSTOMER, E1).client("ec2")
    inst = ec2.describe_instances(InstanceIds=[ids["instance"]])["Reservations"][0]["Instances"][0]
    nic = inst["NetworkInterfaces"][0]
    ids["eni"], ids["ip"] = nic["NetworkInterfaceId"], nic["PrivateIpAddress"]
    return ids


def _to_broker(ids: dict[str, Any], flows: Sequence[Flow]) -> list[Flow]:
    return [
        Flow(src=f.src, dst=ids["ip"], dst_port=f.dst_port, action=f.action, count=f.count,
             bytes=f.bytes)
        for f in flows
    ]  # fmt: skip


def _s3_estate(fake: FakeAws, flows: Sequence[Flow], owner: str = ARCHIVE) -> dict[str, Any]:
    """A's VPC flow log delivers to ``BUCKET/PREFIX``, a bucket ``owner`` owns; one file of
    ``flows`` lies there under A's key layout, as AWS delivers it."""
    ids = _broker(fake)
    fake.session(owner, E1).client("s3").create_bucket(Bucket=BUCKET)
    made = (
        fake.session(CUSTOMER, E1)
        .client("ec2")
        .create_flow_logs(
            ResourceIds=[ids["vpc"]],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{BUCKET}/{PREFIX}",
        )
    )
    (ids["flow_log"],) = made["FlowLogIds"]
    stamp = int(time.time()) - 600
    key = flow_object_key(CUSTOMER, E1, ids["flow_log"], stamp, prefix=PREFIX)
    lines = flow_lines(CUSTOMER, ids["eni"], _to_broker(ids, flows), stamp)
    put_flow_object(fake.session(owner, E1), BUCKET, key, lines)
    return ids


def _collect(fake: FakeAws, accounts: Sequence[str]) -> Inventory:
    return fake.collect(accounts=accounts, regions=(E1,), services=SERVICES, flows_since=DAY)


def _read(inv: Inventory) -> Resource:
    (read,) = [r for r in inv.resources if r.kind == "flow_read" and r.account == CUSTOMER]
    return read


def _flow_gaps(inv: Inventory) -> list[Any]:
    return [g for g in inv.gaps if g.service == "vpc-flow-records"]


def test_a_log_archive_bucket_of_a_scanned_account_is_read_as_its_owner_and_a_breach_fails(
    fake_aws: FakeAws,
) -> None:
    ids = _s3_estate(fake_aws, [CLIENT, UNDECLARED])
    inv = _collect(fake_aws, (CUSTOMER, ARCHIVE))
    assert _flow_gaps(inv) == []
    read = _read(inv)
    a = read.attributes
    assert (a["status"], a["bucket"], a["held_by"]) == ("read", BUCKET, ARCHIVE)
    assert a["location"] == f"{PREFIX}AWSLogs/{CUSTOMER}/vpcflowlogs/{E1}/"
    assert a["objects"] == 1 and a["records"] == 5
    assert a["flow_log_ids"] == [ids["flow_log"]] and a["vpc_ids"] == [ids["vpc"]]
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL, v.message
    assert "198.51.100.7" in v.message and "10.20.3.4" not in v.message
    assert ids["instance"] in v.resource and any(ids["sg"] in c for c in v.causes), v.causes
    # the archive's calls are made and counted (by the flow unit of A), all authorised
    made = {action_for_call(c) for c in inv.api_calls if c.startswith("s3:")}
    assert made == {"s3:ListBucket", "s3:GetObject", "s3:ListAllMyBuckets"}
    assert made <= set(SERVICE.actions)
    assert inv.api_calls["s3:GetObject"] == 1
    assert inv.api_calls["s3:ListBuckets"] == 1  # only the flow unit of A asked B (counted)


def test_the_clean_twin_in_the_archive_passes_as_observed_in_full(fake_aws: FakeAws) -> None:
    ids = _s3_estate(fake_aws, [CLIENT, REJECTED])
    inv = _collect(fake_aws, (CUSTOMER, ARCHIVE))
    assert _read(inv).attributes["held_by"] == ARCHIVE
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message
    assert ids["vpc"] in v.resource and v.evidence.attributes["records"] == 4


def test_without_the_archive_account_in_the_scan_the_bucket_is_an_honest_gap(
    fake_aws: FakeAws,
) -> None:
    _s3_estate(fake_aws, [CLIENT, UNDECLARED])
    inv = _collect(fake_aws, (CUSTOMER,))
    gaps = _flow_gaps(inv)
    assert [(g.operation, g.error_code, g.resource) for g in gaps] == [
        ("ListObjectsV2", "AccessDenied", f"arn:aws:s3:::{BUCKET}")
    ]
    assert "owner account was not scanned" in gaps[0].message
    assert f"expected owner {CUSTOMER}" in gaps[0].message
    read = _read(inv)
    assert read.attributes["status"] == "failed" and "held_by" not in read.attributes
    assert inv.api_calls.get("s3:GetObject", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert BUCKET in v.message and "owner account was not scanned" in v.message, v.message


def test_a_scanned_account_that_does_not_own_the_bucket_never_reads_it(
    fake_aws: FakeAws,
) -> None:
    """The bucket is a third account's: B is scanned but does not own it, so nothing is read
    under B's name either (B's own ListBuckets says so) and the VPC stays INCONCLUSIVE."""
    _s3_estate(fake_aws, [CLIENT, UNDECLARED], owner=VENDOR)
    inv = _collect(fake_aws, (CUSTOMER, ARCHIVE))
    (gap,) = _flow_gaps(inv)
    assert gap.resource == f"arn:aws:s3:::{BUCKET}" and ARCHIVE in gap.message
    assert inv.api_calls.get("s3:GetObject", 0) == 0
    assert _read(inv).attributes["status"] == "failed"
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and BUCKET in v.message, v.message


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


def test_an_archive_account_that_cannot_list_its_buckets_leaves_the_owner_unknown(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    """B could own the bucket but its ListBuckets is refused: a gap, nothing read, and the
    VPC INCONCLUSIVE saying the owner is not known (not that it was not scanned)."""
    _s3_estate(fake_aws, [CLIENT, UNDECLARED])
    proxy.inject(Fault(service="s3", operation="ListBuckets", account=ARCHIVE))
    inv = _collect(fake_aws, (CUSTOMER, ARCHIVE))
    gaps = sorted((g.account, g.operation, g.resource) for g in _flow_gaps(inv))
    arn = f"arn:aws:s3:::{BUCKET}"
    assert gaps == [(CUSTOMER, "ListObjectsV2", arn), (ARCHIVE, "ListBuckets", arn)]
    assert inv.api_calls.get("s3:GetObject", 0) == 0
    read = _read(inv)
    assert read.attributes["status"] == "failed"
    assert "is not known" in str(read.attributes["reason"])
    assert "not scanned" not in str(read.attributes["reason"])
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and BUCKET in v.message, v.message


def _group_estate(fake: FakeAws, flows: Sequence[Flow]) -> dict[str, Any]:
    """A's VPC flow log delivers (with a cross-account role) to ``GROUP`` in B, whose
    stream for A's broker interface holds ``flows``."""
    ids = _broker(fake)
    archive = f"arn:aws:logs:{E1}:{ARCHIVE}:log-group:{GROUP}"
    b = fake.session(ARCHIVE, E1)
    b.client("logs").create_log_group(logGroupName=GROUP)
    fake.session(CUSTOMER, E1).client("ec2").create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogDestination=archive,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
        DeliverCrossAccountRole=f"arn:aws:iam::{ARCHIVE}:role/flow-logs-delivery",
    )
    now = int(time.time())
    lines = flow_lines(CUSTOMER, ids["eni"], _to_broker(ids, flows), now)
    write_records(b, GROUP, ids["eni"], lines, now)
    return ids


def test_a_log_archive_group_of_a_scanned_account_is_read_with_its_clients(
    fake_aws: FakeAws,
) -> None:
    ids = _group_estate(fake_aws, [CLIENT, UNDECLARED])
    inv = _collect(fake_aws, (CUSTOMER, ARCHIVE))
    assert _flow_gaps(inv) == []
    a = _read(inv).attributes
    assert (a["status"], a["held_by"], a["records"]) == ("read", ARCHIVE, 5)
    assert a["log_group_arn"] == f"arn:aws:logs:{E1}:{ARCHIVE}:log-group:{GROUP}"
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL and "198.51.100.7" in v.message, v.message
    assert ids["instance"] in v.resource


def test_the_clean_twin_of_the_archive_group_passes(fake_aws: FakeAws) -> None:
    """The archive's group also holds another account's interface (several accounts feed
    it): only the flow log's account's lines are taken as its records."""
    _group_estate(fake_aws, [CLIENT, REJECTED])
    now = int(time.time())
    foreign = flow_lines(VENDOR, "eni-0f0e0d0c0b0a09080", [UNDECLARED_TO_OTHER], now)
    write_records(fake_aws.session(ARCHIVE, E1), GROUP, "eni-0f0e0d0c0b0a09080", foreign, now)
    inv = _collect(fake_aws, (CUSTOMER, ARCHIVE))
    assert _read(inv).attributes["records"] == 4  # 3 + 1 of A's; none of VENDOR's 2
    assert not [r for r in inv.resources if r.attributes.get("src") == "198.51.100.9"]
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message


def test_without_the_archive_account_the_group_is_not_read_and_says_so(
    fake_aws: FakeAws,
) -> None:
    _group_estate(fake_aws, [CLIENT, UNDECLARED])
    inv = _collect(fake_aws, (CUSTOMER,))
    a = _read(inv).attributes
    assert a["status"] == "not-read" and ARCHIVE in str(a["reason"])
    assert "not among the accounts this scan entered" in str(a["reason"])
    assert inv.api_calls.get("logs:FilterLogEvents", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and ARCHIVE in v.message + v.unmodelled
