"""``network.observed-closed-path``: no accepted flow crossed a path the model says is closed.

The network model (:mod:`auditor.analysis.network.paths`, the engine behind
``network.client-sources`` and the traffic-class rules) says which sources can reach a
platform listener on a Kafka port. A flow log record that a connection from a source
the model says cannot reach the listener was ACCEPTed there means the model and the
estate disagree: the configuration changed after collection (drift) or the estate uses
a feature the model does not read (a VPN or Direct Connect route, an appliance, an
address it does not hold).

Judged: ACCEPTed flows *into* a platform listener's interface (destination = one of
its addresses) on a declared Kafka port. Replies are left out by construction: they
go to an ephemeral port, not a Kafka port (the aggregates keep no source port).

- FAIL per listener with such a flow; the flow is the evidence, the hop the model
  closes the path at is named (and is the cause).
- INCONCLUSIVE per listener whose observed sources the model cannot decide (UNKNOWN
  paths, the feature named), and per platform network not fully observed (the gap).
- PASS per fully observed platform network whose accepted flows all lie on open paths.
- NOT_APPLICABLE when observed flows were not asked for.

Azure (:mod:`._observed_closed_azure`): listeners are platform VMs' NICs, the model the
per-network Azure one (VNets, peering, site links, NSGs; public sources through the VM's
or its load balancer's exposure). Azure Firewall DNAT, Application Gateway, Bastion and
appliance routes are not modelled: flows they carry FAIL as drift or an unmodelled
feature. Accepted flows at a NIC not collected (a scale set instance's that
``computeresources`` did not list) keep the VNet
INCONCLUSIVE.

GCP networks (:mod:`._observed_closed_gcp`): records a platform VM reported as the
destination, each source walked as its single address through the GCP model
(connections between networks, site links, Google's front ends, the internet) and the
VM's ingress firewall rules. A network is fully observed when every subnetwork logs
every flow (:mod:`._observed_window_gcp`): a sampled or filtered subnetwork keeps the
PASS INCONCLUSIVE (what was not sampled may have crossed a closed path), while a
sampled record on a closed path still FAILs. Listeners that are not VMs (Managed
Kafka, forwarding rules) are INCONCLUSIVE: they write no VPC Flow Logs records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import local_id, platform_networks
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.path_model import Path
from auditor.analysis.network.paths import best, path_engine, verdict_of
from auditor.base.kinds.observed import OBSERVED_FLOW
from auditor.checks import Judgement, RuleContext, _observed_closed_azure, rule
from auditor.checks import _aws_flow_reads as _aws
from auditor.checks._admission import listener, with_links
from auditor.checks._observed_closed_gcp import gcp_networks, unseen_listeners
from auditor.checks._observed_sources_gcp import UNSEEN
from auditor.checks._observed_window import (
    Window,
    flow_json,
    flow_text,
    flows_asked,
    network_key,
    not_asked,
    unobserved,
    windows,
)
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

SERVICE = "vpc-flow-records"
GCP_ASSETS = "cloudasset"
"""The GCP resource listing (networks, subnetworks, firewall rules, VMs)."""
AZURE_SERVICE = "azure-flow-records"
TCP = 6


@dataclass
class _Net:
    closed: dict[str, list[tuple[Resource, Path]]] = field(default_factory=dict)
    """Listener id -> accepted flows the model says cannot reach it (with the closed path)."""
    unknown: dict[str, list[tuple[Resource, Path]]] = field(default_factory=dict)
    judged: int = 0
    unmapped: list[Resource] = field(default_factory=list)
    """Azure: accepted flows into the network at a NIC the scan did not collect."""


def inbound_flows(
    graph: BoundaryGraph, listeners: dict[str, str], ports: set[int]
) -> Iterator[tuple[Resource, str, Resource]]:
    """(flow, listener id, interface) for each ACCEPTed flow into a listener's interface
    (destination = one of its addresses) on TCP to one of ``ports``."""
    enis = {
        (e.id if e.cloud == "azure" else local_id(e.id)): e for e in graph.of_kind(Kind.INTERFACE)
    }
    for flow in sorted(graph.of_kind(OBSERVED_FLOW), key=lambda f: f.id):
        a = flow.attributes
        iface = str(a.get("interface_id") or "")
        lid = listeners.get(iface)
        eni = enis.get(iface)
        if lid is None or eni is None or a.get("action") != "ACCEPT":
            continue
        if a.get("dst_port") not in ports or a.get("protocol") != TCP:
            continue
        own = {str(x) for x in eni.attributes.get("private_ips") or []}
        if str(a.get("dst")) in own:
            yield flow, lid, eni


@rule(
    id="network.observed-closed-path",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="No accepted flow crossed a path the network model says is closed",
    rationale=(
        "Every network verdict rests on the model of routes, ACLs and firewalls. Traffic the "
        "flow logs saw accepted on a path the model calls closed shows the model is wrong "
        "about the estate: configuration drifted, or a feature it does not read carries it."
    ),
    remediation=(
        "Find what carried the flow (a VPN, Direct Connect or ExpressRoute route, an appliance, "
        "Azure Firewall DNAT or an Application Gateway, a rule changed since the scan); close "
        "it, or make it visible to the auditor and declare it."
    ),
    requires=("ec2-network", "ec2-compute", "elbv2", "msk", SERVICE, AZURE_SERVICE, GCP_ASSETS),
)
def observed_closed_path(ctx: RuleContext) -> Iterator[Judgement]:
    g = ctx.graph
    if not flows_asked(g):
        yield not_asked(ctx)
        return
    gcp = list(_gcp(ctx))  # GCP networks: ._observed_closed_gcp
    yield from gcp
    judged = bool(gcp)
    for cloud in ("aws", "azure"):
        nets = [n for n in platform_networks(g).networks if n.cloud == cloud]
        platform = [r for r in platform_resources(g) if r.cloud == cloud and listener(r)]
        if nets and platform:
            judged = True
            yield from _cloud(ctx, cloud, nets, platform)
    if not judged:
        yield ctx.nothing_to_judge(
            "scope:aws/*/*",
            "no AWS, Azure or GCP platform listener in a platform network to hold flows against",
        )


def _cloud(
    ctx: RuleContext, cloud: str, nets: list[Resource], platform: list[Resource]
) -> Iterator[Judgement]:
    """Judge one cloud's platform networks (Azure: :mod:`._observed_closed_azure`)."""
    g = ctx.graph
    ports = set(ctx.declaration.network.kafka_ports)
    azure = cloud == "azure"
    listeners = (_observed_closed_azure if azure else _aws).listener_interfaces(g, platform)
    engine = None if azure else path_engine(g)
    state = {network_key(n): _Net() for n in nets}
    cache: dict[tuple[str, str, int], list[Path]] = {}
    for flow, lid, eni in inbound_flows(g, listeners, ports):
        st = state.get(str(eni.attributes.get("vpc_id") or ""))
        if st is None:
            continue
        a = flow.attributes
        key = (str(a.get("src")), lid, int(str(a.get("dst_port"))))
        if key not in cache:
            cache[key] = (
                engine.paths(f"{key[0]}/32", g.resource(lid), key[2])
                if engine is not None
                else _observed_closed_azure.paths(g, key[0], g.resource(lid), key[2])
            )
        paths = cache[key]
        reach = verdict_of(paths)
        st.judged += 1
        if reach is not Reach.YES:
            shown = best(paths)
            into = st.closed if reach is Reach.NO else st.unknown
            into.setdefault(lid, []).append((flow, shown[0] if shown else _no_path(key)))
    wins = windows(g)
    for n in sorted(nets, key=lambda x: x.id):
        k = network_key(n)
        if azure:  # flows at NICs not collected: no listener to hold them to
            state[k].unmapped = _observed_closed_azure.unmapped(g, n, ports)
        yield from _judge(ctx, n, state[k], wins.get(k), sorted(listeners))


