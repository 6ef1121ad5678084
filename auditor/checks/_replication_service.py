"""``failure.replication-service``: one declared Kafka replication service, judged on the
replication collected between its regions (MSK Replicator, MirrorMaker 2 on MSK Connect).

Kept apart from :mod:`auditor.checks.failure_patterns`, which registers the rule: this is
how one service is compared with what was collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from auditor.analysis.failover import member_running, service_members, service_route
from auditor.analysis.kafka_replication import Flow, collected_flows, flow_offsets
from auditor.analysis.network import label
from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.boundary import ReplicationService
from auditor.checks import Judgement, RuleContext
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Resource


@dataclass(frozen=True, kw_only=True)
class _ServiceView:
    """One declared replication service against the replication collected for it."""

    source: str | None
    targets: list[str]
    collected: list[Flow]
    routes: dict[str, list[Flow]]
    """Target region -> collected flows copying records source -> target."""
    unplaced: list[Flow]
    elsewhere: list[Flow]
    hosts_of: list[Resource]
    hosts: list[str]
    unmatched: list[Flow]
    """Collected record copies that may be between its regions when its selector matches
    nothing (which of them is this service cannot be told)."""


@dataclass
class _ServiceProblems:
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Absences: a gap where they were looked for makes the verdict INCONCLUSIVE."""
    unknown: list[str] = field(default_factory=list)
    unmodelled: list[str] = field(default_factory=list)
    """Full explanations (for the message)."""
    unmodelled_names: list[str] = field(default_factory=list)
    """Short names of the unmodelled features (for ``Verdict.unmodelled``)."""


def _service_view(
    ctx: RuleContext, svc: ReplicationService
) -> tuple[_ServiceView, list[Resource], set[str]]:
    members = service_members(ctx.graph, svc)
    source, targets = service_route(ctx.declaration, svc)
    collected = collected_flows(ctx.graph)
    chosen = {m.id for m in members if m.kind == KAFKA_REPLICATION}
    hosts_of = [m for m in members if m.kind != KAFKA_REPLICATION]
    # A service is judged only on the collected replication its selector picks: another
    # declared service between the same regions must not pass on someone else's copy.
    mine = [f for f in collected if f.replication in chosen]
    view = _ServiceView(
        source=source,
        targets=targets,
        collected=collected,
        routes={
            t: [f for f in mine if f.data and (f.source_region, f.target_region) == (source, t)]
            for t in targets
        },
        unplaced=[f for f in mine if not f.source_region or not f.target_region],
        elsewhere=[
            f
            for f in mine
            if f.data
            and f.source_region
            and f.target_region
            and (f.source_region != source or f.target_region not in targets)
        ],
        hosts_of=hosts_of,
        hosts=sorted({m.region for m in hosts_of if member_running(ctx.graph, m) is not False}),
        unmatched=[]
        if members
        else [
            f
            for f in collected
            if f.data
            and (
                not f.source_region
                or not f.target_region
                or (f.source_region == source and f.target_region in targets)
            )
        ],
    )
    return view, members, chosen


def _service_attrs(
    graph: BoundaryGraph, svc: ReplicationService, v: _ServiceView, members: list[Resource]
) -> dict[str, JSONValue]:
    return {
        "kind": svc.kind,
        "source": v.source,
        "targets": v.targets,
        "declared_offset_sync": svc.offset_sync,
        "collected": [
            {
                "id": f.replication,
                "service": f.service,
                "source_region": f.source_region,
                "target_region": f.target_region,
                "running": f.running,
                "offset_sync": flow_offsets(f, v.collected, svc.consumer_groups).synced,
            }
            for fs in v.routes.values()
            for f in fs
        ],
        "hosted_in": v.hosts,
        "members": [
            {"id": m.id, "kind": m.kind, "region": m.region, "running": member_running(graph, m)}
            for m in members
        ],
    }


