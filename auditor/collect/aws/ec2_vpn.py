"""EC2 site-to-site VPN: VPN connections and customer gateways (read only).

A VPN connection's ``CustomerGatewayConfiguration`` holds the tunnels' pre-shared
keys: it is never kept. Only the AWS-side tunnel outside addresses are read from
it (when ``VgwTelemetry`` and the tunnel options do not name them) and kept as
``TunnelOutsideIpAddresses``, so that the far side of the tunnel can be matched
to another cloud's gateway. Direct Connect is not collected (the local fake,
moto, does not implement it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService

_VGW_OUTSIDE = re.compile(
    r"<vpn_gateway>\s*<tunnel_outside_address>\s*<ip_address>\s*([0-9a-fA-F.:]+)\s*</ip_address>"
)


def outside_ips(config: str) -> list[str]:
    """The AWS-side tunnel outside addresses named by a customer gateway configuration."""
    return sorted(set(_VGW_OUTSIDE.findall(config)))


def connection_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``DescribeVpnConnections`` item without its configuration text (it holds the
    tunnels' pre-shared keys), with the AWS-side tunnel outside addresses read from it."""
    record = {k: v for k, v in item.items() if k != "CustomerGatewayConfiguration"}
    config = item.get("CustomerGatewayConfiguration")
    if isinstance(config, str) and config:
        record["TunnelOutsideIpAddresses"] = outside_ips(config)
    return record


def collect(ctx: AwsContext) -> None:
    for item in ctx.pages("DescribeCustomerGateways", "CustomerGateways"):
        ctx.emit("ec2:customer_gateway", item, "ec2:DescribeCustomerGateways")
    for item in ctx.pages("DescribeVpnConnections", "VpnConnections"):
        ctx.emit("ec2:vpn_connection", connection_record(item), "ec2:DescribeVpnConnections")


SERVICE = AwsService(
    name="ec2-vpn",
    client="ec2",
    scope="regional",
    actions=("ec2:DescribeCustomerGateways", "ec2:DescribeVpnConnections"),
    collect=collect,
)
