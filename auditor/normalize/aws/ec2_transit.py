"""EC2 links between networks: VPC peering and transit gateways.

Split from :mod:`auditor.normalize.aws.ec2_network` (which normalises what lies
inside one VPC) to keep each module readable; ids and conventions are the same.
Peering connections and transit gateway attachments are seen from both
accounts; each observing account gets its own node (id in its account and
region, identical attributes), so that every route in that account resolves
to a node of the same account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.base.edges import ATTACHED_TO, PEERS_WITH
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_network import ec2_arn, ids_of, name_of, owner_of


def _peer_side(info: Mapping[str, Any], region: str) -> dict[str, Any]:
    cidrs = {str(c["CidrBlock"]) for c in info.get("CidrBlockSet") or [] if c.get("CidrBlock")}
    cidrs |= {
        str(c["Ipv6CidrBlock"])
        for c in info.get("Ipv6CidrBlockSet") or []
        if c.get("Ipv6CidrBlock")
    }
    if not cidrs and info.get("CidrBlock"):
        cidrs = {str(info["CidrBlock"])}
    return {
        "account": info.get("OwnerId"),
        "region": info.get("Region") or region,
        "vpc_id": info.get("VpcId"),
        "cidrs": sorted(cidrs),
    }


@normalizes("aws", "ec2:vpc_peering_connection")
def vpc_peering_connection(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    pcx_id = str(d["VpcPeeringConnectionId"])
    arn = ec2_arn(rec.region, rec.account, pcx_id, "vpc-peering-connection")
    requester = _peer_side(d.get("RequesterVpcInfo") or {}, rec.region)
    accepter = _peer_side(d.get("AccepterVpcInfo") or {}, rec.region)
    status = (d.get("Status") or {}).get("Code")
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.PEERING,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, pcx_id),
        tags=tags,
        attributes={"requester": requester, "accepter": accepter, "status": status},
        source="ec2:DescribeVpcPeeringConnections",
    )
    for side, info in (("requester", requester), ("accepter", accepter)):
        if not info["vpc_id"]:
            continue
        out.relation(
            arn,
            ec2_arn(
                str(info["region"]), str(info["account"] or rec.account), info["vpc_id"], "vpc"
            ),
            PEERS_WITH,
            f"{pcx_id} ({status}) {side} {info['vpc_id']} in {info['account']}/{info['region']}",
            {"side": side, "status": status},
        )


@normalizes("aws", "ec2:transit_gateway")
def transit_gateway(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    tgw_id = str(d["TransitGatewayId"])
    account = owner_of(rec)
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=str(
            d.get("TransitGatewayArn") or ec2_arn(rec.region, account, tgw_id, "transit-gateway")
        ),
        cloud="aws",
        kind=Kind.TRANSIT_GATEWAY,
        account=account,
        region=rec.region,
        name=name_of(tags, tgw_id),
        tags=tags,
        attributes={"owner": account, "state": d.get("State"), "tgw_id": tgw_id},
        source="ec2:DescribeTransitGateways",
    )


@normalizes("aws", "ec2:transit_gateway_attachment")
def transit_gateway_attachment(rec: RawRecord, out: Builder) -> None:
    att = rec.data["Attachment"]
    att_id = str(att["TransitGatewayAttachmentId"])
    tgw_id = str(att["TransitGatewayId"])
    tgw_owner = str(att.get("TransitGatewayOwnerId") or rec.account)
    resource_type = str(att.get("ResourceType"))
    resource_owner = str(att.get("ResourceOwnerId") or rec.account)
    arn = ec2_arn(rec.region, rec.account, att_id, "transit-gateway-attachment")
    subnet_ids: list[str] | None = None
    if resource_type == "vpc" and "VpcAttachment" in rec.data:
        subnet_ids = sorted(str(s) for s in rec.data["VpcAttachment"].get("SubnetIds") or [])
    peer: dict[str, Any] | None = None
    if resource_type == "peering" and "PeeringAttachment" in rec.data:
        detail = rec.data["PeeringAttachment"]
        requester = detail.get("RequesterTgwInfo") or {}
        accepter = detail.get("AccepterTgwInfo") or {}
        other = accepter if requester.get("TransitGatewayId") == tgw_id else requester
        peer = {
            "account": other.get("OwnerId"),
            "region": other.get("Region"),
            "tgw_id": other.get("TransitGatewayId"),
        }
    tags = tags_of(att.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.TRANSIT_ATTACHMENT,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, att_id),
        tags=tags,
        attributes={
            "tgw_id": tgw_id,
            "resource_type": resource_type,
            "resource_id": att.get("ResourceId"),
            "resource_owner": resource_owner,
            "state": att.get("State"),
            "association_route_table_id": (att.get("Association") or {}).get(
                "TransitGatewayRouteTableId"
            ),
            "subnet_ids": subnet_ids,
            "peer": peer,
        },
        source="ec2:DescribeTransitGatewayAttachments",
    )
    out.relation(
        arn,
        ec2_arn(rec.region, tgw_owner, tgw_id, "transit-gateway"),
        ATTACHED_TO,
        f"{att_id} attaches to transit gateway {tgw_id}",
    )
    if resource_type == "vpc" and att.get("ResourceId"):
        out.relation(
            arn,
            ec2_arn(rec.region, resource_owner, str(att["ResourceId"]), "vpc"),
            ATTACHED_TO,
            f"{att_id} attaches {att['ResourceId']}",
        )
    if peer and peer["tgw_id"] and peer["account"] and peer["region"]:
        out.relation(
            arn,
            ec2_arn(str(peer["region"]), str(peer["account"]), str(peer["tgw_id"])),
            ATTACHED_TO,
            f"{att_id} peers with transit gateway {peer['tgw_id']}"
            f" in {peer['account']}/{peer['region']}",
        )


def _live(items: Iterable[Mapping[str, Any]], dead: tuple[str, ...]) -> list[str]:
    return ids_of((i for i in items if i.get("State") not in dead), "TransitGatewayAttachmentId")


@normalizes("aws", "ec2:transit_gateway_route_table")
def transit_gateway_route_table(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    table_id = str(d["TransitGatewayRouteTableId"])
    account = rec.account
    associations = (
        _live(d["Associations"], ("disassociating", "disassociated"))
        if "Associations" in d
        else None
    )
    propagations = (
        _live(d["Propagations"], ("disabling", "disabled")) if "Propagations" in d else None
    )
    routes: list[dict[str, Any]] | None = None
    if "Routes" in d:
        routes = sorted(
            (
                {
                    "destination": r.get("DestinationCidrBlock") or r.get("PrefixListId"),
                    "attachment_ids": ids_of(
                        r.get("TransitGatewayAttachments") or [], "TransitGatewayAttachmentId"
                    ),
                    "state": r.get("State"),
                    "type": r.get("Type"),
                }
                for r in d["Routes"]
            ),
            key=lambda r: (str(r["destination"]), str(r["type"])),
        )
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=ec2_arn(rec.region, account, table_id, "transit-gateway-route-table"),
        cloud="aws",
        kind=Kind.TRANSIT_ROUTE_TABLE,
        account=account,
        region=rec.region,
        name=name_of(tags, table_id),
        tags=tags,
        attributes={
            "tgw_id": d.get("TransitGatewayId"),
            "associations": associations,
            "propagations": propagations,
            "routes": routes,
        },
        source="ec2:DescribeTransitGatewayRouteTables",
    )
