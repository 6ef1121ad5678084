"""Whether a GCP flow log read holds every entry of its project's log, as its sinks stored them.

``entries.list`` reads what log buckets hold, and sinks decide what they hold. A project's
read from its own buckets (``projects/P``) is whole when the ``_Default`` sink is enabled
and keeps every entry of the log: its inclusion filter and enabled exclusion filters read
by :mod:`auditor.base.gcp_logfilter` (a term on any field but the log name leaves it
unknown). A read of a user sink's log bucket (:mod:`auditor.collect.gcp.flow_sinks`, made
when the ``_Default`` sink may drop them) is whole when that sink, as collected, routes
every entry. A folder's or organisation's sink with ``includeChildren`` is read as such a
sink, and one intercepting the entries (``interceptChildren``) leaves the project's own
buckets short even when ``_Default`` keeps them all. Otherwise the reason names the sink,
and the sinks routing the log where the auditor did not read it (BigQuery, Pub/Sub, Cloud
Storage, a bucket of a project not scanned) with their destinations.
"""

from __future__ import annotations

from auditor.base.gcp_logfilter import VPC_FLOWS, LogSpec, Routes, routes_after_exclusions
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource


def sink_routes(sink: Resource, project: str, log: LogSpec = VPC_FLOWS) -> Routes:
    """Whether the collected ``sink`` routes every entry of ``log`` written in ``project``."""
    a = sink.attributes
    if a.get("disabled"):
        return Routes.NO
    return routes_after_exclusions(
        str(a.get("filter") or ""),
        [str(x) for x in a.get("exclusion_filters") or []],
        [log],
        f"projects/{project}",
    )


def _default(graph: BoundaryGraph, project: str, log: LogSpec) -> str:
    """Why the project's ``_Default`` sink may not store every entry of ``log`` ("" if it does)."""
    sink = graph.get(f"//logging.googleapis.com/projects/{project}/sinks/_Default")
    name = log.log_id.rsplit("/", 1)[-1]
    if sink is None:
        return f"the _Default log sink of {project} was not collected"
    a = sink.attributes
    if a.get("disabled"):
        return f"the _Default log sink of {project} is disabled"
    got = sink_routes(sink, project, log)
    if got is Routes.YES:
        return ""
    verb = "drops" if got is Routes.NO else "may drop"
    alone = routes_after_exclusions(str(a.get("filter") or ""), [], [log], f"projects/{project}")
    if a.get("exclusions") and alone is Routes.YES:
        names = ", ".join(str(x) for x in a.get("exclusions") or [])
        plural = "drop" if got is Routes.NO else "may drop"
        return f"the _Default log sink of {project} has exclusions ({names}) that {plural} {name}"
    return f"the _Default log sink of {project} filters {a.get('filter')!r}: it {verb} {name}"


def _label(sink: str) -> str:
    """A project's sink by its name; a folder's or organisation's by its parent too."""
    path = sink.removeprefix("//logging.googleapis.com/")
    return sink.rsplit("/", 1)[-1] if path.startswith("projects/") else path


def sink_gap(graph: BoundaryGraph, read: Resource, log: LogSpec = VPC_FLOWS) -> str:
    """Why ``read`` may not hold every entry of its project's ``log`` ("" when it does)."""
    a = read.attributes
    project = read.account
    name = log.log_id.rsplit("/", 1)[-1]
    if sid := str(a.get("sink_id") or ""):
        sink = graph.get(sid)
        if sink is None:
            return f"the log sink {sid} whose bucket was read was not collected"
        if sink_routes(sink, project, log) is Routes.YES:
            return ""
        label = _label(sid)
        return f"the log sink {label} whose bucket was read may not route every {name} entry"
    why = _default(graph, project, log)
    unread = [u for u in a.get("unread_sinks") or [] if isinstance(u, dict)]
    if not why and not unread:
        return ""
    # unread sinks with a whole _Default: an aggregated sink intercepting them (the collector's)
    return "; ".join(
        [
            *([why] if why else []),
            *(
                f"log sink {_label(str(u.get('sink')))} routes {name} to "
                f"{u.get('destination')}, not read ({u.get('reason')})"
                for u in unread
            ),
        ]
    )
