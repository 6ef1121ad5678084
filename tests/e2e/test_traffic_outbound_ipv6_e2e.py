"""The egress traffic class over IPv6, on an estate built in moto.

AWS (one account, us-east-1), three dual-stack VPCs whose IPv4 path is closed (only the
local route), each holding one platform broker with an IPv6 address, judged against
``egress: {via: [nat], to: [203.0.113.0/24]}``:

- **eigw**: ``::/0`` to an egress-only internet gateway, the NACL lets IPv6 out and
  back, the broker's group keeps the default egress (``0.0.0.0/0`` and ``::/0``):
  egress FAILs on the route table (undeclared internet over IPv6), where an IPv4-only
  walk would PASS it ("no public address is reached");
- **tight** (the clean twin): the same routes, but the group lets out only tcp 443 to
  the collector: egress PASSes;
- **v4only**: the subnet holds no IPv6 range (the ``::/0`` route is there): nothing
  leaves over IPv6, egress PASSes;
- **igw**: ``::/0`` to an internet gateway (no egress-only one): with ``internet``
  declared, egress still FAILs, on the security group that lets every IPv6 address out.

Nothing is set by hand: every scenario is what the collectors read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_network_paths_e2e import E1, PLATFORM, Builder
from tests.helpers import declaration, run_rules

pytestmark = pytest.mark.e2e

COLLECTOR = "203.0.113.0/24"
DECLARED = {"egress": {"via": ["nat"], "to": [COLLECTOR]}}
RULE = "network.traffic-class"


@dataclass
class Built:
    inventory: Inventory
    ids: dict[str, str]


def _dual_stack(
    b: Builder, cidr: str, *, v6_subnet: bool, igw: bool = False
) -> tuple[str, str, str]:
    """A dual-stack VPC, a subnet (with an IPv6 range or not) routing ``::/0`` to an
    egress-only internet gateway (``igw``: an internet gateway), and a NACL letting IPv6
    out and back."""
    v = b.ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    (assoc,) = b.ec2.describe_vpcs(VpcIds=[v])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    v6 = str(assoc["Ipv6CidrBlock"]).replace("/56", "/64")
    kw: dict[str, Any] = {"Ipv6CidrBlock": v6} if v6_subnet else {}
    s = b.ec2.create_subnet(
        VpcId=v, CidrBlock=cidr.replace("0.0/16", "0.0/20"), AvailabilityZone=f"{E1}a", **kw
    )["Subnet"]["SubnetId"]
    rt = b.ec2.create_route_table(VpcId=v)["RouteTable"]["RouteTableId"]
    b.ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
    if igw:
        gw = b.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        b.ec2.attach_internet_gateway(InternetGatewayId=gw, VpcId=v)
        b.ec2.create_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0", GatewayId=gw)
    else:
        eigw = b.ec2.create_egress_only_internet_gateway(VpcId=v)["EgressOnlyInternetGateway"][
            "EgressOnlyInternetGatewayId"
        ]
        b.ec2.create_route(
            RouteTableId=rt, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw
        )
    (acl,) = b.ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [v]}])["NetworkAcls"]
    for egress in (True, False):  # what AWS adds to the default NACL of an IPv6 VPC
        b.ec2.create_network_acl_entry(
            NetworkAclId=acl["NetworkAclId"],
            RuleNumber=101,
            Protocol="-1",
            RuleAction="allow",
            Egress=egress,
            Ipv6CidrBlock="::/0",
        )
    return v, s, rt


def _broker(b: Builder, subnet: str, sg: str, *, v6: bool) -> str:
    return str(
        b.ec2.run_instances(
            ImageId="ami-12345678",
            InstanceType="m5.large",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet,
            SecurityGroupIds=[sg],
            Ipv6AddressCount=1 if v6 else 0,
            TagSpecifications=[{"ResourceType": "instance", "Tags": PLATFORM}],
        )["Instances"][0]["InstanceId"]
    )


def build(fake: FakeAws) -> dict[str, str]:
    b = Builder(fake, CUSTOMER, E1)
    ids: dict[str, str] = {}
    v, s, ids["rt_eigw"] = _dual_stack(b, "10.91.0.0/16", v6_subnet=True)
    ids["vpc_eigw"] = v
    _broker(b, s, b.sg(v, "eigw"), v6=True)
    v, s, _ = _dual_stack(b, "10.92.0.0/16", v6_subnet=True)
    ids["vpc_tight"] = v
    sg = b.sg(v, "tight6")
    b.ec2.revoke_security_group_egress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    )
    b.ec2.authorize_security_group_egress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": COLLECTOR}],
            }
        ],
    )
    _broker(b, s, sg, v6=True)
    v, s, _ = _dual_stack(b, "10.93.0.0/16", v6_subnet=False)
    ids["vpc_v4only"] = v
    _broker(b, s, b.sg(v, "v4only"), v6=False)
    v, s, _ = _dual_stack(b, "10.94.0.0/16", v6_subnet=True, igw=True)
    ids["vpc_igw"], ids["sg_igw"] = v, b.sg(v, "igw")
    _broker(b, s, ids["sg_igw"], v6=True)
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


def _egress(e: Built, key: str, declared: dict[str, object] = DECLARED) -> Verdict:
    vs = run_rules(e.inventory, declaration(network=declared), rules=(RULE,))
    found = {v.resource: v for v in vs if v.aspect == "egress"}
    return found[_arn("vpc", e.ids[key])]


def test_an_egress_only_gateway_route_fails_egress_on_the_route_table(estate: Built) -> None:
    v = _egress(estate, "vpc_eigw")
    assert v.status is Status.FAIL, v.message
    assert "undeclared internet" in v.message
    assert "reaches 2000::/6, " in v.message  # 2000::/3 less the VPC's own /56
    assert v.causes == (_arn("route-table", estate.ids["rt_eigw"]),)
    subnets = [r for r in estate.inventory.resources if r.kind == "subnet"]
    assert any(r.attributes.get("ipv6_cidrs") for r in subnets)


def test_a_group_letting_out_only_the_collector_holds_over_ipv6(estate: Built) -> None:
    v = _egress(estate, "vpc_tight")
    assert v.status is Status.PASS, v.message


def test_a_subnet_without_ipv6_ranges_sends_nothing_over_ipv6(estate: Built) -> None:
    v = _egress(estate, "vpc_v4only")
    assert v.status is Status.PASS, v.message
    assert "reaches a public address" in v.message


def test_an_internet_gateway_route_declared_still_fails_on_the_open_group(estate: Built) -> None:
    v = _egress(estate, "vpc_igw", {"egress": {"via": ["internet"], "to": [COLLECTOR]}})
    assert v.status is Status.FAIL, v.message
    assert "reaches 2000::/6, " in v.message and "over internet" in v.message
    assert v.causes == (_arn("security-group", estate.ids["sg_igw"]),)
