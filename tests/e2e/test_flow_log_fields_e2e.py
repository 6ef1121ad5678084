"""``network.flow-logs`` when a flow log's status or traffic type is not in its record.

A VPC flow log built with boto3 in moto is collected, written as an AWS Config
snapshot (:mod:`tests.aws_config_export`), and imported through ``auditor import``:
a configuration item without ``flowLogStatus`` or ``trafficType`` is a flow log the
auditor cannot judge, so the VPC is INCONCLUSIVE naming the missing field, never a
FAIL; a known REJECT-only log stays a FAIL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.load import load_bundle
from auditor.model import RawRecord, Status, Verdict
from tests.aws_config_export import snapshot
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
E1 = "us-east-1"
RULE = "network.flow-logs"


def _vpc_with_flow_log(fake: FakeAws, traffic: str) -> str:
    ec2 = fake.session(CUSTOMER, E1).client("ec2")
    vpc = ec2.create_vpc(
        CidrBlock="10.10.0.0/16",
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "platform", "Value": "orders-kafka"}]}
        ],
    )["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType=traffic,
        LogDestinationType="cloud-watch-logs",
        LogGroupName="vpc-flows",
        DeliverLogsPermissionArn=f"arn:aws:iam::{CUSTOMER}:role/flow-logs",
    )
    return str(vpc)


def _imported(fake: FakeAws, tmp: Path, drop: tuple[str, ...]) -> list[Verdict]:
    """Collect, write the Config snapshot without ``drop`` in the flow log item, import."""
    raw: list[RawRecord] = []
    fake.collect(regions=(E1,), services=("ec2-network",), raw=raw)
    doc = snapshot(raw, [(CUSTOMER, E1)])
    logs = [i for i in doc["configurationItems"] if i["resourceType"] == "AWS::EC2::FlowLog"]
    assert len(logs) == 1
    for key in drop:
        assert key in logs[0]["configuration"], logs[0]["configuration"]
        del logs[0]["configuration"][key]
    path = tmp / "config-snapshot.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    boundary = ROOT / "fixtures" / "kafka-byoc-aws" / "boundary.yaml"
    out = tmp / "out"
    result = CliRunner().invoke(
        main, ["import", "--boundary", str(boundary), "--out", str(out), str(path)]
    )
    assert result.exit_code in (0, 1), result.output
    (bundle,) = list(out.iterdir())
    return run_rules(load_bundle(bundle).inventory, rules=[RULE])


def _on(verdicts: list[Verdict], vpc: str) -> Verdict:
    (v,) = [x for x in verdicts if x.rule == RULE and x.resource.endswith(f"vpc/{vpc}")]
    return v


def test_recorded_all_traffic_log_passes(fake_aws: FakeAws, tmp_path: Path) -> None:
    vpc = _vpc_with_flow_log(fake_aws, "ALL")
    v = _on(_imported(fake_aws, tmp_path, ()), vpc)
    assert v.status is Status.PASS, v.message


@pytest.mark.parametrize(
    ("drop", "named"),
    [(("flowLogStatus",), "FlowLogStatus"), (("trafficType",), "TrafficType")],
)
def test_a_log_missing_status_or_traffic_type_is_inconclusive_naming_it(
    fake_aws: FakeAws, tmp_path: Path, drop: tuple[str, ...], named: str
) -> None:
    vpc = _vpc_with_flow_log(fake_aws, "ALL")
    v = _on(_imported(fake_aws, tmp_path, drop), vpc)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert named in v.message and named in v.unmodelled


def test_a_known_reject_only_log_still_fails_without_its_status(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    vpc = _vpc_with_flow_log(fake_aws, "REJECT")
    v = _on(_imported(fake_aws, tmp_path, ("flowLogStatus",)), vpc)
    assert v.status is Status.FAIL and "REJECT" in v.message, v.message
