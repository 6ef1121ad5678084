"""End to end: networks of three clouds joined by site-to-site VPN, judged across clouds.

One estate, through the real SDKs: an AWS VPC (moto, built with boto3) with a
virtual private gateway and two VPN connections; an Azure VNet (``AzureFake``)
with a VPN gateway, local network gateways and connections; a GCP network
(``GcpFake``) with an HA VPN gateway and three tunnels. The tunnels join:

- AWS us-east-1 <-> Azure westeurope (the AWS tunnel outside address is the
  local network gateway's address; the customer gateway's address is the Azure
  VPN gateway's public IP);
- Azure westeurope <-> GCP europe-west1 (each side's peer address is the other's
  gateway interface);
- GCP to a partner at 198.51.100.7, declared in ``network.peers`` (clean twin);
- GCP to 192.0.2.200 and AWS to 203.0.113.77: addresses of no collected gateway,
  not declared (the planted ``network.transit-declared`` FAILs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import Declaration, parse_declaration
from auditor.collect.azure import AzureScanOptions
from auditor.collect.gcp import GcpScanOptions
from auditor.collect.runner import AwsScanOptions
from auditor.fakecloud.azure_server import AzureFake
from auditor.fakecloud.gcp_server import GcpFake
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, Status, Verdict
from auditor.pipeline import ScanTargets, collect_inventory
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import run_rules

TODAY = dt.date(2026, 12, 1)
SUB = "11111111-1111-1111-1111-111111111111"
TENANT = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
PROJECT = "orders-prod"
AWS_OUTSIDE = "52.2.144.13"
"""moto's AWS-side tunnel outside address (the same for every VPN connection)."""
AZURE_GW_IP = "20.60.0.10"
GCP_IFACES = ("35.220.0.1", "35.220.0.2")
PARTNER = "198.51.100.7"

BOUNDARY = f"""
version: 1
name: orders-kafka
pattern: active-active
objectives: {{rpo: 5m, rto: 15m}}
parties:
  customer:
    aws: {{accounts: ["{CUSTOMER}"]}}
    azure: {{subscriptions: ["{SUB}"], tenant: {TENANT}}}
    gcp: {{projects: [{PROJECT}]}}
regions:
  aws/us-east-1: primary
  azure/westeurope: primary
  gcp/europe-west1: primary
platform: {{select: {{tags: {{platform: orders-kafka}}}}}}
data: {{stores: {{select: {{tags: {{data-class: kafka-log}}}}}}, keys: customer}}
failure:
  replication:
    - {{name: mm2-aws-azure, select: {{tags: {{role: mm2}}}}, source: aws/us-east-1,
       target: azure/westeurope}}
    - {{name: mm2-aws-gcp, select: {{tags: {{role: mm2}}}}, source: aws/us-east-1,
       target: gcp/europe-west1}}
    - {{name: mm2-azure-gcp, select: {{tags: {{role: mm2}}}}, source: azure/westeurope,
       target: gcp/europe-west1}}
network:
  kafka_ports: [9092]
  clients: {{via: [private-endpoint], from: [172.16.0.0/16]}}
  replication: {{via: [vpn, peering]}}
  peers: ["{PARTNER}/32"]
"""

RG = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network"
VNET = f"{RG}/virtualNetworks/vnet-kafka"
VM = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Compute/virtualMachines/" + (
    "vm-broker"
)
TAGS = {"platform": "orders-kafka"}


def _az(name: str, rtype: str, props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{RG}/{rtype}/{name}",
        "type": f"Microsoft.Network/{rtype}",
        "location": "westeurope",
        "properties": props,
        **extra,
    }


def _lng(name: str, ip: str, prefixes: list[str]) -> dict[str, Any]:
    return _az(
        name,
        "localNetworkGateways",
        {"gatewayIpAddress": ip, "localNetworkAddressSpace": {"addressPrefixes": prefixes}},
    )


def _conn(name: str, lng: str, status: str = "Connected") -> dict[str, Any]:
    return _az(
        name,
        "connections",
        {
            "connectionType": "IPsec",
            "virtualNetworkGateway1": {"id": f"{RG}/virtualNetworkGateways/vgw-weu"},
            "localNetworkGateway2": {"id": f"{RG}/localNetworkGateways/{lng}"},
            "connectionStatus": status,
        },
    )


