"""A fake Cloud Logging ``entries.list`` for the real google-cloud-logging client (HTTP/JSON).

Served by :class:`~auditor.fakecloud.gcp_server.GcpFake` on ``POST /v2/entries:list``.
It answers the filter subset the auditor sends, parsed honestly: clauses joined by
``AND``, each ``logName="..."`` or ``timestamp`` compared (``>=``, ``>``, ``<``,
``<=``) with a quoted RFC 3339 time; ``orderBy`` absent, ``timestamp asc`` or
``timestamp desc``; ``resourceNames`` of projects (what their ``_Default`` bucket holds)
or of log bucket views (``projects/P/locations/L/buckets/B/views/V``: what that bucket
holds); ``pageSize`` up to 1000 and its own page tokens. Anything else answers 400
INVALID_ARGUMENT, so a test sees it.

Each entry is stored in one log bucket: by default its project's ``_Default`` bucket (as
the ``_Default`` sink stores it), or the bucket an estate names (``bucket:`` on a
``vpcFlows`` item: a user sink routed it there). Estates declare entries:
``logEntries:`` in the estate YAML (the API's JSON shape), or ``vpcFlows:``, each the
keyword arguments of :func:`flow_entry`, which writes one realistic ``vpc_flows`` entry,
its times relative to now (``ago`` seconds), or ``firewallLogs:``, each the keyword
arguments of :func:`firewall_entry` (one Firewall Rules Logging entry).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MAX_PAGE = 1000
_CLAUSE = re.compile(r'^(logName|timestamp)\s*(=|>=|<=|>|<)\s*"([^"]*)"$')
_VIEW = re.compile(r"^(projects/[^/]+/locations/[^/]+/buckets/[^/]+)/views/[^/]+$")
BUCKET_KEY = "bucket"
"""The key of a ``vpcFlows`` item naming the bucket its entry is stored in."""


class LoggingRequestError(ValueError):
    """A request the fake does not understand (answered 400)."""


class EntriesError(ValueError):
    """Estate entries the fake cannot serve (names the file and why)."""


def load_entries(path: str | Path) -> list[dict[str, Any]]:
    """The log entries of an estate file: ``logEntries`` as written, and ``vpcFlows``
    (keyword arguments of :func:`flow_entry`, times relative to now) made into entries.

    Raises :class:`EntriesError` naming the file for a ``vpcFlows`` item it cannot
    make an entry of."""
    from ruamel.yaml import YAML

    p = Path(path)
    doc = YAML(typ="safe").load(p.read_text(encoding="utf-8"))
    doc = doc if isinstance(doc, dict) else {}
    out = [dict(e) for e in doc.get("logEntries") or []]
    made = [
        (key, i, spec, maker)
        for key, maker in (("vpcFlows", flow_entry), ("firewallLogs", firewall_entry))
        for i, spec in enumerate(doc.get(key) or [])
    ]
    for key, i, spec, maker in made:
        args = dict(spec)
        bucket = args.pop(BUCKET_KEY, None)
        try:
            entry = maker(**args)
        except TypeError as exc:
            raise EntriesError(f"{p}: {key}[{i}]: {exc}") from exc
        if bucket is not None:
            if not isinstance(bucket, str) or not re.fullmatch(
                r"projects/[^/]+/locations/[^/]+/buckets/[^/]+", bucket
            ):
                raise EntriesError(f"{p}: {key}[{i}]: bucket {bucket!r} is not a bucket name")
            entry[_STORED] = bucket
        out.append(entry)
    return out


def _time(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise LoggingRequestError(f"bad timestamp {text!r}") from exc
    if when.tzinfo is None:
        raise LoggingRequestError(f"timestamp without a zone {text!r}")
    return when


def _rfc3339(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_filter(text: str) -> list[tuple[str, str, str]]:
    """(field, operator, value) clauses; raises LoggingRequestError for anything else."""
    out: list[tuple[str, str, str]] = []
    for part in re.split(r"\s+AND\s+", text.strip()):
        m = _CLAUSE.match(part.strip())
        if m is None:
            raise LoggingRequestError(f"unsupported filter clause {part!r}")
        name, op, value = m.groups()
        if name == "logName" and op != "=":
            raise LoggingRequestError(f"unsupported logName comparison {op!r}")
        if name == "timestamp" and op == "=":
            raise LoggingRequestError("unsupported timestamp equality")
        if name == "timestamp":
            _time(value)
        out.append((name, op, value))
    return out


def _holds(entry: Mapping[str, Any], clause: tuple[str, str, str]) -> bool:
    name, op, value = clause
    if name == "logName":
        return entry.get("logName") == value
    stamp = entry.get("timestamp")
    if not isinstance(stamp, str):
        return False
    at, bound = _time(stamp), _time(value)
    return {
        ">=": at >= bound,
        ">": at > bound,
        "<": at < bound,
        "<=": at <= bound,
    }[op]


_STORED = "__bucket"
"""Where load_entries marks an entry's bucket (taken off before the entry is stored)."""


