"""EC2 networking: VPCs, subnets, routes, gateways, firewalls, peering, transit, endpoints,
prefix lists (:mod:`._prefix_lists`).

SDK calls only. Each emitted record is one resource; per-resource detail read
by a second call (TGW route table associations, propagations and routes,
endpoint service permissions, TGW attachment detail) is bundled into that
resource's record. A detail call that fails leaves its key out of the record
and records a gap naming the resource.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from auditor.collect.aws import _prefix_lists
from auditor.collect.aws_context import MAX_PAGES, AwsContext, AwsService
from auditor.collect.threads import thread_pool

Emit = Callable[[str, dict[str, Any], str], None]
"""Where a read puts its records: ``emit(record type, record, operation)``."""

READ_WORKERS = 4
"""Listings read at once within the unit. The unit makes some twenty independent
listings; one after another they were a scan's longest dependent chain. EC2 meters
describe calls per account and region, and the pacer holds every one of these threads
to that budget, so reading four at once costs no throttling."""

_LISTINGS: tuple[tuple[str, str, str, int | None], ...] = (
    # (operation, result key, raw record type, largest page size the API allows)
    ("DescribeVpcs", "Vpcs", "ec2:vpc", 1000),
    ("DescribeSubnets", "Subnets", "ec2:subnet", 1000),
    ("DescribeRouteTables", "RouteTables", "ec2:route_table", 100),
    ("DescribeInternetGateways", "InternetGateways", "ec2:internet_gateway", 1000),
    (
        "DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGateways",
        "ec2:egress_only_internet_gateway",
        255,
    ),
    ("DescribeNatGateways", "NatGateways", "ec2:nat_gateway", 1000),
    ("DescribeVpnGateways", "VpnGateways", "ec2:vpn_gateway", None),
    ("DescribeAddresses", "Addresses", "ec2:address", None),
    ("DescribeSecurityGroups", "SecurityGroups", "ec2:security_group", 1000),
    ("DescribeNetworkAcls", "NetworkAcls", "ec2:network_acl", 1000),
    ("DescribeNetworkInterfaces", "NetworkInterfaces", "ec2:network_interface", 1000),
    (
        "DescribeVpcPeeringConnections",
        "VpcPeeringConnections",
        "ec2:vpc_peering_connection",
        1000,
    ),
    ("DescribeTransitGateways", "TransitGateways", "ec2:transit_gateway", 1000),
    ("DescribeVpcEndpoints", "VpcEndpoints", "ec2:vpc_endpoint", 1000),
    ("DescribeFlowLogs", "FlowLogs", "ec2:flow_log", 1000),
)


SHARED_LISTINGS = frozenset({"DescribeFlowLogs"})
"""Listings another unit of the same account and region makes too (``vpc-flow-records``):
made once for both."""


def list_all(
    ctx: AwsContext,
    operation: str,
    result_key: str,
    *,
    resource: str,
    token_key: str = "NextToken",
    next_token_key: str | None = None,
    **params: Any,
) -> list[dict[str, Any]] | None:
    """Every item of a per-resource listing, or None (and a gap naming ``resource``).

    Unlike :meth:`AwsContext.pages` the caller learns that the listing failed,
    so the record can say "unknown" instead of "empty". ``token_key`` names the
    request's page token, ``next_token_key`` the response's (if different).
    """
    items: list[dict[str, Any]] = []
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        extra = {token_key: token} if token else {}
        response = ctx.call(operation, resource=resource, **params, **extra)
        if response is None:
            return None
        items.extend(response.get(result_key) or [])
        token = response.get(next_token_key or token_key) or None
        if token is None:
            return items
        if token in seen:
            ctx.gap(operation, "RepeatedPageToken", "a page token came back", resource)
            return None
        seen.add(token)
    ctx.gap(operation, "TooManyPages", f"stopped after {MAX_PAGES} pages", resource)
    return None


def _arn(ctx: AwsContext, kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{ctx.region}:{ctx.account}:{kind}/{resource_id}"


def _transit_attachments(ctx: AwsContext, emit: Emit) -> None:
    vpc_detail = {
        str(a["TransitGatewayAttachmentId"]): a
        for a in ctx.pages(
            "DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments", page_size=1000
        )
    }
    peering_detail = {
        str(a["TransitGatewayAttachmentId"]): a
        for a in ctx.pages(
            "DescribeTransitGatewayPeeringAttachments",
            "TransitGatewayPeeringAttachments",
            page_size=1000,
        )
    }
    for att in ctx.pages(
        "DescribeTransitGatewayAttachments", "TransitGatewayAttachments", page_size=1000
    ):
        record: dict[str, Any] = {"Attachment": att}
        att_id = str(att.get("TransitGatewayAttachmentId"))
        if att.get("ResourceType") == "vpc" and att_id in vpc_detail:
            record["VpcAttachment"] = vpc_detail[att_id]
        if att.get("ResourceType") == "peering" and att_id in peering_detail:
            record["PeeringAttachment"] = peering_detail[att_id]
        emit("ec2:transit_gateway_attachment", record, "ec2:DescribeTransitGatewayAttachments")


def _transit_route_tables(ctx: AwsContext, emit: Emit) -> None:
    for table in ctx.pages(
        "DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables", page_size=1000
    ):
        table_id = str(table["TransitGatewayRouteTableId"])
        arn = _arn(ctx, "transit-gateway-route-table", table_id)
        record = dict(table)
        associations = list_all(
            ctx,
            "GetTransitGatewayRouteTableAssociations",
            "Associations",
            resource=arn,
            TransitGatewayRouteTableId=table_id,
            MaxResults=1000,
        )
        if associations is not None:
            record["Associations"] = associations
        propagations = list_all(
            ctx,
            "GetTransitGatewayRouteTablePropagations",
            "TransitGatewayRouteTablePropagations",
            resource=arn,
            TransitGatewayRouteTableId=table_id,
            MaxResults=1000,
        )
        if propagations is not None:
            record["Propagations"] = propagations
        # No MaxResults: AWS defaults to its maximum (1000) and moto fails on the parameter.
        routes = ctx.call(
            "SearchTransitGatewayRoutes",
            resource=arn,
            TransitGatewayRouteTableId=table_id,
            Filters=[{"Name": "type", "Values": ["static", "propagated"]}],
        )
        if routes is not None:
            record["Routes"] = routes.get("Routes") or []
            if routes.get("AdditionalRoutesAvailable"):
                ctx.gap(
                    "SearchTransitGatewayRoutes",
                    "TruncatedResults",
                    "more routes than one search returns",
                    arn,
                )
        emit("ec2:transit_gateway_route_table", record, "ec2:DescribeTransitGatewayRouteTables")


def _endpoint_services(ctx: AwsContext, emit: Emit) -> None:
    for svc in ctx.pages(
        "DescribeVpcEndpointServiceConfigurations", "ServiceConfigurations", page_size=1000
    ):
        service_id = str(svc["ServiceId"])
        record = dict(svc)
        principals = list_all(
            ctx,
            "DescribeVpcEndpointServicePermissions",
            "AllowedPrincipals",
            resource=_arn(ctx, "vpc-endpoint-service", service_id),
            ServiceId=service_id,
            MaxResults=1000,
        )
        if principals is not None:
            record["AllowedPrincipals"] = principals
        emit("ec2:vpc_endpoint_service", record, "ec2:DescribeVpcEndpointServiceConfigurations")


def _listing(spec: tuple[str, str, str, int | None], ctx: AwsContext, emit: Emit) -> None:
    operation, key, record_type, page_size = spec
    shared = operation in SHARED_LISTINGS
    for item in ctx.pages(operation, key, page_size=page_size, share=shared):
        emit(record_type, item, f"ec2:{operation}")


_READS: tuple[Callable[[AwsContext, Emit], None], ...] = (
    *(functools.partial(_listing, spec) for spec in _LISTINGS),
    _transit_attachments,
    _transit_route_tables,
    _endpoint_services,
    functools.partial(_prefix_lists.read, list_all=list_all),
)


def _buffered(ctx: AwsContext, read: Callable[[AwsContext, Emit], None]) -> list[Any]:
    """What ``read`` emits, kept to be emitted in a fixed order."""
    out: list[tuple[str, dict[str, Any], str]] = []
    read(ctx, lambda kind, record, operation: out.append((kind, record, operation)))
    return out


def collect(ctx: AwsContext) -> None:
    ctx.client()  # built once, before the threads share it (boto3 clients are thread-safe)
    with thread_pool(READ_WORKERS) as pool:
        emitted = list(pool.map(functools.partial(_buffered, ctx), _READS))
    for records in emitted:  # in the reads' order, whatever order they finished in
        for kind, record, operation in records:
            ctx.emit(kind, record, operation)


SERVICE = AwsService(
    name="ec2-network",
    client="ec2",
    scope="regional",
    actions=(
        "ec2:DescribeAddresses",
        "ec2:DescribeEgressOnlyInternetGateways",
        "ec2:DescribeFlowLogs",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeTransitGatewayAttachments",
        "ec2:DescribeTransitGatewayPeeringAttachments",
        "ec2:DescribeTransitGatewayRouteTables",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "ec2:DescribeTransitGateways",
        "ec2:DescribeVpcEndpointServiceConfigurations",
        "ec2:DescribeVpcEndpointServicePermissions",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpnGateways",
        "ec2:GetTransitGatewayRouteTableAssociations",
        "ec2:GetTransitGatewayRouteTablePropagations",
        "ec2:SearchTransitGatewayRoutes",
        *_prefix_lists.ACTIONS,
    ),
    collect=collect,
)
