"""What GCP VPC Flow Logs reads say about a whole VPC network: all of its flows, or not.

GCP logs flows per **subnetwork** (``logConfig``), and a network is global: its
reads (one ``vpc_flows`` read per project, :mod:`auditor.collect.gcp.vpc_flow_records`)
cover the whole network only when every subnetwork of it that carries VM traffic
(not a proxy-only or Private Service Connect subnetwork) logs flows. Even then GCP
**samples**: a subnetwork with ``flowSampling`` below 1.0 keeps only that share of
the flows, and a ``filterExpr`` keeps only matching ones. Records then show what
crossed, so a seen flow that breaks the boundary still FAILs; but "nothing
crossed" (a dead path, no bytes left, all replication private) cannot be claimed
and stays INCONCLUSIVE, naming the subnetwork and the setting. So does a
subnetwork whose records leave out instance details (``metadata`` other than
``INCLUDE_ALL_METADATA``: the reader needs ``*_instance`` and ``*_vpc`` to place a
record), a project whose log sinks may have stored ``vpc_flows`` where they were not
read (:mod:`._observed_sinks_gcp`), malformed entries, and the sample cap reached on one of
the network's VMs. Not judged at all: traffic of load balancers, Managed Kafka and
other Google-run services (their VMs are not the customer's and write no record), and
VPN or Interconnect gateways' own records (read, counted, never placed).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.checks._observed_sinks_gcp import sink_gap
from auditor.checks._observed_sources_gcp import log_setting_gaps, subnet_logs
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

NO_FLOWS = ("REGIONAL_MANAGED_PROXY", "GLOBAL_MANAGED_PROXY", "PRIVATE_SERVICE_CONNECT")
"""Subnetwork purposes whose addresses are Google's proxies or endpoints: no VM logs there."""


@dataclass(frozen=True, kw_only=True, slots=True)
class _Index:
    subnets: dict[str, list[Resource]]
    """Network id -> its subnetworks that carry VM traffic, by id."""
    vms: dict[str, set[str]]
    """Network id -> the VMs with an interface in it."""
    known: frozenset[str]
    """Every collected GCP VM."""


_INDEX: weakref.WeakKeyDictionary[BoundaryGraph, _Index] = weakref.WeakKeyDictionary()


def _index(graph: BoundaryGraph) -> _Index:
    """The graph's GCP subnetworks and VMs per network (built once per graph)."""
    got = _INDEX.get(graph)
    if got is None:
        subnets: dict[str, list[Resource]] = {}
        for s in sorted(graph.of_kind(Kind.SUBNET), key=lambda x: x.id):
            if s.cloud == "gcp" and s.attributes.get("purpose") not in NO_FLOWS:
                subnets.setdefault(str(s.attributes.get("vpc_id") or ""), []).append(s)
        vms: dict[str, set[str]] = {}
        known: set[str] = set()
        for vm in graph.of_kind(Kind.INSTANCE):
            if vm.cloud == "gcp":
                known.add(vm.id)
                for n in vm.attributes.get("network_ids") or []:
                    vms.setdefault(str(n), set()).add(vm.id)
        got = _Index(subnets=subnets, vms=vms, known=frozenset(known))
        _INDEX[graph] = got
    return got


def subnetworks(graph: BoundaryGraph, network: str) -> list[Resource]:
    """The network's subnetworks that carry VM traffic (whose flow logs must be on)."""
    return list(_index(graph).subnets.get(network, ()))


def covered(graph: BoundaryGraph, read: Resource) -> dict[str, bool]:
    """The networks a read's subnetwork logs belong to: True where every subnetwork of the
    network that carries VM traffic is among them (settings are judged by :func:`incomplete`)."""
    logs = subnet_logs([read])
    out: dict[str, bool] = {}
    for net in (str(n) for n in read.attributes.get("network_ids") or []):
        subs = subnetworks(graph, net)
        out[net] = bool(subs) and all(s.id in logs for s in subs)
    return out


def _subnet_gaps(graph: BoundaryGraph, reads: Sequence[Resource], network: str) -> list[str]:
    logs = subnet_logs(reads)
    parts: list[str] = []
    subs = subnetworks(graph, network)
    if not subs:
        parts.append("none of its subnetworks was collected")
    for sub in subs:
        short = sub.name or sub.id.rsplit("/", 1)[-1]
        s = logs.get(sub.id)
        if s is None:
            parts.append(f"subnetwork {short} ({sub.region}) has no flow log read")
            continue
        parts.extend(log_setting_gaps(short, s))
    return parts


def incomplete(
    graph: BoundaryGraph, reads: Sequence[Resource], network: str, vms: Sequence[str] | None
) -> str:
    """Why the records read may not be all the network's flows ("" when they are). The sample
    cap counts on ``vms`` only, or on every VM of the network (and any not collected) when
    None."""
    parts = _subnet_gaps(graph, reads, network)
    index = _index(graph)
    mine, known = index.vms.get(network, set()), index.known
    for r in sorted(reads, key=lambda x: x.id):
        a = r.attributes
        if a.get("status") == "not-read":
            parts.append(f"{r.name} was not read ({a.get('reason')})")
            continue
        if why := sink_gap(graph, r):
            parts.append(why)
        if int(str(a.get("malformed") or 0)):
            parts.append(f"{a.get('malformed')} malformed entr(y/ies) in {r.name}")
        capped = sorted(
            str(i)
            for i in a.get("capped_interfaces") or []
            if (str(i) in vms if vms is not None else (str(i) in mine or str(i) not in known))
        )
        if capped:
            parts.append(
                f"the sample cap of {a.get('cap')} records per VM was reached for "
                f"{', '.join(c.rsplit('/', 1)[-1] for c in capped)}"
            )
    return "; ".join(parts)
