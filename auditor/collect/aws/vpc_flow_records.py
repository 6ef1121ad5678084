"""VPC Flow Log records read from CloudWatch Logs and S3, bounded by a window and a cap.

Only with ``--flows-since`` (:attr:`AwsContext.flows_since`; the runner plans
this unit only then). The flow logs of the region (``ec2:DescribeFlowLogs``)
that deliver to CloudWatch Logs name their log groups; each group is read once:
its streams (AWS names one per interface), then each stream's events in the
window (``logs:FilterLogEvents``, paginated), at most :data:`CAP` records per
stream; the record says which streams hit the cap. Streams idle since well before the
window (dead interfaces keep their streams) are read a hundred to a call. The window
ends at the scan's start, the same for every region and account. Lines are parsed strictly
(the flow log's ``LogFormat``, default or custom: :class:`~auditor.base.flowrecords.LineFormat`)
and aggregated here (:mod:`auditor.base.flowrecords`),
so one ``logs:flow_records`` raw record per log group carries aggregates, not lines.
Flow logs delivered to S3 (plain text or Parquet) are read from their objects
(:mod:`auditor.collect.aws._flow_objects`), one record per bucket and prefix.
Records another account of the scan holds (a log archive account's bucket or, delivered
with a cross-account role, log group) are read with that account's own credentials and
clients (:meth:`AwsContext.peer`), and recorded as the flow log's account's read; when
the scan does not cover that account, they are not read and the record says so.
With ``--flows-insights`` a group is first read by one Logs Insights query, uncapped
(:mod:`auditor.collect.aws._flow_insights`); FilterLogEvents as above when that fails.
Firehose delivery, a format lacking a field the aggregate needs, and a log group fed
several formats are listed as not read. A
failed read is a gap naming the log group, bucket or object; the record says ``failed``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditor.base.flowrecords import DEFAULT_FORMAT, FlowTally, LineFormat, parse_format
from auditor.collect.aws import _flow_insights
from auditor.collect.aws._flow_objects import (
    ObjectFormat,
    destination,
    file_format_issue,
    read_objects,
)
from auditor.collect.aws.ec2_network import list_all
from auditor.collect.aws_context import MAX_PAGES, AwsContext, AwsService

CAP = 10_000
"""Records read per log stream (one interface) per window."""
PAGE = 10_000
"""FilterLogEvents page size (the API's largest)."""
BATCH = 100
"""Log streams one FilterLogEvents call names at most (the API's largest)."""
IDLE_MARGIN = 2 * 3600 * 1000
"""A stream whose listed last event is older than the window's start by more than this
(ms) is idle: idle streams are read :data:`BATCH` to a call, not one call each (AWS updates
``lastEventTimestamp`` eventually, typically within an hour, so a stream that woke up in
the window is still read, only in a shared call)."""


def _group_name(flow_log: dict[str, Any]) -> str:
    name = flow_log.get("LogGroupName")
    if name:
        return str(name)
    dest = str(flow_log.get("LogDestination") or "")
    # arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]
    parts = dest.split(":")
    return parts[6] if len(parts) > 6 and parts[5] == "log-group" else ""


def _group_place(flow_log: dict[str, Any]) -> tuple[str, str]:
    """The (account, region) of a log group named by ARN (("", "") when named by name:
    the flow log's own)."""
    parts = str(flow_log.get("LogDestination") or "").split(":")
    return (parts[4], parts[3]) if len(parts) > 4 and parts[0] == "arn" else ("", "")


def _group_reader(ctx: AwsContext, flow_log: dict[str, Any]) -> AwsContext | str:
    """The context that reads the flow log's log group: ``ctx``, or, for a group of another
    account (a log archive's, delivered with a cross-account role), ``ctx`` acting in that
    account with its own credentials when the scan entered it; else why it is not read."""
    account, region = _group_place(flow_log)
    if account in ("", ctx.account):
        return ctx
    peer = ctx.peer(account, region or ctx.region)
    if isinstance(peer, str):
        return f"its log group is in account {account} ({peer}: scan that account too)"
    return peer


def _idle(stream: dict[str, Any], since: int) -> bool:
    """Whether a stream's last event (as listed) is older than the window by :data:`IDLE_MARGIN`."""
    last = stream.get("lastEventTimestamp")
    return not isinstance(last, int) or last < since - IDLE_MARGIN


def _account_of(line: str, at: int) -> str:
    """The ``account-id`` field of a flow log line ("" when the line is shorter)."""
    parts = line.split()
    return parts[at] if len(parts) > at else ""


def _read_streams(
    ctx: AwsContext,
    group: str,
    arn: str,
    streams: list[str],
    window: tuple[int, int],
    tally: FlowTally,
    fmt: LineFormat,
    source: str = "",
) -> set[str] | None:
    """Read the events of ``streams`` (one call names them all, at most :data:`BATCH`) in
    the window into ``tally``, at most :data:`CAP` per stream; the streams the cap cut
    (None: the read failed, a gap was recorded). With ``source`` (a log archive's group,
    which several accounts may feed) only the lines of that account are taken when the
    format has ``account-id``."""
    at = fmt.fields.index("account-id") if source and "account-id" in fmt.fields else -1
    taken: dict[str, int] = {}
    full: set[str] = set()
    capped: set[str] = set()
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        extra = {"nextToken": token} if token else {}
        page = ctx.call(
            "FilterLogEvents",
            resource=arn,
            logGroupName=group,
            logStreamNames=streams,
            startTime=window[0],
            endTime=window[1],
            limit=PAGE,
            **extra,
        )
        if page is None:
            return None
        events = page.get("events") or []
        token = page.get("nextToken") or None
        for n, event in enumerate(events):
            name = str(event.get("logStreamName") or streams[0])
            if name in full:
                capped.add(name)
                continue
            message = str(event.get("message") or "")
            if at >= 0 and _account_of(message, at) not in (source, "-", ""):
                continue  # another account's interface, logged into the same group
            tally.add(message, fmt.values)
            taken[name] = taken.get(name, 0) + 1
            if taken[name] >= CAP:
                full.add(name)
                if len(full) == len(streams):  # every stream is full: stop reading
                    if n + 1 < len(events) or token:
                        capped |= full
                    return capped
        if token is None:
            return capped
        if token in seen:
            ctx.gap("FilterLogEvents", "RepeatedPageToken", "a page token came back", arn)
            return None
        seen.add(token)
    ctx.gap("FilterLogEvents", "TooManyPages", f"stopped after {MAX_PAGES} pages", arn)
    return None


def _read_group(
    ctx: AwsContext,
    group: str,
    fmt: LineFormat,
    flow_logs: list[tuple[str, str]],
    window: tuple[int, int],
    source: str = "",
) -> dict[str, Any]:
    """One log group's read; ``source``: the flow logs' account when ``ctx`` is the log
    archive account holding the group (only that account's lines are taken)."""
    arn = f"arn:aws:logs:{ctx.region}:{ctx.account}:log-group:{group}"
    record: dict[str, Any] = {
        "LogGroupName": group,
        "LogGroupArn": arn,
        "FlowLogIds": sorted(i for i, _ in flow_logs),
        "ResourceIds": sorted({r for _, r in flow_logs}),
        "Since": window[0],
        "Until": window[1],
        "Cap": CAP,
    }
    listed = list_all(
        ctx, "DescribeLogStreams", "logStreams", resource=arn, token_key="nextToken",
        logGroupName=group,
    )  # fmt: skip
    if listed is None:  # a failed, cycling or endless listing is a gap, never a partial read
        return {**record, "Status": "failed"}
    by_name = {str(s["logStreamName"]): s for s in listed}
    idle = sorted(n for n, s in by_name.items() if _idle(s, window[0]))
    # a busy stream is read alone (its cap ends its read early); idle ones share calls
    reads = [[n] for n in sorted(set(by_name) - set(idle))]
    reads += [idle[i : i + BATCH] for i in range(0, len(idle), BATCH)]
    way = _flow_insights.read(ctx, group, fmt, window)  # --flows-insights: one query
    record |= way.note
    tally = way.tally or FlowTally()
    capped: set[str] = set()
    for names in [] if way.tally else reads:
        cut = _read_streams(ctx, group, arn, names, window, tally, fmt, source)
        if cut is None:
            return {**record, "Status": "failed", "Streams": len(listed)}
        capped |= cut
    return {
        **record,
        "Status": "read",
        "Streams": len(listed),
        "IdleStreams": len(idle),
        "CappedStreams": sorted(capped),
        "Records": tally.records,
        "Malformed": tally.malformed,
        "MalformedExamples": tally.examples,
        "NoData": tally.no_data,
        "SkipData": tally.skip_data,
        "Flows": tally.flows(),
    }


def line_format(fl: dict[str, Any]) -> LineFormat | str:
    """The flow log's format parsed, or why it cannot be read."""
    try:
        fmt = parse_format(str(fl.get("LogFormat") or DEFAULT_FORMAT))
    except ValueError as exc:
        return f"log format not understood: {exc}"
    missing = fmt.missing()
    if missing:
        return f"its log format lacks {', '.join(missing)} (needed to aggregate flows)"
    return fmt


def _readable(ctx: AwsContext, fl: dict[str, Any]) -> LineFormat | str:
    """The flow log's format when it is read, else why it is not."""
    dtype = str(fl.get("LogDestinationType") or "cloud-watch-logs")
    if dtype not in ("cloud-watch-logs", "s3"):
        return f"delivered to {dtype}: only CloudWatch Logs and S3 are read"
    fmt = line_format(fl)
    if isinstance(fmt, str):
        return fmt
    if dtype == "s3":
        return file_format_issue(fl) or (fmt if destination(fl)[0] else "no S3 bucket named")
    if not _group_name(fl):
        return "no log group named"
    reader = _group_reader(ctx, fl)
    return reader if isinstance(reader, str) else fmt


def _emit_not_read(
    ctx: AwsContext,
    ids: list[str],
    resources: list[str],
    dest: Any,
    why: str,
    window: tuple[int, int],
) -> None:
    ctx.emit(
        "logs:flow_records",
        {
            "FlowLogIds": ids,
            "ResourceIds": resources,
            "Destination": dest,
            "Status": "not-read",
            "Reason": why,
            "Since": window[0],
            "Until": window[1],
        },
        "ec2:DescribeFlowLogs",
    )


def collect(ctx: AwsContext) -> None:
    if ctx.flows_since is None:
        return  # not asked for (the runner does not plan this unit then)
    until = ctx.flows_until or int(dt.datetime.now(dt.UTC).timestamp()) * 1000
    window = (until - ctx.flows_since * 1000, until)
    groups: dict[tuple[str, str, str], dict[LineFormat, list[tuple[str, str]]]] = {}
    objects: dict[tuple[str, str, bool], list[tuple[str, str]]] = {}
    formats: dict[str, ObjectFormat] = {}
    for fl in ctx.pages("DescribeFlowLogs", "FlowLogs", client="ec2", page_size=1000, share=True):
        log_id, resource = str(fl["FlowLogId"]), str(fl.get("ResourceId") or "")
        fmt = _readable(ctx, fl)
        if isinstance(fmt, str):
            dest = fl.get("LogDestination") or fl.get("LogGroupName")
            _emit_not_read(ctx, [log_id], [resource], dest, fmt, window)
            continue
        if str(fl.get("LogDestinationType")) == "s3":
            options = fl.get("DestinationOptions") or {}
            hive = bool(options.get("HiveCompatiblePartitions"))
            objects.setdefault((*destination(fl), hive), []).append((log_id, resource))
            formats[log_id] = ObjectFormat(
                lines=fmt, parquet=options.get("FileFormat") == "parquet"
            )
        else:
            account, region = _group_place(fl)
            own = account in ("", ctx.account)
            place = (
                (ctx.account, ctx.region, _group_name(fl))
                if own
                else (account, region or ctx.region, _group_name(fl))
            )
            groups.setdefault(place, {}).setdefault(fmt, []).append((log_id, resource))
    for place in sorted(groups):
        group = place[2]
        if len(groups[place]) > 1:  # lines of several formats mixed in one group: not told apart
            pairs = sorted(p for ps in groups[place].values() for p in ps)
            why = f"log group {group} receives {len(groups[place])} different log formats"
            _emit_not_read(
                ctx, [i for i, _ in pairs], sorted({r for _, r in pairs}), group, why, window
            )
            continue
        [(fmt, pairs)] = groups[place].items()
        reader = ctx if place[:2] == (ctx.account, ctx.region) else ctx.peer(*place[:2])
        assert not isinstance(reader, str)  # _readable let only readable groups through
        read = _read_group(reader, group, fmt, pairs, window, "" if reader is ctx else ctx.account)
        held = {"HeldBy": reader.account} if reader is not ctx else {}
        ctx.emit("logs:flow_records", {**read, **held}, "logs:FilterLogEvents")
    for where in sorted(objects):
        ctx.emit(
            "logs:flow_records",
            read_objects(ctx, where, objects[where], formats, window, CAP),
            "s3:GetObject",
        )


SERVICE = AwsService(
    name="vpc-flow-records",
    client="logs",
    scope="regional",
    actions=(
        "ec2:DescribeFlowLogs",
        "logs:DescribeLogStreams",
        "logs:FilterLogEvents",
        "logs:StartQuery",
        "logs:GetQueryResults",
        "s3:ListBucket",
        "s3:GetObject",
        "s3:ListAllMyBuckets",
    ),
    collect=collect,
    opt_in=True,
    reads_peers=True,
)
