"""MSK Connect connectors, for MirrorMaker 2 running on them. SDK calls only.

ListConnectors leaves out the connector configuration, so each connector is
described, and its tags listed (tags are how a declaration selects it). A
connector configuration may carry credentials (``sasl.jaas.config``, ...):
only the keys in :data:`KEPT` (what says what is replicated where, and whether
checkpoints and consumer offsets follow) leave this module.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService
from auditor.collect.mm2_config import KEPT


def _kept(config: Any) -> dict[str, str]:
    if not isinstance(config, dict):
        return {}
    return {str(k): str(v) for k, v in sorted(config.items()) if k in KEPT}


def collect(ctx: AwsContext) -> None:
    for summary in ctx.pages("ListConnectors", "connectors", page_size=100):
        arn = str(summary["connectorArn"])
        described = ctx.call("DescribeConnector", resource=arn, connectorArn=arn)
        if described is None:
            continue
        tags = ctx.call("ListTagsForResource", resource=arn, resourceArn=arn)
        record = {
            **{k: v for k, v in described.items() if k != "connectorConfiguration"},
            "connectorConfiguration": _kept(described.get("connectorConfiguration")),
            "tags": None if tags is None else tags.get("tags") or {},
        }
        ctx.emit("kafkaconnect:connector", record, "kafkaconnect:DescribeConnector")


SERVICE = AwsService(
    name="msk-connect",
    client="kafkaconnect",
    scope="regional",
    actions=(
        "kafkaconnect:ListConnectors",
        "kafkaconnect:DescribeConnector",
        "kafkaconnect:ListTagsForResource",
    ),
    collect=collect,
)
