"""Hand-verified path scenarios: estates built in moto with real boto3, collected, then asked.

Two estates hold many independent scenarios each (one VPC, subnet or peering
per scenario), so the suite builds and collects twice. Every scenario asserts
whether the target is reachable AND the path: the link kinds crossed (``via``)
and, when unreachable, the hop that drops it.

moto never marks a VPC route ``blackhole`` (AWS does when the target is
deleted): the blackhole scenario (``test_more_specific_route_to_a_blackhole``)
edits the state of one collected route in the inventory by hand; every other
scenario is exactly what the collectors read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.analysis.derive import build_graph
from auditor.analysis.network import Reach
from auditor.analysis.network.path_model import Path as NetPath
from auditor.analysis.network.paths import (
    best,
    path_engine,
    store_path,
    verdict_of,
)
from auditor.fakecloud.moto_server import MotoServer
from auditor.graph.build import BoundaryGraph
from auditor.model import Inventory, Resource, Status
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.helpers import BASE, declaration, run_rules

E1, W2 = "us-east-1", "us-west-2"
PLATFORM = [{"Key": "platform", "Value": "orders-kafka"}]


def _arn(region: str, account: str, kind: str, local: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{local}"


def tcp(port: int, cidr: str = "0.0.0.0/0", to: int | None = None) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": to or port,
        "IpRanges": [{"CidrIp": cidr}],
    }


class Builder:
    """Small boto3 helpers for one account and region."""

    def __init__(self, fake: FakeAws, account: str, region: str) -> None:
        self.ec2 = fake.session(account, region).client("ec2")
        self.account, self.region = account, region

    def vpc(self, cidr: str, igw: bool = False) -> tuple[str, str | None]:
        v = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        gw = None
        if igw:
            gw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            self.ec2.attach_internet_gateway(InternetGatewayId=gw, VpcId=v)
        return v, gw

    def subnet(
        self, vpc: str, cidr: str, routes: list[dict[str, Any]] | None = None
    ) -> tuple[str, str]:
        s = self.ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{self.region}a")[
            "Subnet"
        ]["SubnetId"]
        rt = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
        for r in routes or []:
            self.ec2.create_route(RouteTableId=rt, **r)
        return s, rt

    def sg(self, vpc: str, name: str, ingress: list[dict[str, Any]] = ()) -> str:  # type: ignore[assignment]
        g = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=list(ingress))
        return g

    def instance(
        self,
        subnet: str,
        sgs: list[str],
        *,
        public: bool = False,
        ip: str | None = None,
        platform: bool = True,
    ) -> str:
        nic: dict[str, Any] = {
            "DeviceIndex": 0,
            "SubnetId": subnet,
            "Groups": sgs,
            "AssociatePublicIpAddress": public,
        }
        if ip:
            nic["PrivateIpAddress"] = ip
        tags = [{"ResourceType": "instance", "Tags": PLATFORM}] if platform else []
        return str(
            self.ec2.run_instances(
                ImageId="ami-12345678",
                InstanceType="m5.large",
                MinCount=1,
                MaxCount=1,
                NetworkInterfaces=[nic],
                TagSpecifications=tags,
            )["Instances"][0]["InstanceId"]
        )

    def nacl(self, vpc: str, subnet: str, entries: list[tuple[int, bool, str]]) -> str:
        acl = self.ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for n, egress, action in entries:
            self.ec2.create_network_acl_entry(
                NetworkAclId=acl,
                RuleNumber=n,
                Protocol="-1",
                RuleAction=action,
                Egress=egress,
                CidrBlock="0.0.0.0/0",
            )
        current = self.ec2.describe_network_acls(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )["NetworkAcls"][0]
        assoc = next(a for a in current["Associations"] if a["SubnetId"] == subnet)
        self.ec2.replace_network_acl_association(
            AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl
        )
        return acl

    def arn(self, kind: str, local: str) -> str:
        return _arn(self.region, self.account, kind, local)

    def inst(self, iid: str) -> str:
        return self.arn("instance", iid)


@dataclass
class Estate:
    inventory: Inventory
    ids: dict[str, str]
    graph: BoundaryGraph


def ask(e: Estate, source: str, target: str, port: int = 9092) -> tuple[Reach, NetPath]:
    res = e.graph.get(target)
    assert res is not None, target
    found = path_engine(e.graph).paths(source, res, port)
    assert found, f"no candidate path from {source} to {target}"
    return verdict_of(found), best(found)[0]


def whats(p: NetPath) -> list[str]:
    return [h.what for h in p.hops]


def dropped(p: NetPath) -> tuple[str, str]:
    h = p.blocked_at
    assert h is not None, p.text()
    return h.what, h.detail


# --- estate 1: the public edge of one VPC --------------------------------------------------


def build_edge(fake: FakeAws) -> dict[str, str]:
    b = Builder(fake, CUSTOMER, E1)
    ids: dict[str, str] = {}
    v, igw = b.vpc("10.50.0.0/16", igw=True)
    assert igw is not None
    ids["vpc"], ids["igw"] = v, igw
    to_igw = [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}]
    ids["pub"], ids["rt_pub"] = b.subnet(v, "10.50.0.0/20", to_igw)
    ids["noroute"], _ = b.subnet(v, "10.50.16.0/20")
    ids["priv"], _ = b.subnet(v, "10.50.32.0/20", to_igw)
    ids["deny"], _ = b.subnet(v, "10.50.48.0/20", to_igw)
    ids["ret"], _ = b.subnet(v, "10.50.64.0/20", to_igw)
    eip = b.ec2.allocate_address(Domain="vpc")["AllocationId"]
    ids["nat"] = b.ec2.create_nat_gateway(SubnetId=ids["pub"], AllocationId=eip)["NatGateway"][
        "NatGatewayId"
    ]
    ids["natsub"], _ = b.subnet(
        v, "10.50.80.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": ids["nat"]}]
    )
    ids["s3sub"], ids["rt_s3"] = b.subnet(v, "10.50.96.0/20")
    ids["iso"], _ = b.subnet(v, "10.50.112.0/20")
    b.ec2.create_vpc_endpoint(
        VpcId=v,
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[ids["rt_s3"]],
        VpcEndpointType="Gateway",
    )
    b.nacl(v, ids["deny"], [(90, False, "deny"), (100, False, "allow"), (100, True, "allow")])
    b.nacl(v, ids["ret"], [(100, False, "allow"), (90, True, "deny"), (100, True, "allow")])
    sg_open = b.sg(v, "open", [tcp(9092), tcp(22)])
    sg_vpc = b.sg(v, "vpc-only", [tcp(9094, "10.50.0.0/16")])
    sg_client = b.sg(v, "clients")
    sg_other = b.sg(v, "others")
    sg_ref = b.sg(v, "by-reference")
    b.ec2.authorize_security_group_ingress(
        GroupId=sg_ref,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "UserIdGroupPairs": [{"GroupId": sg_client}],
            }
        ],
    )
    sg_noegress = b.sg(v, "no-egress")
    b.ec2.revoke_security_group_egress(
        GroupId=sg_noegress,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ids["b_pub"] = b.instance(ids["pub"], [sg_open], public=True)
    ids["b_noroute"] = b.instance(ids["noroute"], [sg_open], public=True)
    ids["b_priv"] = b.instance(ids["priv"], [sg_open])
    ids["b_deny"] = b.instance(ids["deny"], [sg_open], public=True)
    ids["b_ret"] = b.instance(ids["ret"], [sg_open], public=True)
    ids["b_nat"] = b.instance(ids["natsub"], [sg_open])
    ids["b_ref"] = b.instance(ids["priv"], [sg_ref])
    ids["c_client"] = b.instance(ids["priv"], [sg_client], platform=False)
    ids["c_other"] = b.instance(ids["priv"], [sg_other], platform=False)
    ids["c_noegress"] = b.instance(ids["priv"], [sg_noegress], platform=False)
    ids["b_nlb"] = b.instance(ids["natsub"], [sg_vpc])
    ids["c_s3"] = b.instance(ids["s3sub"], [sg_other], platform=False)
    ids["c_iso"] = b.instance(ids["iso"], [sg_other], platform=False)
    # An internet-facing NLB in the public subnet forwarding 9094 to a private broker.
    elb = fake.session(CUSTOMER, E1).client("elbv2")
    nlb = elb.create_load_balancer(
        Name="kafka-public-nlb",
        Subnets=[ids["pub"]],
        Type="network",
        Scheme="internet-facing",
        Tags=PLATFORM,
    )["LoadBalancers"][0]["LoadBalancerArn"]
    ids["nlb"] = nlb
    tg = elb.create_target_group(
        Name="brokers-9094", Protocol="TCP", Port=9094, VpcId=v, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ids["b_nlb"], "Port": 9094}])
    elb.create_listener(
        LoadBalancerArn=nlb,
        Protocol="TCP",
        Port=9094,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    # A VPC with no internet gateway at all, and a broker given a public IP anyway.
    v2, _ = b.vpc("10.60.0.0/16")
    ids["nogw"], _ = b.subnet(v2, "10.60.0.0/20")
    ids["b_nogw"] = b.instance(ids["nogw"], [b.sg(v2, "open2", [tcp(9092)])], public=True)
    return ids


@pytest.fixture(scope="module")
def edge(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build_edge(fake)
    inv = fake.collect(regions=(E1,), services=("ec2-network", "ec2-compute", "elbv2"))
    yield Estate(inventory=inv, ids=ids, graph=build_graph(inv, declaration()))


def I(e: Estate, key: str, region: str = E1, account: str = CUSTOMER) -> str:  # noqa: E743
    return _arn(region, account, "instance", e.ids[key])


def test_internet_reaches_public_broker_through_igw(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_pub"))
    assert reach is Reach.YES and p.via == ("internet",)
    assert whats(p)[:3] == ["source", "internet gateway", "subnet"]
    assert any(edge.ids["igw"] in h.node for h in p.hops)
    assert p.hops[-1].what == "route table" and edge.ids["igw"] in p.hops[-1].detail


def test_public_ip_without_igw_route(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_noroute"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "route table" and "no route sends the reply" in detail


def test_igw_route_without_public_ip(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_priv"))
    assert reach is Reach.NO
    assert dropped(p)[0] == "target" and "no public" in dropped(p)[1]


def test_public_ip_in_vpc_without_internet_gateway(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_nogw"))
    assert reach is Reach.NO and "no internet gateway is attached" in dropped(p)[1]


def test_nacl_deny_numbered_before_allow(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_deny"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "network ACL" and "inbound rule 90 denies port 9092" in detail


def test_return_traffic_blocked_by_outbound_nacl(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_ret"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "network ACL" and "outbound rule 90 denies ephemeral" in detail
    assert "request in" not in detail  # the request itself got in
    assert any(h.what == "target" for h in p.hops)


def test_nat_is_egress_only(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_nat"))
    assert reach is Reach.NO and dropped(p)[0] == "target"


def test_sg_referencing_sg_admits_members(edge: Estate) -> None:
    reach, p = ask(edge, I(edge, "c_client"), I(edge, "b_ref"))
    assert reach is Reach.YES and p.via == ("local",)
    sg_hop = next(h for h in p.hops if h.what == "security group")
    assert "referenced group" in sg_hop.detail


def test_sg_referencing_sg_refuses_others(edge: Estate) -> None:
    reach, p = ask(edge, I(edge, "c_other"), I(edge, "b_ref"))
    assert reach is Reach.NO and dropped(p)[0] == "security group"


def test_private_client_in_same_vpc(edge: Estate) -> None:
    reach, p = ask(edge, I(edge, "c_other"), I(edge, "b_priv"))
    assert reach is Reach.YES and p.via == ("local",)


def test_source_security_group_without_egress(edge: Estate) -> None:
    reach, p = ask(edge, I(edge, "c_noegress"), I(edge, "b_priv"))
    assert reach is Reach.NO
    assert dropped(p)[0] == "security group" and "egress" in dropped(p)[1]


def test_declared_client_cidr_reaches_private_broker_locally(edge: Estate) -> None:
    reach, p = ask(edge, "10.0.0.0/8", I(edge, "b_priv"))
    assert reach is Reach.YES and p.via == ("local",)


def test_ssh_from_internet_on_public_host(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_pub"), 22)
    assert reach is Reach.YES and p.via == ("internet",)


def test_ssh_from_internet_blocked_by_missing_rule(edge: Estate) -> None:
    reach, p = ask(edge, "internet", I(edge, "b_pub"), 3389)
    assert reach is Reach.NO and dropped(p)[0] == "security group"


def test_public_nlb_forwards_to_private_broker(edge: Estate) -> None:
    reach, _p = ask(edge, "internet", edge.ids["nlb"], 9094)
    assert reach is Reach.YES
    paths = path_engine(edge.graph).paths("internet", edge.graph.resource(edge.ids["nlb"]), 9094)
    chained = [x for x in paths if x.reach is Reach.YES and "load-balancer" in x.via]
    assert chained, [x.text() for x in paths]
    c = chained[0]
    assert c.target == I(edge, "b_nlb") and c.via[:2] == ("internet", "load-balancer")
    assert [h.what for h in c.hops].count("listener") == 1


def test_s3_through_gateway_endpoint(edge: Estate) -> None:
    eng = path_engine(edge.graph)
    o = eng.origins_for_resource(edge.graph.resource(I(edge, "c_s3")))[0]
    p = store_path(eng, o, E1)
    assert p.reach is Reach.YES and p.via == ("gateway-endpoint",)


def test_s3_through_nat(edge: Estate) -> None:
    eng = path_engine(edge.graph)
    o = eng.origins_for_resource(edge.graph.resource(I(edge, "b_nat")))[0]
    p = store_path(eng, o, E1)
    assert p.reach is Reach.YES and p.via == ("nat", "internet")
    assert any(h.what == "NAT gateway" for h in p.hops)


def test_s3_not_reachable_from_isolated_subnet(edge: Estate) -> None:
    eng = path_engine(edge.graph)
    o = eng.origins_for_resource(edge.graph.resource(I(edge, "c_iso")))[0]
    p = store_path(eng, o, E1)
    assert p.reach is Reach.NO and "no route" in p.reason


def test_public_ingress_rule_agrees_with_paths(edge: Estate) -> None:
    verdicts = run_rules(edge.inventory, rules=["network.public-ingress", "network.traffic-class"])
    by = {(v.rule, v.resource, v.message.split("]")[0]): v.status for v in verdicts}
    assert (
        by[("network.public-ingress", I(edge, "b_pub"), by_key(verdicts, I(edge, "b_pub")))]
        is Status.FAIL
    )
    tc = [
        v
        for v in verdicts
        if v.rule == "network.traffic-class"
        and v.resource == I(edge, "b_pub")
        and v.message.startswith("[clients]")
    ]
    assert tc and tc[0].status is Status.FAIL and "internet" in tc[0].message
    assert any(n == "internet" for n in tc[0].evidence.nodes)
    assert tc[0].evidence.attributes["paths"]


def by_key(verdicts: Any, resource: str) -> str:
    v = next(v for v in verdicts if v.rule == "network.public-ingress" and v.resource == resource)
    return v.message.split("]")[0]


# --- estate 2: peering, transit gateways, regions, accounts -------------------------------


def build_links(fake: FakeAws) -> dict[str, str]:
    a = Builder(fake, CUSTOMER, E1)
    ids: dict[str, str] = {}
    va, igw_a = a.vpc("10.20.0.0/16", igw=True)
    ids["va"] = va
    pub_a, _ = a.subnet(
        va, "10.20.240.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw_a}]
    )
    eip = a.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = a.ec2.create_nat_gateway(SubnetId=pub_a, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    ids["a1"], ids["rt_a"] = a.subnet(
        va, "10.20.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}]
    )
    sg_a = a.sg(va, "a-open", [tcp(9092, "10.0.0.0/8")])
    ids["a_cli"] = a.instance(ids["a1"], [sg_a])
    eni = a.ec2.describe_instances(InstanceIds=[ids["a_cli"]])["Reservations"][0]["Instances"][0][
        "NetworkInterfaces"
    ][0]["NetworkInterfaceId"]

    def peer(v1: str, v2: str, owner: str = CUSTOMER, region: str = E1, accept: Any = None) -> str:
        kw: dict[str, Any] = {"VpcId": v1, "PeerVpcId": v2}
        if owner != CUSTOMER:
            kw["PeerOwnerId"] = owner
        if region != E1:
            kw["PeerRegion"] = region
        pcx = a.ec2.create_vpc_peering_connection(**kw)["VpcPeeringConnection"][
            "VpcPeeringConnectionId"
        ]
        if accept is not None:
            accept.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        return str(pcx)

    def route(rt: str, cidr: str, pcx: str) -> None:
        a.ec2.create_route(RouteTableId=rt, DestinationCidrBlock=cidr, VpcPeeringConnectionId=pcx)

    # B peered with A (both routed), C peered with B only: A -> C is transitive.
    vb, _ = a.vpc("10.21.0.0/16")
    vc, _ = a.vpc("10.22.0.0/16")
    ids["pcx_ab"] = peer(va, vb, accept=a)
    ids["pcx_bc"] = a.ec2.create_vpc_peering_connection(VpcId=vb, PeerVpcId=vc)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    a.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ids["pcx_bc"])
    b1, rt_b = a.subnet(vb, "10.21.0.0/20", [])
    c1, rt_c = a.subnet(vc, "10.22.0.0/20", [])
    for rt, cidr, pcx in (
        (ids["rt_a"], "10.21.0.0/16", ids["pcx_ab"]),
        (rt_b, "10.20.0.0/16", ids["pcx_ab"]),
        (rt_b, "10.22.0.0/16", ids["pcx_bc"]),
        (rt_c, "10.21.0.0/16", ids["pcx_bc"]),
        (ids["rt_a"], "10.22.0.0/16", ids["pcx_ab"]),
    ):
        route(rt, cidr, pcx)
    sg_b = a.sg(vb, "b-open", [tcp(9092, "10.0.0.0/8")])
    ids["b_near"] = a.instance(b1, [sg_b], ip="10.21.2.10")
    ids["b_hole"] = a.instance(b1, [sg_b], ip="10.21.1.10")
    a.ec2.create_route(
        RouteTableId=ids["rt_a"], DestinationCidrBlock="10.21.1.0/24", NetworkInterfaceId=eni
    )
    ids["c_far"] = a.instance(c1, [a.sg(vc, "c-open", [tcp(9092, "10.0.0.0/8")])])
    # D: peered and routed from A only. E: peered, routed from E only. F: never accepted.
    vd, _ = a.vpc("10.23.0.0/16")
    ve, _ = a.vpc("10.24.0.0/16")
    vf, _ = a.vpc("10.25.0.0/16")
    ids["pcx_ad"] = peer(va, vd, accept=a)
    ids["pcx_ae"] = peer(va, ve, accept=a)
    ids["pcx_af"] = peer(va, vf)
    d1, _ = a.subnet(vd, "10.23.0.0/20", [])
    e1, rt_e = a.subnet(ve, "10.24.0.0/20", [])
    f1, _ = a.subnet(vf, "10.25.0.0/20", [])
    route(ids["rt_a"], "10.23.0.0/16", ids["pcx_ad"])
    route(rt_e, "10.20.0.0/16", ids["pcx_ae"])
    route(ids["rt_a"], "10.25.0.0/16", ids["pcx_af"])
    ids["d_one_way"] = a.instance(d1, [a.sg(vd, "d", [tcp(9092, "10.0.0.0/8")])])
    ids["e_no_route"] = a.instance(e1, [a.sg(ve, "e", [tcp(9092, "10.0.0.0/8")])])
    ids["f_pending"] = a.instance(f1, [a.sg(vf, "f", [tcp(9092, "10.0.0.0/8")])])

    # Transit gateway: G, H, I attached and associated with one table; I not propagated.
    # moto associates every attachment with the default table (whatever the options say),
    # so the scenario uses that table, as AWS does by default.
    made = a.ec2.create_transit_gateway(Description="links")["TransitGateway"]
    tgw, trt = made["TransitGatewayId"], made["Options"]["AssociationDefaultRouteTableId"]
    atts: dict[str, str] = {}
    for name, cidr, others in (
        ("g", "10.26.0.0/16", ["10.27.0.0/16", "10.28.0.0/16"]),
        ("h", "10.27.0.0/16", ["10.26.0.0/16"]),
        ("i", "10.28.0.0/16", ["10.26.0.0/16"]),
    ):
        v, _ = a.vpc(cidr)
        s, rt = a.subnet(v, cidr.replace("0.0/16", "0.0/20"), [])
        atts[name] = a.ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw, VpcId=v, SubnetIds=[s]
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
        for o in others:
            a.ec2.create_route(RouteTableId=rt, DestinationCidrBlock=o, TransitGatewayId=tgw)
        ids[f"{name}_host"] = a.instance(
            s,
            [a.sg(v, f"{name}-sg", [tcp(9092, "10.0.0.0/8")])],
            ip=cidr.replace("0.0/16", "5.10") if name == "h" else None,
        )
        ids[f"{name}_host2"] = a.instance(
            s,
            [a.sg(v, f"{name}-sg2", [tcp(9092, "10.0.0.0/8")])],
            ip=cidr.replace("0.0/16", "6.10") if name == "h" else None,
        )
    for name, cidr in (("g", "10.26.0.0/16"), ("h", "10.27.0.0/16")):
        a.ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=trt, TransitGatewayAttachmentId=atts[name]
        )
        a.ec2.create_transit_gateway_route(  # what propagation installs (moto does not)
            DestinationCidrBlock=cidr,
            TransitGatewayRouteTableId=trt,
            TransitGatewayAttachmentId=atts[name],
        )
    a.ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.27.5.0/24", TransitGatewayRouteTableId=trt, Blackhole=True
    )

    # Cross-region peering to the platform VPC in us-west-2 (replication), whose broker
    # also has a public IP open to the world (a public replication path via A's NAT).
    w = Builder(fake, CUSTOMER, W2)
    vw, igw_w = w.vpc("10.30.0.0/16", igw=True)
    w1, rt_w = w.subnet(
        vw, "10.30.0.0/20", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw_w}]
    )
    ids["pcx_aw"] = peer(va, vw, region=W2, accept=w)
    route(ids["rt_a"], "10.30.0.0/16", ids["pcx_aw"])
    w.ec2.create_route(
        RouteTableId=rt_w, DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=ids["pcx_aw"]
    )
    ids["w_broker"] = w.instance(w1, [w.sg(vw, "w-open", [tcp(9092)])], public=True)
    ids["w_private"] = w.instance(w1, [w.sg(vw, "w-private", [tcp(9094, "10.0.0.0/8")])])

    # Cross-account peering (customer's second account), routed both ways.
    k = Builder(fake, CUSTOMER_2, E1)
    vk, _ = k.vpc("10.31.0.0/16")
    k1, rt_k = k.subnet(vk, "10.31.0.0/20", [])
    ids["pcx_ak"] = peer(va, vk, owner=CUSTOMER_2, accept=k)
    route(ids["rt_a"], "10.31.0.0/16", ids["pcx_ak"])
    k.ec2.create_route(
        RouteTableId=rt_k, DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=ids["pcx_ak"]
    )
    ids["k_host"] = k.instance(k1, [k.sg(vk, "k", [tcp(9092, "10.20.0.0/16")])])

    # A vendor VPC peered with the platform VPC A (support traffic), routed from A.
    vend = Builder(fake, VENDOR, E1)
    vv, _ = vend.vpc("10.40.0.0/16")
    ids["pcx_av"] = peer(va, vv, owner=VENDOR, accept=vend)
    route(ids["rt_a"], "10.40.0.0/16", ids["pcx_av"])
    return ids


@pytest.fixture(scope="module")
def links(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build_links(fake)
    inv = fake.collect(
        accounts=(CUSTOMER, CUSTOMER_2), regions=(E1, W2), services=("ec2-network", "ec2-compute")
    )
    yield Estate(inventory=inv, ids=ids, graph=build_graph(inv, declaration()))


def A(e: Estate) -> str:
    return I(e, "a_cli")


def test_peering_routed_both_ways(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "b_near"))
    assert reach is Reach.YES and p.via == ("peering",)
    assert any(links.ids["pcx_ab"] in h.node for h in p.hops)
    assert any(h.detail.startswith("reply: route 10.20.0.0/16") for h in p.hops)


def test_more_specific_route_to_a_blackhole(links: Estate) -> None:
    """Hand-edited: moto keeps the /24 route active; AWS blackholes it once the ENI is gone."""
    rt_arn = _arn(E1, CUSTOMER, "route-table", links.ids["rt_a"])
    # While active, the /24 to an ENI is not modelled: UNKNOWN, never reachable.
    reach, p = ask(links, A(links), I(links, "b_hole"))
    assert reach is Reach.UNKNOWN and "not modelled" in p.reason
    resources: list[Resource] = []
    for r in links.inventory.resources:
        if r.id == rt_arn:
            routes = [
                {**x, "state": "blackhole"} if x["destination"] == "10.21.1.0/24" else x
                for x in r.attributes["routes"]
            ]
            r = replace(r, attributes={**r.attributes, "routes": routes})
        resources.append(r)
    inv = replace(links.inventory, resources=tuple(resources))
    e = Estate(inventory=inv, ids=links.ids, graph=build_graph(inv, declaration()))
    reach, p = ask(e, A(e), I(e, "b_hole"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "route table" and "10.21.1.0/24" in detail and "blackhole" in detail
    reach, p = ask(e, A(e), I(e, "b_near"))  # the shorter route still serves the rest
    assert reach is Reach.YES and p.via == ("peering",)


def test_transitive_peering_is_unreachable(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "c_far"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "peering" and "not transitive" in detail


def test_peering_without_return_route(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "d_one_way"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "route table" and detail.startswith("reply to")


def test_peering_without_route_on_the_source_side(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "e_no_route"))
    assert reach is Reach.NO
    what, _detail = dropped(p)
    # A sends 10.24/16 to its NAT default route, where a private address is undeliverable.
    assert what in ("route table", "target") and p.via != ("peering",)


def test_peering_not_accepted(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "f_pending"))
    assert reach is Reach.NO and dropped(p)[0] == "peering"
    assert "pending" in dropped(p)[1] or "initiating" in dropped(p)[1]


def test_tgw_associated_and_propagated(links: Estate) -> None:
    reach, p = ask(links, I(links, "g_host"), I(links, "h_host2"))
    assert reach is Reach.YES and p.via == ("transit-gateway",)
    assert [h.what for h in p.hops].count("TGW route table") >= 1


def test_tgw_association_without_propagation(links: Estate) -> None:
    reach, p = ask(links, I(links, "g_host"), I(links, "i_host"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "TGW route table" and "not propagated" in detail


def test_tgw_blackhole_route(links: Estate) -> None:
    reach, p = ask(links, I(links, "g_host"), I(links, "h_host"))
    assert reach is Reach.NO
    what, detail = dropped(p)
    assert what == "TGW route table" and "blackhole" in detail


def test_cross_region_peering_for_replication(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "w_private", W2), 9094)
    assert reach is Reach.YES and p.via == ("peering",)
    zones = {h.zone for h in p.hops}
    assert any(z.endswith("us-east-1") for z in zones) and any(
        z.endswith("us-west-2") for z in zones
    )


def test_public_replication_path_via_nat(links: Estate) -> None:
    eng = path_engine(links.graph)
    found = eng.paths(A(links), links.graph.resource(I(links, "w_broker", W2)), 9092)
    kinds = {x.via for x in found if x.reach is Reach.YES}
    assert ("peering",) in kinds and ("nat", "internet") in kinds


def test_cross_account_peering(links: Estate) -> None:
    reach, p = ask(links, A(links), I(links, "k_host", account=CUSTOMER_2))
    assert reach is Reach.YES and p.via == ("peering",)
    assert any(CUSTOMER_2 in h.zone for h in p.hops)


def test_traffic_classes_on_the_linked_estate(links: Estate) -> None:
    decl = declaration(network={"support": {"via": []}})
    verdicts = run_rules(links.inventory, decl, rules=["network.traffic-class"])
    repl = [
        v
        for v in verdicts
        if v.message.startswith("[replication]") and v.resource == I(links, "w_broker", W2)
    ]
    assert repl and repl[0].status is Status.FAIL and "nat" in repl[0].message
    # The route table that sends the replicators to the NAT is what must change (not the
    # NAT subnet's own internet route); the broker is what it reaches.
    assert repl[0].causes == (_arn(E1, CUSTOMER, "route-table", links.ids["rt_a"]),)
    assert repl[0].affects == (I(links, "w_broker", W2),)
    ok = [
        v
        for v in verdicts
        if v.message.startswith("[replication]") and v.resource == I(links, "w_private", W2)
    ]
    assert ok and ok[0].status is Status.PASS, ok[0].message
    support = [v for v in verdicts if v.message.startswith("[support]")]
    assert any(v.status is Status.FAIL and VENDOR in v.message for v in support), [
        (v.status, v.message) for v in support
    ]
    vendor = [v for v in support if v.status is Status.FAIL and VENDOR in v.message]
    assert all(
        v.causes == (_arn(E1, CUSTOMER, "vpc-peering-connection", links.ids["pcx_av"]),)
        for v in vendor
    ), [v.causes for v in vendor]


# --- the paths command on a real scan -------------------------------------------------------


def test_paths_command_on_a_scanned_bundle(fake_aws: FakeAws, tmp_path: Path) -> None:
    from auditor.cli import main
    from auditor.fakecloud.identities import AUDITOR_ROLE

    ids = build_edge(fake_aws)
    creds = fake_aws.auditor((CUSTOMER,))
    decl = tmp_path / "boundary.yaml"
    doc = {
        **BASE,
        "parties": {"customer": {"aws": {"accounts": [CUSTOMER]}}},
        "regions": {"aws/us-east-1": "primary"},
    }
    with decl.open("w") as fh:
        YAML().dump(doc, fh)
    runner = CliRunner()
    scan = runner.invoke(
        main,
        [
            "scan",
            "--boundary",
            str(decl),
            "--out",
            str(tmp_path / "out"),
            "--assume-role",
            AUDITOR_ROLE,
        ],
        env=creds.env(),
    )
    assert scan.exit_code in (0, 1, 3), scan.output
    bundle = next((tmp_path / "out").iterdir())
    inst = _arn(E1, CUSTOMER, "instance", ids["b_pub"])
    res = runner.invoke(
        main, ["paths", str(bundle), "--from", "internet", "--to", inst, "--port", "9092"]
    )
    assert res.exit_code == 0, res.output
    assert "YES  internet" in res.output and "internet gateway" in res.output
    res = runner.invoke(
        main,
        [
            "paths",
            str(bundle),
            "--from",
            "internet",
            "--to",
            _arn(E1, CUSTOMER, "instance", ids["b_deny"]),
            "--port",
            "9092",
        ],
    )
    assert res.exit_code == 1 and "DROP network ACL" in res.output and "=>" in res.output
    res = runner.invoke(
        main, ["paths", str(bundle), "--from", "internet", "--to", "kafka", "--json"]
    )
    assert res.exit_code == 0 and '"reach": "yes"' in res.output
    bad = runner.invoke(main, ["paths", str(bundle), "--from", "nowhere", "--to", "kafka"])
    assert bad.exit_code == 2 and "error:" in bad.output