def _gcp(ctx: RuleContext) -> Iterator[Judgement]:
    wins = windows(ctx.graph)
    for st in gcp_networks(ctx.graph, set(ctx.declaration.network.kafka_ports)):
        got = _Net(closed=st.closed, unknown=st.unknown, judged=st.judged)
        w = wins.get(network_key(st.network))
        yield from _judge(ctx, st.network, got, w, sorted(st.listeners))
    for r in unseen_listeners(ctx.graph):
        yield replace(
            ctx.inconclusive(
                r.id,
                f"{r.name or r.id} is not a VM: VPC Flow Logs do not show what reached it",
            ),
            unmodelled=UNSEEN,
        )


def _no_path(key: tuple[str, str, int]) -> Path:
    return Path(
        source=key[0],
        target=key[1],
        port=key[2],
        reach=Reach.NO,
        via=(),
        hops=(),
        reason="no collected subnet, route, peering or gateway brings this source to the listener",
    )


def _closed(ctx: RuleContext, lid: str, got: list[tuple[Resource, Path]]) -> Judgement:
    g = ctx.graph
    at = [p.blocked_at for _, p in got]
    causes = sorted({h.node for h in at if h is not None and h.node != lid}) or [lid]
    j = ctx.failed(
        lid,
        f"accepted flows reached {g.resource(lid).name or lid} on a path the network model "
        "says is closed (model drift or an unmodelled feature): "
        + "; ".join(f"{flow_text(f)}, closed at {_where(p)}" for f, p in got[:5])
        + (f" and {len(got) - 5} more" if len(got) > 5 else ""),
        nodes=[*(f.id for f, _ in got), *causes],
        attributes={
            "flows": [{**flow_json(f), "model": p.as_json()} for f, p in got],
        },
        definite=True,
    )
    return with_links(j, causes=causes, affects=[lid])