def default_bucket(entry: Mapping[str, Any]) -> str:
    """The ``_Default`` bucket of the entry's project."""
    return f"projects/{_project(str(entry.get('logName', '')))}/locations/global/buckets/_Default"


def _project(log_name: str) -> str:
    """The project of ``projects/P/logs/ID`` ("" for anything else)."""
    parts = log_name.split("/")
    return parts[1] if len(parts) == 4 and parts[0] == "projects" and parts[2] == "logs" else ""


class LoggingEntries:
    """The entries of the fake and the ``entries.list`` method over them."""

    def __init__(self, entries: Sequence[Mapping[str, Any]] = ()) -> None:
        self.stored: list[tuple[str, dict[str, Any]]] = []
        """(bucket, entry) for every entry held."""
        self.bodies: list[dict[str, Any]] = []
        """Every request body received (for tests to assert what was asked)."""
        self.add(entries)

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [e for _, e in self.stored]

    def add(self, entries: Sequence[Mapping[str, Any]], bucket: str | None = None) -> None:
        """Store ``entries`` in ``bucket`` (else where each is marked, else its project's
        ``_Default`` bucket)."""
        for e in entries:
            entry = dict(e)
            where = entry.pop(_STORED, None)
            self.stored.append((bucket or str(where or default_bucket(entry)), entry))

    def _holders(self, names: list[Any]) -> tuple[set[str], set[str]]:
        """The buckets ``resourceNames`` read, and the projects whose logs they may name."""
        buckets: set[str] = set()
        projects: set[str] = set()
        for n in (str(x) for x in names):
            if re.fullmatch(r"projects/[^/]+", n):
                buckets.add(f"{n}/locations/global/buckets/_Default")
                projects.add(n.split("/")[1])
            elif (m := _VIEW.fullmatch(n)) is not None:
                buckets.add(m.group(1))
            else:
                raise LoggingRequestError(f"unsupported resourceNames {names}")
        return buckets, projects

    def list(self, body: Any) -> dict[str, Any]:
        """The answer to one ``entries.list`` request body; raises LoggingRequestError."""
        if not isinstance(body, dict):
            raise LoggingRequestError("the body is not a JSON object")
        self.bodies.append(body)
        unknown = set(body) - {"resourceNames", "filter", "orderBy", "pageSize", "pageToken"}
        if unknown:
            raise LoggingRequestError(f"unsupported fields {sorted(unknown)}")
        names = body.get("resourceNames")
        if not isinstance(names, list) or not names:
            raise LoggingRequestError("resourceNames is required")
        buckets, projects = self._holders(names)
        clauses = parse_filter(str(body.get("filter") or ""))
        # a bucket view holds what the sinks of any project routed there
        views = any(_VIEW.fullmatch(str(n)) for n in names)
        for name, _, value in clauses:
            if name == "logName" and not views and _project(value) not in projects:
                raise LoggingRequestError(f"logName {value} is not under {names}")
        order = body.get("orderBy") or "timestamp asc"
        if order not in ("timestamp asc", "timestamp desc"):
            raise LoggingRequestError(f"unsupported orderBy {order!r}")
        size = body.get("pageSize") or MAX_PAGE
        if not isinstance(size, int) or not 0 < size <= MAX_PAGE:
            raise LoggingRequestError(f"pageSize {size!r}")
        token = str(body.get("pageToken") or "")
        if token and not re.fullmatch(r"e-\d+", token):
            raise LoggingRequestError(f"bad pageToken {token!r}")
        start = int(token[2:]) if token else 0
        found = [e for b, e in self.stored if b in buckets and all(_holds(e, c) for c in clauses)]
        found.sort(key=lambda e: (str(e.get("timestamp")), str(e.get("insertId"))))
        if order == "timestamp desc":
            found.reverse()
        out: dict[str, Any] = {"entries": found[start : start + size]}
        if start + size < len(found):
            out["nextPageToken"] = f"e-{start + size}"
        return out

    def handle(self, raw: bytes) -> tuple[int, bytes]:
        """Status and JSON body for a raw request body."""
        try:
            body = json.loads(raw or b"{}")
            return 200, json.dumps(self.list(body)).encode()
        except (LoggingRequestError, json.JSONDecodeError) as exc:
            err = {"error": {"code": 400, "message": str(exc), "status": "INVALID_ARGUMENT"}}
            return 400, json.dumps(err).encode()