def azure_estate() -> dict[str, Any]:
    subnet = {
        "id": f"{VNET}/subnets/snet-brokers",
        "name": "snet-brokers",
        "properties": {
            "addressPrefix": "10.20.1.0/24",
            "networkSecurityGroup": {"id": f"{RG}/networkSecurityGroups/nsg-brokers"},
        },
    }
    gw_subnet = {
        "id": f"{VNET}/subnets/GatewaySubnet",
        "name": "GatewaySubnet",
        "properties": {"addressPrefix": "10.20.255.0/27"},
    }
    return {
        "subscriptions": [{"id": SUB, "tenant": TENANT, "name": "orders-prod"}],
        "resource_groups": [{"subscription": SUB, "name": "rg-net", "location": "westeurope"}],
        "resources": [
            _az(
                "vnet-kafka",
                "virtualNetworks",
                {
                    "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
                    "subnets": [subnet, gw_subnet],
                },
                tags=TAGS,
            ),
            _az(
                "pip-vgw",
                "publicIPAddresses",
                {"ipAddress": AZURE_GW_IP, "publicIPAllocationMethod": "Static"},
                sku={"name": "Standard"},
            ),
            _az(
                "vgw-weu",
                "virtualNetworkGateways",
                {
                    "gatewayType": "Vpn",
                    "vpnType": "RouteBased",
                    "ipConfigurations": [
                        {
                            "name": "default",
                            "properties": {
                                "subnet": {"id": gw_subnet["id"]},
                                "publicIPAddress": {"id": f"{RG}/publicIPAddresses/pip-vgw"},
                            },
                        }
                    ],
                    "bgpSettings": {"asn": 65515},
                },
            ),
            _az(
                "nsg-brokers",
                "networkSecurityGroups",
                {
                    "securityRules": [
                        {
                            "name": "allow-kafka-private",
                            "properties": {
                                "priority": 100,
                                "direction": "Inbound",
                                "access": "Allow",
                                "protocol": "Tcp",
                                "sourceAddressPrefix": "10.0.0.0/8",
                                "sourcePortRange": "*",
                                "destinationAddressPrefix": "*",
                                "destinationPortRange": "9092",
                            },
                        }
                    ]
                },
            ),
            _az(
                "nic-broker",
                "networkInterfaces",
                {
                    "virtualMachine": {"id": VM},
                    "ipConfigurations": [
                        {
                            "id": f"{RG}/networkInterfaces/nic-broker/ipConfigurations/ipconfig1",
                            "name": "ipconfig1",
                            "properties": {
                                "privateIPAddress": "10.20.1.4",
                                "subnet": {"id": subnet["id"]},
                            },
                        }
                    ],
                },
            ),
            {
                "id": VM,
                "type": "Microsoft.Compute/virtualMachines",
                "location": "westeurope",
                "tags": TAGS,
                "properties": {
                    "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
                    "networkProfile": {
                        "networkInterfaces": [{"id": f"{RG}/networkInterfaces/nic-broker"}]
                    },
                },
            },
            _lng("lng-aws", AWS_OUTSIDE, ["10.0.0.0/16"]),
            _lng("lng-gcp", GCP_IFACES[0], ["10.30.0.0/16"]),
            _conn("cn-aws", "lng-aws"),
            _conn("cn-gcp", "lng-gcp"),
        ],
    }


CMP = "https://www.googleapis.com/compute/v1/projects/orders-prod"
NET = "//compute.googleapis.com/projects/orders-prod/global/networks/kafka-net"


def _asset(kind: str, path: str, location: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"//compute.googleapis.com/projects/orders-prod/{path}",
        "assetType": f"compute.googleapis.com/{kind}",
        "ancestors": ["projects/100000000001"],
        "resource": {
            "version": "v1",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": location,
            "data": data,
        },
    }


def _tunnel(name: str, peer_ip: str, **extra: Any) -> dict[str, Any]:
    return _asset(
        "VpnTunnel",
        f"regions/europe-west1/vpnTunnels/{name}",
        "europe-west1",
        {
            "name": name,
            "region": f"{CMP}/regions/europe-west1",
            "vpnGateway": f"{CMP}/regions/europe-west1/vpnGateways/ha-vpn",
            "vpnGatewayInterface": 0,
            "peerIp": peer_ip,
            "router": f"{CMP}/regions/europe-west1/routers/cr-ew1",
            "status": "ESTABLISHED",
            **extra,
        },
    )


