"""VPC flow logs delivering to an S3 prefix, which moto's CreateFlowLogs refuses.

AWS takes ``arn:aws:s3:::bucket/prefix/`` as the bucket ``bucket`` and a key prefix (a log
archive account's bucket shared by many accounts under one prefix is common); moto looks
the whole ``bucket/prefix/`` up as a bucket name and reports the flow log unsuccessful. This
patch makes the fake check the bucket part (in any account, as moto's bucket lookup does)
and keep the full destination, as AWS describes it.
"""

from __future__ import annotations

from typing import Any

_S3 = "arn:aws:s3:::"


def accept_prefixes() -> None:
    """Patch moto (once per process) to accept an S3 flow log destination with a prefix."""
    from moto.ec2.models.flow_logs import FlowLogsBackend

    original = FlowLogsBackend.create_flow_logs
    if getattr(original, "accepts_prefixes", False):
        return

    def create_flow_logs(self: Any, **kw: Any) -> tuple[list[Any], list[Any]]:
        dest = str(kw.get("log_destination") or "")
        bucket, slash, _ = dest.removeprefix(_S3).partition("/")
        if kw.get("log_destination_type") != "s3" or not dest.startswith(_S3) or not slash:
            return original(self, **kw)
        made, failed = original(self, **{**kw, "log_destination": f"{_S3}{bucket}"})
        for flow_log in made:
            flow_log.log_destination = dest
        return made, failed

    create_flow_logs.accepts_prefixes = True  # type: ignore[attr-defined]
    FlowLogsBackend.create_flow_logs = create_flow_logs  # type: ignore[assignment,method-assign]
