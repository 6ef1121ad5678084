"""Flow log records for fixture estates: lines of the default format (version 2) or a
custom one, written into a CloudWatch Logs group of the fake as AWS delivers them (one
stream per interface), or into an S3 bucket as the gzip or Parquet files AWS delivers
there.

Fixture setup only: the auditor itself never writes (it reads with FilterLogEvents,
ListObjectsV2 and GetObject).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_FIELDS = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status",
)  # fmt: skip
"""The default format's fields (version 2), in order."""
_INT32 = ("version", "srcport", "dstport", "protocol")
_INT64 = ("packets", "bytes", "start", "end")


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


def flow_rows(
    account: str, interface: str, flows: Sequence[Flow], now: int
) -> list[dict[str, str | int]]:
    """The records of ``flows`` seen by ``interface`` (start/end in seconds), by field name."""
    rows: list[dict[str, str | int]] = []
    for f in flows:
        for i in range(f.count):
            end = now - 60 * i
            rows.append(
                {
                    "version": 2,
                    "account-id": account,
                    "interface-id": interface,
                    "srcaddr": f.src,
                    "dstaddr": f.dst,
                    "srcport": f.src_port,
                    "dstport": f.dst_port,
                    "protocol": f.protocol,
                    "packets": f.packets,
                    "bytes": f.bytes,
                    "start": end - 60,
                    "end": end,
                    "action": f.action,
                    "log-status": "OK",
                }
            )
    return rows


def flow_lines(
    account: str,
    interface: str,
    flows: Sequence[Flow],
    now: int,
    fields: Sequence[str] | None = None,
) -> list[str]:
    """The lines of ``flows`` seen by ``interface``: the default format's, or ``fields``'
    in order (a field the rows lack is written ``-``, as AWS writes one it cannot fill;
    ``version`` is then 5, the highest version of the custom fields the tests use)."""
    names = list(fields or DEFAULT_FIELDS)
    lines: list[str] = []
    for row in flow_rows(account, interface, flows, now):
        if fields is not None:
            row = {**row, "version": 5}
        lines.append(" ".join(str(row.get(n, "-")) for n in names))
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
    account: str,
    region: str,
    flow_log_id: str,
    stamp: int,
    prefix: str = "",
    suffix: str = ".log.gz",
) -> str:
    """The key AWS gives a flow log file in S3 (flow-logs-s3-path.html), stamped ``stamp``
    (seconds), without hourly or Hive-compatible partitions (``.log.parquet``: Parquet)."""
    t = time.gmtime(stamp)
    day = time.strftime("%Y/%m/%d", t)
    name = f"{account}_vpcflowlogs_{region}_{flow_log_id}_{time.strftime('%Y%m%dT%H%MZ', t)}"
    return f"{prefix}AWSLogs/{account}/vpcflowlogs/{region}/{day}/{name}_0a1b2c3d{suffix}"


def put_flow_object(
    session: Any, bucket: str, key: str, lines: Sequence[str], header: str | None = None
) -> None:
    """Put one gzip flow log file: the header line (the default format's field names
    unless given), then ``lines``."""
    first = header if header is not None else " ".join(DEFAULT_FIELDS)
    body = gzip.compress("\n".join([first, *lines]).encode() + b"\n", mtime=0)
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def parquet_flow_file(rows: Sequence[dict[str, str | int]], fields: Sequence[str]) -> bytes:
    """A Parquet flow log file of ``rows`` with a column per field (``_`` for ``-``), typed
    as AWS documents (int32, int64 or string), gzip-compressed as AWS writes them."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    def kind(name: str) -> Any:
        return pa.int32() if name in _INT32 else pa.int64() if name in _INT64 else pa.string()

    columns = {f.replace("-", "_"): pa.array([r.get(f) for r in rows], kind(f)) for f in fields}
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out, compression="gzip")
    return out.getvalue()


def put_parquet_flow_object(
    session: Any,
    bucket: str,
    key: str,
    rows: Sequence[dict[str, str | int]],
    fields: Sequence[str] = DEFAULT_FIELDS,
) -> None:
    """Put one Parquet flow log file holding ``rows`` (see :func:`parquet_flow_file`)."""
    body = parquet_flow_file(rows, fields)
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
