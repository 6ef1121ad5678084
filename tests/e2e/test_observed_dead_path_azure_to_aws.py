"""``network.observed-dead-path`` on a path from Azure into AWS, end to end: the three-cloud
estate of :mod:`tests.e2e.test_cross_cloud_paths` (moto for AWS, the Azure and GCP fakes)
with the Azure VNet holding no broker, so the only open path of the declared pair
``mm2-aws-azure`` runs from the Azure VNet (10.20.0.0/16) over the site-to-site VPN into
the AWS broker, which admits it on 9092. The AWS VPC's flow log delivers every flow to
CloudWatch Logs, read through real boto3: AWS's side of the path is observed in full,
Azure's is not read (one side in full is enough: a connection is logged at both ends).
The Azure twins log the VNet instead (a VNet flow log into a storage account, read with
the real ``azure-storage-blob`` client) and leave the VPC unlogged; with neither side
logged the pair is INCONCLUSIVE, no longer silent.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from auditor.boundary import parse_declaration
from auditor.collect.azure import AzureScanOptions
from auditor.collect.gcp import GcpScanOptions
from auditor.collect.runner import AwsScanOptions
from auditor.fakecloud.azure_flow_blobs import VNET_CONTAINER, vnet_blob
from auditor.fakecloud.azure_server import AzureFake
from auditor.fakecloud.flow_records import Flow, flow_lines, write_records
from auditor.fakecloud.gcp_server import GcpFake
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Status, Verdict
from auditor.pipeline import ScanTargets, collect_inventory
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_cross_cloud_paths import (
    BOUNDARY,
    PROJECT,
    SUB,
    VM,
    VNET,
    azure_estate,
    build_aws,
    gcp_estate,
)
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

RULE = "network.observed-dead-path"
PATH = "replication-path:aws/us-east-1~azure/westeurope"
GROUP = "/vpc/kafka-flows"
DAY = 24 * 3600
STORAGE = (
    f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Storage/storageAccounts/"
    "stflows"
)
FLOW_LOG = (
    f"/subscriptions/{SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/"
    "networkWatchers/NetworkWatcher_westeurope/flowLogs/fl-vnet-kafka"
)


def _out_tuples(flows: list[Flow], now: int) -> list[str]:
    """VNet flow tuples of ``flows`` leaving the VNet (direction ``O``), ended, a minute apart."""
    return [
        f"{(now - 60 * i) * 1000},{f.src},{f.dst},{f.src_port},{f.dst_port},{f.protocol},O,E,NX,"
        f"{f.packets},{f.bytes},0,0"
        for f in flows
        for i in range(f.count)
    ]


def _azure(flows: list[Flow] | None, *, broker: bool = False) -> dict[str, Any]:
    """The Azure estate, without its broker unless ``broker``; with ``flows``, a flow log of
    vnet-kafka delivering them to a storage account."""
    estate = azure_estate()
    if not broker:
        estate["resources"] = [r for r in estate["resources"] if r["id"] != VM]
    if flows is None:
        return estate
    now = int(time.time())
    estate["resources"] += [
        {
            "id": STORAGE,
            "type": "Microsoft.Storage/storageAccounts",
            "kind": "StorageV2",
            "location": "westeurope",
            "properties": {"primaryEndpoints": {"blob": "https://stflows.blob.core.windows.net/"}},
        },
        {
            "id": FLOW_LOG,
            "type": "Microsoft.Network/networkWatchers/flowLogs",
            "location": "westeurope",
            "properties": {
                "targetResourceId": VNET,
                "storageId": STORAGE,
                "enabled": True,
                "retentionPolicy": {"days": 90, "enabled": True},
                "format": {"type": "JSON", "version": 2},
            },
        },
    ]
    name, body = vnet_blob(FLOW_LOG, "000D3A112233", _out_tuples(flows, now), now)
    estate["blob_storage"] = [{"account": "stflows", "containers": {VNET_CONTAINER: {name: body}}}]
    return estate


def _broker_ip(fake_aws: FakeAws, ids: dict[str, str]) -> tuple[str, str]:
    """(interface id, private address) of the AWS broker."""
    ec2 = fake_aws.session(CUSTOMER, "us-east-1").client("ec2")
    (res,) = ec2.describe_instances(InstanceIds=[ids["broker"]])["Reservations"]
    nic = res["Instances"][0]["NetworkInterfaces"][0]
    return str(nic["NetworkInterfaceId"]), str(nic["PrivateIpAddress"])


def _flow_log(fake_aws: FakeAws, ids: dict[str, str], flows: list[Flow]) -> None:
    """A flow log of every flow of the platform VPC into CloudWatch Logs, holding ``flows``
    as the AWS broker's interface saw them."""
    session = fake_aws.session(CUSTOMER, "us-east-1")
    session.client("logs").create_log_group(logGroupName=GROUP)
    session.client("ec2").create_flow_logs(
        ResourceIds=[ids["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    eni, _ = _broker_ip(fake_aws, ids)
    now = int(time.time())
    write_records(session, GROUP, eni, flow_lines(CUSTOMER, eni, flows, now), now)


def _verdicts(
    fake_aws: FakeAws,
    monkeypatch: pytest.MonkeyPatch,
    *,
    aws: list[Flow] | None = None,
    azure: list[Flow] | None = None,
    azure_broker: bool = False,
) -> tuple[list[Verdict], dict[str, str]]:
    """The rule's verdicts and the AWS ids; ``aws`` / ``azure``: the flows the VPC's / the
    VNet's flow log recorded (None: that side has no flow log), ``dst`` empty meaning the
    AWS broker's address."""
    ids = build_aws(fake_aws)
    _, ip = _broker_ip(fake_aws, ids)

    def to_broker(flows: list[Flow] | None) -> list[Flow] | None:
        return None if flows is None else [replace(f, dst=f.dst or ip) for f in flows]

    aws_flows, azure_flows = to_broker(aws), to_broker(azure)
    if aws_flows is not None:
        _flow_log(fake_aws, ids, aws_flows)
    for key, value in fake_aws.auditor((CUSTOMER,)).env().items():
        monkeypatch.setenv(key, value)
    with (
        AzureFake(_azure(azure_flows, broker=azure_broker), page_size=50) as az,
        GcpFake(gcp_estate(), page_size=50) as gcp,
    ):
        inventory = collect_inventory(
            ScanTargets(
                aws=AwsScanOptions(
                    accounts=(CUSTOMER,),
                    regions=("us-east-1",),
                    assume_role=AUDITOR_ROLE,
                    services=("ec2-network", "ec2-vpn", "ec2-compute", "vpc-flow-records"),
                    max_attempts=1,
                    max_workers=4,
                    flows_since=DAY,
                ),
                azure=AzureScanOptions(
                    subscriptions=(SUB,),
                    base_url=az.base_url,
                    credential=az.credential(),
                    connection_verify=az.ca_path,
                    retry_total=0,
                    flows_since=DAY,
                ),
                gcp=GcpScanOptions(
                    projects=(PROJECT,),
                    api_endpoint=gcp.endpoint,
                    credentials=gcp.credentials(),
                    retry=None,
                ),
                regions={"azure": ("westeurope",), "gcp": ("europe-west1",)},
            )
        )
    assert not [g for g in inventory.gaps if "flow" in g.service], inventory.gaps
    decl = parse_declaration(BOUNDARY)
    return [v for v in run_rules(inventory, decl, rules=[RULE]) if v.rule == RULE], ids


def _on(verdicts: list[Verdict], resource: str) -> Verdict:
    found = [v for v in verdicts if v.resource == resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in verdicts]
    return found[0]


def _vpc_arn(ids: dict[str, str]) -> str:
    return f"arn:aws:ec2:us-east-1:{CUSTOMER}:vpc/{ids['vpc']}"


LOCAL = Flow(src="10.0.1.99", dst="", dst_port=9092, bytes=1000)
"""Traffic to the AWS broker from inside its own VPC: not the replication path."""
MM2 = Flow(src="10.20.1.7", dst="", dst_port=9092, bytes=5000, count=3)
"""mm2 in the Azure VNet pushing to the AWS broker over the VPN."""


def test_a_path_from_azure_into_an_aws_broker_that_carried_nothing_fails(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts, ids = _verdicts(fake_aws, monkeypatch, aws=[LOCAL])
    v = _on(verdicts, PATH)
    assert v.status is Status.FAIL, v.message
    assert "carried no traffic in a fully observed window" in v.message
    paths = " ".join(str(p) for p in v.evidence.attributes["model_paths"])
    assert "platform networks in azure/westeurope ->" in paths and "via vpn" in paths
    assert "aws/us-east-1 ->" not in paths  # no broker in the Azure VNet: one direction only
    assert v.evidence.attributes["observed_networks"] == [_vpc_arn(ids)]
    assert v.affects == (f"arn:aws:ec2:us-east-1:{CUSTOMER}:instance/{ids['broker']}",)


def test_the_twin_whose_azure_to_aws_path_carried_replication_passes(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts, _ = _verdicts(fake_aws, monkeypatch, aws=[MM2])
    v = _on(verdicts, PATH)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["bytes"] == 15000
    assert [f["src"] for f in v.evidence.attributes["flows"]] == ["10.20.1.7"]


def test_the_azure_side_observed_in_full_fails_the_path_it_saw_nothing_on(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No VPC flow log: vnet-kafka's flow log, read in full, is the observed side."""
    inside = Flow(src="10.20.1.7", dst="10.20.1.9", dst_port=9092)  # stays in the VNet
    verdicts, _ = _verdicts(fake_aws, monkeypatch, azure=[inside])
    v = _on(verdicts, PATH)
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["observed_networks"] == [VNET.lower()]


def test_the_azure_side_that_logged_the_replication_passes(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts, _ = _verdicts(fake_aws, monkeypatch, azure=[MM2])
    v = _on(verdicts, PATH)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["records"] == 3


def test_with_neither_side_logged_the_path_is_inconclusive_not_silent(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts, _ = _verdicts(fake_aws, monkeypatch)
    v = _on(verdicts, PATH)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "vnet-kafka" in v.message and "no side of it was observed in full" in v.message


def test_with_a_broker_on_each_side_both_directions_make_the_one_path(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vm-broker kept: AWS -> Azure (into vm-broker, the Azure NSG admitting 10.0.0.0/8) and
    Azure -> AWS are both open; one verdict for the pair, the model naming both."""
    verdicts, _ = _verdicts(fake_aws, monkeypatch, aws=[LOCAL], azure_broker=True)
    v = _on(verdicts, PATH)
    assert v.status is Status.FAIL, v.message
    paths = " ".join(str(p) for p in v.evidence.attributes["model_paths"])
    assert "platform networks in aws/us-east-1 -> vm-broker:9092" in paths
    assert "platform networks in azure/westeurope -> i-" in paths
