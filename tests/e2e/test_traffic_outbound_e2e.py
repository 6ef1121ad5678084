"""The monitoring-export and egress traffic classes, on estates built in moto and the GCP fake.

AWS (one account, us-east-1), four VPCs, each holding one platform broker, all
judged against ``monitoring: {via: [private-endpoint, nat], to: [203.0.113.0/24],
endpoints: [com.amazonaws.us-east-1.monitoring]}`` and ``egress: {via: [nat], to:
[203.0.113.0/24]}``:

- **leaky**: the broker's subnet routes 0.0.0.0/0 to an internet gateway and the
  broker has a public IP: monitoring and egress leave over the undeclared
  internet: both FAIL on the route table;
- **tight** (the clean twin of both): 0.0.0.0/0 to a NAT gateway, the broker's group
  lets out only tcp 443 to the collector and to the VPC, and an interface endpoint
  serves CloudWatch: monitoring and egress PASS;
- **open**: as tight but the group keeps the default allow-all egress and there is no
  endpoint: egress FAILs on the security group (every public address over the NAT),
  monitoring PASSes (the collector and CloudWatch over the declared NAT);
- **closed**: no route out and no endpoint: monitoring FAILs on the route table (the
  collector cannot be reached), egress PASSes (no public address is reached);
- **walled**: no route out, and a CloudWatch endpoint whose security group admits
  nobody: monitoring FAILs on that group;
- **peered**: a route to a peering with a VPC of the vendor's (not scanned): a
  collector inside the peering's accepter CIDRs is reached over ``peering``.

Nothing is set by hand: every scenario is what the collectors read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, VENDOR, FakeAws
from tests.e2e.test_network_paths_e2e import E1, Builder
from tests.helpers import declaration, run_rules

pytestmark = pytest.mark.e2e

COLLECTOR = "203.0.113.0/24"
CW = "com.amazonaws.us-east-1.monitoring"
DECLARED = {
    "monitoring": {"via": ["private-endpoint", "nat"], "to": [COLLECTOR], "endpoints": [CW]},
    "egress": {"via": ["nat"], "to": [COLLECTOR]},
}
RULE = "network.traffic-class"


@dataclass
class Built:
    inventory: Inventory
    ids: dict[str, str]


def _egress_only(b: Builder, sg: str, perms: list[dict[str, object]]) -> None:
    b.ec2.revoke_security_group_egress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    b.ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=perms)


def _nat_vpc(b: Builder, cidr: str, name: str) -> tuple[str, str, str]:
    """A VPC with a public subnet (NAT gateway) and a private one routed to the NAT."""
    v, igw = b.vpc(cidr, igw=True)
    pub, _ = b.subnet(
        v,
        cidr.replace("0.0/16", "0.0/20"),
        [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}],
    )
    eip = b.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = b.ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    priv, rt = b.subnet(
        v,
        cidr.replace("0.0/16", "16.0/20"),
        [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}],
    )
    del name
    return v, priv, rt


def build(fake: FakeAws) -> dict[str, str]:
    b = Builder(fake, CUSTOMER, E1)
    ids: dict[str, str] = {}
    # leaky: straight to the internet gateway, public IP
    v, igw = b.vpc("10.81.0.0/16", igw=True)
    s, ids["rt_leaky"] = b.subnet(
        v, "10.81.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}]
    )
    ids["vpc_leaky"] = v
    b.instance(s, [b.sg(v, "leaky")], public=True)
    # tight: NAT, egress only to the collector and the VPC, CloudWatch endpoint
    v, priv, _ = _nat_vpc(b, "10.82.0.0/16", "tight")
    ids["vpc_tight"] = v
    sg = b.sg(v, "tight")
    _egress_only(
        b,
        sg,
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": COLLECTOR}, {"CidrIp": "10.82.0.0/16"}],
            }
        ],
    )
    ep_sg = b.sg(
        v,
        "cw-endpoint",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.82.0.0/16"}],
            }
        ],
    )
    b.ec2.create_vpc_endpoint(
        VpcId=v,
        ServiceName=CW,
        VpcEndpointType="Interface",
        SubnetIds=[priv],
        SecurityGroupIds=[ep_sg],
    )
    b.instance(priv, [sg])
    # open: NAT, default allow-all egress
    v, priv, _ = _nat_vpc(b, "10.83.0.0/16", "open")
    ids["vpc_open"] = v
    ids["sg_open"] = b.sg(v, "open")
    b.instance(priv, [ids["sg_open"]])
    # walled: a CloudWatch endpoint whose security group admits nobody
    v, _ = b.vpc("10.85.0.0/16")
    s, _ = b.subnet(v, "10.85.0.0/20")
    ids["vpc_walled"] = v
    ids["sg_walled_ep"] = b.sg(v, "walled-endpoint")
    b.ec2.create_vpc_endpoint(
        VpcId=v,
        ServiceName=CW,
        VpcEndpointType="Interface",
        SubnetIds=[s],
        SecurityGroupIds=[ids["sg_walled_ep"]],
    )
    b.instance(s, [b.sg(v, "walled")])
    # peered: a collector in the vendor's VPC (account not scanned), over a peering
    vv = Builder(fake, VENDOR, E1)
    vendor_vpc, _ = vv.vpc("10.90.0.0/16")
    v, _ = b.vpc("10.86.0.0/16")
    ids["vpc_peered"] = v
    pcx = b.ec2.create_vpc_peering_connection(VpcId=v, PeerVpcId=vendor_vpc, PeerOwnerId=VENDOR)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    vv.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ids["pcx"] = pcx
    s, _ = b.subnet(
        v, "10.86.0.0/20", [{"DestinationCidrBlock": "10.90.0.0/16", "VpcPeeringConnectionId": pcx}]
    )
    b.instance(s, [b.sg(v, "peered")])
    # closed: nothing but the local route
    v, _ = b.vpc("10.84.0.0/16")
    s, ids["rt_closed"] = b.subnet(v, "10.84.0.0/20")
    ids["vpc_closed"] = v
    b.instance(s, [b.sg(v, "closed")])
    return ids


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[Built]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build(fake)
    inv = fake.collect(regions=(E1,), services=("ec2-network", "ec2-compute"))
    yield Built(inventory=inv, ids=ids)


def _arn(kind: str, local: str) -> str:
    return f"arn:aws:ec2:{E1}:{CUSTOMER}:{kind}/{local}"


def _verdicts(e: Built, **network: object) -> dict[tuple[str, str], Verdict]:
    decl = declaration(network={**DECLARED, **network})
    vs = run_rules(e.inventory, decl, rules=(RULE,))
    return {(v.aspect, v.resource): v for v in vs if v.aspect in ("monitoring", "egress")}


def test_leaky_vpc_fails_both_classes_on_its_route_table(estate: Built) -> None:
    vs = _verdicts(estate)
    vpc, rt = _arn("vpc", estate.ids["vpc_leaky"]), _arn("route-table", estate.ids["rt_leaky"])
    mon, egr = vs[("monitoring", vpc)], vs[("egress", vpc)]
    assert mon.status is Status.FAIL, mon.message
    assert "undeclared internet" in mon.message
    assert mon.causes == (rt,)
    assert egr.status is Status.FAIL, egr.message
    assert "undeclared internet" in egr.message and egr.causes == (rt,)


def test_tight_vpc_is_the_clean_twin(estate: Built) -> None:
    vs = _verdicts(estate)
    vpc = _arn("vpc", estate.ids["vpc_tight"])
    mon, egr = vs[("monitoring", vpc)], vs[("egress", vpc)]
    assert mon.status is Status.PASS, mon.message
    assert "nat" in mon.message and "private-endpoint" in mon.message
    assert egr.status is Status.PASS, egr.message
    assert COLLECTOR in egr.message


def test_open_egress_fails_on_the_security_group(estate: Built) -> None:
    vs = _verdicts(estate)
    vpc = _arn("vpc", estate.ids["vpc_open"])
    egr = vs[("egress", vpc)]
    assert egr.status is Status.FAIL, egr.message
    assert egr.causes == (_arn("security-group", estate.ids["sg_open"]),)
    assert vs[("monitoring", vpc)].status is Status.PASS, vs[("monitoring", vpc)].message


def test_closed_vpc_cannot_export_but_holds_egress(estate: Built) -> None:
    vs = _verdicts(estate)
    vpc = _arn("vpc", estate.ids["vpc_closed"])
    mon, egr = vs[("monitoring", vpc)], vs[("egress", vpc)]
    assert mon.status is Status.FAIL, mon.message
    assert "cannot export" in mon.message
    assert mon.causes == (_arn("route-table", estate.ids["rt_closed"]),)
    assert egr.status is Status.PASS, egr.message
    assert "reaches a public address" in egr.message


def test_declaring_the_internet_turns_the_leaky_monitoring_path_legal(estate: Built) -> None:
    vs = _verdicts(
        estate,
        monitoring={
            "via": ["internet", "nat", "private-endpoint"],
            "to": [COLLECTOR],
            "endpoints": [CW],
        },
    )
    assert vs[("monitoring", _arn("vpc", estate.ids["vpc_leaky"]))].status is Status.PASS


def test_undeclared_classes_are_not_applicable(estate: Built) -> None:
    vs = run_rules(estate.inventory, declaration(), rules=(RULE,))
    na = {v.aspect: v for v in vs if v.aspect in ("monitoring", "egress")}
    assert set(na) == {"monitoring", "egress"}
    for aspect, v in na.items():
        assert v.status is Status.NOT_APPLICABLE and v.resource == "scope:aws/*/*"
        assert f"network.{aspect} is not declared" in v.message


def test_endpoint_only_monitoring_needs_an_open_interface_endpoint(estate: Built) -> None:
    """Monitoring to CloudWatch over its endpoint alone: only the tight VPC's endpoint
    admits the broker; the walled endpoint's group is the cause in its VPC."""
    vs = _verdicts(estate, monitoring={"via": ["private-endpoint"], "endpoints": [CW]})

    def mon(key: str) -> Verdict:
        return vs[("monitoring", _arn("vpc", estate.ids[key]))]

    assert mon("vpc_tight").status is Status.PASS, mon("vpc_tight").message
    walled = mon("vpc_walled")
    assert walled.status is Status.FAIL, walled.message
    assert "do not admit" in walled.message
    assert walled.causes == (_arn("security-group", estate.ids["sg_walled_ep"]),)
    assert mon("vpc_open").status is Status.FAIL  # no endpoint: out over the undeclared NAT
    assert "undeclared nat" in mon("vpc_open").message
    closed = mon("vpc_closed")
    assert closed.status is Status.FAIL and "cannot export" in closed.message


def test_collector_in_an_unscanned_peer_vpc_is_reached_over_the_peering(estate: Built) -> None:
    """The vendor's VPC is not collected; the peering's accepter CIDRs hold the collector."""
    vs = _verdicts(estate, monitoring={"via": ["peering"], "to": ["10.90.0.10/32"]})
    v = vs[("monitoring", _arn("vpc", estate.ids["vpc_peered"]))]
    assert v.status is Status.PASS, v.message
    assert "(peering)" in v.message
    bad = _verdicts(estate, monitoring={"via": ["nat"], "to": ["10.90.0.10/32"]})
    v = bad[("monitoring", _arn("vpc", estate.ids["vpc_peered"]))]
    assert v.status is Status.FAIL and "undeclared peering" in v.message, v.message
    assert v.causes == (f"arn:aws:ec2:{E1}:{CUSTOMER}:vpc-peering-connection/{estate.ids['pcx']}",)