def _where(p: Path) -> str:
    h = p.blocked_at
    return f"{h.what} {local_id(h.node)} ({h.detail})" if h is not None else p.reason


def _undecided(ctx: RuleContext, lid: str, got: list[tuple[Resource, Path]]) -> Judgement:
    what = sorted({p.unmodelled or _where(p) for _, p in got})
    return replace(
        ctx.inconclusive(
            lid,
            f"the network model cannot decide whether the observed sources of "
            f"{ctx.graph.resource(lid).name or lid} can reach it: "
            + "; ".join(f"{flow_text(f)} ({_where(p)})" for f, p in got[:5]),
            attributes={"flows": [{**flow_json(f), "model": p.as_json()} for f, p in got]},
        ),
        unmodelled="; ".join(what),
    )


def _judge(
    ctx: RuleContext, net: Resource, st: _Net, w: Window | None, enis: list[str]
) -> Iterator[Judgement]:
    for lid, got in sorted(st.closed.items()):
        yield _closed(ctx, lid, got)
    for lid, got in sorted(st.unknown.items()):
        if lid not in st.closed:
            yield _undecided(ctx, lid, got)
    if st.closed or st.unknown:
        return
    base: dict[str, JSONValue] = {"flow_reads": [r.id for r in (w.reads if w else [])]}
    if st.unmapped:
        yield replace(
            ctx.inconclusive(
                net.id,
                f"accepted flows reached Kafka ports in {net.name or net.id} at NICs the scan "
                "did not collect, so no listener's model path can be held to them: "
                + "; ".join(flow_text(f) for f in st.unmapped[:5]),
                attributes={**base, "flows": [flow_json(f) for f in st.unmapped]},
            ),
            unmodelled="flows at Azure NICs not collected (scale set instances' NICs that "
            "Resource Graph's computeresources did not list: their MAC maps to no NIC row)",
        )
        return
    gap = unobserved(ctx, net, w, enis, base)
    if gap is not None:
        yield gap
        return
    assert w is not None
    what = (
        f"{st.judged} accepted flow aggregate(s) into the listeners of {net.name or net.id} "
        "on Kafka ports all lie on paths the network model finds open"
        if st.judged
        else f"no accepted flow reached a Kafka port of {net.name or net.id}'s listeners"
    )
    yield ctx.passed(
        net.id,
        f"{what} ({w.records()} records read, {w.span()})",
        nodes=[r.id for r in w.reads],
        attributes={**base, "flows_judged": st.judged, "records": w.records()},
    )