def flow_entry(
    *,
    project: str,
    vm: str,
    zone: str,
    network: str,
    subnetwork: str,
    src: str,
    dst: str,
    dst_port: int,
    src_port: int = 40000,
    protocol: int = 6,
    reporter: str = "DEST",
    bytes_sent: int = 4096,
    packets_sent: int = 8,
    ago: int = 3600,
    now: dt.datetime | None = None,
    insert_id: str = "",
) -> dict[str, Any]:
    """One ``vpc_flows`` entry as Cloud Logging returns it: ``vm`` in ``zone`` reported a
    five-second flow that ended ``ago`` seconds before ``now``."""
    end = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(seconds=ago)
    start = end - dt.timedelta(seconds=5)
    region = zone.rsplit("-", 1)[0]
    side = "dest" if reporter == "DEST" else "src"
    payload: dict[str, Any] = {
        "connection": {
            "src_ip": src,
            "dest_ip": dst,
            "src_port": src_port,
            "dest_port": dst_port,
            "protocol": protocol,
        },
        "reporter": reporter,
        "bytes_sent": str(bytes_sent),
        "packets_sent": str(packets_sent),
        "start_time": _rfc3339(start),
        "end_time": _rfc3339(end),
        f"{side}_instance": {
            "project_id": project,
            "region": region,
            "zone": zone,
            "vm_name": vm,
        },
        f"{side}_vpc": {
            "project_id": project,
            "vpc_name": network,
            "subnetwork_name": subnetwork,
        },
    }
    return {
        "insertId": insert_id or f"{vm}-{src}-{dst_port}-{ago}",
        "logName": f"projects/{project}/logs/compute.googleapis.com%2Fvpc_flows",
        "resource": {
            "type": "gce_subnetwork",
            "labels": {
                "project_id": project,
                "subnetwork_name": subnetwork,
                "location": zone,
            },
        },
        "timestamp": _rfc3339(end + dt.timedelta(seconds=1)),
        "receiveTimestamp": _rfc3339(end + dt.timedelta(seconds=30)),
        "jsonPayload": payload,
    }


def firewall_entry(
    *,
    project: str,
    vm: str,
    zone: str,
    network: str,
    subnetwork: str,
    src: str,
    dst: str,
    dst_port: int,
    rule: str,
    disposition: str = "ALLOWED",
    direction: str = "INGRESS",
    priority: int = 1000,
    src_port: int = 40000,
    protocol: int = 6,
    ago: int = 3600,
    now: dt.datetime | None = None,
    insert_id: str = "",
) -> dict[str, Any]:
    """One Firewall Rules Logging entry as Cloud Logging returns it: the logged rule ``rule``
    of ``network`` decided a connection at ``vm`` (the destination of an ingress rule, the
    source of an egress one) ``ago`` seconds before ``now``."""
    at = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(seconds=ago)
    region = zone.rsplit("-", 1)[0]
    payload: dict[str, Any] = {
        "connection": {
            "src_ip": src,
            "dest_ip": dst,
            "src_port": src_port,
            "dest_port": dst_port,
            "protocol": protocol,
        },
        "disposition": disposition,
        "rule_details": {
            "reference": f"network:{network}/firewall:{rule}",
            "priority": priority,
            "action": "ALLOW" if disposition == "ALLOWED" else "DENY",
            "direction": direction,
            "ip_port_info": [{"ip_protocol": "TCP" if protocol == 6 else str(protocol)}],
            "source_range": ["0.0.0.0/0"] if direction == "INGRESS" else [],
        },
        "instance": {"project_id": project, "region": region, "zone": zone, "vm_name": vm},
        "vpc": {"project_id": project, "vpc_name": network, "subnetwork_name": subnetwork},
    }
    return {
        "insertId": insert_id or f"fw-{vm}-{src}-{dst_port}-{disposition}-{ago}",
        "logName": f"projects/{project}/logs/compute.googleapis.com%2Ffirewall",
        "resource": {
            "type": "gce_subnetwork",
            "labels": {"project_id": project, "subnetwork_name": subnetwork, "location": zone},
        },
        "timestamp": _rfc3339(at),
        "receiveTimestamp": _rfc3339(at + dt.timedelta(seconds=20)),
        "jsonPayload": payload,
    }
