"""GCP VPC Flow Logs read from Cloud Logging, read-only, bounded by a window, a cap and a page cap.

Only with ``--flows-since`` (:attr:`GcpScanOptions.flows_since`). The subnetworks
whose flow logs are enabled (``logConfig.enable``, from the Cloud Asset listing the
``network.flow-logs`` rule reads too) name the projects to read; per project one
``entries.list`` (``POST /v2/entries:list``, the real ``google-cloud-logging``
client's HTTP/JSON connection) with the filter ``logName="projects/P/logs/
compute.googleapis.com%2Fvpc_flows" AND timestamp>="SINCE" AND timestamp<"UNTIL"``,
page by page (:data:`PAGE` entries, at most :data:`MAX_PAGES` pages). Entries are
parsed strictly (:mod:`auditor.base.gcp_flowrecords`) and aggregated as they come
(:class:`~auditor.base.flowrecords.FlowTally`, at most :data:`CAP` records per VM),
so one ``logging:vpc_flows`` raw record per project carries aggregates, not entries.
A 429 is asked again after its back-off. A failure (permission, quota once the
retries are spent, a bad page, a repeating token, the page cap) is a gap
naming the project's log; the record says ``failed`` and keeps what was read.
A scanned project with no subnetwork logging flows gets a ``not-read`` record saying so.
Where a project's entries are read (its own buckets, or the log bucket of a user sink
when the ``_Default`` sink may drop them) is :mod:`auditor.collect.gcp.flow_sinks`'s
answer; a sink routing them where the auditor does not read is named in the record.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from auditor.base.flowrecords import FlowTally
from auditor.base.gcp_flowrecords import LOG_ID, GcpFlowRecord, parse_entry
from auditor.base.gcp_logfilter import VPC_FLOWS
from auditor.base.redact import redact_text
from auditor.collect.gcp.flow_sinks import (
    Sink,
    Source,
    listed_bucket,
    sink_of,
    sinks_for,
    source,
)
from auditor.collect.readonly import MutatingCallRefused
from auditor.model import CollectionUnit, Gap, RawRecord

if TYPE_CHECKING:
    from auditor.collect.gcp import GcpScanOptions

SERVICE = "vpc-flow-records"
RECORD = "logging:vpc_flows"
OPERATION = "logging.entries.list"
CALL = "logging:ListLogEntries"
CAP = 10_000
"""Records taken per VM (its interface) per window."""
PAGE = 1_000
"""``entries.list`` page size (the API's largest)."""
MAX_PAGES = 1_000
"""Pages read per project at most; more is a gap (the read is cut, not complete)."""
THROTTLE_WAIT = 30.0
"""Seconds waited at most before asking a throttled page again."""
SUBNET_TYPE = "compute.googleapis.com/Subnetwork"
_NO_FLOW_PURPOSES = ("REGIONAL_MANAGED_PROXY", "GLOBAL_MANAGED_PROXY", "PRIVATE_SERVICE_CONNECT")


class ReadOnlyLogging:
    """A ``google.cloud.logging.Client`` of which only ``entries.list`` is called."""

    def __init__(self, client: Any) -> None:
        self._connection = client._connection  # the client's HTTP/JSON connection

    def list_entries_page(self, body: Mapping[str, Any], timeout: float) -> Any:
        """One ``entries.list`` page (a read that is sent as POST)."""
        return self._connection.api_request(
            method="POST", path="/entries:list", data=dict(body), timeout=timeout
        )

    def __getattr__(self, name: str) -> Any:
        raise MutatingCallRefused(f"refused non-read call logging:{name}")


def logging_client(opts: GcpScanOptions, project: str) -> ReadOnlyLogging:
    from google.cloud import logging as gcl

    creds = opts.credentials
    if creds is None:
        import google.auth

        creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    endpoint = opts.logging_endpoint
    return ReadOnlyLogging(
        gcl.Client(  # type: ignore[no-untyped-call]
            project=project,
            credentials=creds,
            _use_grpc=False,
            client_options={"api_endpoint": endpoint} if endpoint else None,
        )
    )


def _errors() -> tuple[type[BaseException], ...]:
    import requests
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    return (GoogleAPIError, GoogleAuthError, requests.RequestException, ValueError)


def _code(exc: BaseException) -> str:
    """The HTTP status of an API error (as the Cloud Asset gaps say it), else the type."""
    code = getattr(exc, "code", None)
    return str(code) if isinstance(code, int) else type(exc).__name__


def flow_subnets(
    assets: Iterable[Mapping[str, Any]],
    sinks: dict[str, list[Sink]] | None = None,
    buckets: set[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Project -> its subnetworks whose flow logs are enabled, with their log settings; the
    projects' log sinks and the log buckets listed are gathered into ``sinks`` and
    ``buckets`` on the way (one pass over the listing)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for a in assets:
        if sinks is not None and (got := sink_of(a)) is not None:
            sinks.setdefault(got[0], []).append(got[1])
            continue
        if buckets is not None and (bucket := listed_bucket(a)) is not None:
            buckets.add(bucket)
            continue
        if a.get("assetType") != SUBNET_TYPE:
            continue
        d = (a.get("resource") or {}).get("data") or {}
        if d.get("purpose") in _NO_FLOW_PURPOSES:
            continue
        cfg = d.get("logConfig") or {}
        if not cfg.get("enable", d.get("enableFlowLogs")):
            continue
        name = str(a["name"])  # //compute.googleapis.com/projects/P/regions/R/subnetworks/S
        parts = name.split("/")
        if len(parts) < 9 or parts[3] != "projects":
            continue
        net = str(d.get("network") or "").split("/projects/", 1)[-1]
        out.setdefault(parts[4], []).append(
            {
                "subnetwork": name,
                "network": f"//compute.googleapis.com/projects/{net}" if net else "",
                "sampling": cfg.get("flowSampling"),
                "filter": cfg.get("filterExpr") or None,
                "metadata": cfg.get("metadata"),
            }
        )
    return {p: sorted(s, key=lambda x: str(x["subnetwork"])) for p, s in out.items()}


def _rfc3339(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FlowsResult:
    """What the reads produced, for the GCP collection result."""

    records: list[RawRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    units: list[CollectionUnit] = field(default_factory=list)
    calls: int = 0


Parse = Callable[[Mapping[str, Any]], GcpFlowRecord | str]
"""An entry parser: a VM's record, or the name of a well-formed entry not taken."""


@dataclass
class _Read:
    """One project's read in progress."""

    log: str
    parse: Parse = parse_entry
    tally: FlowTally = field(default_factory=lambda: FlowTally(cap=CAP))
    networks: dict[str, set[str]] = field(default_factory=dict)
    subnetworks: dict[str, set[str]] = field(default_factory=dict)
    gateway: int = 0
    pages: int = 0
    sent: int = 0
    """Requests sent (a throttled page asked again counts again)."""
    entries: int = 0

    def add(self, entry: Any) -> None:
        self.entries += 1
        try:
            if not isinstance(entry, Mapping):
                raise ValueError("not an object")
            if entry.get("logName") != self.log:
                raise ValueError(f"logName {entry.get('logName')!r}, asked for {self.log}")
            got = self.parse(entry)
        except ValueError as exc:
            ident = entry.get("insertId", "?") if isinstance(entry, Mapping) else "?"
            self.tally.bad(f"entry {str(ident)[:60]}: {exc}")
            return
        if not isinstance(got, GcpFlowRecord):
            self.gateway += 1
            return
        iface = got.record.interface
        self.networks.setdefault(iface, set()).add(got.network)
        if got.subnetwork:
            self.subnetworks.setdefault(iface, set()).add(got.subnetwork)
        self.tally.take(got.record)


def _gap(project: str, log: str, code: str, message: str) -> Gap:
    return Gap(
        cloud="gcp",
        account=project,
        region="global",
        service=SERVICE,
        operation=OPERATION,
        error_code=code,
        message=f"{log}: {redact_text(message)}"[:300],
        resource=log,
    )


def _page(
    client: ReadOnlyLogging, body: Mapping[str, Any], opts: GcpScanOptions, read: _Read
) -> Any:
    """One page; a 429 (the ``entries.list`` quota: 60 a minute per project) is asked
    again after its ``Retry-After`` (at most :data:`THROTTLE_WAIT` seconds), up to
    ``opts.throttle_retries`` times. Raises what the client raises."""
    from google.api_core.exceptions import TooManyRequests

    for attempt in range(opts.throttle_retries + 1):
        read.sent += 1
        try:
            return client.list_entries_page(body, opts.timeout)
        except TooManyRequests as exc:
            if attempt == opts.throttle_retries:
                raise
            headers = getattr(getattr(exc, "response", None), "headers", None) or {}
            after = str(headers.get("Retry-After") or "")
            wait = float(after) if after.isdigit() else 2.0**attempt
            time.sleep(min(wait, THROTTLE_WAIT))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _pages(
    client: ReadOnlyLogging, opts: GcpScanOptions, project: str, filt: str, read: _Read, at: str
) -> Gap | None:
    """Read every page of the project's entries in the window, stored at ``at`` (the project
    or a bucket view), into ``read``; a gap or None."""
    token = ""
    seen: set[str] = set()
    try:
        while True:
            body: dict[str, Any] = {
                "resourceNames": [at],
                "filter": filt,
                "orderBy": "timestamp asc",
                "pageSize": PAGE,
            }
            if token:
                body["pageToken"] = token
            page = _page(client, body, opts, read)
            read.pages += 1
            entries = page.get("entries", []) if isinstance(page, Mapping) else None
            if not isinstance(entries, list):
                return _gap(project, read.log, "MalformedResponse", "a page without an entry list")
            for entry in entries:
                read.add(entry)
            token = str(page.get("nextPageToken") or "")
            if not token:
                return None
            if token in seen:
                return _gap(project, read.log, "RepeatedPageToken", f"token {token[:40]!r}")
            if read.pages >= MAX_PAGES:
                return _gap(project, read.log, "TooManyPages", f"stopped after {MAX_PAGES} pages")
            seen.add(token)
    except _errors() as exc:
        return _gap(project, read.log, _code(exc), f"{type(exc).__name__}: {exc}")


def read_project(
    opts: GcpScanOptions,
    project: str,
    subnets: list[dict[str, Any]],
    window: tuple[int, int],
    src: Source | None = None,
    *,
    log_id: str = LOG_ID,
    parse: Parse = parse_entry,
) -> tuple[dict[str, Any], Gap | None, int]:
    """One project's read of log ``log_id`` (from ``src``, else the project's own buckets):
    its raw record's data, its gap, the requests sent. ``subnets``: what logs to it (the
    flow-logged subnetworks, or the logged firewall rules); none means nothing to read."""
    src = src or Source(resource_name=f"projects/{project}")
    log = f"projects/{project}/logs/{log_id}"
    filt = (
        f'logName="{log}" AND timestamp>="{_rfc3339(window[0])}" '
        f'AND timestamp<"{_rfc3339(window[1])}"'
    )
    record: dict[str, Any] = {
        "Project": project,
        "LogName": log,
        "Filter": filt,
        "Subnets": subnets,
        "Since": window[0],
        "Until": window[1],
        "Cap": CAP,
        **src.record(),
    }
    if not subnets:
        reason = "no subnetwork of the project has flow logs enabled"
        return {**record, "Status": "not-read", "Reason": reason}, None, 0
    read = _Read(log=log, parse=parse)
    try:
        client = logging_client(opts, project)
    except _errors() as exc:
        return {**record, "Status": "failed"}, _gap(project, log, _code(exc), str(exc)), 0
    gap = _pages(client, opts, project, filt, read, src.resource_name)
    if gap is not None and src.sink:  # name the bucket view the read was asked of
        gap = replace(gap, message=f"{src.resource_name} ({src.sink}): {gap.message}"[:300])
    t = read.tally
    return (
        {
            **record,
            "Status": "failed" if gap is not None else "read",
            "Pages": read.pages,
            "Entries": read.entries,
            "Records": t.records,
            "Malformed": t.malformed,
            "MalformedExamples": list(t.examples),
            "Gateway": read.gateway,
            "CappedInterfaces": sorted(t.capped),
            "Networks": {k: sorted(v) for k, v in sorted(read.networks.items())},
            "Subnetworks": {k: sorted(v) for k, v in sorted(read.subnetworks.items())},
            "Flows": t.flows(),
        },
        gap,
        read.sent,
    )


def window_of(since: int, started: dt.datetime | None) -> tuple[int, int]:
    """The read window in milliseconds: ``since`` seconds before ``started`` (else now)."""
    end = started or dt.datetime.now(dt.UTC)
    until = int(end.timestamp()) * 1000
    return (until - since * 1000, until)


def project_record(project: str, record_type: str, data: dict[str, Any]) -> RawRecord:
    """One project's read of a log (``vpc_flows``, ``firewall``) as its raw record."""
    return RawRecord(
        cloud="gcp",
        account=project,
        region="global",
        service=SERVICE,
        type=record_type,
        data=data,
        operation=CALL,
    )


def read_flows(
    opts: GcpScanOptions,
    assets: Iterable[Mapping[str, Any]],
    projects: Iterable[str],
    started: dt.datetime | None = None,
) -> FlowsResult:
    """Read the flow logs of ``projects`` (and of every project with a flow-logged
    subnetwork among ``assets``) over the ``opts.flows_since`` seconds before the scan
    ``started`` (as AWS's window: kept by a checkpoint across a resume), else before now."""
    if opts.flows_since is None:
        return FlowsResult()
    window = window_of(opts.flows_since, started)
    sinks: dict[str, list[Sink]] = {}
    buckets: set[str] = set()
    subnets = flow_subnets(assets, sinks, buckets)
    scanned = set(projects)
    out = FlowsResult()
    for project in sorted({*scanned, *subnets}):
        src = source(project, sinks_for(sinks, project), VPC_FLOWS, scanned, frozenset(buckets))
        data, gap, sent = read_project(opts, project, subnets.get(project, []), window, src)
        out.calls += sent
        out.records.append(project_record(project, RECORD, data))
        if gap is not None:
            out.gaps.append(gap)
        else:
            out.units.append(
                CollectionUnit(cloud="gcp", account=project, region="global", service=SERVICE)
            )
    return out
