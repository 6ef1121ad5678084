"""A replication source set partly covered by a peering route, through boto3 over moto.

The secondary region's platform VPC (us-west-2, 10.20.0.0/16) has two subnets,
10.20.32.0/19 and 10.20.64.0/20, on one route table that sends the primary's
10.10.0.0/16 over a cross-region peering. The primary broker's route table sends
only 10.20.32.0/20 back over the peering: replicators in that range reach the
broker, the rest get no reply. ``network.traffic-class`` must say so definitely
(it said "cannot tell every path" when the engine judged the set as a whole); the
clean twin routes all of 10.20.0.0/16 back and has no split.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import run_rules

E1, W2 = "us-east-1", "us-west-2"
PLATFORM = [{"Key": "platform", "Value": "orders-kafka"}]


@dataclass
class Scan:
    partial: bool
    inventory: Inventory
    broker: str
    reply_table: str
    verdicts: list[Verdict]


def _build(fake: FakeAws, reply: str) -> tuple[str, str]:
    """The two platform VPCs, peered across regions; ``reply``: the primary's route back."""
    e1 = fake.session(CUSTOMER, E1).client("ec2")
    w2 = fake.session(CUSTOMER, W2).client("ec2")
    tags: Any = [{"ResourceType": "vpc", "Tags": PLATFORM}]
    vp = e1.create_vpc(CidrBlock="10.10.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"]
    vr = w2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"]
    pcx = e1.create_vpc_peering_connection(VpcId=vp, PeerVpcId=vr, PeerRegion=W2)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    w2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    sp = e1.create_subnet(VpcId=vp, CidrBlock="10.10.1.0/24", AvailabilityZone=f"{E1}a")["Subnet"][
        "SubnetId"
    ]
    rtp = e1.create_route_table(VpcId=vp)["RouteTable"]["RouteTableId"]
    e1.associate_route_table(RouteTableId=rtp, SubnetId=sp)
    e1.create_route(RouteTableId=rtp, DestinationCidrBlock=reply, VpcPeeringConnectionId=pcx)
    sg = e1.create_security_group(GroupName="brokers", Description="brokers", VpcId=vp)["GroupId"]
    e1.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    broker = e1.run_instances(
        ImageId="ami-12345678",
        InstanceType="m5.large",
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": sp, "Groups": [sg], "PrivateIpAddress": "10.10.1.10"}
        ],
        TagSpecifications=[{"ResourceType": "instance", "Tags": PLATFORM}],
    )["Instances"][0]["InstanceId"]

    rtr = w2.create_route_table(VpcId=vr)["RouteTable"]["RouteTableId"]
    for cidr in ("10.20.32.0/19", "10.20.64.0/20"):
        s = w2.create_subnet(VpcId=vr, CidrBlock=cidr, AvailabilityZone=f"{W2}a")["Subnet"][
            "SubnetId"
        ]
        w2.associate_route_table(RouteTableId=rtr, SubnetId=s)
    w2.create_route(
        RouteTableId=rtr, DestinationCidrBlock="10.10.0.0/16", VpcPeeringConnectionId=pcx
    )
    return (
        f"arn:aws:ec2:{E1}:{CUSTOMER}:instance/{broker}",
        f"arn:aws:ec2:{E1}:{CUSTOMER}:route-table/{rtp}",
    )


@pytest.fixture(scope="module", params=["partial", "clean"])
def scan(request: pytest.FixtureRequest, moto_server: MotoServer) -> Iterator[Scan]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    reply = "10.20.32.0/20" if request.param == "partial" else "10.20.0.0/16"
    broker, table = _build(fake, reply)
    inv = fake.collect(regions=(E1, W2), services=("ec2-network", "ec2-compute"))
    verdicts = run_rules(inv, rules=["network.traffic-class"])
    yield Scan(
        partial=request.param == "partial",
        inventory=inv,
        broker=broker,
        reply_table=table,
        verdicts=verdicts,
    )


def _replication(s: Scan) -> Verdict:
    (v,) = [
        v for v in s.verdicts if v.resource == s.broker and v.message.startswith("[replication]")
    ]
    return v


def _ranges(v: Verdict) -> list[Any]:
    return [
        p["source_ranges"]
        for p in v.evidence.attributes["paths"]  # type: ignore[union-attr]
        if isinstance(p, dict) and "source_ranges" in p
    ]


def test_replication_verdict_is_definite_and_names_the_split(scan: Scan) -> None:
    v = _replication(scan)
    assert v.status is Status.PASS, v.message
    assert "peering" in v.message
    if not scan.partial:  # the clean twin: one route covers every source
        assert not _ranges(v) and "do not" not in v.message
        return
    ranges = _ranges(v)
    assert ranges, v.evidence.attributes
    assert ranges[0]["reach"] == ["10.20.32.0/20"]
    (blocked,) = ranges[0]["do_not_reach"]
    assert blocked["ranges"] == ["10.20.48.0/20", "10.20.64.0/20"]
    assert blocked["reach"] == "no"
    assert scan.reply_table.rsplit("/", 1)[-1] in blocked["at"]
    assert "10.20.32.0/20 reach" in v.message and "10.20.48.0/20, 10.20.64.0/20 do not" in v.message


def test_no_traffic_class_verdict_is_inconclusive(scan: Scan) -> None:
    bad = [(v.resource, v.message) for v in scan.verdicts if v.status is Status.INCONCLUSIVE]
    assert not bad
