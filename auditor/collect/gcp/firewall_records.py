"""GCP Firewall Rules Logging read from Cloud Logging beside the VPC Flow Logs, the same way.

Only with ``--flows-since``. The firewall rules whose logging is on (``logConfig.enable``,
from the Cloud Asset listing) name the projects to read; per project one ``entries.list``
of ``projects/P/logs/compute.googleapis.com%2Ffirewall`` over the same window, with the
same pages, page cap, cap per VM, throttling and gaps as the ``vpc_flows`` read
(:func:`auditor.collect.gcp.vpc_flow_records.read_project`), from the project's own
buckets or a user sink's log bucket (:mod:`auditor.collect.gcp.flow_sinks`). Entries are
parsed by :mod:`auditor.base.gcp_firewallrecords` (an ingress rule's connection, ALLOWED
or DENIED, no byte count) into one ``logging:firewall`` raw record per project. A project
with no logged rule is not read (no record): Firewall Rules Logging is an extra source,
never what makes a network observed in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from auditor.base.gcp_firewallrecords import LOG_ID, parse_firewall_entry
from auditor.base.gcp_logfilter import FIREWALL
from auditor.collect.gcp.flow_sinks import Sink, listed_bucket, sink_of, sinks_for, source
from auditor.collect.gcp.vpc_flow_records import (
    FlowsResult,
    project_record,
    read_flows,
    read_project,
    window_of,
)

if TYPE_CHECKING:
    from auditor.collect.gcp import GcpScanOptions

RECORD = "logging:firewall"
FIREWALL_TYPE = "compute.googleapis.com/Firewall"


def logged_rule(asset: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(project, the rule's log settings) of a firewall rule whose logging is on."""
    if asset.get("assetType") != FIREWALL_TYPE:
        return None
    d = (asset.get("resource") or {}).get("data") or {}
    cfg = d.get("logConfig") or {}
    if not cfg.get("enable") or d.get("disabled"):
        return None
    parts = str(asset.get("name") or "").split("/")
    if len(parts) < 8 or parts[3] != "projects":
        return None
    return parts[4], {
        "rule": str(asset["name"]),
        "direction": str(d.get("direction") or "INGRESS"),
        "metadata": cfg.get("metadata"),
    }


def _tap(
    assets: Iterable[Mapping[str, Any]],
    rules: dict[str, list[dict[str, Any]]],
    sinks: dict[str, list[Sink]],
    buckets: set[str],
) -> Iterator[Mapping[str, Any]]:
    """The assets, unchanged, gathering logged rules, sinks and listed log buckets as they
    pass (one pass)."""
    for a in assets:
        if (rule := logged_rule(a)) is not None:
            rules.setdefault(rule[0], []).append(rule[1])
        elif (sink := sink_of(a)) is not None:
            sinks.setdefault(sink[0], []).append(sink[1])
        elif (bucket := listed_bucket(a)) is not None:
            buckets.add(bucket)
        yield a


def read_all(
    opts: GcpScanOptions,
    assets: Iterable[Mapping[str, Any]],
    projects: Iterable[str],
    started: dt.datetime | None = None,
) -> FlowsResult:
    """The ``vpc_flows`` reads (:func:`read_flows`), then each project's firewall log."""
    rules: dict[str, list[dict[str, Any]]] = {}
    sinks: dict[str, list[Sink]] = {}
    buckets: set[str] = set()
    scanned = set(projects)
    out = read_flows(opts, _tap(assets, rules, sinks, buckets), scanned, started)
    if opts.flows_since is None:
        return out
    window = window_of(opts.flows_since, started)
    for project in sorted(rules):
        src = source(project, sinks_for(sinks, project), FIREWALL, scanned, frozenset(buckets))
        logged = sorted(rules[project], key=lambda r: str(r["rule"]))
        data, gap, sent = read_project(
            opts, project, logged, window, src, log_id=LOG_ID, parse=parse_firewall_entry
        )
        data["Rules"] = data.pop("Subnets")
        data["Egress"] = data.pop("Gateway", 0)
        out.calls += sent
        out.records.append(project_record(project, RECORD, data))
        if gap is not None:
            out.gaps.append(gap)
    return out
