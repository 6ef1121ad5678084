"""Flow log records for fixture estates: default format (version 2) lines, written into a
CloudWatch Logs group of the fake as AWS delivers them (one stream per interface), or
into an S3 bucket as the gzip files AWS delivers there.

Fixture setup only: the auditor itself never writes (it reads with FilterLogEvents,
ListObjectsV2 and GetObject).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Flow:
    """One flow to write: ``count`` records of it, a minute apart, ending now."""

    src: str
    dst: str
    dst_port: int
    src_port: int = 49152
    protocol: int = 6
    action: str = "ACCEPT"
    packets: int = 10
    bytes: int = 4200
    count: int = 1


def flow_lines(account: str, interface: str, flows: Sequence[Flow], now: int) -> list[str]:
    """The default-format lines of ``flows`` seen by ``interface`` (start/end in seconds)."""
    lines: list[str] = []
    for f in flows:
        for i in range(f.count):
            end = now - 60 * i
            lines.append(
                f"2 {account} {interface} {f.src} {f.dst} {f.src_port} {f.dst_port} "
                f"{f.protocol} {f.packets} {f.bytes} {end - 60} {end} {f.action} OK"
            )
    return lines


def write_records(
    session: Any, group: str, interface: str, lines: Sequence[str], now: int | None = None
) -> None:
    """Put ``lines`` into the stream ``{interface}-all`` of ``group`` (created if absent)."""
    logs = session.client("logs")
    stream = f"{interface}-all"
    existing = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)
    if not any(s["logStreamName"] == stream for s in existing.get("logStreams", [])):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    stamp = (now if now is not None else int(time.time())) * 1000
    events = [{"timestamp": stamp - (len(lines) - i), "message": m} for i, m in enumerate(lines)]
    for i in range(0, len(events), 1000):
        logs.put_log_events(
            logGroupName=group, logStreamName=stream, logEvents=events[i : i + 1000]
        )


def flow_object_key(
    account: str, region: str, flow_log_id: str, stamp: int, prefix: str = ""
) -> str:
    """The key AWS gives a plain-text flow log file in S3 (flow-logs-s3-path.html), stamped
    ``stamp`` (seconds), without hourly or Hive-compatible partitions."""
    t = time.gmtime(stamp)
    day = time.strftime("%Y/%m/%d", t)
    name = f"{account}_vpcflowlogs_{region}_{flow_log_id}_{time.strftime('%Y%m%dT%H%MZ', t)}"
    return f"{prefix}AWSLogs/{account}/vpcflowlogs/{region}/{day}/{name}_0a1b2c3d.log.gz"


def put_flow_object(session: Any, bucket: str, key: str, lines: Sequence[str]) -> None:
    """Put one gzip flow log file: the default format's header line, then ``lines``."""
    from auditor.base.flowrecords import DEFAULT_HEADER

    body = gzip.compress("\n".join([DEFAULT_HEADER, *lines]).encode() + b"\n", mtime=0)
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
