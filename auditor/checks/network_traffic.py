"""``network.traffic-class``: each traffic class takes only the paths declared for it.

Flows come from :mod:`auditor.analysis.network.traffic` (hop-by-hop paths, see
:mod:`auditor.analysis.network.paths`). One verdict per class and target:

- **clients**: every source that reaches a Kafka listener must be a declared
  client CIDR, over declared ``clients.via`` links (the internet never, unless
  declared);
- **replication**: from each other declared region, at least one path of a
  declared ``replication.via`` kind, and no path over the internet or NAT (to a
  broker: KRaft controllers are no replication target). An Azure/GCP listener
  that admits only some public ranges is reached over the internet only if the
  replicators leave from them, which is not collected: that path is unknown, and
  with no private path the class fails all the same;
- **operations**: management endpoints reached only over ``operations.via``;
- **support**: networks of other parties reach the platform only over
  ``support.via``;
- **monitoring** and **egress**: outbound, from the platform's own resources
  (:mod:`auditor.checks._traffic_outbound`): declared destinations reached only over
  declared links; no other public address reachable.

AWS listeners are judged hop by hop (:mod:`auditor.analysis.network.traffic`);
Azure and GCP listeners network by network, across clouds over site links
(:mod:`auditor.analysis.network.cloud_flows`). A path that depends on data not
collected or not modelled makes the verdict INCONCLUSIVE, never PASS.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from auditor.analysis.network import label
from auditor.analysis.network.addresses import cidr_within
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cloud_flows import cloud_flows
from auditor.analysis.network.path_model import Path, hops_text
from auditor.analysis.network.paths import best
from auditor.analysis.network.traffic import PUBLIC, Flow, class_flows, judge, links
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._traffic_outbound import outbound_judgements
from auditor.model import INTERNET_ID, JSONValue, PathName, Severity

_PRIVATE = ("peering", "transit-gateway")


_ROUTED = {"internet gateway": "internet", "NAT gateway": "nat"}
"""Gateways a route table sends traffic to: the route table is what must change."""
_LINK_OF_HOP = {
    "transit gateway": "transit-gateway",
    "TGW attachment": "transit-gateway",
    "interface endpoint": "private-endpoint",
    "private endpoint": "private-endpoint",
}
"""Hops that are links themselves (a peering, an attachment): the link must change."""


def _shown(f: Flow) -> list[Path]:
    """The paths a flow's evidence shows: the best ones, and where the engine split the
    source's addresses, one path per part that does not reach (with its deciding hop)."""
    out = list(best(f.paths)[:2])
    out.extend(p for p in f.paths if p.part and p.reach is not Reach.YES and p not in out)
    return out


def _ranges(f: Flow) -> dict[str, JSONValue] | None:
    """The source ranges that reach and those that do not, when the engine split them."""
    if not any(p.part for p in f.paths):
        return None
    reach = sorted({c for p in f.paths if p.reach is Reach.YES for c in p.sources})
    blocked: list[JSONValue] = [
        {"ranges": list(p.part), "reach": p.reach.value, "at": p.reason}
        for p in f.paths
        if p.part and p.reach is not Reach.YES
    ]
    return {"reach": list(reach), "do_not_reach": blocked}


def _evidence(flows: Sequence[Flow]) -> dict[str, Any]:
    nodes: list[str] = []
    edges: list[tuple[str, str, str]] = []
    shown: list[JSONValue] = []
    for f in flows:
        ranges = _ranges(f)
        for p in _shown(f):
            nodes.extend(n for n in p.nodes() if n not in nodes)
            edges.extend(e for e in p.edges() if e not in edges)
            entry: dict[str, JSONValue] = {"class": f.cls, "source": f.source, **p.as_json()}
            if ranges is not None:
                entry["source_ranges"] = ranges
            shown.append(entry)
    return {"nodes": nodes, "edges": edges, "paths": shown}


