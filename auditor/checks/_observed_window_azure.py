"""Which Azure VNets a flow read records in whole, for the observed-flow rules.

A VNet flow log targeting the VNet records every flow of it, allowed and denied. Subnet,
NIC and NSG flow logs record part of it (an NSG flow log: the subnets and NICs the NSG is
attached to). A VNet is whole when every subnet of it is recorded: by a subnet flow log,
or by the flow log of the NSG on it, unless the subnet holds a private endpoint (NSG flow
logs do not record private endpoint traffic). NIC-level logs (a NIC's, an NSG on NICs
only) never complete a subnet: the auditor cannot know it saw every NIC (a scale set
instance newer than the scan has none). A VNet with no collected subnet is never whole.
A flow log counts only when it records every flow: no ``enabledFilteringCriteria``
(``filter``), ``recordTypes`` unset or with all of B, C and E, its row collected, and its
read made (a disabled log or another tenant's storage is ``not-read``: the read still
joins the window, so :func:`~auditor.checks._observed_window.unobserved` names it).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from auditor.base.kinds.observed import FLOW_READ
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource


def _vnet_of(subnet: str) -> str:
    return subnet.split("/subnets/", 1)[0] if "/subnets/" in subnet else ""


ACCEPTED_STATES = frozenset("BCE")
"""Flow states of an accepted flow (begin, continue, end): a log leaving one out misses
flows or bytes (``D``, denied, is not needed for accepted flows)."""


def _targets(read: Resource) -> list[str]:
    return [str(t) for t in read.attributes.get("target_ids") or []]


def records_all(log: Resource | None) -> bool:
    """Whether a flow log records every flow of its target (no filter, every state)."""
    if log is None or log.attributes.get("filter"):
        return False
    kinds = str(log.attributes.get("record_types") or "")
    return not kinds or {k.strip().upper() for k in kinds.split(",")} >= ACCEPTED_STATES


def _full_targets(graph: BoundaryGraph, read: Resource) -> list[str]:
    """The targets of a read's flow logs that record every flow (none when not read)."""
    if read.attributes.get("status") == "not-read":
        return []
    out: list[str] = []
    for fid in read.attributes.get("flow_log_ids") or []:
        log = graph.get(str(fid))
        if records_all(log):
            assert log is not None
            out.append(str(log.attributes.get("resource_id") or ""))
    return out


@dataclass(frozen=True, kw_only=True)
class _Index:
    """What :func:`covered` asks of the whole scan, built once per graph."""

    endpoint_subnets: frozenset[str]
    """Subnets holding a private endpoint: an NSG flow log does not record its traffic."""
    subnets: dict[str, tuple[str, ...]]
    """VNet id -> its collected subnets."""
    recorded: frozenset[str]
    """Subnets recorded in full by flow logs that record every flow and were read."""


_INDEX: weakref.WeakKeyDictionary[BoundaryGraph, _Index] = weakref.WeakKeyDictionary()


def _index(graph: BoundaryGraph) -> _Index:
    got = _INDEX.get(graph)
    if got is not None:
        return got
    endpoints = frozenset(
        str(s)
        for pe in graph.of_kind(Kind.PRIVATE_ENDPOINT)
        if pe.cloud == "azure"
        for s in pe.attributes.get("subnet_ids") or []
    )
    subnets: dict[str, list[str]] = {}
    for sn in sorted(graph.of_kind(Kind.SUBNET), key=lambda x: x.id):
        if sn.cloud == "azure":
            subnets.setdefault(str(sn.attributes.get("vpc_id") or ""), []).append(sn.id)
    recorded: set[str] = set()
    for r in graph.of_kind(FLOW_READ):
        if r.cloud == "azure":
            for t in _full_targets(graph, r):
                recorded |= _parts(graph, t, endpoints)[1]
    got = _Index(
        endpoint_subnets=endpoints,
        subnets={k: tuple(v) for k, v in subnets.items()},
        recorded=frozenset(recorded),
    )
    _INDEX[graph] = got
    return got


def _parts(
    graph: BoundaryGraph, target: str, endpoints: frozenset[str]
) -> tuple[set[str], set[str]]:
    """(VNets the target touches, subnets it records in full)."""
    if "/subnets/" in target:
        return {_vnet_of(target)}, {target}
    if "/providers/microsoft.network/virtualnetworks/" in target:
        return {target}, set()
    res = graph.get(target)
    if res is None:
        return set(), set()
    if res.kind == Kind.INTERFACE:
        return {str(res.attributes.get("vpc_id") or "")}, set()
    if res.kind == Kind.FIREWALL:
        subnets = {str(s) for s in res.attributes.get("subnet_ids") or []}
        vnets = {_vnet_of(s) for s in subnets}
        for n in res.attributes.get("interface_ids") or []:
            nic = graph.get(str(n))
            if nic is not None:
                vnets.add(str(nic.attributes.get("vpc_id") or ""))
        return vnets, subnets - endpoints
    return set(), set()


def covered(graph: BoundaryGraph, read: Resource) -> dict[str, bool]:
    """VNet id -> whether the flow logs read (this one and the others of the scan) record
    every flow of it; the keys are the VNets this read's flow logs touch."""
    idx = _index(graph)
    full = set(_full_targets(graph, read))
    out: dict[str, bool] = {}
    for t in _targets(read):
        vnets, _ = _parts(graph, t, idx.endpoint_subnets)
        for v in vnets - {""}:
            subnets = idx.subnets.get(v, ())
            all_recorded = bool(subnets) and all(x in idx.recorded for x in subnets)
            whole = t in full and (t == v or all_recorded)
            out[v] = out.get(v, False) or whole
    return out
