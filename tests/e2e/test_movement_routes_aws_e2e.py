"""The data-movement map's AWS internet medium follows the sender's subnet route table (moto).

One VPC holds a NAT gateway and an internet gateway. Instances with their own public
IPs in an IGW-routed subnet leave from their public addresses; with public IPs in a
NAT-routed subnet (explicit table, or the main table for an unassociated subnet) they
leave through the NAT gateway; one without a public IP in the IGW-routed subnet cannot
be told (``unknown``), never a guessed label."""

from __future__ import annotations

import time
from typing import Any

from auditor.analysis.data_movement import movement_map
from auditor.fakecloud.flow_records import Flow, flow_lines, write_records
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_rules_network_e2e import E1, NET

GROUP = "/vpc/egress-flows"
INTERNET = "198.51.100.9"


def _instance(ec2: Any, subnet: str, public: bool) -> tuple[str, str]:
    """(interface id, private address) of a new instance in ``subnet``."""
    inst = ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="m5.large",
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": public}
        ],
    )["Instances"][0]
    nic = inst["NetworkInterfaces"][0]
    assert bool(nic.get("Association", {}).get("PublicIp")) is public
    return nic["NetworkInterfaceId"], nic["PrivateIpAddress"]


def _estate(fake: FakeAws) -> list[tuple[str, str, int]]:
    """The VPC, its routes and four senders: (interface, address, bytes sent)."""
    session = fake.session(CUSTOMER, E1)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]

    def subnet(cidr: str) -> str:
        got = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{E1}a")
        return str(got["Subnet"]["SubnetId"])

    public, private, other = subnet("10.30.0.0/24"), subnet("10.30.1.0/24"), subnet("10.30.2.0/24")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = ec2.allocate_address(Domain="vpc", Address="203.0.113.60")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    for sid, target in ((public, {"GatewayId": igw}), (private, {"NatGatewayId": nat})):
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", **target)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=sid)
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    session.client("logs").create_log_group(logGroupName=GROUP)
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    senders = [
        (*_instance(ec2, public, True), 1000),  # own public IP, IGW route
        (*_instance(ec2, private, True), 2000),  # own public IP, NAT route: IP unused
        (*_instance(ec2, other, True), 4000),  # unassociated: the main table's NAT route
        (*_instance(ec2, public, False), 8000),  # IGW route, no public IP: cannot tell
    ]
    now = int(time.time())
    for eni, ip, nbytes in senders:
        flows = [Flow(src=ip, dst=INTERNET, dst_port=443, bytes=nbytes)]
        write_records(session, GROUP, eni, flow_lines(CUSTOMER, eni, flows, now), now)
    return senders


def test_internet_egress_medium_follows_the_senders_route_table(fake_aws: FakeAws) -> None:
    _estate(fake_aws)
    inv = fake_aws.collect(
        regions=(E1,), services=(*NET, "vpc-flow-records"), flows_since=24 * 3600
    )
    m = movement_map(inv.resources)
    assert m is not None
    here = f"aws/{CUSTOMER}/{E1}"
    got = {
        (c.kind, c.source, c.target, c.medium): (c.bytes, c.flows, c.cost_class)
        for c in m.crossings
    }
    assert got == {
        ("internet", here, "internet", "public addresses"): (1000, 1, "internet-egress"),
        ("internet", here, "internet", "nat"): (6000, 2, "nat-processing + internet-egress"),
        ("internet", here, "internet", "unknown"): (8000, 1, "internet-egress"),
    }
