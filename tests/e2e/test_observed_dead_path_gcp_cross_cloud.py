"""``network.observed-dead-path`` across clouds on GCP, end to end: the three-cloud estate of
:mod:`tests.e2e.test_cross_cloud_paths` (moto for AWS, the Azure and GCP fakes), with the
Azure VNet holding no broker, so the one declared replication path is Azure westeurope to
the GCP broker over the HA VPN (``mm2-azure-gcp``, the VPN declared for replication).
``kafka-ew1`` logs every flow and its ``vpc_flows`` entries are read through the real
google-cloud-logging client: GCP's side of the path is observed in full, Azure's is not
read at all (one side in full is enough: a connection is recorded at both ends)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from auditor.boundary import parse_declaration
from auditor.collect.azure import AzureScanOptions
from auditor.collect.gcp import GcpScanOptions
from auditor.collect.runner import AwsScanOptions
from auditor.fakecloud.azure_server import AzureFake
from auditor.fakecloud.gcp_logging import flow_entry
from auditor.fakecloud.gcp_server import GcpFake
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Status, Verdict
from auditor.pipeline import ScanTargets, collect_inventory
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_cross_cloud_paths import (
    AWS_OUTSIDE,
    BOUNDARY,
    GCP_IFACES,
    PROJECT,
    SUB,
    VM,
    _tunnel,
    azure_estate,
    build_aws,
    gcp_estate,
)
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

RULE = "network.observed-dead-path"
PATH = "replication-path:azure/westeurope~gcp/europe-west1"
AWS_PATH = "replication-path:aws/us-east-1~gcp/europe-west1"
DAY = 24 * 3600
_DEFAULT_FILTER = " AND ".join(
    f'NOT LOG_ID("{s}.googleapis.com/{log}")'
    for log in ("activity", "system_event", "access_transparency")
    for s in ("cloudaudit", "externalaudit")
)


def _gcp_assets() -> list[dict[str, Any]]:
    assets = gcp_estate()
    for a in assets:
        if a["name"].endswith("/subnetworks/kafka-ew1"):
            a["resource"]["data"]["logConfig"] = {
                "enable": True,
                "flowSampling": 1.0,
                "metadata": "INCLUDE_ALL_METADATA",
            }
    sink = {
        "name": f"//logging.googleapis.com/projects/{PROJECT}/sinks/_Default",
        "assetType": "logging.googleapis.com/LogSink",
        "ancestors": ["projects/100000000001"],
        "resource": {
            "version": "v2",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": "global",
            "data": {
                "name": "_Default",
                "destination": f"logging.googleapis.com/projects/{PROJECT}/locations/global/"
                "buckets/_Default",
                "filter": _DEFAULT_FILTER,
            },
        },
    }
    return [*assets, sink]


def _azure_without_broker() -> dict[str, Any]:
    estate = azure_estate()
    estate["resources"] = [r for r in estate["resources"] if r["id"] != VM]
    return estate


def _replication(src: str, **kw: Any) -> dict[str, Any]:
    """broker-ew1 (10.30.1.10) recorded a connection on 9092 from ``src``."""
    args: dict[str, Any] = {
        "project": PROJECT,
        "vm": "broker-ew1",
        "zone": "europe-west1-b",
        "network": "kafka-net",
        "subnetwork": "kafka-ew1",
        "src": src,
        "dst": "10.30.1.10",
        "dst_port": 9092,
        "bytes_sent": 5_000_000,
        **kw,
    }
    return flow_entry(**args)


def _verdicts(
    fake_aws: FakeAws,
    monkeypatch: pytest.MonkeyPatch,
    entries: Sequence[dict[str, Any]] | Callable[[str], Sequence[dict[str, Any]]],
    *,
    aws_link: bool = False,
) -> list[Verdict]:
    """The rule's verdicts; ``entries`` may be made from the AWS broker's address; with
    ``aws_link`` the GCP HA VPN also has a tunnel to AWS (``tun-aws``)."""
    ids = build_aws(fake_aws)
    extra: list[dict[str, Any]] = []
    if aws_link:
        _to_aws(fake_aws)
        extra.append(_tunnel("tun-aws", AWS_OUTSIDE))
    ec2 = fake_aws.session(CUSTOMER, "us-east-1").client("ec2")
    (res,) = ec2.describe_instances(InstanceIds=[ids["broker"]])["Reservations"]
    broker_ip = str(res["Instances"][0]["PrivateIpAddress"])
    records = entries(broker_ip) if callable(entries) else entries
    for key, value in fake_aws.auditor((CUSTOMER,)).env().items():
        monkeypatch.setenv(key, value)
    with (
        AzureFake(_azure_without_broker(), page_size=50) as az,
        GcpFake([*_gcp_assets(), *extra], page_size=50, entries=records) as gcp,
    ):
        inventory = collect_inventory(
            ScanTargets(
                aws=AwsScanOptions(
                    accounts=(CUSTOMER,),
                    regions=("us-east-1",),
                    assume_role=AUDITOR_ROLE,
                    services=("ec2-network", "ec2-vpn", "ec2-compute"),
                    max_attempts=1,
                    max_workers=4,
                ),
                azure=AzureScanOptions(
                    subscriptions=(SUB,),
                    base_url=az.base_url,
                    credential=az.credential(),
                    connection_verify=az.ca_path,
                    retry_total=0,
                ),
                gcp=GcpScanOptions(
                    projects=(PROJECT,),
                    api_endpoint=gcp.endpoint,
                    logging_endpoint=gcp.endpoint,
                    credentials=gcp.credentials(),
                    retry=None,
                    flows_since=DAY,
                ),
                regions={"azure": ("westeurope",), "gcp": ("europe-west1",)},
            )
        )
    decl = parse_declaration(BOUNDARY)
    return [v for v in run_rules(inventory, decl, rules=[RULE]) if v.rule == RULE]


def _on(verdicts: list[Verdict], resource: str) -> Verdict:
    found = [v for v in verdicts if v.resource == resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in verdicts]
    return found[0]


def test_a_cross_cloud_path_into_a_gcp_broker_that_carried_nothing_fails(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # only traffic inside kafka-net: the VPN path from Azure carried nothing
    local = [_replication("10.30.1.20", bytes_sent=1000)]
    v = _on(_verdicts(fake_aws, monkeypatch, local), PATH)
    assert v.status is Status.FAIL, v.message
    assert "carried no traffic in a fully observed window" in v.message
    assert "via vpn" in v.message and "broker-ew1" in v.message
    assert v.affects == (
        "//compute.googleapis.com/projects/orders-prod/zones/europe-west1-b/instances/broker-ew1",
    )


def test_the_twin_whose_vpn_path_carried_replication_passes(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mm2 in the Azure VNet (10.20.1.0/24) pulled from broker-ew1 over the VPN
    v = _on(_verdicts(fake_aws, monkeypatch, [_replication("10.20.1.7")]), PATH)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["bytes"] == 5_000_000
    assert [f["src"] for f in v.evidence.attributes["flows"]] == ["10.20.1.7"]


def _to_aws(fake_aws: FakeAws) -> None:
    """An AWS VPN connection to the GCP HA VPN gateway, its route, and the AWS broker
    admitting kafka-net's range (the AWS end of ``tun-aws``)."""
    ec2 = fake_aws.session(CUSTOMER, "us-east-1").client("ec2")
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"]
    (vgw,) = ec2.describe_vpn_gateways()["VpnGateways"]
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp=GCP_IFACES[0], BgpAsn=65010)
    ec2.create_vpn_connection(
        Type="ipsec.1",
        CustomerGatewayId=cgw["CustomerGateway"]["CustomerGatewayId"],
        VpnGatewayId=vgw["VpnGatewayId"],
        Options={"StaticRoutesOnly": True},
    )
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    ec2.create_route(
        RouteTableId=table["RouteTables"][0]["RouteTableId"],
        DestinationCidrBlock="10.30.0.0/16",
        GatewayId=vgw["VpnGatewayId"],
    )
    (sg,) = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["kafka"]}])[
        "SecurityGroups"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=sg["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "IpRanges": [{"CidrIp": "10.30.0.0/16"}],
            }
        ],
    )


def test_a_path_between_aws_and_gcp_over_their_vpn_that_carried_nothing_fails(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a VPN between the AWS VPC and kafka-net, both directions are open (mm2-aws-gcp):
    into broker-ew1 from us-east-1 and into the AWS broker from europe-west1."""
    v = _on(_verdicts(fake_aws, monkeypatch, [], aws_link=True), AWS_PATH)
    assert v.status is Status.FAIL, v.message
    paths = " ".join(str(p) for p in v.evidence.attributes["model_paths"])
    assert "platform networks in gcp/europe-west1 ->" in paths  # into the AWS broker
    assert "platform networks in aws/us-east-1 -> broker-ew1" in paths


def test_the_twin_whose_aws_path_carried_replication_passes(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sent(broker_ip: str) -> list[dict[str, Any]]:
        # broker-ew1 sent replication to the AWS broker (its SENT record, kafka-net logged)
        return [_replication("10.30.1.10", dst=broker_ip, reporter="SRC")]

    v = _on(_verdicts(fake_aws, monkeypatch, sent, aws_link=True), AWS_PATH)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["bytes"] == 5_000_000
