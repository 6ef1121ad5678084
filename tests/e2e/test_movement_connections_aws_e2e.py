"""An AWS connection logged at several interfaces is counted once in the data-movement map (moto).

A broker in a private subnet of us-east-1 leaves through the VPC's NAT gateway to a host on
the internet and to a broker's public address in us-west-2. As AWS logs it (every
interface of the VPCs has a flow log): the sender's interface records its private address
to the far end; the NAT gateway's interface records the private leg (the sender to the NAT
gateway's private address) and the public leg (its private address to the far end); the
receiving broker records the NAT gateway's Elastic IP to its own private address. Main
counted each connection two or three times (once over ``nat``, once more over ``public
addresses`` for the public leg, and the receiver's record over ``nat`` again).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from auditor.analysis.data_movement import movement_map
from auditor.fakecloud.flow_records import Flow, flow_lines, write_records
from auditor.model import Inventory, Status
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_network_paths_e2e import Builder
from tests.helpers import declaration, run_rules

pytestmark = pytest.mark.e2e

E1, W2 = "us-east-1", "us-west-2"
INTERNET = "198.51.100.9"
SERVICES = ("ec2-network", "ec2-compute", "vpc-flow-records")


def _flow_log(fake: FakeAws, region: str, vpc: str) -> str:
    session = fake.session(CUSTOMER, region)
    group = f"/vpc/flows-{region}"
    session.client("logs").create_log_group(logGroupName=group)
    session.client("ec2").create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=group,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    return group


def _nic(b: Builder, instance: str) -> dict[str, Any]:
    got = b.ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return dict(got["NetworkInterfaces"][0])


def _estate(fake: FakeAws) -> dict[str, Any]:
    east = Builder(fake, CUSTOMER, E1)
    vpc, igw = east.vpc("10.85.0.0/16", igw=True)
    pub, _ = east.subnet(
        vpc, "10.85.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}]
    )
    eip = east.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = east.ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]
    priv, _ = east.subnet(
        vpc,
        "10.85.16.0/20",
        [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat["NatGatewayId"]}],
    )
    sender = _nic(east, east.instance(priv, [east.sg(vpc, "sender")]))
    west = Builder(fake, CUSTOMER, W2)
    wvpc, wigw = west.vpc("10.86.0.0/16", igw=True)
    wpub, _ = west.subnet(
        wvpc, "10.86.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": wigw}]
    )
    receiver = _nic(west, west.instance(wpub, [west.sg(wvpc, "receiver")], public=True))
    (side,) = east.ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0][
        "NatGatewayAddresses"
    ]
    return {
        "vpc": vpc,
        "groups": {E1: _flow_log(fake, E1, vpc), W2: _flow_log(fake, W2, wvpc)},
        "sender": (sender["NetworkInterfaceId"], sender["PrivateIpAddress"]),
        "nat": (side["NetworkInterfaceId"], side["PrivateIp"], side["PublicIp"]),
        "receiver": (
            receiver["NetworkInterfaceId"],
            receiver["PrivateIpAddress"],
            receiver["Association"]["PublicIp"],
        ),
    }


def _log(fake: FakeAws, region: str, group: str, eni: str, flows: list[Flow], now: int) -> None:
    write_records(
        fake.session(CUSTOMER, region), group, eni, flow_lines(CUSTOMER, eni, flows, now), now
    )


def _crossings(
    fake: FakeAws, ids: dict[str, Any], *, nat_logs: bool, sender_logs: bool = True
) -> dict[tuple[str, str], tuple[int, int]]:
    m = movement_map(_scan(fake, ids, nat_logs=nat_logs, sender_logs=sender_logs).resources)
    assert m is not None
    return {(c.kind, c.medium): (c.bytes, c.flows) for c in m.crossings}


def _scan(
    fake: FakeAws, ids: dict[str, Any], *, nat_logs: bool, sender_logs: bool = True
) -> Inventory:
    """The records each interface logs (the NAT gateway's, the sender's when asked), collected."""
    s_eni, a = ids["sender"]
    n_eni, n, e = ids["nat"]
    r_eni, j, j_public = ids["receiver"]
    now = int(time.time())
    g = ids["groups"]
    if sender_logs:
        _log(fake, E1, g[E1], s_eni, [
            Flow(src=a, dst=INTERNET, dst_port=443, bytes=5000),
            Flow(src=a, dst=j_public, dst_port=9092, bytes=70000),
        ], now)  # fmt: skip
    if nat_logs:
        _log(fake, E1, g[E1], n_eni, [
            Flow(src=a, dst=n, dst_port=443, bytes=5000),  # the private leg
            Flow(src=n, dst=INTERNET, dst_port=443, bytes=5000),  # the public leg
            Flow(src=a, dst=n, dst_port=9092, bytes=70000),
            Flow(src=n, dst=j_public, dst_port=9092, bytes=70000),
        ], now)  # fmt: skip
    _log(fake, W2, g[W2], r_eni, [Flow(src=e, dst=j, dst_port=9092, bytes=70000)], now)
    return fake.collect(regions=(E1, W2), services=SERVICES, flows_since=24 * 3600)


def test_a_connection_through_a_nat_gateway_logged_at_every_interface_is_counted_once(
    fake_aws: FakeAws,
) -> None:
    ids = _estate(fake_aws)
    assert _crossings(fake_aws, ids, nat_logs=True) == {
        ("internet", "nat"): (5000, 1),
        ("region", "nat"): (70000, 1),
    }


def test_a_connection_logged_by_the_sender_and_the_receiver_is_counted_once(
    fake_aws: FakeAws,
) -> None:
    """The sender's record and the receiver's (from the NAT gateway's Elastic IP)."""
    ids = _estate(fake_aws)
    assert _crossings(fake_aws, ids, nat_logs=False) == {
        ("internet", "nat"): (5000, 1),
        ("region", "nat"): (70000, 1),
    }


def test_without_the_senders_records_the_nat_gateways_public_leg_counts_over_nat(
    fake_aws: FakeAws,
) -> None:
    """The public leg leaves from the NAT gateway's private address: ``nat``, not the
    ``public addresses`` its interface's Elastic IP would say."""
    ids = _estate(fake_aws)
    assert _crossings(fake_aws, ids, nat_logs=True, sender_logs=False) == {
        ("internet", "nat"): (5000, 1),
        ("region", "nat"): (70000, 1),
    }


def test_data_observed_egress_counts_the_bytes_that_left_once(fake_aws: FakeAws) -> None:
    """Only the internet host is outside the declared regions (us-west-2 is declared)."""
    ids = _estate(fake_aws)
    inv = _scan(fake_aws, ids, nat_logs=True)
    vpc = f"arn:aws:ec2:{E1}:{CUSTOMER}:vpc/{ids['vpc']}"
    vs = run_rules(inv, declaration(), rules=("data.observed-egress",))
    (v,) = [x for x in vs if x.resource == vpc]
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["bytes_by_destination"] == {INTERNET: 5000}, (
        v.message
    )  # main: 10000
