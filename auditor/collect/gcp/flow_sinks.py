"""Where a project's flow log entries can be read: its own buckets, or a user sink's log bucket.

Cloud Logging stores an entry where the project's sinks route it. ``entries.list`` on
``projects/P`` reads what the ``_Default`` sink stored; when that sink does not keep every
entry of the log (disabled, or a filter or exclusion that may drop it, read by
:mod:`auditor.base.gcp_logfilter`), the entries are read from the log bucket of a user sink
that routes all of them (``logging.googleapis.com/projects/Q/locations/L/buckets/B``, Q a
project of the scan, or the bucket listed by a folder's or organisation's scan), through
that bucket's ``_AllLogs`` view, with the same filter, window and cap. A sink that may
route them elsewhere (BigQuery, Pub/Sub, Cloud Storage, a bucket in a project not
scanned, or a bucket whose filter keeps only some of them) is recorded as not read, its
destination named: the checks never take such a project's records as all of its flows.

A folder's or organisation's sink with ``includeChildren`` (an aggregated sink, listed when
the scan covers that folder or organisation) routes its child projects' entries too and is
a candidate as a project's user sink is. It leaves the ``_Default`` sink routing them,
unless it also has ``interceptChildren``: then the child projects' own sinks (``_Required``
aside) do not receive the entries it matches, so the project's own buckets hold them only
when it drops them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.base.gcp_logfilter import LogSpec, Routes, routes_after_exclusions

SINK_TYPE = "logging.googleapis.com/LogSink"
BUCKET_TYPE = "logging.googleapis.com/LogBucket"
VIEW = "_AllLogs"
"""The view every log bucket has, holding all of its entries."""
_SINK = re.compile(
    r"^//logging\.googleapis\.com/((?:projects|folders|organizations)/[^/]+)/sinks/([^/]+)$"
)
_BUCKET = re.compile(r"^logging\.googleapis\.com/(projects/([^/]+)/locations/[^/]+/buckets/[^/]+)$")
_KIND = {"bigquery": "BigQuery", "pubsub": "Pub/Sub", "storage": "Cloud Storage"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Sink:
    """A project's, folder's or organisation's log sink, as the Cloud Asset listing holds it."""

    id: str
    name: str
    destination: str
    filter: str
    exclusions: tuple[str, ...]
    disabled: bool
    ancestors: tuple[str, ...] = ()
    """The asset's ``ancestors`` (its parent first, then folders up to the organisation)."""
    include_children: bool = False
    intercept_children: bool = False

    @property
    def aggregated(self) -> bool:
        """A folder's or organisation's sink routing its children's entries too."""
        return self.include_children and not self.id.startswith(
            "//logging.googleapis.com/projects/"
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    """Where one project's entries of a log are read, and the sinks that were not read."""

    resource_name: str
    """``projects/P``, or a bucket view ``projects/Q/locations/L/buckets/B/views/_AllLogs``."""
    sink: str = ""
    """The user sink routing the entries to that bucket ("" for ``projects/P``)."""
    destination: str = ""
    unread: list[dict[str, str]] = field(default_factory=list)
    """``{"sink", "destination", "reason"}`` per sink that may hold entries not read."""

    def record(self) -> dict[str, Any]:
        """The raw record's fields (none when the project's own buckets hold everything)."""
        out: dict[str, Any] = {}
        if self.sink:
            out["Source"] = {
                "Sink": self.sink,
                "Destination": self.destination,
                "View": self.resource_name,
            }
        if self.unread:
            out["UnreadSinks"] = list(self.unread)
        return out


def sink_of(asset: Mapping[str, Any]) -> tuple[str, Sink] | None:
    """(owner, sink) of a ``LogSink`` asset: owner is a project id, or ``folders/F`` /
    ``organizations/O``; None for anything else."""
    if asset.get("assetType") != SINK_TYPE:
        return None
    m = _SINK.match(str(asset.get("name") or ""))
    if m is None:
        return None
    d = (asset.get("resource") or {}).get("data") or {}
    excl = tuple(
        str(x.get("filter") or "")
        for x in d.get("exclusions") or []
        if isinstance(x, Mapping) and not x.get("disabled")
    )
    owner = m.group(1)
    return owner.removeprefix("projects/"), Sink(
        id=str(asset["name"]),
        name=m.group(2),
        destination=str(d.get("destination") or ""),
        filter=str(d.get("filter") or ""),
        exclusions=excl,
        disabled=bool(d.get("disabled")),
        ancestors=tuple(str(x) for x in asset.get("ancestors") or []),
        include_children=bool(d.get("includeChildren")),
        intercept_children=bool(d.get("interceptChildren")),
    )


def sinks_for(sinks: Mapping[str, Sequence[Sink]], project: str) -> list[Sink]:
    """``project``'s own sinks and the aggregated sinks of the folders and organisation above
    it (its ancestors as its sinks' listing names them) that the scan listed."""
    own = list(sinks.get(project, []))
    above = dict.fromkeys(a for s in own for a in s.ancestors[1:])
    return own + [s for parent in above for s in sinks.get(parent, []) if s.aggregated]


def listed_bucket(asset: Mapping[str, Any]) -> str | None:
    """``projects/Q/locations/L/buckets/B`` of a ``LogBucket`` asset the listing returned
    (the scan covers it, as when a folder or organisation is scanned); None otherwise."""
    if asset.get("assetType") != BUCKET_TYPE:
        return None
    name = str(asset.get("name") or "").removeprefix("//logging.googleapis.com/")
    return name if _BUCKET.match(f"logging.googleapis.com/{name}") else None


def keeps(sink: Sink, log: LogSpec, project: str) -> Routes:
    """Whether ``sink`` routes every entry of ``log`` written in ``project``."""
    if sink.disabled:
        return Routes.NO
    return routes_after_exclusions(sink.filter, sink.exclusions, [log], f"projects/{project}")


def _below(sink: Sink, above: Sink) -> bool:
    """Whether ``sink`` belongs to a resource under the one owning ``above``."""
    return bool(above.ancestors) and above.ancestors[0] in sink.ancestors[1:]


def _where(destination: str) -> str:
    kind = destination.split(".", 1)[0]
    return f"{_KIND.get(kind, kind)} {destination}"


def source(
    project: str,
    sinks: Sequence[Sink],
    log: LogSpec,
    scanned: set[str],
    listed: frozenset[str] = frozenset(),
) -> Source:
    """Where ``project``'s entries of ``log`` are read (see the module): the first user sink
    (by name) routing all of them to a log bucket of a scanned project (named in ``scanned``,
    or the bucket among the ``listed`` ones), else the project."""
    own = Source(resource_name=f"projects/{project}")
    default = next((s for s in sinks if s.name == "_Default" and not s.aggregated), None)
    taking = [s for s in sinks if s.aggregated and s.intercept_children]
    intercepted = [s for s in taking if keeps(s, log, project) is not Routes.NO]
    if default is None or (keeps(default, log, project) is Routes.YES and not intercepted):
        return own  # not collected: the checks say so; else it holds every entry
    chosen: Source | None = None
    unread: list[dict[str, str]] = []
    for s in sorted(sinks, key=lambda x: x.id):
        if not s.aggregated and s.name in ("_Default", "_Required"):
            continue
        if any(_below(s, t) for t in intercepted):
            continue  # an intercepting sink above may leave it some or none of them
        got = keeps(s, log, project)
        if got is Routes.NO:
            continue
        m = _BUCKET.match(s.destination)
        covered = m is not None and (m.group(2) in scanned or m.group(1) in listed)
        if chosen is None and got is Routes.YES and m is not None and covered:
            view = f"{m.group(1)}/views/{VIEW}"
            chosen = Source(resource_name=view, sink=s.id, destination=s.destination)
            continue
        if got is not Routes.YES:
            why = "its filter may keep only some of them"
            if s.intercept_children:
                why += ", which it intercepts from the project's own sinks"
        elif m is not None:
            why = f"the bucket's project {m.group(2)} is not scanned"
        else:
            why = f"{_where(s.destination)} is not read by the auditor"
        if s.intercept_children and got is Routes.YES:
            why += "; it intercepts them from the project's own sinks"
        unread.append({"sink": s.id, "destination": s.destination, "reason": why})
    # a bucket holding every entry is all there is to read: other copies add nothing
    return chosen or Source(resource_name=own.resource_name, unread=unread)
