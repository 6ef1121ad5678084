"""MSK and EKS clusters end to end, and gaps for a region that cannot be read."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from auditor.fakecloud.moto_server import MotoServer
from auditor.model import RawRecord, Scope
from auditor.normalize import normalize
from tests.collect_helpers import E1, Estate, ec2_arn, undeclared_calls
from tests.conftest import CUSTOMER, FakeAws


def build(fake: FakeAws) -> dict[str, str]:
    session = fake.session(CUSTOMER, E1)
    ec2 = session.client("ec2")
    ids: dict[str, str] = {}
    ids["vpc"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids["a"] = ec2.create_subnet(
        VpcId=ids["vpc"], CidrBlock="10.0.0.0/20", AvailabilityZone="us-east-1a"
    )["Subnet"]["SubnetId"]
    ids["b"] = ec2.create_subnet(
        VpcId=ids["vpc"], CidrBlock="10.0.16.0/20", AvailabilityZone="us-east-1b"
    )["Subnet"]["SubnetId"]
    ids["sg"] = ec2.create_security_group(GroupName="kafka", Description="k", VpcId=ids["vpc"])[
        "GroupId"
    ]
    ids["key"] = session.client("kms").create_key()["KeyMetadata"]["Arn"]
    ids["role"] = session.client("iam").create_role(
        RoleName="eks-cluster", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]

    kafka = session.client("kafka")
    # CreateCluster (v1): moto's CreateClusterV2 forgets EncryptionInfo and ConnectivityInfo.
    ids["msk"] = kafka.create_cluster(
        ClusterName="orders",
        KafkaVersion="3.6.0",
        NumberOfBrokerNodes=3,
        BrokerNodeGroupInfo={
            "InstanceType": "kafka.m5.large",
            "ClientSubnets": [ids["b"], ids["a"]],
            "SecurityGroups": [ids["sg"]],
            "StorageInfo": {"EbsStorageInfo": {"VolumeSize": 1000}},
            "ConnectivityInfo": {"PublicAccess": {"Type": "SERVICE_PROVIDED_EIPS"}},
        },
        EncryptionInfo={
            "EncryptionAtRest": {"DataVolumeKMSKeyId": ids["key"]},
            "EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT", "InCluster": True},
        },
        Tags={"platform": "orders-kafka"},
    )["ClusterArn"]
    ids["serverless"] = kafka.create_cluster_v2(
        ClusterName="events",
        Serverless={"VpcConfigs": [{"SubnetIds": [ids["a"]], "SecurityGroupIds": [ids["sg"]]}]},
    )["ClusterArn"]

    ids["eks"] = session.client("eks").create_cluster(
        name="kafka-ops",
        version="1.29",
        roleArn=ids["role"],
        resourcesVpcConfig={
            "subnetIds": [ids["b"], ids["a"]],
            "securityGroupIds": [ids["sg"]],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["203.0.113.0/24", "0.0.0.0/0"],
        },
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": ids["key"]}}],
        tags={"platform": "orders-kafka"},
    )["cluster"]["arn"]
    return ids


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build(fake)
    yield Estate(ids, fake.collect(services=("msk", "eks")))


def test_no_gaps(estate: Estate) -> None:
    assert estate.inv.gaps == ()
    assert undeclared_calls(estate.inv, "msk", "eks") == set()
    assert estate.inv.api_calls["kafka:ListClustersV2"] == 1
    assert estate.inv.api_calls["eks:DescribeCluster"] == 1


def test_provisioned_msk_cluster(estate: Estate) -> None:
    ids = estate.ids
    msk = estate.res(ids["msk"])
    assert (msk.kind, msk.name, msk.source) == ("kafka_cluster", "orders", "kafka:ListClustersV2")
    assert msk.tags == {"platform": "orders-kafka"}
    assert msk.attributes == {
        "cluster_name": "orders",
        "cluster_type": "PROVISIONED",
        "state": "CREATING",
        "broker_count": 3,
        "instance_type": "kafka.m5.large",
        "subnet_ids": sorted([ids["a"], ids["b"]]),
        "security_group_ids": [ids["sg"]],
        "kafka_version": "3.6.0",
        "configuration_arn": None,
        "configuration_revision": None,
        "encryption_at_rest_kms_key": ids["key"],
        "in_transit": {"client_broker": "TLS_PLAINTEXT", "in_cluster": True},
        "public_access": "SERVICE_PROVIDED_EIPS",
        "storage_gib_per_broker": 1000,
    }
    assert estate.targets(msk.id, "network.member_of") == sorted(
        [ec2_arn("subnet", ids["a"]), ec2_arn("subnet", ids["b"])]
    )
    assert estate.targets(msk.id, "network.protected_by") == [ec2_arn("security-group", ids["sg"])]
    assert estate.targets(msk.id, "data.encrypted_by") == [ids["key"]]


def test_serverless_msk_cluster(estate: Estate) -> None:
    ids = estate.ids
    msk = estate.res(ids["serverless"])
    assert msk.attributes == {
        "cluster_name": "events",
        "cluster_type": "SERVERLESS",
        "state": "CREATING",
        "broker_count": None,
        "instance_type": None,
        "subnet_ids": [ids["a"]],
        "security_group_ids": [ids["sg"]],
        "kafka_version": None,
        "configuration_arn": None,
        "configuration_revision": None,
        "encryption_at_rest_kms_key": None,
        "in_transit": {"client_broker": "TLS", "in_cluster": True},
        "public_access": "DISABLED",
        "storage_gib_per_broker": None,
    }
    assert estate.targets(msk.id, "data.encrypted_by") == []


def test_eks_cluster(estate: Estate) -> None:
    ids = estate.ids
    eks = estate.res(ids["eks"])
    assert eks.id == f"arn:aws:eks:{E1}:{CUSTOMER}:cluster/kafka-ops"
    assert (eks.kind, eks.name, eks.source) == ("k8s_cluster", "kafka-ops", "eks:DescribeCluster")
    assert eks.tags == {"platform": "orders-kafka"}
    assert eks.attributes == {
        "name": "kafka-ops",
        "version": "1.29",
        "endpoint_public_access": True,
        "public_access_cidrs": ["0.0.0.0/0", "203.0.113.0/24"],
        "endpoint_private_access": False,
        "subnet_ids": sorted([ids["a"], ids["b"]]),
        "security_group_ids": [ids["sg"]],
        "vpc_id": None,  # moto leaves resourcesVpcConfig.vpcId out; AWS sets it
        "role_arn": ids["role"],
        "secrets_kms_key": ids["key"],
    }
    assert estate.targets(eks.id, "network.member_of") == sorted(
        [ec2_arn("subnet", ids["a"]), ec2_arn("subnet", ids["b"])]
    )
    assert estate.targets(eks.id, "network.protected_by") == [ec2_arn("security-group", ids["sg"])]
    assert estate.targets(eks.id, "data.encrypted_by") == [ids["key"]]
    assert estate.targets(eks.id, "control.runs_as") == [ids["role"]]


def test_listed_but_undescribed_eks_cluster_has_unknown_facts() -> None:
    rec = RawRecord(
        cloud="aws",
        account=CUSTOMER,
        region=E1,
        service="eks",
        type="eks:cluster",
        operation="eks:ListClusters",
        data={"name": "hidden", "arn": f"arn:aws:eks:{E1}:{CUSTOMER}:cluster/hidden"},
    )
    inv = normalize([rec], scope=Scope(accounts=(CUSTOMER,), regions=(E1,)))
    [eks] = inv.resources
    assert eks.kind == "k8s_cluster"
    assert eks.source == "eks:ListClusters"
    assert eks.attributes["endpoint_public_access"] is None
    assert eks.attributes["subnet_ids"] is None
    assert inv.relations == ()


def test_unreadable_region_is_a_gap_not_a_silent_skip(fake_aws: FakeAws) -> None:
    """moto answers an unknown region with HTTP 500: each service records a gap for it."""
    session = fake_aws.session(CUSTOMER, E1)
    session.client("kafka").create_cluster_v2(
        ClusterName="still-seen",
        Serverless={"VpcConfigs": [{"SubnetIds": ["subnet-1"]}]},
    )
    inv = fake_aws.collect(regions=(E1, "xx-nowhere-1"), services=("msk", "eks"))
    gaps = {(g.account, g.region, g.service, g.operation, g.error_code) for g in inv.gaps}
    assert gaps == {
        (CUSTOMER, "xx-nowhere-1", "msk", "ListClustersV2", "500"),
        (CUSTOMER, "xx-nowhere-1", "eks", "ListClusters", "500"),
    }
    # The readable region is still collected.
    assert [r.name for r in inv.resources if r.kind == "kafka_cluster"] == ["still-seen"]
    for gap in inv.gaps:
        assert gap.cloud == "aws"
        assert gap.resource == ""
        assert gap.covers(service=gap.service, account=CUSTOMER, region="xx-nowhere-1")
