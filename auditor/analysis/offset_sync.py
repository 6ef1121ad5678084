"""Whether consumer group offsets are synced between two regions: the one place that decides.

Consumers that fail over resume from synced offsets only when something translates
and copies them. That is read from the collected replication a declared
``failure.replication`` service selects (MSK Replicator's
``SynchroniseConsumerGroupOffsets`` and group patterns, a MirrorMaker 2 checkpoint
connector's ``sync.group.offsets.enabled`` and ``groups``, judged by
:func:`~auditor.analysis.kafka_replication.flow_offsets`), never from the declared
``offset_sync`` flag: that flag only says what is intended. A service that runs on
resources whose replication settings no control-plane API exposes (MirrorMaker 2 on
self-managed workers) leaves the answer unknown, never synced.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.analysis.failover import (
    member_running,
    member_unknown_because,
    service_members,
    service_route,
)
from auditor.analysis.kafka_replication import Flow, collected_flows, flow_offsets
from auditor.analysis.network import label
from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.boundary import Declaration, ReplicationService
from auditor.graph.build import BoundaryGraph


@dataclass(frozen=True, kw_only=True)
class ServiceOffsets:
    """One declared service's answer for consumers resuming in ``target``."""

    service: str
    synced: bool | None
    """None: the collected setting (or whether it runs) could not be read."""
    by: tuple[str, ...] = ()
    """Ids of the collected replications (and checkpoint connectors) that sync them."""
    reason: str


def _collected_answer(
    svc: ReplicationService, target: str, mine: list[Flow], flows: list[Flow]
) -> ServiceOffsets:
    """The answer from the collected flows of ``svc`` into ``target``."""
    live = [f for f in mine if f.running is not False]
    if not live:
        names = ", ".join(sorted({f.name for f in mine}))
        return ServiceOffsets(
            service=svc.name, synced=False, reason=f"{names} ({svc.name}) is not running"
        )
    answers = [(f, flow_offsets(f, flows, svc.consumer_groups)) for f in live]
    good = [(f, a) for f, a in answers if a.synced is True and f.running is True]
    if good:
        ids = sorted({i for f, a in good for i in (f.replication, *a.by)})
        names = ", ".join(sorted({f.name for f, _ in good}))
        return ServiceOffsets(
            service=svc.name,
            synced=True,
            by=tuple(ids),
            reason=f"{names} ({svc.name}) runs and its collected settings sync them",
        )
    unknown = [a.why for _, a in answers if a.synced is None]
    unknown += [
        f"whether {f.name} runs was not recorded ({f.unknown_because or 'no state'})"
        for f, a in answers
        if a.synced is True and f.running is None
    ]
    if unknown:
        return ServiceOffsets(service=svc.name, synced=None, reason="; ".join(unknown))
    why = "; ".join(a.why for _, a in answers)
    return ServiceOffsets(service=svc.name, synced=False, reason=f"{svc.name}: {why}")


def service_offsets(
    graph: BoundaryGraph, decl: Declaration, svc: ReplicationService, target: str
) -> ServiceOffsets:
    """Whether ``svc`` syncs consumer offsets into ``target``, judged on what was collected.

    Its collected replication from its source into ``target`` decides; without any, a
    declared ``offset_sync: true`` on resources whose settings cannot be read is
    unknown, and on nothing running is not synced.
    """
    source, _ = service_route(decl, svc)
    members = service_members(graph, svc)
    chosen = {m.id for m in members if m.kind == KAFKA_REPLICATION}
    flows = collected_flows(graph)
    mine = [f for f in flows if f.replication in chosen and f.data]
    routed = [f for f in mine if (f.source_region, f.target_region) == (source, target)]
    if routed:
        return _collected_answer(svc, target, routed, flows)
    unplaced = [f for f in mine if not f.source_region or not f.target_region]
    if unplaced:
        return ServiceOffsets(
            service=svc.name,
            synced=None,
            reason=f"{svc.name}: " + "; ".join(f"{f.name}: {f.unplaced_because}" for f in unplaced),
        )
    hosts = [m for m in members if m.kind != KAFKA_REPLICATION]
    if not svc.offset_sync:
        return ServiceOffsets(
            service=svc.name,
            synced=False,
            reason=f"{svc.name} replicates into {target} without offset sync (none collected, "
            "none declared)",
        )
    states = [member_running(graph, m) for m in hosts]
    if any(s is not False for s in states):
        unread = [
            member_unknown_because(graph, m)
            for m, s in zip(hosts, states, strict=True)
            if s is None
        ]
        return ServiceOffsets(
            service=svc.name,
            synced=None,
            reason=f"{svc.name} declares offset_sync, but it runs on "
            f"{', '.join(label(m) for m in hosts[:3])}, whose sync.group.offsets.enabled no "
            "control-plane API exposes" + (f" ({'; '.join(unread)})" if unread else ""),
        )
    return ServiceOffsets(
        service=svc.name,
        synced=False,
        reason=f"{svc.name} declares offset sync but no collected replication of it copies "
        f"{source} -> {target}" + (" and none of its resources is running" if hosts else ""),
    )


@dataclass(frozen=True, kw_only=True)
class OffsetSync:
    """The answer for consumers resuming in ``target``: synced or not, by what, and why."""

    target: str
    synced: bool | None
    """None: a service that would sync them was found, but its setting or running was not
    read."""
    by: tuple[str, ...] = ()
    """Names of the declared replication services whose collected replication syncs them."""
    unknown_by: tuple[str, ...] = ()
    """Names of services whose offset sync could not be read."""
    reason: str


def offsets_synced(
    graph: BoundaryGraph, decl: Declaration, target: str, source: str | None = None
) -> OffsetSync:
    """Whether offsets are synced into region ``target`` (from ``source``, default any region),
    by :func:`service_offsets` of each declared service on that route."""
    answers: list[ServiceOffsets] = []
    for svc in decl.failure.replication:
        src, targets = service_route(decl, svc)
        if target in targets and (source is None or src == source):
            answers.append(service_offsets(graph, decl, svc, target))
    syncing = [a for a in answers if a.synced is True]
    unknown = [a for a in answers if a.synced is None]
    if syncing:
        return OffsetSync(
            target=target,
            synced=True,
            by=tuple(a.service for a in syncing),
            unknown_by=tuple(a.service for a in unknown),
            reason="; ".join(a.reason for a in syncing),
        )
    if unknown:
        return OffsetSync(
            target=target,
            synced=None,
            unknown_by=tuple(a.service for a in unknown),
            reason="; ".join(a.reason for a in unknown),
        )
    if answers:
        return OffsetSync(target=target, synced=False, reason="; ".join(a.reason for a in answers))
    return OffsetSync(
        target=target, synced=False, reason=f"no replication into {target} is declared"
    )
