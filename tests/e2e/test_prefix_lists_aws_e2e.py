"""AWS managed prefix lists read by ``ec2-network`` and used by the network model (moto).

One VPC: a private subnet whose route table sends ``0.0.0.0/0`` to a NAT gateway and holds
an S3 gateway endpoint (moto adds its route to the AWS-managed list
``com.amazonaws.us-east-1.s3``), and a broker whose security group admits port 9092 from a
customer prefix list. Read with the lists' entries:

- the AWS-managed lists and the customer one are resources with their entries;
- the data-movement map names the medium of the sender's traffic to an S3 address
  (``gateway endpoint``) and to the internet (``nat``): main said ``unknown`` for both,
  because a prefix-list route hid every match shorter than a host route;
- the security-group rule naming the customer list admits an address in it and no other.

With ``GetManagedPrefixListEntries`` failing, the gap names each list and nothing is
matched against an empty list: the map's medium is ``unknown`` naming the list, the rule
undecided (UNKNOWN), the route walk UNKNOWN and ``network.traffic-class`` INCONCLUSIVE.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from auditor.analysis.data_movement import movement_map
from auditor.analysis.derive import build_graph
from auditor.analysis.movement_places_aws import Egress
from auditor.analysis.network.addresses import nets_of
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cross_traffic import admits
from auditor.analysis.network.outbound import outbound
from auditor.analysis.network.outbound_model import Dest
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.flow_records import Flow, flow_lines, write_records
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Status
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_network_paths_e2e import E1, Builder
from tests.helpers import declaration, run_rules

pytestmark = pytest.mark.e2e

GROUP = "/vpc/prefix-flows"
S3_ADDRESS = "52.216.8.9"  # in moto's com.amazonaws.us-east-1.s3 entries (52.216.0.0/15)
INTERNET = "198.51.100.9"
CLIENTS = "10.99.4.0/24"  # the customer list's one entry
SERVICES = ("ec2-network", "ec2-compute")


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


def _estate(fake: FakeAws) -> dict[str, str]:
    b = Builder(fake, CUSTOMER, E1)
    vpc, igw = b.vpc("10.84.0.0/16", igw=True)
    pub, _ = b.subnet(
        vpc, "10.84.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}]
    )
    eip = b.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = b.ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    priv, rt = b.subnet(
        vpc, "10.84.16.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}]
    )
    vpce = b.ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{E1}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[rt],
    )["VpcEndpoint"]["VpcEndpointId"]
    clients = b.ec2.create_managed_prefix_list(
        PrefixListName="kafka-clients",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": CLIENTS, "Description": "clients"}],
    )["PrefixList"]["PrefixListId"]
    sg = b.sg(
        vpc,
        "broker",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "PrefixListIds": [{"PrefixListId": clients}],
            }
        ],
    )
    instance = b.instance(priv, [sg])
    return {"vpc": vpc, "rt": rt, "vpce": vpce, "nat": nat, "clients": clients, "sg": sg,
            "instance": instance}  # fmt: skip


def _flows(fake: FakeAws, ids: dict[str, str]) -> str:
    """A VPC flow log and the broker's records to S3 and to the internet; its address."""
    session = fake.session(CUSTOMER, E1)
    ec2 = session.client("ec2")
    session.client("logs").create_log_group(logGroupName=GROUP)
    ec2.create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    inst = ec2.describe_instances(InstanceIds=[ids["instance"]])["Reservations"][0]["Instances"][0]
    eni, ip = inst["NetworkInterfaces"][0]["NetworkInterfaceId"], inst["PrivateIpAddress"]
    now = int(time.time())
    flows = [
        Flow(src=ip, dst=S3_ADDRESS, dst_port=443, bytes=7000),
        Flow(src=ip, dst=INTERNET, dst_port=443, bytes=3000),
    ]
    write_records(session, GROUP, eni, flow_lines(CUSTOMER, eni, flows, now), now)
    return str(ip)


def _arn(kind: str, local: str) -> str:
    return f"arn:aws:ec2:{E1}:{CUSTOMER}:{kind}/{local}"


def _lists(inv: Inventory) -> dict[str, Any]:
    return {r.name: r.attributes for r in inv.resources if r.kind == "prefix_list"}


def _media(inv: Inventory) -> dict[str, tuple[int, int]]:
    m = movement_map(inv.resources)
    assert m is not None
    return {c.medium: (c.bytes, c.flows) for c in m.crossings}


