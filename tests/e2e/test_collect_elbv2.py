"""ELBv2 end to end: an NLB in front of brokers, an ALB with a rule, both collected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditor.fakecloud.moto_server import MotoServer
from tests.collect_helpers import E1, Estate, ec2_arn, undeclared_calls
from tests.conftest import CUSTOMER, FakeAws


def build(fake: FakeAws) -> dict[str, str]:
    session = fake.session(CUSTOMER, E1)
    ec2, elb = session.client("ec2"), session.client("elbv2")
    ids: dict[str, str] = {}
    ids["vpc"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids["a"] = ec2.create_subnet(
        VpcId=ids["vpc"], CidrBlock="10.0.0.0/20", AvailabilityZone="us-east-1a"
    )["Subnet"]["SubnetId"]
    ids["b"] = ec2.create_subnet(
        VpcId=ids["vpc"], CidrBlock="10.0.16.0/20", AvailabilityZone="us-east-1b"
    )["Subnet"]["SubnetId"]
    ids["sg"] = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=ids["vpc"])[
        "GroupId"
    ]
    ids["broker"] = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=ids["a"]
    )["Instances"][0]["InstanceId"]

    nlb = elb.create_load_balancer(
        Name="kafka-nlb",
        Subnets=[ids["b"], ids["a"]],
        Type="network",
        Scheme="internet-facing",
        Tags=[{"Key": "platform", "Value": "orders-kafka"}],
    )["LoadBalancers"][0]
    ids["nlb"], ids["nlb_dns"] = nlb["LoadBalancerArn"], nlb["DNSName"]
    ids["tg"] = elb.create_target_group(
        Name="brokers", Protocol="TCP", Port=9092, VpcId=ids["vpc"], TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=ids["tg"], Targets=[{"Id": ids["broker"], "Port": 9094}])
    ids["listener"] = elb.create_listener(
        LoadBalancerArn=ids["nlb"],
        Protocol="TCP",
        Port=9092,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["tg"]}],
    )["Listeners"][0]["ListenerArn"]

    alb = elb.create_load_balancer(
        Name="ops-alb",
        Subnets=[ids["a"], ids["b"]],
        SecurityGroups=[ids["sg"]],
        Type="application",
        Scheme="internal",
    )["LoadBalancers"][0]
    ids["alb"] = alb["LoadBalancerArn"]
    ids["ui"] = elb.create_target_group(
        Name="ui", Protocol="HTTP", Port=8080, VpcId=ids["vpc"], TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    ids["api"] = elb.create_target_group(
        Name="api", Protocol="HTTP", Port=8081, VpcId=ids["vpc"], TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    ids["http"] = elb.create_listener(
        LoadBalancerArn=ids["alb"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["ui"]}],
    )["Listeners"][0]["ListenerArn"]
    elb.create_rule(
        ListenerArn=ids["http"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": ids["api"]}],
    )
    return ids


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build(fake)
    yield Estate(ids, fake.collect(services=("elbv2",)))


def test_no_gaps(estate: Estate) -> None:
    assert estate.inv.gaps == ()
    assert undeclared_calls(estate.inv, "elbv2") == set()
    kinds = sorted(r.kind for r in estate.inv.resources)
    assert kinds == ["listener"] * 2 + ["load_balancer"] * 2 + ["target_group"] * 3


def test_network_load_balancer(estate: Estate) -> None:
    ids = estate.ids
    nlb = estate.res(ids["nlb"])
    assert (nlb.kind, nlb.name, nlb.account, nlb.region) == (
        "load_balancer",
        "kafka-nlb",
        CUSTOMER,
        E1,
    )
    assert nlb.source == "elasticloadbalancing:DescribeLoadBalancers"
    assert nlb.tags == {"platform": "orders-kafka"}
    assert nlb.attributes == {
        "lb_type": "network",
        "scheme": "internet-facing",
        "vpc_id": ids["vpc"],
        "subnet_ids": sorted([ids["a"], ids["b"]]),
        "security_group_ids": [],
        "dns_name": ids["nlb_dns"],
    }
    assert estate.targets(nlb.id, "network.member_of") == sorted(
        [ec2_arn("subnet", ids["a"]), ec2_arn("subnet", ids["b"])]
    )
    assert estate.targets(nlb.id, "network.forwards_to") == [ids["listener"]]


def test_listener_target_group_instance_chain(estate: Estate) -> None:
    ids = estate.ids
    listener = estate.res(ids["listener"])
    assert (listener.kind, listener.name) == ("listener", "TCP:9092")
    assert listener.attributes == {
        "load_balancer_arn": ids["nlb"],
        "protocol": "TCP",
        "port": 9092,
        "target_group_arns": [ids["tg"]],
    }
    assert estate.targets(listener.id, "network.forwards_to") == [ids["tg"]]

    tg = estate.res(ids["tg"])
    assert (tg.kind, tg.name) == ("target_group", "brokers")
    assert tg.attributes == {
        "protocol": "TCP",
        "port": 9092,
        "vpc_id": ids["vpc"],
        "target_type": "instance",
        "targets": [{"id": ids["broker"], "port": 9094}],
    }
    assert estate.targets(tg.id, "network.forwards_to") == [ec2_arn("instance", ids["broker"])]


def test_application_listener_rules_add_target_groups(estate: Estate) -> None:
    ids = estate.ids
    alb = estate.res(ids["alb"])
    assert alb.attributes["lb_type"] == "application"
    assert alb.attributes["scheme"] == "internal"
    assert alb.attributes["security_group_ids"] == [ids["sg"]]
    assert estate.targets(alb.id, "network.protected_by") == [ec2_arn("security-group", ids["sg"])]

    http = estate.res(ids["http"])
    assert http.attributes["target_group_arns"] == sorted([ids["ui"], ids["api"]])
    assert estate.targets(http.id, "network.forwards_to") == sorted([ids["ui"], ids["api"]])
    ui = estate.res(ids["ui"])
    assert ui.attributes["target_type"] == "ip"
    assert ui.attributes["targets"] == []
    assert estate.targets(ui.id, "network.forwards_to") == []
