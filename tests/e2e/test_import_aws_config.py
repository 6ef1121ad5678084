"""`auditor import` of an AWS Config snapshot gives the inventory live collection gives.

The kafka-byoc-aws estate (two accounts, two regions), plus a transit gateway,
a VPC endpoint and an EKS cluster, is created in the fake AWS through boto3 and
collected live with the auditor's read-only credentials. Its Config snapshot is
written from the collectors' answers by ``tests/aws_config_export.py``, which
knows Config's field names but nothing of the importer. The snapshot goes
through the real CLI; the bundle's inventory must equal the live one for every
kind Config records, except attributes the import marks unknown: those must be
null, and a gap must name the resource.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.collect.runner import AwsScanOptions, collect_aws
from auditor.evidence.load import load_bundle
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, RawRecord, Resource, Scope
from auditor.normalize import normalize
from tests.aws_config_export import snapshot
from tests.collect_helpers import tag_spec
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "kafka-byoc-aws"
ACCOUNTS = (CUSTOMER, CUSTOMER_2)
REGIONS = ("us-east-1", "us-west-2")

NOT_IN_CONFIG = {
    "account",
    "organization",
    "dns_record",
    "target_group",
    "snapshot",
    "drill",
    "drill_catalog",
}
"""Kinds AWS Config does not record (their services stay gaps on import)."""

EXPECTED_UNKNOWN = {
    ("key", "policy"),
    ("audit_trail", "logging"),
    ("kafka_cluster", "state"),
    ("kafka_cluster", "policy"),
    ("kafka_cluster", "policy_read"),
    ("transit_gateway", "state"),
    ("transit_attachment", "state"),
    ("transit_attachment", "association_route_table_id"),
    ("transit_route_table", "associations"),
    ("transit_route_table", "propagations"),
    ("transit_route_table", "routes"),
    ("k8s_cluster", "vpc_id"),
    # moto reports no cluster security group; without one in the item the list is incomplete.
    ("k8s_cluster", "security_group_ids"),
    ("role", "max_session_duration"),
    ("bucket", "policy_is_public"),
    ("prefix_list", "state"),
}
"""Attributes Config does not record: null (or absent) on import, known live."""


def _extras(fake_aws: FakeAws) -> None:
    """A transit gateway with a VPC attachment and route table, a VPC endpoint, an EKS cluster."""
    session = fake_aws.session(CUSTOMER, "us-east-1")
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16", TagSpecifications=tag_spec("vpc", Name="ops"))
    vpc_id = vpc["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.90.1.0/24", AvailabilityZone="us-east-1a"
    )
    subnet_id = subnet["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="ops", Description="ops", VpcId=vpc_id)["GroupId"]
    tgw = ec2.create_transit_gateway(Description="links")["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=vpc_id, SubnetIds=[subnet_id]
    )
    ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[table["RouteTables"][0]["RouteTableId"]],
    )
    role = session.client("iam").create_role(
        RoleName="eks-cluster",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "eks.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    session.client("eks").create_cluster(
        name="kafka-ops",
        version="1.29",
        roleArn=role,
        resourcesVpcConfig={
            "subnetIds": [subnet_id],
            "securityGroupIds": [sg],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["203.0.113.0/24"],
        },
        tags={"platform": "orders-kafka"},
    )


@dataclass(frozen=True)
class Estate:
    records: list[RawRecord]
    live: Inventory


_CACHE: dict[str, Estate] = {}


@pytest.fixture
def estate(fake_aws: FakeAws) -> Estate:
    """Create and collect the estate once per module; later tests reuse it."""
    if "estate" not in _CACHE:
        apply_estate(ESTATE / "estate.yaml")
        _extras(fake_aws)
        creds = fake_aws.auditor(ACCOUNTS)
        old = {k: os.environ.get(k) for k in creds.env()}
        os.environ.update(creds.env())
        try:
            result = collect_aws(
                AwsScanOptions(
                    accounts=ACCOUNTS,
                    regions=REGIONS,
                    assume_role=AUDITOR_ROLE,
                    max_attempts=1,
                    max_workers=8,
                )
            )
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        live = normalize(
            result.records,
            scope=Scope(accounts=ACCOUNTS, regions=REGIONS),
            gaps=result.gaps,
            collected=result.units,
        )
        _CACHE["estate"] = Estate(records=list(result.records), live=live)
    return _CACHE["estate"]


def _write_snapshot(estate: Estate, folder: Path) -> Path:
    places = [(a, r) for a in ACCOUNTS for r in REGIONS]
    path = folder / "config-snapshot.json"
    path.write_text(json.dumps(snapshot(estate.records, places), indent=1), encoding="utf-8")
    return path


_IMPORTED: dict[str, tuple[Inventory, Path]] = {}


@pytest.fixture
def imported(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, Path]:
    """The snapshot imported through the CLI, once per module; the bundle is read-only."""
    if "bundle" not in _IMPORTED:
        folder = tmp_path_factory.mktemp("import")
        path = _write_snapshot(estate, folder)
        out = folder / "reports"
        result = CliRunner().invoke(
            main,
            ["import", "--boundary", str(ESTATE / "boundary.yaml"), "--out", str(out), str(path)],
        )
        assert result.exit_code in (0, 1), result.output
        (bundle,) = list(out.iterdir())
        _IMPORTED["bundle"] = (load_bundle(bundle).inventory, bundle)
    return _IMPORTED["bundle"]


def _by_id(resources: tuple[Resource, ...]) -> dict[str, Resource]:
    return {
        r.id: r
        for r in resources
        if r.kind not in NOT_IN_CONFIG
        # Config records customer-managed prefix lists only
        and not (r.kind == "prefix_list" and r.attributes.get("aws_managed"))
    }


def test_import_gives_the_live_inventory_for_every_kind_config_records(
    estate: Estate, imported: tuple[Inventory, Path]
) -> None:
    inv, _ = imported
    live, got = _by_id(estate.live.resources), _by_id(inv.resources)
    assert set(got) == set(live), (sorted(set(live) - set(got)), sorted(set(got) - set(live)))
    kinds = {r.kind for r in live.values()}
    # The comparison must span the estate, not a corner of it.
    assert {
        "network",
        "subnet",
        "route_table",
        "gateway",
        "firewall",
        "network_acl",
        "interface",
        "public_ip",
        "peering",
        "flow_log",
        "instance",
        "volume",
        "bucket",
        "key",
        "role",
        "principal",
        "audit_trail",
        "load_balancer",
        "listener",
        "scaling_group",
        "kafka_cluster",
        "k8s_cluster",
        "transit_gateway",
        "transit_attachment",
        "transit_route_table",
        "private_endpoint",
        "dns_zone",
        "health_check",
    } <= kinds
    named = {g.resource for g in inv.gaps if g.resource}
    unknown_seen: set[tuple[str, str]] = set()
    for rid, want in sorted(live.items()):
        have = got[rid]
        for field in ("kind", "account", "region", "name", "tags", "source"):
            assert getattr(have, field) == getattr(want, field), (rid, field)
        for attr in sorted(set(want.attributes) | set(have.attributes)):
            a, b = have.attributes.get(attr), want.attributes.get(attr)
            if a == b:
                continue
            assert (want.kind, attr) in EXPECTED_UNKNOWN, (rid, attr, a, b)
            assert a is None, (rid, attr, a)
            if attr not in ("policy", "policy_read", "max_session_duration"):
                assert rid in named, f"{rid}.{attr} is null without a gap naming it"
            unknown_seen.add((want.kind, attr))
    assert unknown_seen, "the estate exercised no unrecorded attribute"


def test_import_gives_the_live_relations_between_recorded_resources(
    estate: Estate, imported: tuple[Inventory, Path]
) -> None:
    inv, _ = imported
    recorded = set(_by_id(estate.live.resources))

    def rels(i: Inventory) -> set[tuple[str, str, str, str]]:
        return {(r.source, r.kind, r.target, r.reason) for r in i.relations if r.source in recorded}

    assert rels(inv) == rels(estate.live)


def test_unrecorded_services_are_gaps_and_the_bundle_never_passes_them(
    imported: tuple[Inventory, Path],
) -> None:
    inv, bundle = imported
    gaps = {(g.service, g.account, g.region, g.operation) for g in inv.gaps if not g.resource}
    for account in ACCOUNTS:
        assert ("route53", account, "global", "ListResourceRecordSets") in gaps
        assert ("s3", account, "other-regions", "ListBuckets") in gaps
        for region in REGIONS:
            assert ("ec2-compute", account, region, "DescribeSnapshots") in gaps
            assert ("msk-policy", account, region, "GetClusterPolicy") in gaps
    covered = {(u.service, u.account, u.region) for u in inv.collected}
    assert ("ec2-network", CUSTOMER, "us-east-1") in covered
    assert ("iam", CUSTOMER, "global") in covered
    assert ("ec2-compute", CUSTOMER, "us-east-1") not in covered
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    dns = [v for v in verdicts if v["rule"].startswith("failure.dns")]
    assert dns and all(v["status"] != "PASS" for v in dns)
    manifest = json.loads((bundle / "manifest.json").read_text())
    (entry,) = manifest["provenance"]["files"]
    assert entry["format"] == "aws-config" and len(entry["sha256"]) == 64
    assert manifest["provenance"]["source"] == "import"


def test_an_import_bundle_verifies_and_replays_byte_for_byte(
    imported: tuple[Inventory, Path], tmp_path: Path
) -> None:
    _, bundle = imported
    runner = CliRunner()
    verified = runner.invoke(main, ["verify", str(bundle)])
    assert verified.exit_code == 0, verified.output
    replay = tmp_path / "replay"
    result = runner.invoke(main, ["evaluate", str(bundle), "--out", str(replay)])
    assert result.exit_code == 0, result.output
    (again,) = list(replay.iterdir())
    for name in ("verdicts.json", "inventory.jsonl", "graph.json", "report.md"):
        assert (again / name).read_bytes() == (bundle / name).read_bytes(), name


def test_without_recorder_evidence_absent_types_leave_their_service_a_gap(
    estate: Estate, tmp_path: Path
) -> None:
    """No recorder item and no NAT gateway in us-west-2: ec2-network there is not complete."""
    doc = snapshot(estate.records, [])
    path = tmp_path / "no-recorder.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    from auditor.importers.aws_config import read

    result = read(path)
    units = {(u.service, u.account, u.region) for u in result.units}
    assert ("ec2-network", CUSTOMER, "us-west-2") not in units
    why = [
        g.message
        for g in result.gaps
        if (g.service, g.account, g.region) == ("ec2-network", CUSTOMER, "us-west-2")
    ]
    assert why and "AWS::EC2::NatGateway" in why[0]


def test_per_region_snapshots_import_like_one_file(
    estate: Estate, imported: tuple[Inventory, Path], tmp_path: Path
) -> None:
    """As Config delivers them: one file per account and region, global types in us-east-1."""
    doc = snapshot(estate.records, [(a, r) for a in ACCOUNTS for r in REGIONS])
    files: list[Path] = []
    for account in ACCOUNTS:
        for region in REGIONS:
            items = [
                i
                for i in doc["configurationItems"]
                if i["awsAccountId"] == account
                and (
                    i["awsRegion"] == region
                    or (i["awsRegion"] == "global" and region == "us-east-1")
                )
            ]
            for i in items:
                if i["resourceType"] == "AWS::Config::ConfigurationRecorder":
                    group = i["configuration"]["RecordingGroup"]
                    group["IncludeGlobalResourceTypes"] = region == "us-east-1"
            path = tmp_path / f"{account}_Config_{region}_ConfigSnapshot.json"
            path.write_text(json.dumps({**doc, "configurationItems": items}), encoding="utf-8")
            files.append(path)
    out = tmp_path / "split"
    result = CliRunner().invoke(
        main,
        ["import", "--boundary", str(ESTATE / "boundary.yaml"), "--out", str(out)]
        + [str(f) for f in files],
    )
    assert result.exit_code in (0, 1), result.output
    (bundle,) = list(out.iterdir())
    split = load_bundle(bundle).inventory
    whole, _ = imported
    assert split.resources == whole.resources
    assert split.relations == whole.relations
    assert set(split.collected) == set(whole.collected)
    unit_gaps = {(g.account, g.region, g.service) for g in split.gaps if not g.resource}
    assert ("111111111111", "global", "iam") not in unit_gaps
    assert {g for g in split.gaps if g.resource} == {g for g in whole.gaps if g.resource}


def test_site_to_site_vpn_items_import_without_their_pre_shared_keys(tmp_path: Path) -> None:
    """AWS::EC2::VPNConnection carries the customer gateway configuration, keys included.

    The import reads the AWS-side tunnel addresses from it, as a live scan does, and keeps
    neither the text nor the keys; with both VPN types recorded, ``ec2-vpn`` is complete.
    """
    from tests.aws_config_export import _item, recorder

    psk = "Xq9vPreSharedKey0123456789abcdef"
    config_text = (
        "<vpn_connection><ipsec_tunnel><customer_gateway><tunnel_outside_address>"
        "<ip_address>20.62.10.10</ip_address></tunnel_outside_address></customer_gateway>"
        "<vpn_gateway><tunnel_outside_address><ip_address>52.1.2.3</ip_address>"
        "</tunnel_outside_address></vpn_gateway><ike><pre_shared_key>"
        f"{psk}</pre_shared_key></ike></ipsec_tunnel></vpn_connection>"
    )
    region = "us-east-1"
    items = [
        recorder(CUSTOMER, region),
        _item(
            "AWS::EC2::CustomerGateway",
            "cgw-0a1b2c3d",
            CUSTOMER,
            region,
            {
                "customerGatewayId": "cgw-0a1b2c3d",
                "ipAddress": "20.62.10.10",
                "bgpAsn": "65515",
                "state": "available",
                "type": "ipsec.1",
            },
        ),
        _item(
            "AWS::EC2::VPNConnection",
            "vpn-0f1e2d3c",
            CUSTOMER,
            region,
            {
                "vpnConnectionId": "vpn-0f1e2d3c",
                "customerGatewayId": "cgw-0a1b2c3d",
                "vpnGatewayId": "vgw-0a0b0c0d",
                "state": "available",
                "type": "ipsec.1",
                "customerGatewayConfiguration": config_text,
                "options": {"staticRoutesOnly": True},
                "routes": [{"destinationCidrBlock": "10.20.0.0/16", "state": "available"}],
            },
            tags={"Name": "to-azure"},
        ),
    ]
    path = tmp_path / "vpn-snapshot.json"
    path.write_text(json.dumps({"configurationItems": items}), encoding="utf-8")
    from auditor.importers.aws_config import read

    result = read(path)
    assert psk not in json.dumps([r.data for r in result.records])
    assert ("ec2-vpn", CUSTOMER, region) in {(u.service, u.account, u.region) for u in result.units}
    inv = normalize(list(result.records), scope=Scope(accounts=(CUSTOMER,), regions=(region,)))
    (link,) = [r for r in inv.resources if r.kind == "site_link"]
    assert link.name == "to-azure"
    assert link.attributes["local_ips"] == ["52.1.2.3"]
    assert link.attributes["remote_prefixes"] == ["10.20.0.0/16"]
    (gateway,) = [r for r in inv.resources if r.kind == "peer_gateway"]
    assert "20.62.10.10" in json.dumps(gateway.attributes)
