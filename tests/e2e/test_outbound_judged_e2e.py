"""AWS outbound reach judged piece by piece, hop by hop, and never on missing data.

Estates built with boto3 in moto and read by the real collectors (through a fault
proxy where an API must fail):

- **split**: a broker in 10.80.0.0/16 whose VPC peers with a collected VPC
  10.81.0.0/16; a collector range 10.80.0.0/15 spans both. Each piece is walked
  towards the network that holds it: the own half is delivered locally, the peer's
  half over the peering (one destination VPC for both pieces dropped them both);
- **pending**: a route to a peering the vendor never accepted: the peering is what
  drops the traffic (the cause to change), not the route table, and the peer's
  declared CIDRs do not deliver anything over a peering that is not active;
- **open** under a failing ``DescribeNetworkAcls``: the subnet's ACL is unknown, so
  what leaves is unknown (INCONCLUSIVE naming it), never taken as allowed;
- **open** under a failing ``DescribeSecurityGroups``: the broker's groups are
  unknown, so what leaves is unknown (INCONCLUSIVE naming the groups), never taken
  as blocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from auditor.analysis.derive import build_graph
from auditor.analysis.network.addresses import nets_of
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.outbound import outbound
from auditor.analysis.network.outbound_model import Dest
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, VENDOR, FakeAws
from tests.e2e.test_network_paths_e2e import E1, Builder
from tests.helpers import declaration, run_rules

pytestmark = pytest.mark.e2e

RULE = "network.traffic-class"
COLLECTOR = "203.0.113.0/24"


def _arn(kind: str, local: str) -> str:
    return f"arn:aws:ec2:{E1}:{CUSTOMER}:{kind}/{local}"


def _verdicts(inv: Inventory, **network: object) -> dict[tuple[str, str], Verdict]:
    vs = run_rules(inv, declaration(network=network), rules=(RULE,))
    return {(v.aspect, v.resource): v for v in vs if v.aspect in ("monitoring", "egress")}


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


def _split(b: Builder) -> dict[str, str]:
    a, _ = b.vpc("10.80.0.0/16")
    peer, _ = b.vpc("10.81.0.0/16")
    pcx = b.ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=peer)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    b.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    s, _ = b.subnet(
        a, "10.80.0.0/20", [{"DestinationCidrBlock": "10.81.0.0/16", "VpcPeeringConnectionId": pcx}]
    )
    b.instance(s, [b.sg(a, "split")])
    return {"vpc": a, "pcx": pcx}


def _pending(fake: FakeAws, b: Builder) -> dict[str, str]:
    vendor_vpc, _ = Builder(fake, VENDOR, E1).vpc("10.90.0.0/16")
    v, _ = b.vpc("10.86.0.0/16")
    pcx = b.ec2.create_vpc_peering_connection(VpcId=v, PeerVpcId=vendor_vpc, PeerOwnerId=VENDOR)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]  # never accepted
    s, _ = b.subnet(
        v, "10.86.0.0/20", [{"DestinationCidrBlock": "10.90.0.0/16", "VpcPeeringConnectionId": pcx}]
    )
    b.instance(s, [b.sg(v, "pending")])
    return {"vpc": v, "pcx": pcx}


def _open(b: Builder) -> dict[str, str]:
    """A broker behind a NAT gateway, its group keeping the default allow-all egress."""
    v, igw = b.vpc("10.83.0.0/16", igw=True)
    pub, _ = b.subnet(v, "10.83.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}])
    eip = b.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = b.ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    priv, _ = b.subnet(
        v, "10.83.16.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}]
    )
    sg = b.sg(v, "open")
    b.instance(priv, [sg])
    return {"vpc": v, "sg": sg, "subnet": priv}


def test_each_piece_of_a_destination_is_walked_to_the_network_holding_it(
    fake_aws: FakeAws,
) -> None:
    ids = _split(Builder(fake_aws, CUSTOMER, E1))
    inv = fake_aws.collect(regions=(E1,), services=("ec2-network", "ec2-compute"))
    paths = outbound(
        build_graph(inv, declaration()),
        Dest(label="10.80.0.0/15", nets=nets_of(["10.80.0.0/15"])),
        443,
    )
    got = {str(n): (p.reach, p.via) for p in paths for n in p.nets}
    assert got == {
        "10.80.0.0/16": (Reach.YES, ("local",)),
        "10.81.0.0/16": (Reach.YES, ("peering",)),
    }, [p.reason for p in paths]
    v = _verdicts(inv, monitoring={"via": ["peering"], "to": ["10.80.0.0/15"]})
    mon = v[("monitoring", _arn("vpc", ids["vpc"]))]
    assert mon.status is Status.PASS, mon.message


def test_a_peering_that_is_not_active_is_the_cause_and_delivers_nothing(
    fake_aws: FakeAws,
) -> None:
    ids = _pending(fake_aws, Builder(fake_aws, CUSTOMER, E1))
    inv = fake_aws.collect(regions=(E1,), services=("ec2-network", "ec2-compute"))
    v = _verdicts(inv, monitoring={"via": ["peering"], "to": ["10.90.0.10/32"]})
    mon = v[("monitoring", _arn("vpc", ids["vpc"]))]
    assert mon.status is Status.FAIL, mon.message
    assert "cannot export" in mon.message and "pending" in mon.message
    assert mon.causes == (_arn("vpc-peering-connection", ids["pcx"]),)


def test_an_uncollected_network_acl_leaves_egress_unknown(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    ids = _open(Builder(fake_aws, CUSTOMER, E1))
    proxy.inject(Fault(service="ec2", operation="DescribeNetworkAcls"))
    inv = fake_aws.collect(regions=(E1,), services=("ec2-network", "ec2-compute"))
    assert any(g.operation == "DescribeNetworkAcls" for g in inv.gaps)
    paths = outbound(
        build_graph(inv, declaration()), Dest(label="public", nets=nets_of(["0.0.0.0/0"])), 443
    )
    assert paths and all(p.reach is Reach.UNKNOWN for p in paths), [p.reason for p in paths]
    assert all(p.missing == (_arn("subnet", ids["subnet"]),) for p in paths)
    v = _verdicts(inv, egress={"via": ["nat"], "to": [COLLECTOR]})
    egr = v[("egress", _arn("vpc", ids["vpc"]))]
    assert egr.status is Status.INCONCLUSIVE, egr.message
    assert "network ACL" in egr.message and "was not collected" in egr.message
    assert any("DescribeNetworkAcls" in g for g in egr.evidence.gaps)


def test_uncollected_security_groups_leave_egress_unknown_naming_them(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    ids = _open(Builder(fake_aws, CUSTOMER, E1))
    proxy.inject(Fault(service="ec2", operation="DescribeSecurityGroups"))
    inv = fake_aws.collect(regions=(E1,), services=("ec2-network", "ec2-compute"))
    assert any(g.operation == "DescribeSecurityGroups" for g in inv.gaps)
    paths = outbound(
        build_graph(inv, declaration()), Dest(label="public", nets=nets_of(["0.0.0.0/0"])), 443
    )
    assert paths and all(p.reach is Reach.UNKNOWN for p in paths), [p.reason for p in paths]
    assert all(_arn("security-group", ids["sg"]) in p.missing for p in paths)
    v = _verdicts(inv, egress={"via": ["nat"], "to": [COLLECTOR]})
    egr = v[("egress", _arn("vpc", ids["vpc"]))]
    assert egr.status is Status.INCONCLUSIVE, egr.message
    assert f"security groups {ids['sg']}" in egr.message, egr.message
