"""EC2 networking end to end: an estate built with real boto3 in moto, collected, normalised.

One estate (two accounts, two regions) is built once for the module; each test
reads one aspect of the same inventory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from auditor.collect.aws import services
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import RawRecord, Scope
from auditor.normalize import normalize
from tests.collect_helpers import E1, W2, Estate, tag_spec
from tests.collect_helpers import ec2_arn as arn
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws

BUCKET = "orders-flow-logs"


def build(fake: FakeAws) -> dict[str, str]:
    """A Kafka VPC with public/private subnets, every kind of gateway, peering and TGW."""
    ec2 = fake.session(CUSTOMER, E1).client("ec2")
    ids: dict[str, str] = {}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tag_spec("vpc", Name="kafka"))
    ids["vpc"] = v = vpc["Vpc"]["VpcId"]
    ids["public"] = ec2.create_subnet(
        VpcId=v,
        CidrBlock="10.0.0.0/20",
        AvailabilityZone="us-east-1a",
        TagSpecifications=tag_spec("subnet", Name="public", tier="public"),
    )["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=ids["public"], MapPublicIpOnLaunch={"Value": True})
    ids["private"] = ec2.create_subnet(
        VpcId=v, CidrBlock="10.0.16.0/20", AvailabilityZone="us-east-1b"
    )["Subnet"]["SubnetId"]

    # Internet gateway and the public subnet's own route table.
    ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=v)
    ids["public_rt"] = ec2.create_route_table(
        VpcId=v, TagSpecifications=tag_spec("route-table", Name="public-rt")
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=ids["public_rt"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    ec2.associate_route_table(RouteTableId=ids["public_rt"], SubnetId=ids["public"])

    # NAT in the public subnet; the main table (used by the private subnet) routes to it.
    eip = ec2.allocate_address(Domain="vpc")
    ids["nat_eip"], ids["nat_ip"] = eip["AllocationId"], eip["PublicIp"]
    ids["nat"] = ec2.create_nat_gateway(SubnetId=ids["public"], AllocationId=ids["nat_eip"])[
        "NatGateway"
    ]["NatGatewayId"]
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [v]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )
    ids["main_rt"] = main["RouteTables"][0]["RouteTableId"]
    ec2.create_route(
        RouteTableId=ids["main_rt"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids["nat"]
    )
    ids["eigw"] = ec2.create_egress_only_internet_gateway(VpcId=v)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"
    ]

    # Security groups: Kafka open to the world on 9092, and to a client group on 9094.
    ids["sg_clients"] = ec2.create_security_group(
        GroupName="clients", Description="clients", VpcId=v
    )["GroupId"]
    ids["sg_kafka"] = ec2.create_security_group(
        GroupName="kafka",
        Description="brokers",
        VpcId=v,
        TagSpecifications=tag_spec("security-group", Name="kafka-sg"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ids["sg_kafka"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 9094,
                "ToPort": 9094,
                "UserIdGroupPairs": [{"GroupId": ids["sg_clients"]}],
            },
        ],
    )

    # A custom network ACL on the private subnet.
    ids["acl"] = ec2.create_network_acl(VpcId=v)["NetworkAcl"]["NetworkAclId"]
    for number, egress, proto, action, cidr, ports in (
        (100, False, "6", "allow", "10.0.0.0/8", {"From": 9092, "To": 9098}),
        (200, False, "-1", "deny", "0.0.0.0/0", None),
        (100, True, "-1", "allow", "0.0.0.0/0", None),
    ):
        extra: dict[str, Any] = {"PortRange": ports} if ports else {}
        ec2.create_network_acl_entry(
            NetworkAclId=ids["acl"],
            RuleNumber=number,
            Protocol=proto,
            RuleAction=action,
            Egress=egress,
            CidrBlock=cidr,
            **extra,
        )
    current = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["private"]]}]
    )["NetworkAcls"][0]
    association = next(a for a in current["Associations"] if a["SubnetId"] == ids["private"])
    ec2.replace_network_acl_association(
        AssociationId=association["NetworkAclAssociationId"], NetworkAclId=ids["acl"]
    )

    # Cross-account, cross-region peering to the replication VPC in the second account.
    ec2_b = fake.session(CUSTOMER_2, W2).client("ec2")
    ids["vpc_b"] = ec2_b.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ids["pcx"] = ec2.create_vpc_peering_connection(
        VpcId=v, PeerVpcId=ids["vpc_b"], PeerOwnerId=CUSTOMER_2, PeerRegion=W2
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=ids["pcx"])
    ec2.create_route(
        RouteTableId=ids["main_rt"],
        DestinationCidrBlock="10.1.0.0/16",
        VpcPeeringConnectionId=ids["pcx"],
    )

    # Transit gateway: the private subnet attached (to the default route table, as AWS
    # does by default), a second route table it propagates to, with a blackhole route.
    tgw = ec2.create_transit_gateway(Description="replication")["TransitGateway"]
    ids["tgw"] = tgw["TransitGatewayId"]
    ids["tgw_default_rt"] = tgw["Options"]["AssociationDefaultRouteTableId"]
    ids["tgw_att"] = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=ids["tgw"], VpcId=v, SubnetIds=[ids["private"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    ids["tgw_rt"] = ec2.create_transit_gateway_route_table(TransitGatewayId=ids["tgw"])[
        "TransitGatewayRouteTable"
    ]["TransitGatewayRouteTableId"]
    ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=ids["tgw_rt"], TransitGatewayAttachmentId=ids["tgw_att"]
    )
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="172.16.0.0/12",
        TransitGatewayRouteTableId=ids["tgw_rt"],
        TransitGatewayAttachmentId=ids["tgw_att"],
    )
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="172.17.0.0/16",
        TransitGatewayRouteTableId=ids["tgw_rt"],
        Blackhole=True,
    )

    # S3 gateway endpoint on the main table; VPC flow logs to S3.
    ids["vpce"] = ec2.create_vpc_endpoint(
        VpcId=v,
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[ids["main_rt"]],
        VpcEndpointType="Gateway",
    )["VpcEndpoint"]["VpcEndpointId"]
    fake.session(CUSTOMER, E1).client("s3").create_bucket(Bucket=BUCKET)
    ids["flow_log"] = ec2.create_flow_logs(
        ResourceIds=[v],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{BUCKET}",
    )["FlowLogIds"][0]

    # A broker interface, and an endpoint service (behind an NLB) offered to account 2.
    ids["eni"] = ec2.create_network_interface(
        SubnetId=ids["private"],
        Groups=[ids["sg_kafka"]],
        Description="broker-1",
        PrivateIpAddress="10.0.16.10",
    )["NetworkInterface"]["NetworkInterfaceId"]
    nlb = (
        fake.session(CUSTOMER, E1)
        .client("elbv2")
        .create_load_balancer(
            Name="kafka-nlb", Subnets=[ids["private"]], Type="network", Scheme="internal"
        )
    )
    ids["nlb"] = nlb["LoadBalancers"][0]["LoadBalancerArn"]
    ids["svc"] = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[ids["nlb"]], AcceptanceRequired=True
    )["ServiceConfiguration"]["ServiceId"]
    ec2.modify_vpc_endpoint_service_permissions(
        ServiceId=ids["svc"], AddAllowedPrincipals=[f"arn:aws:iam::{CUSTOMER_2}:root"]
    )
    return ids


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build(fake)
    inv = fake.collect(accounts=(CUSTOMER, CUSTOMER_2), regions=(E1, W2), services=("ec2-network",))
    yield Estate(ids, inv)


def test_declares_the_read_actions_it_calls(estate: Estate) -> None:
    svc = next(s for s in services() if s.name == "ec2-network")
    called = {k for k in estate.inv.api_calls if not k.startswith("sts:")}
    assert called <= set(svc.actions)
    assert "ec2:SearchTransitGatewayRoutes" in called
    assert estate.inv.gaps == ()


def test_vpc_and_subnets(estate: Estate) -> None:
    ids = estate.ids
    vpc = estate.res(arn("vpc", ids["vpc"]))
    assert (vpc.kind, vpc.name, vpc.account, vpc.region) == ("network", "kafka", CUSTOMER, E1)
    assert vpc.source == "ec2:DescribeVpcs"
    assert vpc.tags == {"Name": "kafka"}
    assert vpc.attributes == {"cidrs": ["10.0.0.0/16"], "is_default": False, "vpc_id": ids["vpc"]}

    public = estate.res(arn("subnet", ids["public"]))
    assert public.kind == "subnet"
    assert public.name == "public"
    assert public.tags == {"Name": "public", "tier": "public"}
    assert public.attributes == {
        "vpc_id": ids["vpc"],
        "cidr": "10.0.0.0/20",
        "az": "us-east-1a",
        "map_public_ip_on_launch": True,
        "subnet_id": ids["public"],
        "ipv6_cidrs": [],
    }
    private = estate.res(arn("subnet", ids["private"]))
    assert private.name == ids["private"]
    assert private.attributes["map_public_ip_on_launch"] is False
    for sub in (public, private):
        assert estate.targets(sub.id, "network.member_of") == [vpc.id]

    # The peer VPC is collected in its own account and region.
    vpc_b = estate.res(arn("vpc", ids["vpc_b"], CUSTOMER_2, W2))
    assert (vpc_b.account, vpc_b.region) == (CUSTOMER_2, W2)
    assert vpc_b.attributes["cidrs"] == ["10.1.0.0/16"]
    # Default VPCs are real resources too, and say so.
    defaults = [
        r for r in estate.inv.resources if r.kind == "network" and r.attributes["is_default"]
    ]
    assert {(r.account, r.region) for r in defaults} >= {(CUSTOMER, E1), (CUSTOMER_2, W2)}


def test_public_route_table_is_explicit_and_routes_to_igw(estate: Estate) -> None:
    ids = estate.ids
    rt = estate.res(arn("route-table", ids["public_rt"]))
    assert (rt.kind, rt.name, rt.source) == ("route_table", "public-rt", "ec2:DescribeRouteTables")
    assert rt.attributes == {
        "vpc_id": ids["vpc"],
        "main": False,
        "subnet_ids": [ids["public"]],
        "routes": [
            {
                "destination": "0.0.0.0/0",
                "target_type": "igw",
                "target_id": ids["igw"],
                "state": "active",
            },
            {
                "destination": "10.0.0.0/16",
                "target_type": "local",
                "target_id": "local",
                "state": "active",
            },
        ],
    }
    [via] = estate.rels(rt.id, "network.routes_via")
    assert via.target == arn("internet-gateway", ids["igw"])
    assert via.attributes == {"destination": "0.0.0.0/0", "state": "active"}
    assert via.reason == f"route 0.0.0.0/0 -> {ids['igw']} (active)"
    assert estate.targets(rt.id, "network.route_table_of") == [arn("subnet", ids["public"])]


def test_main_route_table_routes_via_nat_peering_and_endpoint(estate: Estate) -> None:
    ids = estate.ids
    rt = estate.res(arn("route-table", ids["main_rt"]))
    attrs = rt.attributes
    assert attrs["main"] is True
    assert attrs["subnet_ids"] == []
    routes = {r["destination"]: r for r in attrs["routes"]}
    s3_prefix_list = next(d for d in routes if str(d).startswith("pl-"))
    assert routes == {
        "0.0.0.0/0": {
            "destination": "0.0.0.0/0",
            "target_type": "nat",
            "target_id": ids["nat"],
            "state": "active",
        },
        "10.0.0.0/16": {
            "destination": "10.0.0.0/16",
            "target_type": "local",
            "target_id": "local",
            "state": "active",
        },
        "10.1.0.0/16": {
            "destination": "10.1.0.0/16",
            "target_type": "peering",
            "target_id": ids["pcx"],
            "state": "active",
        },
        s3_prefix_list: {
            "destination": s3_prefix_list,
            "target_type": "vpce",
            "target_id": ids["vpce"],
            "state": "active",
        },
    }
    assert estate.targets(rt.id, "network.routes_via") == sorted(
        [
            arn("natgateway", ids["nat"]),
            arn("vpc-peering-connection", ids["pcx"]),
            arn("vpc-endpoint", ids["vpce"]),
        ]
    )
    # The main table decides for the VPC (and so for the private subnet, which has no own table).
    assert estate.targets(rt.id, "network.route_table_of") == [arn("vpc", ids["vpc"])]


def test_blackhole_route_is_kept_with_its_state() -> None:
    # moto never turns a route into a blackhole, so this one is AWS's documented shape.
    rec = RawRecord(
        cloud="aws",
        account=CUSTOMER,
        region=E1,
        service="ec2-network",
        type="ec2:route_table",
        operation="ec2:DescribeRouteTables",
        data={
            "RouteTableId": "rtb-1",
            "VpcId": "vpc-1",
            "OwnerId": CUSTOMER,
            "Associations": [
                {
                    "Main": False,
                    "SubnetId": "subnet-1",
                    "AssociationState": {"State": "associated"},
                },
                {
                    "Main": False,
                    "SubnetId": "subnet-2",
                    "AssociationState": {"State": "disassociated"},
                },
            ],
            "Routes": [
                {
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "NatGatewayId": "nat-1",
                    "State": "blackhole",
                },
                {
                    "DestinationCidrBlock": "10.9.0.0/16",
                    "InstanceId": "i-1",
                    "NetworkInterfaceId": "eni-1",
                    "State": "active",
                },
                {
                    "DestinationIpv6CidrBlock": "::/0",
                    "EgressOnlyInternetGatewayId": "eigw-1",
                    "State": "active",
                },
                {
                    "DestinationCidrBlock": "10.8.0.0/16",
                    "TransitGatewayId": "tgw-1",
                    "State": "active",
                },
                {"DestinationCidrBlock": "10.7.0.0/16", "GatewayId": "vgw-1", "State": "active"},
            ],
        },
    )
    inv = normalize([rec], scope=Scope(accounts=(CUSTOMER,), regions=(E1,)))
    [rt] = inv.resources
    assert rt.attributes["subnet_ids"] == ["subnet-1"]
    assert rt.attributes["routes"] == [
        {
            "destination": "0.0.0.0/0",
            "target_type": "nat",
            "target_id": "nat-1",
            "state": "blackhole",
        },
        {
            "destination": "10.7.0.0/16",
            "target_type": "vgw",
            "target_id": "vgw-1",
            "state": "active",
        },
        {
            "destination": "10.8.0.0/16",
            "target_type": "tgw",
            "target_id": "tgw-1",
            "state": "active",
        },
        {
            "destination": "10.9.0.0/16",
            "target_type": "instance",
            "target_id": "i-1",
            "state": "active",
        },
        {
            "destination": "::/0",
            "target_type": "egress-only-igw",
            "target_id": "eigw-1",
            "state": "active",
        },
    ]
    vias = {r.target: r.attributes for r in inv.relations if r.kind == "network.routes_via"}
    assert vias == {
        arn("natgateway", "nat-1"): {"destination": "0.0.0.0/0", "state": "blackhole"},
        arn("vpn-gateway", "vgw-1"): {"destination": "10.7.0.0/16", "state": "active"},
        arn("transit-gateway", "tgw-1"): {"destination": "10.8.0.0/16", "state": "active"},
        arn("network-interface", "eni-1"): {"destination": "10.9.0.0/16", "state": "active"},
        arn("egress-only-internet-gateway", "eigw-1"): {"destination": "::/0", "state": "active"},
    }


def test_gateways_and_elastic_ips(estate: Estate) -> None:
    ids = estate.ids
    vpc = arn("vpc", ids["vpc"])
    igw = estate.res(arn("internet-gateway", ids["igw"]))
    assert (igw.kind, igw.source) == ("gateway", "ec2:DescribeInternetGateways")
    assert igw.attributes == {
        "gateway_type": "internet",
        "vpc_ids": [ids["vpc"]],
        "public_ips": [],
        "subnet_id": None,
        "connectivity": None,
    }
    assert estate.targets(igw.id, "network.attached_to") == [vpc]

    nat = estate.res(arn("natgateway", ids["nat"]))
    sides = {k: nat.attributes[k] for k in ("private_ips", "interface_ids")}
    assert nat.attributes == {
        "gateway_type": "nat",
        "vpc_ids": [ids["vpc"]],
        "public_ips": [ids["nat_ip"]],
        "subnet_id": ids["public"],
        "connectivity": "public",
        **sides,
    }
    eip_id = arn("elastic-ip", ids["nat_eip"])
    assert estate.targets(nat.id, "network.has_public_ip") == [eip_id]
    assert estate.targets(nat.id, "network.attached_to") == [vpc]

    eigw = estate.res(arn("egress-only-internet-gateway", ids["eigw"]))
    assert eigw.attributes["gateway_type"] == "egress-only-internet"
    assert eigw.attributes["vpc_ids"] == [ids["vpc"]]

    eip = estate.res(eip_id)
    assert (eip.kind, eip.source) == ("public_ip", "ec2:DescribeAddresses")
    assert eip.attributes["public_ip"] == ids["nat_ip"]
    assert eip.attributes["allocation_id"] == ids["nat_eip"]
    nat_eni = eip.attributes["association"]["interface_id"]
    assert eip.attributes["association"] == {"instance_id": None, "interface_id": nat_eni}
    # the NAT gateway's own interface and private address (both legs it translates log there)
    assert sides["interface_ids"] == [nat_eni]
    nic = estate.res(arn("network-interface", nat_eni))
    assert sides["private_ips"] == nic.attributes["private_ips"] and len(sides["private_ips"]) == 1
    assert estate.targets(arn("network-interface", nat_eni), "network.has_public_ip") == [eip_id]


def test_security_group_rules(estate: Estate) -> None:
    ids = estate.ids
    sg = estate.res(arn("security-group", ids["sg_kafka"]))
    assert (sg.kind, sg.name, sg.source) == ("firewall", "kafka-sg", "ec2:DescribeSecurityGroups")
    assert sg.attributes == {
        "vpc_id": ids["vpc"],
        "group_id": ids["sg_kafka"],
        "ingress": [
            {
                "protocol": "tcp",
                "from_port": 9092,
                "to_port": 9092,
                "cidrs": ["0.0.0.0/0", "::/0"],
                "prefix_lists": [],
                "groups": [],
            },
            {
                "protocol": "tcp",
                "from_port": 9094,
                "to_port": 9094,
                "cidrs": [],
                "prefix_lists": [],
                "groups": [{"group_id": ids["sg_clients"], "account": CUSTOMER}],
            },
        ],
        "egress": [
            {
                "protocol": "-1",
                "from_port": None,
                "to_port": None,
                "cidrs": ["0.0.0.0/0"],
                "prefix_lists": [],
                "groups": [],
            }
        ],
    }
    # SG-to-SG references are analysis' business: no edge from the normaliser.
    assert not [r for r in estate.inv.relations if r.source == sg.id]


def test_network_acl_entries_and_subnet(estate: Estate) -> None:
    ids = estate.ids
    acl = estate.res(arn("network-acl", ids["acl"]))
    assert acl.kind == "network_acl"
    assert acl.attributes == {
        "vpc_id": ids["vpc"],
        "default": False,
        "subnet_ids": [ids["private"]],
        "entries": [
            {
                "rule_number": 100,
                "egress": False,
                "protocol": "tcp",
                "from_port": 9092,
                "to_port": 9098,
                "cidr": "10.0.0.0/8",
                "action": "allow",
            },
            {
                "rule_number": 200,
                "egress": False,
                "protocol": "-1",
                "from_port": None,
                "to_port": None,
                "cidr": "0.0.0.0/0",
                "action": "deny",
            },
            {
                "rule_number": 100,
                "egress": True,
                "protocol": "-1",
                "from_port": None,
                "to_port": None,
                "cidr": "0.0.0.0/0",
                "action": "allow",
            },
        ],
    }
    assert estate.targets(acl.id, "network.acl_of") == [arn("subnet", ids["private"])]


def test_peering_seen_from_both_accounts(estate: Estate) -> None:
    ids = estate.ids
    requester = {"account": CUSTOMER, "region": E1, "vpc_id": ids["vpc"], "cidrs": ["10.0.0.0/16"]}
    accepter = {
        "account": CUSTOMER_2,
        "region": W2,
        "vpc_id": ids["vpc_b"],
        "cidrs": ["10.1.0.0/16"],
    }
    views = [
        arn("vpc-peering-connection", ids["pcx"]),
        arn("vpc-peering-connection", ids["pcx"], CUSTOMER_2, W2),
    ]
    for view in views:
        pcx = estate.res(view)
        assert pcx.kind == "peering"
        assert pcx.attributes == {"requester": requester, "accepter": accepter, "status": "active"}
        assert estate.targets(view, "network.peers_with") == sorted(
            [arn("vpc", ids["vpc"]), arn("vpc", ids["vpc_b"], CUSTOMER_2, W2)]
        )
    sides = {r.attributes["side"] for r in estate.rels(views[0], "network.peers_with")}
    assert sides == {"requester", "accepter"}


def test_transit_gateway_attachment_and_route_table(estate: Estate) -> None:
    ids = estate.ids
    tgw = estate.res(arn("transit-gateway", ids["tgw"]))
    assert tgw.kind == "transit_gateway"
    assert tgw.attributes == {"owner": CUSTOMER, "state": "available", "tgw_id": ids["tgw"]}

    att = estate.res(arn("transit-gateway-attachment", ids["tgw_att"]))
    assert att.kind == "transit_attachment"
    assert att.attributes == {
        "tgw_id": ids["tgw"],
        "resource_type": "vpc",
        "resource_id": ids["vpc"],
        "resource_owner": CUSTOMER,
        "state": "available",
        "association_route_table_id": ids["tgw_default_rt"],
        "subnet_ids": [ids["private"]],
        "peer": None,
    }
    assert estate.targets(att.id, "network.attached_to") == sorted([tgw.id, arn("vpc", ids["vpc"])])

    default_rt = estate.res(arn("transit-gateway-route-table", ids["tgw_default_rt"]))
    assert default_rt.attributes["associations"] == [ids["tgw_att"]]

    rt = estate.res(arn("transit-gateway-route-table", ids["tgw_rt"]))
    assert rt.kind == "transit_route_table"
    assert rt.source == "ec2:DescribeTransitGatewayRouteTables"
    assert {k: v for k, v in rt.attributes.items() if k != "routes"} == {
        "tgw_id": ids["tgw"],
        "associations": [],
        "propagations": [ids["tgw_att"]],
    }
    # moto's SearchTransitGatewayRoutes drops a static route's attachment (AWS lists it;
    # test_transit_route_attachments_from_the_aws_shape covers that), so compare the rest.
    routes = [
        {k: v for k, v in r.items() if k != "attachment_ids"} for r in rt.attributes["routes"]
    ]
    assert routes == [
        {"destination": "172.16.0.0/12", "state": "active", "type": "static"},
        {"destination": "172.17.0.0/16", "state": "blackhole", "type": "static"},
    ]


def test_transit_route_attachments_from_the_aws_shape() -> None:
    rec = RawRecord(
        cloud="aws",
        account=CUSTOMER,
        region=E1,
        service="ec2-network",
        type="ec2:transit_gateway_route_table",
        operation="ec2:DescribeTransitGatewayRouteTables",
        data={
            "TransitGatewayRouteTableId": "tgw-rtb-1",
            "TransitGatewayId": "tgw-1",
            "Associations": [
                {"TransitGatewayAttachmentId": "tgw-attach-2", "State": "associated"},
                {"TransitGatewayAttachmentId": "tgw-attach-9", "State": "disassociating"},
            ],
            # Propagations missing: the Get call failed, so they are unknown (null).
            "Routes": [
                {
                    "DestinationCidrBlock": "10.1.0.0/16",
                    "TransitGatewayAttachments": [
                        {"TransitGatewayAttachmentId": "tgw-attach-2", "ResourceType": "vpc"},
                        {"TransitGatewayAttachmentId": "tgw-attach-1", "ResourceType": "peering"},
                    ],
                    "Type": "propagated",
                    "State": "active",
                }
            ],
        },
    )
    inv = normalize([rec], scope=Scope(accounts=(CUSTOMER,), regions=(E1,)))
    [rt] = inv.resources
    assert rt.attributes == {
        "tgw_id": "tgw-1",
        "associations": ["tgw-attach-2"],
        "propagations": None,
        "routes": [
            {
                "destination": "10.1.0.0/16",
                "attachment_ids": ["tgw-attach-1", "tgw-attach-2"],
                "state": "active",
                "type": "propagated",
            }
        ],
    }


def test_gateway_endpoint_for_s3(estate: Estate) -> None:
    ids = estate.ids
    vpce = estate.res(arn("vpc-endpoint", ids["vpce"]))
    assert vpce.kind == "private_endpoint"
    policy = vpce.attributes["policy"]
    assert isinstance(policy, dict) and policy["Statement"][0]["Effect"] == "Allow"
    assert {k: v for k, v in vpce.attributes.items() if k != "policy"} == {
        "endpoint_type": "Gateway",
        "service_name": "com.amazonaws.us-east-1.s3",
        "vpc_id": ids["vpc"],
        "subnet_ids": [],
        "route_table_ids": [ids["main_rt"]],
        "security_group_ids": [],
        "state": "available",
        "private_dns_enabled": True,
    }
    assert estate.targets(vpce.id, "network.member_of") == [arn("vpc", ids["vpc"])]


def test_flow_log_to_s3(estate: Estate) -> None:
    ids = estate.ids
    fl = estate.res(arn("vpc-flow-log", ids["flow_log"]))
    assert (fl.kind, fl.source) == ("flow_log", "ec2:DescribeFlowLogs")
    assert fl.attributes == {
        "resource_id": ids["vpc"],
        "traffic_type": "ALL",
        "destination_type": "s3",
        "destination": f"arn:aws:s3:::{BUCKET}",
        "status": "ACTIVE",
    }
    assert estate.targets(arn("vpc", ids["vpc"]), "network.logged_by") == [fl.id]
    assert estate.targets(fl.id, "data.logs_to") == [f"arn:aws:s3:::{BUCKET}"]


def test_interface_and_endpoint_service(estate: Estate) -> None:
    ids = estate.ids
    eni = estate.res(arn("network-interface", ids["eni"]))
    assert eni.kind == "interface"
    assert eni.attributes == {
        "subnet_id": ids["private"],
        "vpc_id": ids["vpc"],
        "private_ips": ["10.0.16.10"],
        "public_ip": None,
        "security_group_ids": [ids["sg_kafka"]],
        "interface_type": "interface",
        "attached_to": None,
        "description": "broker-1",
    }
    assert estate.targets(eni.id, "network.member_of") == [arn("subnet", ids["private"])]
    assert estate.targets(eni.id, "network.protected_by") == [
        arn("security-group", ids["sg_kafka"])
    ]

    svc = estate.res(arn("vpc-endpoint-service", ids["svc"]))
    assert svc.kind == "endpoint_service"
    assert svc.attributes == {
        "service_name": f"com.amazonaws.vpce.us-east-1.{ids['svc']}",
        "service_id": ids["svc"],
        "acceptance_required": True,
        "load_balancer_arns": [ids["nlb"]],
        "allowed_principals": [f"arn:aws:iam::{CUSTOMER_2}:root"],
    }


def test_relations_point_at_canonical_ids(estate: Estate) -> None:
    """Every edge from an EC2 resource lands on an ARN (or a bucket), never a bare id."""
    for rel in estate.inv.relations:
        assert rel.source.startswith("arn:aws:"), rel
        assert rel.target.startswith("arn:aws:"), rel
        assert rel.reason
    assert json.dumps([r.attributes for r in estate.inv.resources])  # all JSON values


def test_unreachable_region_is_a_gap_for_query_protocol_services(fake_aws: FakeAws) -> None:
    inv = fake_aws.collect(regions=(E1, "xx-nowhere-1"), services=("ec2-network",))
    assert {(g.region, g.service, g.operation) for g in inv.gaps} >= {
        ("xx-nowhere-1", "ec2-network", "DescribeVpcs")
    }
    assert all(g.error_code == "MalformedResponse" for g in inv.gaps if g.region == "xx-nowhere-1")
    assert any(r.region == E1 and r.kind == "network" for r in inv.resources)
