"""Collected Kafka replication: what copies records between which regions, and offsets.

Read from ``kafka_replication`` resources (MSK Replicator, MirrorMaker 2 on MSK
Connect, ...), never from the declaration. A MirrorMaker 2 source connector
copies records and syncs no offsets itself; a checkpoint connector between the
same clusters with ``sync.group.offsets.enabled`` does it for it, so offsets of
a source flow count as synced when such a checkpoint flow exists (running or
not known to be stopped). A connector on a Managed Kafka Connect cluster runs only
while that cluster is ``ACTIVE``, and one that leaves its target unset writes into the
Connect cluster's primary Kafka cluster (:func:`collected_flows` joins them).
:func:`offset_sync_routes` is the short answer the
failover plan needs: which collected replications sync consumer offsets from
which region into which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditor.base.kinds.kafka import KAFKA_CONNECT_CLUSTER, KAFKA_REPLICATION
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
    runs_on: str | None = None
    """Id of the collected Connect cluster it runs on (Managed Kafka Connect)."""
    halted_by: str | None = None
    """Why it cannot run although its own state may say so (its Connect cluster's state)."""


def _endpoint(cluster: object, bootstrap: object) -> str:
    if isinstance(cluster, str) and cluster:
        return cluster
    if isinstance(bootstrap, str) and bootstrap:
        return ",".join(sorted(s.strip().lower() for s in bootstrap.split(",") if s.strip()))
    return "?"


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _connect_view(
    r: Resource, connects: dict[str, Resource]
) -> tuple[Resource | None, str | None, str | None]:
    """(Connect cluster, its primary cluster id, its primary's region) of a connector."""
    cid = r.attributes.get("connect_cluster")
    connect = connects.get(cid) if isinstance(cid, str) else None
    if connect is None:
        return None, None, None
    primary = _opt(connect.attributes.get("kafka_cluster"))
    where = primary.split("/locations/", 1)[1].split("/")[0] if primary else ""
    return connect, primary, (where or connect.region or None)


def _halted(connect: Resource | None) -> str | None:
    if connect is None:
        return None
    state = connect.attributes.get("state")
    if isinstance(state, str) and state.upper() == "ACTIVE":
        return None
    if not isinstance(state, str) or not state:
        return None
    return f"its Connect cluster {connect.name or connect.id} is {state}, not ACTIVE"


def flows_of(r: Resource, connects: dict[str, Resource] | None = None) -> list[Flow]:
    """The flows of one ``kafka_replication`` resource (``connects``: Connect clusters by id)."""
    raw = r.attributes.get("flows")
    connect, primary, primary_region = _connect_view(r, connects or {})
    halted = _halted(connect)
    running = False if halted else replication_running(r)
    out: list[Flow] = []
    for f in raw if isinstance(raw, list) else []:
        if not isinstance(f, dict):
            continue
        target_cluster, target_region = f.get("target_cluster"), f.get("target_region")
        if primary and not target_cluster and not f.get("target_bootstrap"):
            target_cluster, target_region = primary, primary_region  # the Connect default
        out.append(
            Flow(
                replication=r.id,
                service=str(r.attributes.get("service") or ""),
                name=r.name or r.id,
                source=_endpoint(f.get("source_cluster"), f.get("source_bootstrap")),
                target=_endpoint(target_cluster, f.get("target_bootstrap")),
                source_region=_opt(f.get("source_region")),
                target_region=_opt(target_region),
                data=f.get("data") is not False,
                offset_sync=f.get("offset_sync") is True,
                running=running,
                runs_on=connect.id if connect else None,
                halted_by=halted,
            )
        )
    return out


def replications(graph: BoundaryGraph) -> list[Resource]:
    """Every collected ``kafka_replication`` resource, by id."""
    return sorted(
        (r for r in graph.inventory.resources if r.kind == KAFKA_REPLICATION), key=lambda r: r.id
    )


def all_flows(resources: Iterable[Resource]) -> list[Flow]:
    """The flows of the ``kafka_replication`` resources among ``resources``, with the
    Connect clusters among them joined in."""
    rs = list(resources)
    connects = {r.id: r for r in rs if r.kind == KAFKA_CONNECT_CLUSTER}
    return [f for r in rs if r.kind == KAFKA_REPLICATION for f in flows_of(r, connects)]


def collected_flows(graph: BoundaryGraph) -> list[Flow]:
    """Every collected replication flow, joined to the Connect cluster it runs on."""
    connects = sorted(
        (r for r in graph.inventory.resources if r.kind == KAFKA_CONNECT_CLUSTER),
        key=lambda r: r.id,
    )
    return all_flows([*replications(graph), *connects])


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
    flows = collected_flows(graph)
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
