"""What the flow records read say about each network: read in full for the window, or not.

Shared by the observed-flow rules (``network.observed-*``, ``data.observed-*``): whether
observed flows were asked for at all, which reads cover each network, and, when a
network's records cannot be all there was, the INCONCLUSIVE that says why (a failed
read's gap, a read not made, the sample cap, malformed lines, only part of the network
logged). A network counts as fully observed when a flow log of the whole network that
records every accepted flow (AWS: a VPC-level log of ALL or ACCEPT traffic; Azure: a VNet
flow log, or logged NSGs on every subnet, see :mod:`._observed_window_azure`; GCP: every
subnetwork logging every flow, see :mod:`._observed_window_gcp`) was read in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from auditor.analysis.network import local_id
from auditor.base.kinds.observed import FLOW_READ
from auditor.checks import Judgement, RuleContext, _observed_window_azure
from auditor.checks import _observed_window_gcp as gcp
from auditor.checks._aws_flow_reads import covered, failed_text, incomplete, read_resources
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Resource

FLOW_SERVICE_MARK = "flow-records"
"""Collection services that read flow records carry this in their name (``vpc-flow-records``)."""


def flows_asked(graph: BoundaryGraph) -> bool:
    """Whether the scan asked for observed flows (a flow read ran, or its unit failed)."""
    inv = graph.inventory
    return (
        any(FLOW_SERVICE_MARK in u.service for u in inv.collected)
        or any(FLOW_SERVICE_MARK in gap.service for gap in inv.gaps)
        or bool(graph.of_kind(FLOW_READ))
    )


def not_asked(ctx: RuleContext) -> Judgement:
    """NOT_APPLICABLE: the scan was not asked to read flow records."""
    return ctx.not_applicable(
        scope_id("*", "*", "*"),
        "observed flows were not asked for: scan with --flows-since DURATION to read "
        "flow log records",
    )


@dataclass
class Window:
    """The reads that cover one network, and whether one records the whole of it."""

    reads: list[Resource] = field(default_factory=list)
    whole: bool = False

    def span(self) -> str:
        """``since to until`` over the reads (empty when none), and how they were read when
        Logs Insights was asked for (``--flows-insights``: ``read_with``)."""
        if not self.reads:
            return ""
        since = min(str(r.attributes.get("since") or "") for r in self.reads)
        until = max(str(r.attributes.get("until") or "") for r in self.reads)
        ways = sorted({str(r.attributes.get("read_with")) for r in self.reads} - {"None"})
        return f"{since} to {until}" + (f", read with {' and '.join(ways)}" if ways else "")

    def records(self) -> int:
        return sum(int(str(r.attributes.get("records") or 0)) for r in self.reads)


def network_key(net: Resource) -> str:
    """The key :func:`windows` uses for a network (its own id, ``vpc-...``)."""
    return str(net.attributes.get("vpc_id") or local_id(net.id))


def windows(graph: BoundaryGraph) -> dict[str, Window]:
    """Network key -> the reads that cover it."""
    out: dict[str, Window] = {}
    for r in sorted(graph.of_kind(FLOW_READ), key=lambda x: x.id):
        cover = (
            covered(graph, r)
            if r.cloud == "aws"
            else gcp.covered(graph, r)
            if r.cloud == "gcp"
            else _observed_window_azure.covered(graph, r)
            if r.cloud == "azure"
            else dict.fromkeys((str(v) for v in r.attributes.get("vpc_ids") or []), False)
        )
        for key, whole in cover.items():
            w = out.setdefault(key, Window())
            w.reads.append(r)
            w.whole = w.whole or whole
    return out


def unobserved(
    ctx: RuleContext,
    net: Resource,
    win: Window | None,
    interfaces: Sequence[str] | None,
    attributes: dict[str, JSONValue],
) -> Judgement | None:
    """INCONCLUSIVE for ``net`` when its records may not be all there was; None when they
    are (the sample cap counts only on ``interfaces``; on every interface when None)."""
    name = net.name or net.id
    if win is None or not win.reads:
        return replace(
            ctx.inconclusive(
                net.id,
                f"no flow log of {name} was read: what crossed it in the window is not known",
                attributes=attributes,
            ),
            unmodelled="observed flows of a network without a flow log read",
        )
    failed = [r for r in win.reads if r.attributes.get("status") == "failed"]
    if failed:
        return ctx.inconclusive(
            net.id,
            f"reading the flow records of {name} failed: "
            + ", ".join(failed_text(r) for r in failed),
            attributes=attributes,
            depends_on=[x for r in failed for x in read_resources(r)],
        )
    why = (
        gcp.incomplete(ctx.graph, win.reads, net.id, interfaces)
        if net.cloud == "gcp"
        else incomplete(win.reads, None if interfaces is None else set(interfaces))
        or (
            ""
            if win.whole
            else "no flow log read records every accepted flow of the whole network (only a "
            "subnet's, an interface's or an NSG's, filtered, or REJECT traffic only)"
        )
    )
    if why:
        return replace(
            ctx.inconclusive(
                net.id, f"the flow records of {name} are incomplete: {why}", attributes=attributes
            ),
            unmodelled=why,
        )
    return None


def flow_text(f: Resource) -> str:
    """One observed flow aggregate, as a reviewer reads it."""
    a = f.attributes
    return (
        f"{a.get('src')} -> {a.get('dst')}:{a.get('dst_port')} {a.get('action')} "
        f"({a.get('records')} records, {a.get('bytes')} bytes, {a.get('first_seen')} to "
        f"{a.get('last_seen')})"
    )


FLOW_KEYS = ("src", "dst", "dst_port", "protocol", "action", "bytes", "records", "first_seen")
"""The attributes of a flow a verdict's evidence lists."""


def flow_json(f: Resource) -> dict[str, JSONValue]:
    a = f.attributes
    return {k: a.get(k) for k in (*FLOW_KEYS, "last_seen", "interface_id")}


def unplaced_public(
    ctx: RuleContext,
    rid: str,
    flows: Sequence[Resource],
    nats: Sequence[Resource],
    *,
    leaves: str,
    unmodelled: str,
) -> Judgement:
    """INCONCLUSIVE for ``rid``: records from public addresses nothing places reached it on a
    Kafka port while a platform network's NAT ``leaves`` from addresses not placed, so
    replication through that NAT cannot be told from a client's traffic."""
    res = ctx.graph.get(rid)
    srcs = sorted({str(f.attributes.get("src")) for f in flows})
    total = sum(int(str(f.attributes.get("bytes") or 0)) for f in flows)
    return replace(
        ctx.inconclusive(
            rid,
            f"{total} bytes reached {(res.name if res else '') or rid} on Kafka ports from public "
            f"addresses no collected resource holds ({', '.join(srcs[:5])}), and "
            f"{leaves.format(names=', '.join(n.name or n.id for n in nats))}: replication "
            "through it cannot be told apart",
            nodes=[*(f.id for f in flows), *(n.id for n in nats)],
            attributes={"sources": list(srcs), "bytes": total},
        ),
        unmodelled=unmodelled,
    )
