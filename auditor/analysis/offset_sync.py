"""Whether consumer group offsets are synced between two regions: the one place that decides.

Consumers that fail over resume from synced offsets only when something translates
and copies them (MirrorMaker 2 checkpoints with ``sync.group.offsets``, a replicator's
offset translation). Today that is known from the declaration: a
``failure.replication`` service with ``offset_sync: true`` whose route covers the
two regions, and which the scan found running (a collected replication by its own
state and its Connect cluster's; unknown when either was not read). Collected replication evidence
(MSK Replicator, MirrorMaker 2 on MSK Connect) belongs here too, so the failover
plan and any rule asking the question get one answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.analysis.failover import (
    member_running,
    member_unknown_because,
    service_members,
    service_route,
)
from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph


@dataclass(frozen=True, kw_only=True)
class OffsetSync:
    """The answer for consumers resuming in ``target``: synced or not, by what, and why."""

    target: str
    synced: bool | None
    """None: a service that would sync them was found, but whether it runs was not read."""
    by: tuple[str, ...] = ()
    """Names of what syncs the offsets (declared replication services)."""
    unknown_by: tuple[str, ...] = ()
    """Names of offset-syncing services whose running was not read."""
    reason: str


def offsets_synced(
    graph: BoundaryGraph, decl: Declaration, target: str, source: str | None = None
) -> OffsetSync:
    """Whether offsets are synced into region ``target`` (from ``source``, default any region).

    Synced only by a service with a member known to run; one whose members' running is
    not recorded leaves the answer unknown (never synced, never not synced).
    """
    syncing: list[str] = []
    unknown: list[str] = []
    unknown_names: list[str] = []
    idle: list[str] = []
    unsynced: list[str] = []
    for svc in decl.failure.replication:
        src, targets = service_route(decl, svc)
        if target not in targets or (source is not None and src != source):
            continue
        if not svc.offset_sync:
            unsynced.append(svc.name)
            continue
        members = service_members(graph, svc)
        states = [member_running(graph, m) for m in members]
        if any(s is True for s in states):
            syncing.append(svc.name)
        elif any(s is None for s in states):
            unknown_names.append(svc.name)
            unknown.append(
                f"{svc.name} ("
                + "; ".join(
                    member_unknown_because(graph, m)
                    for m, s in zip(members, states, strict=True)
                    if s is None
                )
                + ")"
            )
        else:
            idle.append(svc.name)
    if syncing:
        return OffsetSync(
            target=target,
            synced=True,
            by=tuple(syncing),
            unknown_by=tuple(unknown_names),
            reason=f"offsets synced by {', '.join(syncing)} (declared offset_sync, found running)",
        )
    if unknown:
        return OffsetSync(
            target=target,
            synced=None,
            unknown_by=tuple(unknown_names),
            reason=f"whether {', '.join(unknown)} runs was not recorded",
        )
    if idle:
        why = f"{', '.join(idle)} declares offset sync but no running resource of it was found"
    elif unsynced:
        why = f"{', '.join(unsynced)} replicates into {target} without offset sync"
    else:
        why = f"no replication with offset sync into {target} is declared"
    return OffsetSync(target=target, synced=False, reason=why)
