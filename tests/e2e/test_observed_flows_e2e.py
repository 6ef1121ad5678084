"""Observed flows end to end: a moto estate whose VPC flow log delivers to CloudWatch Logs,
records written into the log group by the fixture, read by the auditor with real boto3
(FilterLogEvents), aggregated, and judged by ``network.observed-sources``."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.collect.aws import vpc_flow_records
from auditor.collect.aws.vpc_flow_records import CAP
from auditor.fakecloud.flow_records import Flow, flow_lines, write_records
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, Status
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_rules_network_e2e import E1, NET, PLATFORM, broker_estate, only, tcp
from tests.helpers import BASE, run_rules

RULE = "network.observed-sources"
SERVICES = (*NET, "vpc-flow-records")
GROUP = "/vpc/kafka-flows"
DAY = 24 * 3600


def _flow_log(fake: FakeAws, ids: dict[str, str], traffic: str = "ALL") -> str:
    """A flow log of the platform VPC into a CloudWatch Logs group; the broker's interface."""
    session = fake.session(CUSTOMER, E1)
    session.client("logs").create_log_group(logGroupName=GROUP)
    session.client("ec2").create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType=traffic,
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    ec2 = session.client("ec2")
    inst = ec2.describe_instances(InstanceIds=[ids["instance"]])["Reservations"][0]["Instances"][0]
    nic = inst["NetworkInterfaces"][0]
    ids["eni"], ids["ip"] = nic["NetworkInterfaceId"], nic["PrivateIpAddress"]
    return ids["eni"]


def _estate(
    fake: FakeAws, flows: list[Flow], *, extra: Sequence[str] = (), traffic: str = "ALL"
) -> dict[str, Any]:
    ids: dict[str, Any] = broker_estate(
        fake, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16"), tcp(9092, "198.51.100.0/24")]
    )
    eni = _flow_log(fake, ids, traffic)
    now = int(time.time())
    lines = flow_lines(CUSTOMER, eni, [_to(f, ids["ip"]) for f in flows], now) + list(extra)
    write_records(fake.session(CUSTOMER, E1), GROUP, eni, lines, now)
    return ids


def _to(f: Flow, ip: str) -> Flow:
    return Flow(
        src=f.src,
        dst=ip,
        dst_port=f.dst_port,
        action=f.action,
        count=f.count,
        bytes=f.bytes,
        protocol=f.protocol,
    )


def _collect(fake: FakeAws, since: int | None = DAY) -> Inventory:
    return fake.collect(regions=(E1,), services=SERVICES, flows_since=since)


CLIENT = Flow(src="10.20.3.4", dst="", dst_port=9092, count=3)
UNDECLARED = Flow(src="198.51.100.7", dst="", dst_port=9092, count=2, bytes=9000)


def test_an_undeclared_source_that_reached_9092_fails_with_the_admitting_group(
    fake_aws: FakeAws,
) -> None:
    ids = _estate(fake_aws, [CLIENT, UNDECLARED])
    inv = _collect(fake_aws)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.FAIL, v.message
    assert "198.51.100.7" in v.message and "10.20.3.4" not in v.message
    assert ids["instance"] in v.resource
    assert any(ids["sg"] in c for c in v.causes), v.causes
    flows = v.evidence.attributes["undeclared_flows"]
    assert flows == [
        {
            "src": "198.51.100.7",
            "dst": ids["ip"],
            "dst_port": 9092,
            "bytes": 18000,
            "records": 2,
            "first_seen": flows[0]["first_seen"],
            "last_seen": flows[0]["last_seen"],
        }
    ]


def test_the_clean_twin_passes_on_what_was_read(fake_aws: FakeAws) -> None:
    ids = _estate(
        fake_aws,
        [CLIENT, Flow(src="198.51.100.7", dst="", dst_port=9092, action="REJECT")],
    )
    inv = _collect(fake_aws)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.PASS, v.message
    assert ids["vpc"] in v.resource
    assert v.evidence.attributes["records"] == 4 and v.evidence.attributes["flows_judged"] == 1


