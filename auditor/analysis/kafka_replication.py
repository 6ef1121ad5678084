"""Collected Kafka replication: what copies records between which regions, and offsets.

Read from ``kafka_replication`` resources (MSK Replicator, MirrorMaker 2 on MSK
Connect, ...), never from the declaration. A MirrorMaker 2 source connector
copies records and syncs no offsets itself; a checkpoint connector between the
same clusters with ``sync.group.offsets.enabled`` does it for it, so offsets of
a source flow count as synced when such a checkpoint flow exists (running or
not known to be stopped). :func:`offset_sync_routes` is the short answer the
failover plan needs: which collected replications sync consumer offsets from
which region into which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource

_RUNNING = {"RUNNING", "SUCCEEDED", "ACTIVE"}
_STOPPED = {"FAILED", "DELETING", "DELETED", "STOPPED", "PAUSED", "CREATING", "UPDATING"}


def replication_running(r: Resource) -> bool | None:
    """Whether a collected replication runs (None: its state is not known)."""
    state = r.attributes.get("state")
    if not isinstance(state, str):
        return None
    s = state.upper()
    if s in _RUNNING:
        return True
    if s in _STOPPED:
        return False
    return None


@dataclass(frozen=True, kw_only=True)
class Flow:
    """One source -> target copy of one collected replication."""

    replication: str
    """Id of the ``kafka_replication`` resource."""
    service: str
    name: str
    source: str
    """The source cluster's id, else its bootstrap servers, else ``?``."""
    target: str
    source_region: str | None
    target_region: str | None
    data: bool
    """It copies records (an MM2 checkpoint connector or a metadata pairing does not)."""
    offset_sync: bool
    """It synchronises consumer group offsets itself."""
    running: bool | None


def _endpoint(cluster: object, bootstrap: object) -> str:
    if isinstance(cluster, str) and cluster:
        return cluster
    if isinstance(bootstrap, str) and bootstrap:
        return ",".join(sorted(s.strip().lower() for s in bootstrap.split(",") if s.strip()))
    return "?"


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def flows_of(r: Resource) -> list[Flow]:
    """The flows of one ``kafka_replication`` resource."""
    raw = r.attributes.get("flows")
    out: list[Flow] = []
    for f in raw if isinstance(raw, list) else []:
        if not isinstance(f, dict):
            continue
        out.append(
            Flow(
                replication=r.id,
                service=str(r.attributes.get("service") or ""),
                name=r.name or r.id,
                source=_endpoint(f.get("source_cluster"), f.get("source_bootstrap")),
                target=_endpoint(f.get("target_cluster"), f.get("target_bootstrap")),
                source_region=_opt(f.get("source_region")),
                target_region=_opt(f.get("target_region")),
                data=f.get("data") is not False,
                offset_sync=f.get("offset_sync") is True,
                running=replication_running(r),
            )
        )
    return out


def replications(graph: BoundaryGraph) -> list[Resource]:
    """Every collected ``kafka_replication`` resource, by id."""
    return sorted(
        (r for r in graph.inventory.resources if r.kind == KAFKA_REPLICATION), key=lambda r: r.id
    )


def all_flows(resources: Iterable[Resource]) -> list[Flow]:
    return [f for r in resources if r.kind == KAFKA_REPLICATION for f in flows_of(r)]


def offsets_synced(flow: Flow, flows: Iterable[Flow]) -> bool:
    """Consumer offsets of a record-copying flow reach its target.

    Its own setting (MSK Replicator), or a checkpoint flow between the same two
    clusters that syncs offsets and is not known to be stopped (MirrorMaker 2).
    """
    if flow.offset_sync:
        return True
    return any(
        not f.data
        and f.offset_sync
        and f.running is not False
        and (f.source, f.target) == (flow.source, flow.target)
        for f in flows
    )


@dataclass(frozen=True, kw_only=True)
class OffsetRoute:
    """Collected replications that carry records and consumer offsets between two regions."""

    source_region: str
    target_region: str
    replications: tuple[str, ...]


def offset_sync_routes(graph: BoundaryGraph) -> list[OffsetRoute]:
    """Which collected, running (or not known stopped) replications sync consumer offsets.

    One entry per (source region, target region), with the ids of the
    replications (and MM2 checkpoint connectors) that make it so. Flows whose
    regions cannot be placed are left out: nothing can be said of them.
    """
    flows = all_flows(replications(graph))
    by_route: dict[tuple[str, str], set[str]] = {}
    for f in flows:
        if not f.data or f.running is False or not f.source_region or not f.target_region:
            continue
        if not offsets_synced(f, flows):
            continue
        ids = by_route.setdefault((f.source_region, f.target_region), set())
        ids.add(f.replication)
        ids.update(
            c.replication
            for c in flows
            if not c.data and c.offset_sync and (c.source, c.target) == (f.source, f.target)
        )
    return [
        OffsetRoute(source_region=s, target_region=t, replications=tuple(sorted(ids)))
        for (s, t), ids in sorted(by_route.items())
    ]