def gcp_estate() -> list[dict[str, Any]]:
    project = {
        "name": "//cloudresourcemanager.googleapis.com/projects/100000000001",
        "assetType": "cloudresourcemanager.googleapis.com/Project",
        "ancestors": ["projects/100000000001"],
        "resource": {
            "version": "v1",
            "location": "global",
            "data": {"projectId": PROJECT, "projectNumber": "100000000001"},
        },
    }
    return [
        project,
        _asset(
            "Network",
            "global/networks/kafka-net",
            "global",
            {"name": "kafka-net", "autoCreateSubnetworks": False},
        ),
        _asset(
            "Subnetwork",
            "regions/europe-west1/subnetworks/kafka-ew1",
            "europe-west1",
            {
                "name": "kafka-ew1",
                "network": f"{CMP}/global/networks/kafka-net",
                "region": f"{CMP}/regions/europe-west1",
                "ipCidrRange": "10.30.1.0/24",
            },
        ),
        _asset(
            "Instance",
            "zones/europe-west1-b/instances/broker-ew1",
            "europe-west1-b",
            {
                "name": "broker-ew1",
                "zone": f"{CMP}/zones/europe-west1-b",
                "status": "RUNNING",
                "labels": TAGS,
                "networkInterfaces": [
                    {
                        "network": f"{CMP}/global/networks/kafka-net",
                        "subnetwork": f"{CMP}/regions/europe-west1/subnetworks/kafka-ew1",
                        "networkIP": "10.30.1.10",
                    }
                ],
            },
        ),
        _asset(
            "VpnGateway",
            "regions/europe-west1/vpnGateways/ha-vpn",
            "europe-west1",
            {
                "name": "ha-vpn",
                "network": f"{CMP}/global/networks/kafka-net",
                "region": f"{CMP}/regions/europe-west1",
                "vpnInterfaces": [{"id": i, "ipAddress": ip} for i, ip in enumerate(GCP_IFACES)],
            },
        ),
        _asset(
            "ExternalVpnGateway",
            "global/externalVpnGateways/azure-weu",
            "global",
            {
                "name": "azure-weu",
                "redundancyType": "SINGLE_IP_INTERNALLY_REDUNDANT",
                "interfaces": [{"id": 0, "ipAddress": AZURE_GW_IP}],
            },
        ),
        _tunnel(
            "tun-azure",
            AZURE_GW_IP,
            peerExternalGateway=f"{CMP}/global/externalVpnGateways/azure-weu",
        ),
        _tunnel("tun-partner", PARTNER, remoteTrafficSelector=["172.16.0.0/16"]),
        _asset(
            "Firewall",
            "global/firewalls/kafka-private",
            "global",
            {
                "name": "kafka-private",
                "network": f"{CMP}/global/networks/kafka-net",
                "direction": "INGRESS",
                "priority": 1000,
                "sourceRanges": ["10.0.0.0/8", "172.16.0.0/16"],
                "allowed": [{"IPProtocol": "tcp", "ports": ["9092"]}],
            },
        ),
        _tunnel("tun-unknown", "192.0.2.200"),
    ]


def build_aws(fake: FakeAws) -> dict[str, str]:
    ec2 = fake.session(CUSTOMER, "us-east-1").client("ec2")
    tag = [{"ResourceType": "vpc", "Tags": [{"Key": "platform", "Value": "orders-kafka"}]}]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tag)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    sg = ec2.create_security_group(GroupName="kafka", Description="brokers", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
            }
        ],
    )
    broker = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        SubnetId=subnet["Subnet"]["SubnetId"],
        SecurityGroupIds=[sg],
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "platform", "Value": "orders-kafka"}]}
        ],
    )["Instances"][0]["InstanceId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    ids = {"vpc": vpc, "vgw": vgw, "broker": broker}
    for name, ip in (("azure", AZURE_GW_IP), ("unknown", "203.0.113.77")):
        cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp=ip, BgpAsn=65000)
        ids[name] = ec2.create_vpn_connection(
            Type="ipsec.1",
            CustomerGatewayId=cgw["CustomerGateway"]["CustomerGatewayId"],
            VpnGatewayId=vgw,
            Options={"StaticRoutesOnly": True},
        )["VpnConnection"]["VpnConnectionId"]
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    rt = table["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="10.20.0.0/16", GatewayId=vgw)
    return ids


@dataclass(frozen=True, kw_only=True)
class Scan:
    inventory: Inventory
    decl: Declaration
    ids: dict[str, str]


def _scan(
    fake_aws: FakeAws,
    monkeypatch: pytest.MonkeyPatch,
    azure: dict[str, Any],
    extra_gcp: list[dict[str, Any]] | None = None,
) -> Scan:
    ids = build_aws(fake_aws)
    for key, value in fake_aws.auditor((CUSTOMER,)).env().items():
        monkeypatch.setenv(key, value)
    decl = parse_declaration(BOUNDARY)
    with (
        AzureFake(azure, page_size=50) as az,
        GcpFake([*gcp_estate(), *(extra_gcp or [])], page_size=50) as gcp,
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
                    projects=(PROJECT, *(["vendor-net"] if extra_gcp else [])),
                    api_endpoint=gcp.endpoint,
                    credentials=gcp.credentials(),
                    retry=None,
                ),
                regions={"azure": ("westeurope",), "gcp": ("europe-west1",)},
            )
        )
    return Scan(inventory=inventory, decl=decl, ids=ids)


