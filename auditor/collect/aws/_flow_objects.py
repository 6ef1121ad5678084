"""VPC Flow Log records read from the objects AWS delivers to S3, bounded by a window.

AWS's documented layout (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html):
files land under ``<bucket>/<prefix>/AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/``
(``.../<dd>/<HH>/`` with hourly partitions; ``aws-account-id=<account>/aws-service=vpcflowlogs/
aws-region=<region>/year=<yyyy>/month=<mm>/day=<dd>/`` with Hive-compatible prefixes), named
``<account>_vpcflowlogs_<region>_<flow-log-id>_<yyyymmddTHHmmZ>_<hash>.log.gz``: one gzip file,
published every five minutes, whose first line names the fields of the flow log's format
(``.log.parquet`` for Parquet files: :mod:`auditor.collect.aws._flow_parquet`). Only the
day prefixes the window touches are listed (``s3:ListObjectsV2``, paginated); only the objects of
the flow logs read whose name stamp lies near the window are fetched (``s3:GetObject``),
decompressed up to :data:`OBJECT_CAP` bytes, and their lines parsed with the format
of the flow log the file name names and aggregated by
:class:`~auditor.base.flowrecords.FlowTally` (records ending outside the window are not
taken). Every call names the expected bucket owner, so a bucket is never read under the
wrong owner: first the flow log's own account; when S3 refuses, the bucket may be a log
archive account's, and when that account is one of the scan's (it lists the bucket among
its own) the objects are read with its credentials under the same key layout (the source
account's), the owner named as expected; otherwise the refusal is a gap saying the owner
was not scanned.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any

from auditor.base.flowrecords import FlowTally, LineFormat
from auditor.collect.aws._flow_parquet import available, read_parquet
from auditor.collect.aws_context import MAX_PAGES, AwsContext, error_code

OBJECT_CAP = 256 * 1024 * 1024
"""Decompressed bytes read per object at most (AWS cuts a file at 75 MB); beyond, it is cut."""
READ_BUDGET = 4 * 1024 * 1024 * 1024
"""Decompressed bytes read per location (bucket, prefix, region) at most: the objects
left when it is spent are listed as not read, so a busy bucket bounds the scan."""
SLACK = 3600
"""Seconds around the window within which an object's name stamp may lie and still hold
records of the window (a file holds the records of the minutes before it is published)."""
CHUNK = 1024 * 1024


SUFFIXES = {False: ".log.gz", True: ".log.parquet"}
"""The file name ending of plain-text and of Parquet flow log files."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ObjectFormat:
    """How one flow log's files are written: its line format, and Parquet or text."""

    lines: LineFormat
    parquet: bool = False


def file_format_issue(flow_log: dict[str, Any]) -> str:
    """Why a flow log's S3 files cannot be read ("" when they can)."""
    options = flow_log.get("DestinationOptions") or {}
    kind = str(options.get("FileFormat") or "plain-text")
    if kind not in ("plain-text", "parquet"):
        return f"S3 files in {kind} format: only plain text and Parquet are parsed"
    if kind == "parquet" and not available():
        return "S3 files in Parquet format: reading them needs the 'aws' extra (pyarrow)"
    return ""


def destination(flow_log: dict[str, Any]) -> tuple[str, str]:
    """The (bucket, prefix) of ``arn:aws:s3:::bucket[/prefix]`` (prefix "" or ending in ``/``)."""
    dest = str(flow_log.get("LogDestination") or "")
    if not dest.startswith("arn:aws:s3:::"):
        return "", ""
    bucket, _, prefix = dest.removeprefix("arn:aws:s3:::").partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def base_path(prefix: str, account: str, region: str, hive: bool) -> str:
    """Where AWS writes a region's flow log files below the destination prefix."""
    if hive:
        return (
            f"{prefix}AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/"
        )
    return f"{prefix}AWSLogs/{account}/vpcflowlogs/{region}/"


def day_prefixes(base: str, hive: bool, since: int, until: int) -> list[str]:
    """One listing prefix per UTC day the window (widened by :data:`SLACK`) touches."""
    day = dt.datetime.fromtimestamp(since - SLACK, dt.UTC).date()
    last = dt.datetime.fromtimestamp(until, dt.UTC).date()
    out: list[str] = []
    while day <= last:
        if hive:
            out.append(f"{base}year={day:%Y}/month={day:%m}/day={day:%d}/")
        else:
            out.append(f"{base}{day:%Y}/{day:%m}/{day:%d}/")
        day += dt.timedelta(days=1)
    return out


