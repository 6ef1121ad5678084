"""Collected Kafka replication: what copies records between which regions, and offsets.

Read from ``kafka_replication`` resources (MSK Replicator, MirrorMaker 2 on MSK
Connect, ...), never from the declaration. A MirrorMaker 2 source connector
copies records and syncs no offsets itself; a checkpoint connector between the
same clusters with ``sync.group.offsets.enabled`` does it for it, so offsets of
a source flow count as synced when such a checkpoint flow runs (unknown when its
running is unknown). :func:`run_state` is the one running state of a replication:
a connector on a Managed Kafka Connect cluster runs only while that cluster is
``ACTIVE``, and an unread state on either side leaves it unknown, never running.
A connector that leaves its target unset writes into the Connect cluster's primary
Kafka cluster (:func:`collected_flows` joins them). :func:`flow_offsets` is the
one decision whether a flow's consumer offsets reach its target (read from what was
collected, never the declaration).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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
    offset_sync: bool | None
    """It synchronises consumer group offsets itself (None: the setting was not readable)."""
    running: bool | None
    consumer_groups: tuple[str, ...] = ()
    """Patterns of the consumer groups whose offsets it syncs (empty: the service default)."""
    groups_excluded: tuple[str, ...] = ()
    runs_on: str | None = None
    """Id of the collected Connect cluster it runs on (Managed Kafka Connect)."""
    halted_by: str | None = None
    """Why it cannot run although its own state may say so (its Connect cluster's state)."""
    unknown_because: str | None = None
    """What could not be read when ``running`` is None."""
    unplaced_because: str | None = None
    """Why its source or target region is unknown (None when both are placed)."""


def _endpoint(cluster: object, bootstrap: object) -> str:
    if isinstance(cluster, str) and cluster:
        return cluster
    if isinstance(bootstrap, str) and bootstrap:
        return ",".join(sorted(s.strip().lower() for s in bootstrap.split(",") if s.strip()))
    return "?"


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _connect_view(
    r: Resource, connects: Mapping[str, Resource]
) -> tuple[Resource | None, str | None, str | None]:
    """(Connect cluster, its primary cluster id, its primary's region) of a connector."""
    cid = r.attributes.get("connect_cluster")
    connect = connects.get(cid) if isinstance(cid, str) else None
    if connect is None:
        return None, None, None
    primary = _opt(connect.attributes.get("kafka_cluster"))
    where = primary.split("/locations/", 1)[1].split("/")[0] if primary else ""
    return connect, primary, (where or connect.region or None)


_CONNECT_DOWN = {"CREATING", "DELETING", "DETACHED"}
"""Managed Kafka Connect cluster states in which it runs no connector (``STATE_UNSPECIFIED``
or an unknown state says nothing)."""


@dataclass(frozen=True, kw_only=True)
class RunState:
    """Whether a collected replication runs, from its own state AND what it runs on."""

    running: bool | None
    """None: its own state or its Connect cluster's was not recorded."""
    halted_by: str | None = None
    """Why it cannot run although its own state may say so (its Connect cluster's state)."""
    unknown_because: str | None = None
    """What could not be read when ``running`` is None."""


def _host_state(r: Resource, connects: Mapping[str, Resource]) -> RunState:
    """The state of what a connector runs on: True when it names no Connect cluster (MSK
    Replicator, MSK Connect run on the service itself)."""
    cid = r.attributes.get("connect_cluster")
    if not isinstance(cid, str) or not cid:
        return RunState(running=True)
    connect = connects.get(cid)
    if connect is None:
        return RunState(
            running=None, unknown_because=f"its Connect cluster {cid} was not collected"
        )
    label = connect.name or connect.id
    state = connect.attributes.get("state")
    if not isinstance(state, str) or not state:
        return RunState(
            running=None,
            unknown_because=f"the state of its Connect cluster {label} was not recorded",
        )
    if state.upper() == "ACTIVE":
        return RunState(running=True)
    if state.upper() in _CONNECT_DOWN:
        return RunState(
            running=False, halted_by=f"its Connect cluster {label} is {state}, not ACTIVE"
        )
    return RunState(
        running=None,
        unknown_because=f"its Connect cluster {label} is {state}, a state not modelled",
    )


def run_state(r: Resource, connects: Mapping[str, Resource]) -> RunState:
    """Whether one collected ``kafka_replication`` runs (``connects``: Connect clusters by id).

    The one answer every rule and the failover plan use: stopped when its own state or its
    Connect cluster's says so; running only when both are known to run; else unknown,
    with what could not be read.
    """
    host = _host_state(r, connects)
    if host.running is False:
        return host
    own = replication_running(r)
    if own is False:
        return RunState(running=False)
    if own is None:
        state = r.attributes.get("state")
        what = f"is {state}, a state not modelled" if state else "has no recorded state"
        return RunState(running=None, unknown_because=f"{r.name or r.id} {what}")
    return host


def member_run_state(graph: BoundaryGraph, r: Resource) -> RunState:
    """:func:`run_state` of a ``kafka_replication`` resource, its Connect cluster read from
    ``graph``."""
    cid = r.attributes.get("connect_cluster")
    found = graph.get(cid) if isinstance(cid, str) and cid else None
    ok = found is not None and found.kind == KAFKA_CONNECT_CLUSTER
    return run_state(r, {found.id: found} if ok and found is not None else {})


def _unplaced(
    r: Resource,
    f: Mapping[str, object],
    target_cluster: object,
    target_region: str | None,
    connect: Resource | None,
) -> str:
    """Why a flow's source or target region could not be read (for the verdict's message)."""
    cid = r.attributes.get("connect_cluster")
    if not target_region and not target_cluster and not f.get("target_bootstrap"):
        if isinstance(cid, str) and cid and connect is None:
            return (
                f"its target is left to its Connect cluster {cid}, which was not collected, so "
                "the Kafka cluster (and region) it writes into is not known"
            )
        if connect is not None:
            return (
                f"its target is left to its Connect cluster {connect.name or connect.id}, "
                "whose primary Kafka cluster was not recorded"
            )
        return "its target cluster was not recorded"
    return "brokers the auditor cannot place in a region (not MSK)"


def flows_of(r: Resource, connects: Mapping[str, Resource] | None = None) -> list[Flow]:
    """The flows of one ``kafka_replication`` resource (``connects``: Connect clusters by id)."""
    raw = r.attributes.get("flows")
    connect, primary, primary_region = _connect_view(r, connects or {})
    state = run_state(r, connects or {})
    out: list[Flow] = []
    for f in raw if isinstance(raw, list) else []:
        if not isinstance(f, dict):
            continue
        target_cluster, target_region = f.get("target_cluster"), f.get("target_region")
        if primary and not target_cluster and not f.get("target_bootstrap"):
            target_cluster, target_region = primary, primary_region  # the Connect default
        source_region, target_region = _opt(f.get("source_region")), _opt(target_region)
        out.append(
            Flow(
                replication=r.id,
                service=str(r.attributes.get("service") or ""),
                name=r.name or r.id,
                source=_endpoint(f.get("source_cluster"), f.get("source_bootstrap")),
                target=_endpoint(target_cluster, f.get("target_bootstrap")),
                source_region=source_region,
                target_region=target_region,
                data=f.get("data") is not False,
                offset_sync=_flag(f.get("offset_sync")),
                running=state.running,
                consumer_groups=_texts(f.get("consumer_groups")),
                groups_excluded=_texts(f.get("consumer_groups_excluded")),
                runs_on=connect.id if connect else None,
                halted_by=state.halted_by,
                unknown_because=state.unknown_because,
                unplaced_because=(
                    None
                    if source_region and target_region
                    else _unplaced(r, f, target_cluster, target_region, connect)
                ),
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


@dataclass(frozen=True, kw_only=True)
class FlowOffsets:
    """Whether consumer offsets of one record-copying flow reach its target, and why."""

    synced: bool | None
    """None: the deciding setting (or a checkpoint connector's running) was not readable."""
    by: tuple[str, ...] = ()
    """Ids of what syncs them (the flow itself, or MirrorMaker 2 checkpoint connectors)."""
    why: str = ""
    """When not synced: which collected setting says no, or which could not be read."""


_MM2_EXCLUDE = ("console-consumer-.*", "connect-.*", "__.*")
"""MirrorMaker 2's default ``groups.exclude``."""


_MM2 = {"msk-connect", "managedkafka-connect"}
"""Services whose replication is MirrorMaker 2 connectors (offsets synced by checkpoints)."""


def _setting(f: Flow) -> tuple[str, str]:
    """(offset-sync setting, consumer-group setting) of a flow's service, by their API names."""
    if f.service == "msk-replicator":
        return (
            "ConsumerGroupReplication.SynchroniseConsumerGroupOffsets",
            "ConsumerGroupReplication.ConsumerGroupsToReplicate/ConsumerGroupsToExclude",
        )
    if f.service in _MM2:
        return (
            "sync.group.offsets.enabled (with emit.checkpoints.enabled)",
            "groups/groups.exclude",
        )
    return (f"consumer offset sync of {f.service or 'the replication'}", "its consumer groups")


def _covers(f: Flow, group: str) -> bool | None:
    """Whether ``f``'s consumer-group patterns select ``group`` (None: a pattern is no regex
    Python can read)."""
    mm2 = f.service in _MM2
    include = f.consumer_groups or ((".*",) if mm2 else ())
    exclude = f.groups_excluded or (_MM2_EXCLUDE if mm2 else ())
    try:
        hit = any(re.fullmatch(p, group) for p in include)
        return hit and not any(re.fullmatch(p, group) for p in exclude)
    except re.error:
        return None


def _one_sync(c: Flow, groups: Sequence[str], own: bool) -> FlowOffsets:
    """One candidate (the flow itself, ``own``, or a checkpoint connector) judged on its
    collected offset-sync setting, its running (a checkpoint's), and its group patterns."""
    sync_key, groups_key = _setting(c)
    if c.offset_sync is None:
        return FlowOffsets(synced=None, why=f"{c.name}: {sync_key} was not readable")
    if c.offset_sync is False:
        return FlowOffsets(synced=False, why=f"{c.name}: {sync_key} is off")
    if not own and c.running is not True:
        state = "not running" if c.running is False else "whether it runs was not recorded"
        return FlowOffsets(synced=False if c.running is False else None, why=f"{c.name}: {state}")
    covered = {g: _covers(c, g) for g in groups}
    unread = [g for g, v in covered.items() if v is None]
    missed = [g for g, v in covered.items() if v is False]
    if missed:
        return FlowOffsets(
            synced=False,
            why=f"{c.name}: {groups_key} does not select consumer group(s) {', '.join(missed)}",
        )
    if unread:
        return FlowOffsets(
            synced=None,
            why=f"{c.name}: {groups_key} is no readable pattern for {', '.join(unread)}",
        )
    return FlowOffsets(synced=True, by=(c.replication,))


def flow_offsets(flow: Flow, flows: Iterable[Flow], groups: Sequence[str] = ()) -> FlowOffsets:
    """Whether consumer offsets of a record-copying flow reach its target: the one decision.

    Read from what was collected, never the declaration: MSK Replicator's own
    ``SynchroniseConsumerGroupOffsets``; for MirrorMaker 2 a running checkpoint connector
    between the same two clusters with ``sync.group.offsets.enabled``. ``groups`` (declared
    consumer groups) must each be selected by that setting's group patterns. A setting
    not readable, or a checkpoint whose running is unknown, leaves it unknown.
    """
    if flow.service not in _MM2 or flow.offset_sync is not False:
        return _one_sync(flow, groups, own=True)
    answers = [
        _one_sync(c, groups, own=False)
        for c in flows
        if not c.data
        and c.service == flow.service
        and (c.source, c.target) == (flow.source, flow.target)
    ]
    if not answers:
        return FlowOffsets(
            synced=False,
            why=f"{flow.name}: no MirrorMaker 2 checkpoint connector between the same clusters "
            "(MirrorCheckpointConnector with sync.group.offsets.enabled) was collected",
        )
    synced = [a for a in answers if a.synced is True]
    if synced:
        return FlowOffsets(synced=True, by=tuple(sorted({i for a in synced for i in a.by})))
    unknown = any(a.synced is None for a in answers)
    return FlowOffsets(
        synced=None if unknown else False, why="; ".join(sorted(a.why for a in answers))
    )
