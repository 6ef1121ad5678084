"""STS: who the scan runs as in each account (the account node's evidence)."""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    identity = ctx.call("GetCallerIdentity")
    if identity is not None:
        ctx.emit("sts:caller_identity", identity, "sts:GetCallerIdentity")


SERVICE = AwsService(
    name="sts",
    client="sts",
    scope="global",
    actions=("sts:GetCallerIdentity",),
    collect=collect,
)