def _common(flows: Sequence[Flow], extra: dict[str, JSONValue]) -> dict[str, Any]:
    ev = _evidence(flows)
    missing = [m for f in flows for p in f.paths for m in p.missing]
    return {
        "nodes": ev["nodes"],
        "edges": ev["edges"],
        "attributes": {**extra, "paths": ev["paths"]},
        "depends_on": list(
            dict.fromkeys([*(n for n in ev["nodes"] if n.startswith("arn:")), *missing])
        ),
    }


def _split_note(flows: Sequence[Flow]) -> str:
    """`` (of <source>: <ranges> reach; <ranges> do not: <hop>)`` for split flows."""
    notes: list[str] = []
    for f in flows:
        if not any(p.part for p in f.paths):
            continue
        reach = ", ".join(sorted({c for p in f.paths if p.reach is Reach.YES for c in p.sources}))
        no = [p for p in f.paths if p.part and p.reach is not Reach.YES]
        nots = "; ".join(f"{', '.join(p.part)} do not ({p.reason})" for p in no[:2])
        notes.append(f"of {f.source}: {reach or 'no range'} reach" + (f"; {nots}" if nots else ""))
    return f" ({'; '.join(notes[:2])})" if notes else ""


def _causes(bad: Sequence[Flow], undeclared: set[str]) -> tuple[str, ...]:
    """What must change to close the undeclared reaching paths of ``bad`` flows.

    The route table that sends the traffic to an undeclared internet or NAT gateway;
    the undeclared link itself (a peering, an attachment, an endpoint); where neither
    is on the path (from the internet, or an undeclared source on a declared link),
    the security group or firewall that admits it. Empty when the path names none:
    the target itself is then the cause.
    """
    out: list[str] = []
    for f in bad:
        for p in f.paths:
            if p.reach is not Reach.YES or (undeclared and not set(links(p)) & undeclared):
                continue  # a declared path of the flow is not what must change
            found: list[str] = []
            for h, nxt in itertools.pairwise(p.hops):
                gw = _ROUTED.get(nxt.what, "")
                if h.what != "route table" or gw not in undeclared:
                    continue
                if gw == "internet" and any(_ROUTED.get(x.what) == "nat" for x in p.hops):
                    continue  # a NAT subnet's own internet route is not what sent it there
                found.append(h.node)
            found.extend(
                h.node
                for h in p.hops
                if h.what not in _ROUTED
                and h.what not in ("source", "target")
                and _LINK_OF_HOP.get(h.what, h.what) in undeclared
            )
            out.extend(found)
            if f.source == INTERNET_ID or not found:
                out.extend(
                    h.node
                    for h in p.hops
                    if h.reach is Reach.YES
                    and h.what in ("security group", "firewall")
                    and h.node not in (f.target.id, INTERNET_ID)
                )
    return tuple(dict.fromkeys(out))


def _unmodelled(flows: Sequence[Flow]) -> str:
    """The unmodelled feature an UNKNOWN path of ``flows`` names (first one found)."""
    return next((p.unmodelled for f in flows for p in f.paths if p.unmodelled), "")


def _first(paths: Sequence[Path]) -> str:
    yes = [p for p in paths if p.reach is Reach.YES]
    p = (yes or list(paths))[0]
    return hops_text((h for h in p.hops if h.what != "network ACL"), _last)


def _last(node: str) -> str:
    return node.rsplit("/", 1)[-1]