def test_a_reject_only_flow_log_cannot_show_that_every_accepted_flow_was_declared(
    fake_aws: FakeAws,
) -> None:
    """The clean twin's records, from a flow log of REJECT traffic only: no accepted flow
    could be seen, so the rule cannot PASS on it."""
    _estate(
        fake_aws,
        [Flow(src="198.51.100.7", dst="", dst_port=9092, action="REJECT")],
        traffic="REJECT",
    )
    v = only(run_rules(_collect(fake_aws), rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "REJECT traffic only" in v.unmodelled


def test_not_asked_for_is_not_applicable_and_reads_nothing(fake_aws: FakeAws) -> None:
    _estate(fake_aws, [UNDECLARED])
    inv = _collect(fake_aws, since=None)
    assert not any(u.service == "vpc-flow-records" for u in inv.collected)
    assert not any(c.startswith("logs:") for c in inv.api_calls)
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.NOT_APPLICABLE and "--flows-since" in v.message


def test_malformed_lines_are_counted_not_guessed_and_keep_a_pass_from_being_claimed(
    fake_aws: FakeAws,
) -> None:
    _estate(fake_aws, [CLIENT], extra=["2 123 eni-1 10.0.0.1 10.0.0.2 1 9092 6 x 1 1 2 ACCEPT OK"])
    inv = _collect(fake_aws)
    reads = [r for r in inv.resources if r.kind == "flow_read"]
    assert len(reads) == 1 and reads[0].attributes["malformed"] == 1
    assert reads[0].attributes["records"] == 3
    assert "not a count" in str(reads[0].attributes["malformed_examples"])
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and "malformed" in v.message


def test_records_outside_the_window_are_not_read(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False, ingress=[tcp(9092, "0.0.0.0/0")])
    eni = _flow_log(fake_aws, ids)
    old = int(time.time()) - 3 * DAY
    lines = flow_lines(CUSTOMER, eni, [_to(UNDECLARED, ids["ip"])], old)
    write_records(fake_aws.session(CUSTOMER, E1), GROUP, eni, lines, old)
    inv = _collect(fake_aws)
    reads = [r for r in inv.resources if r.kind == "flow_read"]
    assert reads[0].attributes["records"] == 0
    assert not [r for r in inv.resources if r.kind == "observed_flow"]


def test_a_failed_read_is_a_gap_and_inconclusive(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16")])
    _flow_log(fake_aws, ids)
    fake_aws.session(CUSTOMER, E1).client("logs").delete_log_group(logGroupName=GROUP)
    inv = _collect(fake_aws)
    gaps = [g for g in inv.gaps if g.service == "vpc-flow-records"]
    assert gaps and GROUP in gaps[0].resource
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message


def test_scan_flows_since_reads_and_judges_through_the_cli(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    _estate(fake_aws, [CLIENT, UNDECLARED])
    creds = fake_aws.auditor((CUSTOMER,))
    decl = tmp_path / "boundary.yaml"
    with decl.open("w") as fh:
        YAML().dump(BASE, fh)

    def scan(out: str, *extra: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            main,
            [
                "scan",
                "--boundary",
                str(decl),
                "--out",
                str(tmp_path / out),
                "--assume-role",
                AUDITOR_ROLE,
                "--region",
                E1,
                "--checks",
                RULE,
                "--no-checkpoint",
                *extra,
            ],
            env=creds.env(),
        )
        return result.exit_code, result.output

    code, output = scan("on", "--flows-since", "24h")
    (bundle,) = list((tmp_path / "on").iterdir())
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    assert [(v["rule"], v["status"]) for v in verdicts] == [(RULE, "FAIL")], output
    assert "198.51.100.7" in verdicts[0]["message"]

    code, output = scan("off")
    (bundle,) = list((tmp_path / "off").iterdir())
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    assert [(v["rule"], v["status"]) for v in verdicts] == [(RULE, "NOT_APPLICABLE")], output

    code, output = scan("bad", "--flows-since", "soon")
    assert code == 2 and "--flows-since" in output and "soon" in output
    assert not (tmp_path / "bad").exists()


def test_the_sample_cap_cuts_a_busy_interface_and_says_so(fake_aws: FakeAws) -> None:
    busy = Flow(src="10.20.3.4", dst="", dst_port=9092, count=CAP + 1)
    ids = _estate(fake_aws, [busy])
    inv = _collect(fake_aws)
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    assert read.attributes["records"] == CAP
    assert read.attributes["capped_streams"] == [f"{ids['eni']}-all"]
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE and "sample cap of 10000" in v.message


def _idle_streams(fake: FakeAws, count: int) -> None:
    """``count`` streams of interfaces long gone: created, never written."""
    logs = fake.session(CUSTOMER, E1).client("logs")
    for n in range(count):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=f"eni-{n:017x}-all")


def _observed(inv: Inventory) -> list[tuple[Any, ...]]:
    keys = ("src", "dst_port", "action", "records", "bytes")
    return sorted(
        tuple(r.attributes[k] for k in keys) for r in inv.resources if r.kind == "observed_flow"
    )


SEEN = [("10.20.3.4", 9092, "ACCEPT", 3, 12600), ("198.51.100.7", 9092, "ACCEPT", 2, 18000)]


def test_idle_streams_share_calls(fake_aws: FakeAws) -> None:
    """Dead interfaces keep their streams: 150 idle ones cost two calls, not 150."""
    _estate(fake_aws, [CLIENT, UNDECLARED])
    _idle_streams(fake_aws, 150)
    inv = _collect(fake_aws)
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    assert (read.attributes["streams"], read.attributes["idle_streams"]) == (151, 150)
    assert inv.api_calls["logs:FilterLogEvents"] == 1 + 2
    assert _observed(inv) == SEEN
    assert only(run_rules(inv, rules=[RULE]), RULE).status is Status.FAIL


def test_a_shared_call_takes_the_same_records_as_one_call_per_stream(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every stream forced idle: the busy one is read in a shared call, with the same
    aggregates and verdict as when it is read alone (the test above)."""
    _estate(fake_aws, [CLIENT, UNDECLARED])
    _idle_streams(fake_aws, 150)
    monkeypatch.setattr(vpc_flow_records, "IDLE_MARGIN", -10 * DAY * 1000)
    inv = _collect(fake_aws)
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    assert read.attributes["idle_streams"] == 151
    assert inv.api_calls["logs:FilterLogEvents"] == 2
    assert _observed(inv) == SEEN
    assert only(run_rules(inv, rules=[RULE]), RULE).status is Status.FAIL


def test_the_cap_in_a_shared_call_cuts_only_the_busy_stream(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = Flow(src="10.20.3.4", dst="", dst_port=9092, count=CAP + 1)
    ids = _estate(fake_aws, [busy])
    _idle_streams(fake_aws, 3)
    monkeypatch.setattr(vpc_flow_records, "IDLE_MARGIN", -10 * DAY * 1000)  # read in one call
    inv = _collect(fake_aws)
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    assert read.attributes["records"] == CAP
    assert read.attributes["capped_streams"] == [f"{ids['eni']}-all"]


def test_a_flow_to_a_network_load_balancer_without_groups_is_judged(fake_aws: FakeAws) -> None:
    """An NLB needs no security group; AWS names its interfaces ``ELB net/NAME/ID``, which
    is how the flow to it is tied to the platform listener (not by a group)."""
    ids = broker_estate(fake_aws, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16")])
    _flow_log(fake_aws, ids)
    session = fake_aws.session(CUSTOMER, E1)
    elb = session.client("elbv2")
    nlb = elb.create_load_balancer(
        Name="kafka-nlb", Subnets=[ids["subnet"]], Type="network", Tags=PLATFORM
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(
        Name="brokers-9092", Protocol="TCP", Port=9092, VpcId=ids["vpc"], TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=nlb,
        Protocol="TCP",
        Port=9092,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    suffix = nlb.split(":loadbalancer/")[1]  # net/kafka-nlb/ID
    nic = session.client("ec2").create_network_interface(
        SubnetId=ids["subnet"], Description=f"ELB {suffix}"
    )["NetworkInterface"]
    now = int(time.time())
    to_nlb = _to(UNDECLARED, nic["PrivateIpAddress"])
    eni = nic["NetworkInterfaceId"]
    write_records(session, GROUP, eni, flow_lines(CUSTOMER, eni, [to_nlb], now), now)
    v = only(run_rules(_collect(fake_aws), rules=[RULE]), RULE)
    assert v.status is Status.FAIL, v.message
    assert v.resource == nlb and "198.51.100.7" in v.message


LOG_ARCHIVE = "222222222222"


def test_a_log_group_in_a_log_archive_account_is_not_read_and_names_the_account(
    fake_aws: FakeAws,
) -> None:
    """The flow log delivers to a log group of another account (a log archive): its records
    are not read, the read says which account holds them, and the VPC is not taken as
    observed in full (INCONCLUSIVE naming the account), never a PASS."""
    ids: dict[str, Any] = broker_estate(
        fake_aws, public_ip=False, ingress=[tcp(9092, "10.0.0.0/8")]
    )
    archive = f"arn:aws:logs:{E1}:{LOG_ARCHIVE}:log-group:{GROUP}"
    fake_aws.session(LOG_ARCHIVE, E1).client("logs").create_log_group(logGroupName=GROUP)
    fake_aws.session(CUSTOMER, E1).client("ec2").create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogDestination=archive,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    inv = _collect(fake_aws)
    (read,) = [r for r in inv.resources if r.kind == "flow_read"]
    assert read.attributes["status"] == "not-read"
    assert LOG_ARCHIVE in str(read.attributes["reason"])
    assert inv.api_calls.get("logs:FilterLogEvents", 0) == 0
    v = only(run_rules(inv, rules=[RULE]), RULE)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert LOG_ARCHIVE in v.message + v.unmodelled, (v.message, v.unmodelled)