def _service_problems(
    graph: BoundaryGraph, svc: ReplicationService, v: _ServiceView, members: list[Resource]
) -> _ServiceProblems:
    out = _ServiceProblems()
    if v.source is None or not v.targets:  # nothing would be judged: never a PASS
        out.problems.append(
            "the declaration gives it no source and target region to replicate between "
            f"(source {v.source or 'none'}, targets {', '.join(v.targets) or 'none'})"
        )
    for t, flows in v.routes.items():
        if flows:
            out.problems += _route_problems(svc, v.source, t, flows, v.collected)
            out.unknown += [
                f"whether {f.name} ({f.service}) runs was not recorded"
                + (f" ({f.unknown_because})" if f.unknown_because else "")
                for f in flows
                if f.running is None
            ]
            out.unknown += [
                f"whether {f.name} syncs consumer offsets could not be read ({o.why})"
                for f in flows
                if f.running is not False
                and (o := flow_offsets(f, v.collected, svc.consumer_groups)).synced is None
            ]
        elif v.hosts_of:
            if t not in v.hosts:
                out.problems.append(
                    f"no collected replication copies {v.source} -> {t}, and it runs only in "
                    f"{', '.join(v.hosts) or 'no region'}, not in {t} where it replicates to"
                )
            else:
                out.unmodelled.append(
                    f"{v.source} -> {t} runs on self-managed resources "
                    f"({', '.join(label(m) for m in v.hosts_of[:3])}): MirrorMaker 2 outside "
                    "MSK Connect keeps its source, target and sync.group.offsets.enabled in the "
                    "workers' own configuration, which no control-plane API exposes"
                )
                out.unmodelled_names.append("MirrorMaker 2 on self-managed workers")
        elif not v.unplaced and not v.unmatched:
            out.missing.append(
                f"no collected replication copies {v.source} -> {t}"
                + ("" if members else " and nothing matches its selector")
            )
    for f in v.elsewhere:
        out.problems.append(
            f"{f.name} ({f.service}) copies {f.source_region} -> {f.target_region}, not "
            f"{v.source} -> {', '.join(v.targets)}"
        )
    for f in v.unplaced:
        why = f.unplaced_because or "its regions were not recorded"
        out.unmodelled.append(f"{f.name} ({f.service}) copies {f.source} -> {f.target}: {why}")
        out.unmodelled_names.append(
            "replication between brokers outside MSK"
            if why.startswith("brokers")
            else "the target region of a replication connector"
        )
    if v.unmatched:
        out.unmodelled.append(
            "its selector matches no collected replication, so which of "
            + ", ".join(sorted({f"{f.name} ({f.service})" for f in v.unmatched}))
            + f" (collected between or around {v.source} and {', '.join(v.targets)}) is "
            f"{svc.name} cannot be told"
        )
        out.unmodelled_names.append("a replication service whose selector matches nothing")
    states = [member_running(graph, m) for m in v.hosts_of]
    if v.hosts_of and not any(v.routes.values()) and all(s is False for s in states):
        out.problems.append("none of its resources is running")
    if not svc.offset_sync and not any(
        flow_offsets(f, v.collected, svc.consumer_groups).synced is True
        for fs in v.routes.values()
        for f in fs
    ):
        out.problems.append("consumer offset sync is not declared (offset_sync: false)")
    return out


def judge_service(ctx: RuleContext, name: str) -> Judgement:
    """Judge one declared service on the replication collected between its regions.

    The declaration names what is intended (regions, selector, ``offset_sync``); the
    verdict rests on collected ``kafka_replication`` resources: one that copies records
    from the source region into each target region, runs, and syncs consumer offsets.
    Replication the auditor cannot read (MirrorMaker 2 on self-managed brokers) is
    INCONCLUSIVE and says so, unless what can be seen already fails.
    """
    svc = next(s for s in ctx.declaration.failure.replication if s.name == name)
    rid = f"replication:{svc.name}"
    v, members, chosen = _service_view(ctx, svc)
    used = sorted({f.replication for fs in v.routes.values() for f in fs} | chosen)
    used += sorted({f.runs_on for fs in v.routes.values() for f in fs if f.runs_on})
    attrs = _service_attrs(ctx.graph, svc, v, members)
    nodes = list(dict.fromkeys([*used, *(m.id for m in members)]))
    p = _service_problems(ctx.graph, svc, v, members)
    if p.problems or p.missing:
        return ctx.failed(
            rid,
            f"replication service {svc.name} ({svc.kind}): " + "; ".join([*p.problems, *p.missing]),
            nodes=nodes,
            attributes=attrs,
            definite=bool(p.problems),
        )
    if p.unmodelled or p.unknown:
        why = "; ".join([*p.unmodelled, *p.unknown])
        verdict = ctx.inconclusive(
            rid,
            f"replication service {svc.name} ({svc.kind}) cannot be judged: {why}",
            nodes=nodes,
            attributes=attrs,
        )
        names = "; ".join(dict.fromkeys([*p.unmodelled_names, *p.unknown]))
        return replace(verdict, unmodelled=names)
    names_ = sorted({f.name for fs in v.routes.values() for f in fs})
    return ctx.passed(
        rid,
        f"replication service {svc.name}: {', '.join(names_)} copies {v.source} -> "
        f"{', '.join(v.targets)}, runs and syncs consumer offsets"
        + (
            ""
            if svc.offset_sync
            else " (the declaration says offset_sync: false: the collected settings say otherwise)"
        ),
        nodes=nodes,
        attributes=attrs,
    )


def _route_problems(
    svc: ReplicationService,
    source: str | None,
    target: str,
    flows: list[Flow],
    collected: list[Flow],
) -> list[str]:
    """What fails on one collected route: nothing running, offsets not synced (by the
    collected setting that says so)."""
    out: list[str] = []
    if all(f.running is False for f in flows):
        out.append(
            f"no replication from {source} to {target} is running ("
            + ", ".join(
                sorted({f"{f.name}: {f.halted_by}" if f.halted_by else f.name for f in flows})
            )
            + ")"
        )
    for f in flows:
        sync = flow_offsets(f, collected, svc.consumer_groups)
        if f.running is not False and sync.synced is False:
            declared = " although offset_sync: true is declared" if svc.offset_sync else ""
            out.append(
                f"{f.name} ({f.service}) copies {source} -> {target} without consumer offset "
                f"sync{declared} ({sync.why}): consumers in {target} restart from their reset "
                "policy"
            )
    return out


# --- active-active ------------------------------------------------------------------------