@rule(
    id="network.traffic-class",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Each traffic class flows only over the paths declared for it",
    rationale=(
        "Clients, replication, operations, support, monitoring-export and egress traffic cross "
        "the boundary for different reasons; each must take its declared path. Private client "
        "connectivity proves nothing about replication, and one public path (in or out) is "
        "enough to break the promise."
    ),
    remediation=(
        "Remove the undeclared path (route, public address, security group, NACL or firewall "
        "rule, egress rule the evidence names), or declare the link kind for the class in "
        "network.<class>.via (and, for monitoring and egress, the destination in to)."
    ),
    requires=(
        "ec2-network",
        "ec2-vpn",
        "ec2-compute",
        "elbv2",
        "msk",
        "eks",
        "azure-resources",
        "cloudasset",
    ),
)
def traffic_class(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    # AWS listeners hop by hop; Azure and GCP listeners network by network.
    flows = [f for f in class_flows(ctx.graph) if f.target.cloud == "aws"]
    flows.extend(cloud_flows(ctx.graph))
    if not flows:
        # Nothing to judge; a collection gap where the listeners would be makes it INCONCLUSIVE.
        yield ctx.nothing_to_judge(
            ctx.scan_scope(),
            "no Kafka listener or management endpoint of the platform was found to judge",
        )
    by: dict[tuple[str, str], list[Flow]] = {}
    for f in flows:
        by.setdefault((f.cls, f.target.id), []).append(f)
    for (cls, tid), group in sorted(by.items()):
        tc = getattr(decl.network, cls)
        allowed = [str(v) for v in tc.via]
        yield replace(_judge(ctx, cls, tid, group, allowed, list(tc.cidrs)), aspect=cls)
    # Outbound classes: what the platform's own resources send out (monitoring, egress).
    yield from outbound_judgements(ctx)


def _judge(
    ctx: RuleContext,
    cls: str,
    tid: str,
    flows: list[Flow],
    allowed: list[str],
    cidrs: list[str],
) -> Judgement:
    target = flows[0].target
    name = label(target)
    extra: dict[str, JSONValue] = {"class": cls, "declared_via": allowed, "declared_from": cidrs}
    reached = [f for f in flows if f.reach is Reach.YES]
    unknown = [f for f in flows if f.reach is Reach.UNKNOWN]
    bad: list[tuple[Flow, str]] = []
    for f in reached:
        ok, wrong = judge(f, allowed)
        if not ok:
            bad.append((f, f"via {', '.join(wrong)}"))
        elif (
            cls in ("clients", "operations")
            and f.source == "internet"
            and ("internet" not in allowed)
        ):
            bad.append((f, "from the internet"))
        elif (
            cls == "clients"
            and cidrs
            and f.source not in ("internet",)
            and not (cidr_within(f.source, cidrs))
        ):
            bad.append((f, f"from undeclared source {f.source}"))
    if cls == "replication":
        return _judge_replication(ctx, tid, name, flows, allowed, extra)
    if bad:
        f, why = bad[0]
        public = any(set(x.links) & PUBLIC for x, _ in bad)
        flows_bad = [x for x, _ in bad]
        undeclared = {k for x in flows_bad for k in x.links if k not in allowed}
        return replace(
            ctx.failed(
                tid,
                f"[{cls}] {name} is reached {why} on port {f.port} from {f.source} "
                f"({_first(f.paths)}); declared via: {', '.join(allowed) or 'none'}"
                f"{_split_note([f])}",
                definite=public,
                **_common(flows_bad, extra),
            ),
            causes=_causes(flows_bad, undeclared),
            affects=(tid,),
        )
    if unknown:
        f = unknown[0]
        p = best(f.paths)[0]
        return replace(
            ctx.inconclusive(
                tid,
                f"[{cls}] cannot tell whether {f.source} reaches {name} on port {f.port}: "
                f"{p.reason}",
                **_common(unknown, extra),
            ),
            unmodelled=p.unmodelled or _unmodelled([f]),
        )
    if reached:
        kinds = sorted({k for f in reached for k in f.links} or {"local"})
        return ctx.passed(
            tid,
            f"[{cls}] {name} is reached only over declared paths ({', '.join(kinds)}) from "
            f"{', '.join(sorted({f.source for f in reached}))}{_split_note(reached)}",
            **_common(reached, extra),
        )
    why = best(flows[0].paths)[0].reason if flows[0].paths else "no path"
    return ctx.passed(
        tid,
        f"[{cls}] no {cls} source reaches {name}: {why}",
        **_common(flows[:1], extra),
    )


def _judge_replication(
    ctx: RuleContext,
    tid: str,
    name: str,
    flows: list[Flow],
    allowed: list[str],
    extra: dict[str, JSONValue],
) -> Judgement:
    allowed_set = set(allowed or _PRIVATE) | {"local"}  # one network spanning regions (GCP)
    public = [f for f in flows if f.reach is Reach.YES and set(f.links) & PUBLIC]
    if public:
        f = public[0]
        return replace(
            ctx.failed(
                tid,
                f"[replication] {f.source} reaches {name} on port {f.port} over "
                f"{', '.join(sorted(set(f.links) & PUBLIC))} ({_first(f.paths)}), whatever "
                f"private paths also exist{_split_note([f])}",
                definite=True,
                **_common(public, extra),
            ),
            causes=_causes(public, set(PUBLIC)),
            affects=(tid,),
        )
    good = [f for f in flows if f.reach is Reach.YES and f.links and set(f.links) <= allowed_set]
    other = [f for f in flows if f.reach is Reach.YES and not set(f.links) <= allowed_set]
    unknown = [f for f in flows if f.reach is Reach.UNKNOWN]
    # Replication needs a private path: when none can exist, a public path whose reach is
    # unknown does not make the verdict unknown.
    private_open = any(
        p.reach is not Reach.NO and not set(p.via) & PUBLIC for f in flows for p in f.paths
    )
    if other:
        f = other[0]
        return replace(
            ctx.failed(
                tid,
                f"[replication] {f.source} reaches {name} over undeclared "
                f"{', '.join(f.links)} (declared: {', '.join(sorted(allowed_set - {'local'}))})"
                f"{_split_note([f])}",
                **_common(other, extra),
            ),
            causes=_causes(other, {k for x in other for k in x.links} - allowed_set),
            affects=(tid,),
        )
    if unknown and private_open:
        f = unknown[0]
        p = best(f.paths)[0]
        return replace(
            ctx.inconclusive(
                tid,
                f"[replication] cannot tell every path from {f.source} to {name}: {p.reason}",
                **_common(unknown, extra),
            ),
            unmodelled=p.unmodelled or _unmodelled([f]),
        )
    if good:
        kinds = sorted({k for f in good for k in f.links})
        return ctx.passed(
            tid,
            f"[replication] {name} is reached from {', '.join(sorted({f.source for f in good}))} "
            f"only over {', '.join(kinds)}{_split_note(good)}",
            **_common(good, extra),
        )
    f = flows[0]
    private = [p for p in f.paths if not set(p.via) & PUBLIC]
    why = best(private)[0].reason if private else "no path"
    if unknown:
        u = unknown[0]
        why += f"; over the internet: {best(u.paths)[0].reason}"
    return replace(
        ctx.failed(
            tid,
            f"[replication] no private path from {f.source} reaches {name} on Kafka ports ({why})",
            **_common(flows[:1], extra),
        ),
        causes=_blockers([p for x in flows for p in x.paths if not set(p.via) & PUBLIC]),
        affects=(tid,),
    )


def _blockers(paths: Sequence[Path]) -> tuple[str, ...]:
    """The configuration that drops each blocked path (a route table, group, ACL or firewall
    rule): what must change for a private path to exist. Empty when no such hop decides."""
    out: list[str] = []
    for p in paths:
        h = p.blocked_at
        if p.reach is not Reach.NO or h is None:
            continue
        if h.what == "missing link":  # every link that is missing (ids from link_id)
            out.extend(m.node for m in p.hops if m.what == "missing link")
        elif h.what not in ("source", "target") and h.node not in (p.target, p.source):
            out.append(h.node)
    return tuple(dict.fromkeys(out))
