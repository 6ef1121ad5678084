"""EC2 instances, EBS volumes and snapshots, and Auto Scaling groups, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from auditor.fakecloud.moto_server import MotoServer
from auditor.model import RawRecord, Scope
from auditor.normalize import normalize
from tests.collect_helpers import E1, Estate, tag_spec, undeclared_calls
from tests.collect_helpers import ec2_arn as arn
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws


def build(fake: FakeAws) -> dict[str, str]:
    session = fake.session(CUSTOMER, E1)
    ec2 = session.client("ec2")
    ids: dict[str, str] = {}
    ids["vpc"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids["subnet"] = ec2.create_subnet(
        VpcId=ids["vpc"], CidrBlock="10.0.0.0/20", AvailabilityZone="us-east-1a"
    )["Subnet"]["SubnetId"]
    ids["sg"] = ec2.create_security_group(GroupName="kafka", Description="k", VpcId=ids["vpc"])[
        "GroupId"
    ]
    iam = session.client("iam")
    ids["profile"] = iam.create_instance_profile(InstanceProfileName="broker")["InstanceProfile"][
        "Arn"
    ]

    broker = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        SubnetId=ids["subnet"],
        SecurityGroupIds=[ids["sg"]],
        IamInstanceProfile={"Name": "broker"},
        PrivateIpAddress="10.0.0.10",
        TagSpecifications=tag_spec("instance", Name="broker-1", platform="orders-kafka"),
    )["Instances"][0]
    ids["broker"] = broker["InstanceId"]
    ids["broker_eni"] = broker["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ids["root_volume"] = broker["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    eip = ec2.allocate_address(Domain="vpc")
    ids["eip"], ids["eip_ip"] = eip["AllocationId"], eip["PublicIp"]
    ec2.associate_address(AllocationId=ids["eip"], InstanceId=ids["broker"])

    ids["key"] = session.client("kms").create_key(Description="kafka-data")["KeyMetadata"]["Arn"]
    ids["data_volume"] = ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=500,
        Encrypted=True,
        KmsKeyId=ids["key"],
        TagSpecifications=tag_spec("volume", Name="kafka-log", **{"data-class": "kafka-log"}),
    )["VolumeId"]
    ec2.attach_volume(VolumeId=ids["data_volume"], InstanceId=ids["broker"], Device="/dev/sdf")

    ids["public_snap"] = ec2.create_snapshot(VolumeId=ids["data_volume"])["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=ids["public_snap"],
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    ids["shared_snap"] = ec2.create_snapshot(VolumeId=ids["root_volume"])["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=ids["shared_snap"],
        Attribute="createVolumePermission",
        OperationType="add",
        UserIds=[CUSTOMER_2],
    )

    ec2.create_launch_template(
        LaunchTemplateName="broker",
        LaunchTemplateData={"ImageId": "ami-12345678", "InstanceType": "m5.large"},
    )
    session.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="brokers",
        MinSize=2,
        MaxSize=6,
        DesiredCapacity=2,
        LaunchTemplate={"LaunchTemplateName": "broker", "Version": "$Latest"},
        VPCZoneIdentifier=ids["subnet"],
        Tags=[{"Key": "platform", "Value": "orders-kafka", "PropagateAtLaunch": True}],
    )
    return ids


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build(fake)
    inv = fake.collect(services=("ec2-compute", "ec2-network", "autoscaling"))
    yield Estate(ids, inv)


def test_no_gaps_and_only_declared_calls(estate: Estate) -> None:
    assert estate.inv.gaps == ()
    assert undeclared_calls(estate.inv, "ec2-compute", "ec2-network", "autoscaling") == set()
    assert estate.inv.api_calls["ec2:DescribeSnapshotAttribute"] == 2
    assert estate.inv.api_calls["autoscaling:DescribeAutoScalingGroups"] == 1


def test_instance_with_public_ip_profile_and_groups(estate: Estate) -> None:
    ids = estate.ids
    inst = estate.res(arn("instance", ids["broker"]))
    assert (inst.kind, inst.name, inst.source) == ("instance", "broker-1", "ec2:DescribeInstances")
    assert inst.tags == {"Name": "broker-1", "platform": "orders-kafka"}
    assert inst.attributes == {
        "instance_id": ids["broker"],
        "state": "running",
        "instance_type": "m5.large",
        "vpc_id": ids["vpc"],
        "subnet_id": ids["subnet"],
        "private_ip": "10.0.0.10",
        "public_ip": ids["eip_ip"],
        "ipv6_addresses": [],
        "security_group_ids": [ids["sg"]],
        "interface_ids": [ids["broker_eni"]],
        "iam_instance_profile": ids["profile"],
        "az": "us-east-1a",
        "asg_name": None,
    }
    assert estate.targets(inst.id, "network.member_of") == [arn("subnet", ids["subnet"])]
    assert estate.targets(inst.id, "network.protected_by") == [arn("security-group", ids["sg"])]
    eip = arn("elastic-ip", ids["eip"])
    assert estate.targets(inst.id, "network.has_public_ip") == [eip]
    assert estate.targets(arn("network-interface", ids["broker_eni"]), "network.has_public_ip") == [
        eip
    ]
    assert estate.res(eip).attributes["association"] == {
        "instance_id": ids["broker"],
        "interface_id": ids["broker_eni"],
    }


def test_encrypted_volume_attached_to_instance(estate: Estate) -> None:
    ids = estate.ids
    vol = estate.res(arn("volume", ids["data_volume"]))
    assert (vol.kind, vol.name, vol.source) == ("volume", "kafka-log", "ec2:DescribeVolumes")
    assert vol.tags == {"Name": "kafka-log", "data-class": "kafka-log"}
    assert vol.attributes == {
        "encrypted": True,
        "kms_key_id": ids["key"],
        "size_gib": 500,
        "attached_instance_ids": [ids["broker"]],
        "az": "us-east-1a",
    }
    assert estate.targets(vol.id, "data.attached_to") == [arn("instance", ids["broker"])]
    assert estate.targets(vol.id, "data.encrypted_by") == [ids["key"]]

    root = estate.res(arn("volume", ids["root_volume"]))
    assert root.attributes["encrypted"] is False
    assert root.attributes["kms_key_id"] is None
    assert estate.targets(root.id, "data.encrypted_by") == []


def test_public_and_shared_snapshots(estate: Estate) -> None:
    ids = estate.ids
    public = estate.res(arn("snapshot", ids["public_snap"]))
    assert (public.kind, public.source) == ("snapshot", "ec2:DescribeSnapshots")
    # moto does not report the snapshot's KmsKeyId (AWS does): kms_key_id stays null.
    assert public.attributes == {
        "encrypted": True,
        "kms_key_id": None,
        "volume_id": ids["data_volume"],
        "public": True,
        "shared_with": [],
    }
    assert estate.targets(public.id, "data.snapshot_of") == [arn("volume", ids["data_volume"])]

    shared = estate.res(arn("snapshot", ids["shared_snap"]))
    assert shared.attributes == {
        "encrypted": False,
        "kms_key_id": None,
        "volume_id": ids["root_volume"],
        "public": False,
        "shared_with": [CUSTOMER_2],
    }
    # Only snapshots the account owns are collected.
    assert {r.account for r in estate.inv.resources if r.kind == "snapshot"} == {CUSTOMER}


def test_scaling_group_and_its_instances(estate: Estate) -> None:
    ids = estate.ids
    [asg] = [r for r in estate.inv.resources if r.kind == "scaling_group"]
    assert asg.id.startswith(f"arn:aws:autoscaling:{E1}:{CUSTOMER}:autoScalingGroup:")
    assert asg.id.endswith(":autoScalingGroupName/brokers")
    assert (asg.name, asg.source) == ("brokers", "autoscaling:DescribeAutoScalingGroups")
    assert asg.tags == {"platform": "orders-kafka"}
    members = asg.attributes["instance_ids"]
    assert len(members) == 2
    assert asg.attributes == {
        "name": "brokers",
        "min_size": 2,
        "max_size": 6,
        "desired_capacity": 2,
        "subnet_ids": [ids["subnet"]],
        "instance_ids": members,
        "launch_template": {
            "id": asg.attributes["launch_template"]["id"],
            "name": "broker",
            "version": "$Latest",
        },
        "target_group_arns": [],
    }
    assert str(asg.attributes["launch_template"]["id"]).startswith("lt-")
    assert estate.targets(asg.id, "failure.scales") == sorted(arn("instance", i) for i in members)
    # The group's instances are collected as instances, and know their group.
    for instance_id in members:
        inst = estate.res(arn("instance", instance_id))
        assert inst.attributes["asg_name"] == "brokers"


def test_snapshot_permissions_unknown_when_the_attribute_call_failed() -> None:
    """A snapshot whose createVolumePermission could not be read is neither public nor private."""
    rec = RawRecord(
        cloud="aws",
        account=CUSTOMER,
        region=E1,
        service="ec2-compute",
        type="ec2:snapshot",
        operation="ec2:DescribeSnapshots",
        data={
            "SnapshotId": "snap-1",
            "VolumeId": "vol-ffffffff",
            "OwnerId": CUSTOMER,
            "Encrypted": True,
            "KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        },
    )
    inv = normalize([rec], scope=Scope(accounts=(CUSTOMER,), regions=(E1,)))
    [snap] = inv.resources
    key = f"arn:aws:kms:{E1}:{CUSTOMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert snap.attributes == {
        "encrypted": True,
        "kms_key_id": key,
        "volume_id": "vol-ffffffff",
        "public": None,
        "shared_with": None,
    }
    # A snapshot copied from elsewhere has no source volume to point at.
    assert [(r.kind, r.target) for r in inv.relations] == [("data.encrypted_by", key)]
    assert json.dumps(snap.attributes)
