"""Site links from the documented shapes: GCP Interconnect and classic VPN, AWS VPN on a TGW.

The end-to-end estate (``tests/e2e/test_cross_cloud_paths.py``) joins three
clouds by HA VPN and IPsec; these cases cover the other link types through the
same normalisers and ``network.transit-declared``.
"""

from __future__ import annotations

from typing import Any

from auditor.boundary import Declaration
from auditor.collect.aws.ec2_vpn import outside_ips
from auditor.model import RawRecord, Scope, Status
from auditor.normalize import normalize
from tests.gcp_helpers import CP, declaration, estate, inventory
from tests.helpers import run_rules

REGION = f"{CP}/regions/europe-west1"
NETWORK = f"{CP}/global/networks/kafka-net"


def _asset(kind: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"//compute.googleapis.com/projects/orders-prod/{path}",
        "assetType": f"compute.googleapis.com/{kind}",
        "ancestors": ["projects/100000000001"],
        "resource": {
            "version": "v1",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": "europe-west1",
            "data": data,
        },
    }


def _links() -> list[dict[str, Any]]:
    return [
        _asset(
            "Router",
            "regions/europe-west1/routers/cr-ic",
            {"name": "cr-ic", "network": NETWORK, "region": REGION, "bgp": {"asn": 16550}},
        ),
        _asset(
            "InterconnectAttachment",
            "regions/europe-west1/interconnectAttachments/ic-partner",
            {
                "name": "ic-partner",
                "region": REGION,
                "router": f"{REGION}/routers/cr-ic",
                "type": "PARTNER",
                "state": "ACTIVE",
                "edgeAvailabilityDomain": "AVAILABILITY_DOMAIN_1",
                "partnerMetadata": {"partnerName": "Megaport", "interconnectName": "mp-ams"},
            },
        ),
        _asset(
            "TargetVpnGateway",
            "regions/europe-west1/targetVpnGateways/classic-gw",
            {"name": "classic-gw", "network": NETWORK, "region": REGION, "status": "READY"},
        ),
        _asset(
            "VpnTunnel",
            "regions/europe-west1/vpnTunnels/classic-dc",
            {
                "name": "classic-dc",
                "region": REGION,
                "targetVpnGateway": f"{REGION}/targetVpnGateways/classic-gw",
                "peerIp": "203.0.113.9",
                "localTrafficSelector": ["10.10.0.0/20"],
                "remoteTrafficSelector": ["192.168.50.0/24"],
                "status": "NO_INCOMING_PACKETS",
            },
        ),
    ]


def _transit(decl: Declaration) -> dict[str, Any]:
    inv = inventory([*estate(), *_links()])
    verdicts = run_rules(inv, decl, ["network.transit-declared"])
    return {v.resource.rsplit("/", 1)[-1]: v for v in verdicts}


def _with_peers(*peers: str) -> Declaration:
    decl = declaration()
    network = decl.network.model_copy(update={"peers": [*decl.network.peers, *peers]})
    return decl.model_copy(update={"network": network})


def test_interconnect_and_classic_vpn_are_site_links() -> None:
    inv = inventory([*estate(), *_links()])
    links = {r.name: r.attributes for r in inv.resources if r.kind == "site_link"}
    assert links["ic-partner"]["link_type"] == "interconnect"
    assert links["ic-partner"]["peer_gateway"] == "partner:Megaport"
    assert links["classic-dc"]["remote_prefixes"] == ["192.168.50.0/24"]
    assert links["classic-dc"]["status"] == "no_incoming_packets"


def test_undeclared_interconnect_and_vpn_fail_declared_ones_pass() -> None:
    got = _transit(declaration())
    assert got["ic-partner"].status is Status.FAIL, got["ic-partner"].message
    assert got["classic-dc"].status is Status.FAIL, got["classic-dc"].message
    assert "interconnect link ic-partner leads from kafka-net" in got["ic-partner"].message
    twin = _transit(_with_peers("partner:Megaport", "203.0.113.0/24"))
    assert twin["ic-partner"].status is Status.PASS, twin["ic-partner"].message
    assert twin["classic-dc"].status is Status.PASS, twin["classic-dc"].message


def _aws(rtype: str, data: dict[str, Any]) -> RawRecord:
    return RawRecord(
        cloud="aws",
        account="111111111111",
        region="us-east-1",
        service="ec2-vpn" if "vpn" in rtype or "customer" in rtype else "ec2-network",
        type=rtype,
        data=data,
    )


def test_aws_vpn_on_a_transit_gateway_reaches_the_attached_vpcs() -> None:
    tgw = "tgw-0abc"
    records = [
        _aws("ec2:vpc", {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111111111111"}),
        _aws("ec2:transit_gateway", {"TransitGatewayId": tgw, "State": "available"}),
        _aws(
            "ec2:transit_gateway_attachment",
            {
                "Attachment": {
                    "TransitGatewayAttachmentId": "tgw-attach-1",
                    "TransitGatewayId": tgw,
                    "ResourceType": "vpc",
                    "ResourceId": "vpc-1",
                    "State": "available",
                }
            },
        ),
        _aws(
            "ec2:customer_gateway",
            {"CustomerGatewayId": "cgw-1", "IpAddress": "198.51.100.1", "BgpAsn": "65001"},
        ),
        _aws(
            "ec2:vpn_connection",
            {
                "VpnConnectionId": "vpn-1",
                "State": "available",
                "CustomerGatewayId": "cgw-1",
                "TransitGatewayId": tgw,
                "Options": {"StaticRoutesOnly": True},
                "Routes": [{"DestinationCidrBlock": "172.20.0.0/16", "State": "available"}],
                "VgwTelemetry": [{"OutsideIpAddress": "3.3.3.3", "Status": "UP"}],
            },
        ),
    ]
    inv = normalize(records, scope=Scope(accounts=("111111111111",), regions=("us-east-1",)))
    (link,) = [r for r in inv.resources if r.kind == "site_link"]
    assert link.attributes["local_ips"] == ["3.3.3.3"]
    assert link.attributes["remote_prefixes"] == ["172.20.0.0/16"]
    assert link.attributes["routing"] == "static"
    from auditor.analysis.derive import build_graph
    from auditor.analysis.network.site_links import site_links
    from tests.helpers import declaration as aws_declaration

    (s,) = site_links(build_graph(inv, aws_declaration())).links
    assert [n.name for n in s.networks] == ["vpc-1"]
    assert s.peer_ips == ("198.51.100.1",) and s.far_gateway is None


def test_the_customer_gateway_configuration_keeps_no_key() -> None:
    config = (
        "<vpn_connection><ipsec_tunnel><customer_gateway><tunnel_outside_address>"
        "<ip_address>1.1.1.1</ip_address></tunnel_outside_address></customer_gateway>"
        "<vpn_gateway><tunnel_outside_address><ip_address>52.0.0.1</ip_address>"
        "</tunnel_outside_address></vpn_gateway><ike><pre_shared_key>s3cret</pre_shared_key>"
        "</ike></ipsec_tunnel></vpn_connection>"
    )
    assert outside_ips(config) == ["52.0.0.1"]
