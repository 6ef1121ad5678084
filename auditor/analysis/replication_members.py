"""The resources of a declared replication service and whether they run: one answer for
every rule and the failover plan (:mod:`auditor.analysis.failover` re-exports them).

A collected replication (``kafka_replication``) runs by
:func:`~auditor.analysis.kafka_replication.member_run_state` (its own state and its
Connect cluster's); other members by their own state; unknown stays unknown.
"""

from __future__ import annotations

import fnmatch

from auditor.analysis.capacity import LIVE_MSK_STATES, int_or_none
from auditor.analysis.kafka_replication import member_run_state
from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.boundary import ReplicationService
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource


def service_members(graph: BoundaryGraph, svc: ReplicationService) -> list[Resource]:
    """Collected resources a declared replication service's selector matches."""
    sel = svc.select
    out = []
    for r in graph.inventory.resources:
        if r.kind in ("drill", "drill_catalog"):
            continue
        if sel.kinds and r.kind not in sel.kinds:
            continue
        if sel.ids and not any(fnmatch.fnmatchcase(r.id, p) for p in sel.ids):
            continue
        if not sel.tags and not sel.ids and not sel.kinds:
            continue
        if all(
            (have := r.tags.get(k)) is not None and (want == "*" or have == want)
            for k, want in sel.tags.items()
        ):
            out.append(r)
    return sorted(out, key=lambda r: r.id)


def member_running(graph: BoundaryGraph, r: Resource) -> bool | None:
    """Whether a replication service member is up (None: cannot tell).

    A collected replication (``kafka_replication``) by :func:`member_run_state`: its own
    state and its Connect cluster's.
    """
    if r.kind == KAFKA_REPLICATION:
        return member_run_state(graph, r).running
    a = r.attributes
    if r.kind == Kind.INSTANCE:
        state = a.get("state")
        return None if state is None else state == "running"
    if r.kind == Kind.SCALING_GROUP:
        desired = int_or_none(a.get("desired_capacity"))
        return None if desired is None else desired > 0
    if r.kind == Kind.KAFKA_CLUSTER:
        state = a.get("state")
        return None if state is None else str(state).upper() in LIVE_MSK_STATES
    if r.kind == Kind.K8S_CLUSTER:
        return True
    return None


def member_unknown_because(graph: BoundaryGraph, r: Resource) -> str:
    """What could not be read when :func:`member_running` is None."""
    name = r.name or r.id
    if r.kind == KAFKA_REPLICATION:
        return f"{name}: {member_run_state(graph, r).unknown_because or 'state not recorded'}"
    return f"{name}: the running state of a {r.kind} is not recorded"