def test_managed_and_customer_prefix_lists_are_read_with_their_entries(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    inv = fake_aws.collect(regions=(E1,), services=SERVICES)
    lists = _lists(inv)
    s3 = lists[f"com.amazonaws.{E1}.s3"]
    assert s3["aws_managed"] is True and s3["owner"] == "AWS"
    assert s3["cidrs"] == ["3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"]
    own = lists["kafka-clients"]
    assert (own["prefix_list_id"], own["cidrs"]) == (ids["clients"], [CLIENTS])
    assert own["aws_managed"] is False and own["max_entries"] == 5
    assert not [g for g in inv.gaps if "PrefixList" in g.operation]


def test_a_gateway_endpoint_route_to_the_s3_list_is_a_named_medium(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    _flows(fake_aws, ids)
    inv = fake_aws.collect(regions=(E1,), services=(*SERVICES, "vpc-flow-records"),
                           flows_since=24 * 3600)  # fmt: skip
    assert _media(inv) == {"gateway endpoint": (7000, 1), "nat": (3000, 1)}


def test_a_prefix_list_rule_admits_the_sources_in_its_entries_only(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    inv = fake_aws.collect(regions=(E1,), services=SERVICES)
    g = build_graph(inv, declaration())
    broker = g.resource(_arn("instance", ids["instance"]))
    inside, why, _ = admits(g, broker, 9092, nets_of(["10.99.4.7/32"]))
    assert inside is Reach.YES and ids["sg"] in why, why
    outside, why, _ = admits(g, broker, 9092, nets_of(["10.99.5.7/32"]))
    assert outside is Reach.NO, why
    wrong_port, _, _ = admits(g, broker, 9093, nets_of(["10.99.4.7/32"]))
    assert wrong_port is Reach.NO


def test_unreadable_entries_leave_every_use_of_the_list_undecided(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    ids = _estate(fake_aws)
    ip = _flows(fake_aws, ids)
    proxy.inject(Fault(service="ec2", operation="GetManagedPrefixListEntries"))
    inv = fake_aws.collect(regions=(E1,), services=(*SERVICES, "vpc-flow-records"),
                           flows_since=24 * 3600)  # fmt: skip
    lists = _lists(inv)
    assert lists["kafka-clients"]["cidrs"] is None  # unknown, not empty
    failed = {g.resource for g in inv.gaps if g.operation == "GetManagedPrefixListEntries"}
    assert _arn("prefix-list", ids["clients"]) in failed
    s3 = lists[f"com.amazonaws.{E1}.s3"]["prefix_list_id"]
    assert _arn("prefix-list", s3) in failed
    # the map: the list might hold the destination, so neither medium can be told
    assert _media(inv) == {"unknown": (10000, 2)}
    way = Egress(inv.resources).way(ip, INTERNET, E1)
    assert way.medium == "unknown" and s3 in way.reason, way
    # the security group's rule: neither admitted nor refused
    g = build_graph(inv, declaration())
    broker = g.resource(_arn("instance", ids["instance"]))
    reach, why, _ = admits(g, broker, 9092, nets_of(["10.99.4.7/32"]))
    assert reach is Reach.UNKNOWN and ids["clients"] in why, why
    # the route walk and the rule judging egress through it
    paths = outbound(g, Dest(label="collector", nets=nets_of(["203.0.113.0/24"])), 443)
    assert paths and all(p.reach is Reach.UNKNOWN for p in paths), [p.reason for p in paths]
    assert all(s3 in p.reason for p in paths), [p.reason for p in paths]
    vs = run_rules(
        inv,
        declaration(network={"egress": {"via": ["nat"], "to": ["203.0.113.0/24"]}}),
        rules=("network.traffic-class",),
    )
    (egr,) = [v for v in vs if v.aspect == "egress" and v.resource == _arn("vpc", ids["vpc"])]
    assert egr.status is Status.INCONCLUSIVE, egr.message
    assert s3 in egr.message, egr.message
    assert any("GetManagedPrefixListEntries" in gap for gap in egr.evidence.gaps), egr.evidence


def test_readable_entries_decide_the_route_walk_and_the_rule(fake_aws: FakeAws) -> None:
    ids = _estate(fake_aws)
    inv = fake_aws.collect(regions=(E1,), services=SERVICES)
    g = build_graph(inv, declaration())
    got = {
        label: {(p.reach, p.via) for p in outbound(g, Dest(label=label, nets=nets_of([c])), 443)}
        for label, c in (("s3", "52.216.0.0/15"), ("collector", "203.0.113.0/24"))
    }
    assert got == {
        "s3": {(Reach.YES, ("private-endpoint",))},
        "collector": {(Reach.YES, ("nat",))},
    }
    vs = run_rules(
        inv,
        declaration(network={"egress": {"via": ["nat"], "to": ["203.0.113.0/24"]}}),
        rules=("network.traffic-class",),
    )
    (egr,) = [v for v in vs if v.aspect == "egress" and v.resource == _arn("vpc", ids["vpc"])]
    # decided: the group's default egress reaches the whole internet over the NAT gateway
    assert egr.status is Status.FAIL, egr.message
    assert "over nat" in egr.message and "prefix list" not in egr.message