@pytest.fixture
def scan(fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> Scan:
    return _scan(fake_aws, monkeypatch, azure_estate())


def _by_name(verdicts: list[Verdict], rule: str) -> dict[str, Verdict]:
    return {v.resource.rsplit("/", 1)[-1]: v for v in verdicts if v.rule == rule}


def test_collection_holds_every_link(scan: Scan) -> None:
    assert not scan.inventory.gaps, scan.inventory.gaps
    links = {r.name for r in scan.inventory.resources if r.kind == "site_link"}
    assert {"cn-aws", "cn-gcp", "tun-azure", "tun-partner", "tun-unknown"} <= links
    assert {scan.ids["azure"], scan.ids["unknown"]} <= links
    raw = [r for r in scan.inventory.resources if r.kind == "site_link" and r.cloud == "aws"]
    assert all("pre_shared" not in str(r.attributes).lower() for r in raw)


def test_transit_declared_judges_every_cloud_link(scan: Scan) -> None:
    got = _by_name(
        run_rules(scan.inventory, scan.decl, ["network.transit-declared"], TODAY),
        "network.transit-declared",
    )
    expect = {
        "cn-aws": Status.PASS,
        "cn-gcp": Status.PASS,
        "tun-azure": Status.PASS,
        "tun-partner": Status.PASS,
        "tun-unknown": Status.FAIL,
        scan.ids["azure"]: Status.PASS,
        scan.ids["unknown"]: Status.FAIL,
    }
    assert {k: got[k].status for k in expect} == expect, {k: got[k].message for k in expect}
    assert "customer azure network vnet-kafka" in got[scan.ids["azure"]].message
    assert "declared in network.peers" in got["tun-partner"].message
    assert "no gateway of any collected network" in got["tun-unknown"].message
    # Every site link is judged; only the AWS transit-gateway side, where none exists,
    # says it has nothing to judge (NOT_APPLICABLE, not a PASS).
    na = [v.resource for v in got.values() if v.status is Status.NOT_APPLICABLE]
    assert na == ["scope:aws/*/*"], na


def test_transit_declared_fails_the_partner_link_once_undeclared(scan: Scan) -> None:
    vendor = scan.decl.model_copy(
        update={"network": scan.decl.network.model_copy(update={"peers": []})}
    )
    got = _by_name(
        run_rules(scan.inventory, vendor, ["network.transit-declared"], TODAY),
        "network.transit-declared",
    )
    assert got["tun-partner"].status is Status.FAIL


def _replication(scan: Scan) -> dict[str, Verdict]:
    verdicts = run_rules(scan.inventory, scan.decl, ["network.replication-private"], TODAY)
    out: dict[str, Verdict] = {}
    for v in verdicts:
        ends = v.resource.split("<->")
        clouds = sorted(
            "aws" if e.startswith("arn:") else ("azure" if e.startswith("/sub") else "gcp")
            for e in ends
        )
        out["-".join(clouds) if len(ends) == 2 else v.resource] = v
    return out


def test_replication_private_judges_pairs_across_clouds(scan: Scan) -> None:
    got = _replication(scan)
    assert got["aws-azure"].status is Status.PASS, got["aws-azure"].message
    assert "over a vpn" in got["aws-azure"].message
    assert got["azure-gcp"].status is Status.PASS, got["azure-gcp"].message
    # No link joins AWS and GCP: replication between them would need the internet.
    assert got["aws-gcp"].status is Status.FAIL, got["aws-gcp"].message
    assert "no private path joins" in got["aws-gcp"].message
    assert not [v for v in got.values() if v.status is Status.NOT_APPLICABLE]


def test_replication_private_cannot_see_past_an_azure_appliance(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure = azure_estate()
    table = _az(
        "rt-brokers",
        "routeTables",
        {
            "routes": [
                {
                    "name": "to-aws-via-nva",
                    "properties": {
                        "addressPrefix": "10.0.0.0/16",
                        "nextHopType": "VirtualAppliance",
                        "nextHopIpAddress": "10.20.2.4",
                    },
                }
            ],
            "subnets": [{"id": f"{VNET}/subnets/snet-brokers"}],
        },
    )
    azure["resources"].append(table)
    got = _replication(_scan(fake_aws, monkeypatch, azure))
    assert got["aws-azure"].status is Status.INCONCLUSIVE, got["aws-azure"].message
    assert "cannot see past" in got["aws-azure"].message


def _traffic(scan: Scan, decl: Declaration | None = None) -> dict[str, Verdict]:
    verdicts = run_rules(scan.inventory, decl or scan.decl, ["network.traffic-class"], TODAY)
    return {
        v.message.split("]", 1)[0].strip("["): v
        for v in verdicts
        if v.resource.endswith("/instances/broker-ew1")
    }


def _network(scan: Scan, **update: Any) -> Declaration:
    net = scan.decl.network
    changed = {k: getattr(net, k).model_copy(update={"via": v}) for k, v in update.items()}
    return scan.decl.model_copy(update={"network": net.model_copy(update=changed)})


def test_traffic_class_judges_a_gcp_listener_across_clouds(scan: Scan) -> None:
    got = _traffic(scan)
    # Replication from Azure westeurope arrives over the declared VPN (AWS has no link).
    assert got["replication"].status is Status.PASS, got["replication"].message
    assert "vpn" in got["replication"].message
    # Declared clients behind the partner tunnel reach it over a VPN not declared for them.
    assert got["clients"].status is Status.FAIL, got["clients"].message
    assert "via vpn" in got["clients"].message and "172.16.0.0/16" in got["clients"].message
    assert got["operations"].status is Status.PASS, got["operations"].message


def test_traffic_class_clean_twin_declares_the_vpn(scan: Scan) -> None:
    got = _traffic(scan, _network(scan, clients=["private-endpoint", "vpn"]))
    assert got["clients"].status is Status.PASS, got["clients"].message


def test_traffic_class_fails_replication_over_an_undeclared_vpn(scan: Scan) -> None:
    got = _traffic(scan, _network(scan, replication=["peering"]))
    assert got["replication"].status is Status.FAIL, got["replication"].message
    assert "undeclared vpn" in got["replication"].message


def test_paths_command_prints_a_path_across_clouds(scan: Scan, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auditor.checks.pack import load_pack
    from auditor.cli import main
    from auditor.pipeline import judge_and_write

    when = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    _ev, bundle = judge_and_write(
        scan.inventory,
        decl=scan.decl,
        decl_text=BOUNDARY,
        pack=load_pack("default"),
        out_dir=tmp_path,
        started=when,
        finished=when,
    )
    vnet = VNET.lower()
    broker = (
        f"{NET.replace('/global/networks/kafka-net', '')}/zones/europe-west1-b/instances/broker-ew1"
    )
    res = CliRunner().invoke(
        main, ["paths", str(bundle), "--from", vnet, "--to", broker, "--port", "9092"]
    )
    assert res.exit_code == 0, res.output
    assert "YES" in res.output and "via vpn" in res.output
    assert "tun-azure" in res.output and "kafka-private" in res.output
    # From the AWS VPC there is no link to GCP: no path (exit 1), never a guess.
    vpc = next(r.id for r in scan.inventory.resources if r.kind == "network" and r.cloud == "aws")
    res = CliRunner().invoke(
        main, ["paths", str(bundle), "--from", vpc, "--to", broker, "--port", "9092"]
    )
    assert res.exit_code == 1, res.output
    assert "DROP" in res.output and "no peering or site link joins" in res.output
    # From the internet: the broker has no external IP (its exposure answers, not the AWS engine).
    res = CliRunner().invoke(
        main, ["paths", str(bundle), "--from", "internet", "--to", broker, "--port", "9092"]
    )
    assert res.exit_code == 1, res.output
    assert "no external IP" in res.output


def _vendor_gateway() -> list[dict[str, Any]]:
    """A vendor project's network and HA VPN gateway (scanned, but no customer's)."""
    vendor = "https://www.googleapis.com/compute/v1/projects/vendor-net"

    def asset(kind: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": f"//compute.googleapis.com/projects/vendor-net/{path}",
            "assetType": f"compute.googleapis.com/{kind}",
            "ancestors": ["projects/300000000003"],
            "resource": {
                "version": "v1",
                "parent": "//cloudresourcemanager.googleapis.com/projects/300000000003",
                "location": "europe-west1",
                "data": data,
            },
        }

    return [
        {
            "name": "//cloudresourcemanager.googleapis.com/projects/300000000003",
            "assetType": "cloudresourcemanager.googleapis.com/Project",
            "ancestors": ["projects/300000000003"],
            "resource": {
                "version": "v1",
                "location": "global",
                "data": {"projectId": "vendor-net", "projectNumber": "300000000003"},
            },
        },
        asset("Network", "global/networks/ops", {"name": "ops"}),
        asset(
            "Subnetwork",
            "regions/europe-west1/subnetworks/ops-ew1",
            {
                "name": "ops-ew1",
                "network": f"{vendor}/global/networks/ops",
                "region": f"{vendor}/regions/europe-west1",
                "ipCidrRange": "10.99.0.0/24",
            },
        ),
        asset(
            "VpnGateway",
            "regions/europe-west1/vpnGateways/ops-vpn",
            {
                "name": "ops-vpn",
                "network": f"{vendor}/global/networks/ops",
                "region": f"{vendor}/regions/europe-west1",
                "vpnInterfaces": [{"id": 0, "ipAddress": "35.230.0.1"}],
            },
        ),
    ]


def test_transit_declared_fails_a_link_into_an_undeclared_partys_network(
    fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure = azure_estate()
    azure["resources"] += [
        _lng("lng-vendor", "35.230.0.1", ["10.99.0.0/24"]),
        _conn("cn-vendor", "lng-vendor"),
    ]
    scan = _scan(fake_aws, monkeypatch, azure, _vendor_gateway())
    verdicts = run_rules(scan.inventory, scan.decl, ["network.transit-declared"], TODAY)
    got = _by_name(verdicts, "network.transit-declared")
    assert got["cn-vendor"].status is Status.FAIL, got["cn-vendor"].message
    assert "undeclared gcp account vendor-net" in got["cn-vendor"].message
    assert got["cn-aws"].status is Status.PASS


def test_traffic_class_judges_an_aws_listener_from_another_cloud(scan: Scan) -> None:
    def repl(decl: Declaration) -> Verdict:
        verdicts = run_rules(scan.inventory, decl, ["network.traffic-class"], TODAY)
        (v,) = [
            v
            for v in verdicts
            if v.resource.endswith(scan.ids["broker"]) and v.message.startswith("[replication]")
        ]
        return v

    got = repl(scan.decl)
    assert got.status is Status.PASS, got.message
    assert "azure/westeurope" in got.message and "vpn" in got.message
    twin = repl(_network(scan, replication=["peering"]))
    assert twin.status is Status.FAIL and "undeclared vpn" in twin.message, twin.message


def test_traffic_class_judges_an_azure_listener_from_two_clouds(scan: Scan) -> None:
    def of_vm(decl: Declaration) -> dict[str, Verdict]:
        verdicts = run_rules(scan.inventory, decl, ["network.traffic-class"], TODAY)
        return {
            v.message.split("]", 1)[0].strip("["): v
            for v in verdicts
            if v.resource.endswith("/virtualmachines/vm-broker")
        }

    got = of_vm(scan.decl)
    repl = got["replication"]
    assert repl.status is Status.PASS, repl.message
    assert "aws/us-east-1" in repl.message and "gcp/europe-west1" in repl.message
    assert got["clients"].status is Status.PASS, got["clients"].message
    twin = of_vm(_network(scan, replication=["peering"]))["replication"]
    assert twin.status is Status.FAIL and "undeclared vpn" in twin.message, twin.message