def name_stamp(
    key: str, account: str, region: str, parquet: bool = False
) -> tuple[str, int] | None:
    """(flow log id, name stamp in seconds) of a flow log file's key (a Parquet file's
    when ``parquet``), None if not one."""
    name = key.rsplit("/", 1)[-1]
    head = f"{account}_vpcflowlogs_{region}_"
    if not name.startswith(head) or not name.endswith(SUFFIXES[parquet]):
        return None
    parts = name.removeprefix(head).removesuffix(SUFFIXES[parquet]).split("_")
    if len(parts) != 3:
        return None
    try:
        stamp = dt.datetime.strptime(parts[1], "%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return parts[0], int(stamp.timestamp())


REFUSED = "refused"
"""What :func:`_list` returns when S3 refuses the listing for the expected owner."""


def _list(ctx: AwsContext, bucket: str, prefix: str) -> list[str] | str | None:
    """Every key under ``prefix``, listed as ``ctx``'s account (the expected bucket owner);
    :data:`REFUSED` when S3 refuses (another account owns the bucket, or ``ctx`` may not
    list it; no gap yet); None: the listing failed, a gap was recorded."""
    arn = f"arn:aws:s3:::{bucket}"
    keys: list[str] = []
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        extra = {"ContinuationToken": token} if token else {}
        page = ctx.call(
            "ListObjectsV2",
            client="s3",
            resource=arn,
            Bucket=bucket,
            Prefix=prefix,
            MaxKeys=1000,
            ExpectedBucketOwner=ctx.account,
            absent=("AccessDenied",),  # the caller records it, with what it may mean
            **extra,
        )
        if page == {}:  # a real answer always carries its metadata
            return REFUSED
        if page is None:
            return None
        keys += [str(o["Key"]) for o in page.get("Contents") or []]
        token = str(page.get("NextContinuationToken") or "") or None
        if token is None:
            return keys
        if token in seen:
            ctx.gap("ListObjectsV2", "RepeatedPageToken", "a page token came back", arn)
            return None
        seen.add(token)
    ctx.gap("ListObjectsV2", "TooManyPages", f"stopped after {MAX_PAGES} pages", arn)
    return None


def bucket_owner(ctx: AwsContext, bucket: str) -> AwsContext | str:
    """``ctx`` acting in the account of this scan that owns ``bucket`` (a log archive
    account: it lists the bucket among its own, ``s3:ListBuckets``), or why none does.

    Only accounts the scan entered are asked, with their own credentials; a listing that
    fails is a gap naming the bucket (its owner is then not known)."""
    arn = f"arn:aws:s3:::{bucket}"
    why: list[str] = []
    for account in ctx.peer_accounts:
        peer = ctx.peer(account)
        if isinstance(peer, str):
            why.append(peer)
            continue
        # one answer holds every bucket (without MaxBuckets); a failure is a gap on our bucket
        listed = peer.call("ListBuckets", client="s3", resource=arn)
        if listed is None:
            why.append(f"account {account} could not list its buckets (a gap)")
        elif bucket in {str(b.get("Name")) for b in listed.get("Buckets") or []}:
            return peer
    refused = f"S3 refused listing {bucket} for expected owner {ctx.account}"
    if why:  # an account of the scan that could not say: the owner is not known
        return (
            f"{refused}: another account owns it (a log archive?) or the auditor may not list "
            f"it, and which scanned account owns it is not known: {'; '.join(why)}"
        )
    others = ", ".join(ctx.peer_accounts)
    scanned = f"none of this scan's other accounts ({others})" if others else "no scanned account"
    return (
        f"{refused}: another account owns it (a log archive?) and {scanned} does, so its "
        "owner account was not scanned and its records are not read (or the auditor may not "
        "list it)"
    )


def _listed(ctx: AwsContext, bucket: str, days: list[str]) -> tuple[AwsContext, list[str]] | str:
    """The keys under ``days`` and the context that listed them: ``ctx`` when its account
    owns the bucket, else the scan's account that does (:func:`bucket_owner`, its
    credentials and expected owner). A string: the listing failed and a gap was recorded;
    the string says why when no account of the scan could read the bucket ("" otherwise)."""
    reader, keys = ctx, []
    for day in days:
        listed = _list(reader, bucket, day)
        if listed == REFUSED and reader is ctx:
            owner = bucket_owner(ctx, bucket)
            if isinstance(owner, str):
                ctx.gap("ListObjectsV2", "AccessDenied", owner, f"arn:aws:s3:::{bucket}")
                return owner
            reader = owner
            listed = _list(reader, bucket, day)
        if listed == REFUSED:
            why = (
                f"S3 refused listing {bucket} for its owner {reader.account} with that "
                "account's credentials: the auditor may not list it"
            )
            reader.gap("ListObjectsV2", "AccessDenied", why, f"arn:aws:s3:::{bucket}")
            return why
        if not isinstance(listed, list):
            return ""
        keys += listed
    return reader, keys


def _lines(
    ctx: AwsContext, bucket: str, key: str, fmt: ObjectFormat, tally: FlowTally
) -> tuple[str, int]:
    """Read one object's lines into ``tally``: ``read``, ``failed`` (a gap), ``malformed``
    (not gzip or not Parquet, cut short, or a header other than the format's field names)
    or ``cut`` (over :data:`OBJECT_CAP`), and the (decompressed) bytes it took."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
    from urllib3.exceptions import HTTPError

    arn = f"arn:aws:s3:::{bucket}/{key}"
    # a read that breaks mid-stream (TLS, a reset) is a gap like a refused request
    read_errors = (ClientError, BotoCoreError, ResponseParserError, HTTPError, OSError)
    try:
        body = ctx.client("s3").get_object(Bucket=bucket, Key=key, ExpectedBucketOwner=ctx.account)[
            "Body"
        ]
    except read_errors as exc:
        ctx.gap("GetObject", error_code(exc), str(exc), arn)
        return "failed", 0
    size = [0]
    try:
        if fmt.parquet:
            data = _whole(body, size)
            return ("cut" if data is None else read_parquet(data, arn, tally)), size[0]
        return inflated_lines(body, arn, fmt.lines, tally, size), size[0]
    except read_errors as exc:
        ctx.gap("GetObject", error_code(exc), str(exc), arn)
        return "failed", size[0]
    except zlib.error as exc:
        tally.bad(f"{arn}: not a gzip file ({exc})")
        return "malformed", size[0]
    finally:
        body.close()  # an early return releases the connection too


def _whole(body: Any, took: list[int]) -> bytes | None:
    """The object's bytes, read :data:`CHUNK` at a time (None: over :data:`OBJECT_CAP`)."""
    parts: list[bytes] = []
    while chunk := body.read(CHUNK):
        took[0] += len(chunk)
        if took[0] > OBJECT_CAP:
            return None
        parts.append(chunk)
    return b"".join(parts)


def inflated_lines(body: Any, arn: str, fmt: LineFormat, tally: FlowTally, took: list[int]) -> str:
    """The gzip members of ``body`` inflated at most :data:`CHUNK` bytes at a time (a
    small compressed chunk cannot inflate past the cap in one step), line by line;
    ``took[0]`` counts the bytes inflated."""
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    pending, size, header = b"", 0, None
    while chunk := body.read(CHUNK):
        while chunk:
            data = inflate.decompress(chunk, CHUNK)
            if inflate.eof:  # a member ended: what follows it starts the next one
                # (unused_data holds all of it; unconsumed_tail may still repeat part of it,
                # and feeding that to the ended member again would loop for ever)
                chunk = inflate.unused_data
                if chunk:
                    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            else:
                chunk = inflate.unconsumed_tail
            size += len(data)
            took[0] = size
            if size > OBJECT_CAP:
                return "cut"
            block, newline, rest = (pending + data).rpartition(b"\n")
            if not newline:
                pending = rest
                continue
            pending = rest
            # whole lines decoded at once (a newline never falls inside a UTF-8 sequence,
            # so each line decodes as it would alone)
            lines = block.decode("utf-8", errors="replace").split("\n")
            if header is None:
                header = lines[0].rstrip("\r")
                if header != fmt.header:
                    tally.bad(f"{arn}: header {header[:120]!r} is not the flow log's format")
                    return "malformed"
                del lines[0]
            tally.add_lines(lines, fmt.values)
    if not inflate.eof:
        tally.bad(f"{arn}: the gzip stream ends early")
        return "malformed"
    last = pending.decode("utf-8", errors="replace").rstrip("\r")
    if header is None and last != fmt.header:
        tally.bad(f"{arn}: header {last[:120]!r} is not the flow log's format")
        return "malformed"
    if header is not None and last.strip():
        tally.add(last, fmt.values)  # a last line without its newline
    return "read"


def read_objects(
    ctx: AwsContext,
    where: tuple[str, str, bool],
    flow_logs: list[tuple[str, str]],
    formats: dict[str, ObjectFormat],
    window: tuple[int, int],
    cap: int,
) -> dict[str, Any]:
    """One ``logs:flow_records`` raw record: the flow logs' objects under ``where`` =
    (bucket, prefix, hive) read over ``window`` (milliseconds), at most ``cap`` records
    per interface; ``formats`` says how each flow log (by id) writes its files."""
    bucket, prefix, hive = where
    base = base_path(prefix, ctx.account, ctx.region, hive)
    since, until = window[0] // 1000, window[1] // 1000
    ids = {i for i, _ in flow_logs}
    record = location_record(bucket, base, flow_logs, window, cap)
    found = _listed(ctx, bucket, day_prefixes(base, hive, since, until))
    if isinstance(found, str):
        return {**record, "Status": "failed", **({"Reason": found} if found else {})}
    reader, keys = found
    if reader is not ctx:
        record["HeldBy"] = reader.account
    chosen: list[tuple[str, ObjectFormat]] = []
    for key in sorted(set(keys)):
        for parquet in (False, True):
            named = name_stamp(key, ctx.account, ctx.region, parquet)
            fmt = formats.get(named[0]) if named and named[0] in ids else None
            if not named or fmt is None or fmt.parquet != parquet:
                continue
            if since - SLACK <= named[1] <= until + SLACK:
                chosen.append((key, fmt))
    tally = FlowTally(window=(since, until), cap=cap)
    outcome: dict[str, list[str]] = {
        "read": [], "failed": [], "malformed": [], "cut": [], "unread": []
    }  # fmt: skip
    spent = 0
    for key, fmt in chosen:
        if spent >= READ_BUDGET:
            outcome["unread"].append(f"arn:aws:s3:::{bucket}/{key}")
            continue
        how, took = _lines(reader, bucket, key, fmt, tally)
        spent += took
        outcome[how].append(f"arn:aws:s3:::{bucket}/{key}")
    return {**record, **read_fields(len(keys), outcome, tally)}


def location_record(
    bucket: str,
    base: str,
    flow_logs: list[tuple[str, str]],
    window: tuple[int, int],
    cap: int,
) -> dict[str, Any]:
    """What a location's ``logs:flow_records`` record says before its objects are read."""
    return {
        "Bucket": bucket,
        "Location": base,
        "LocationArn": f"arn:aws:s3:::{bucket}",
        "FlowLogIds": sorted({i for i, _ in flow_logs}),
        "ResourceIds": sorted({r for _, r in flow_logs}),
        "Since": window[0],
        "Until": window[1],
        "Cap": cap,
    }


def read_fields(listed: int, outcome: dict[str, list[str]], tally: FlowTally) -> dict[str, Any]:
    """What the read of a location's objects found: ``outcome`` lists the object ARNs per
    :func:`_lines` result (and ``unread``), ``tally`` holds their records."""
    return {
        "Status": "failed" if outcome["failed"] else "read",
        "ObjectsListed": listed,
        "Objects": len(outcome["read"]),
        "FailedObjects": outcome["failed"],
        "MalformedObjects": outcome["malformed"],
        "CutObjects": outcome["cut"],
        "UnreadObjects": outcome["unread"],
        "ReadBudget": READ_BUDGET,
        "CappedInterfaces": sorted(tally.capped),
        "Records": tally.records,
        "OutsideWindow": tally.outside,
        "Malformed": tally.malformed,
        "MalformedExamples": tally.examples,
        "NoData": tally.no_data,
        "SkipData": tally.skip_data,
        "Flows": tally.flows(),
    }
