"""``network.observed-sources`` on GCP: VPC Flow Logs records held against the declared sources.

A flow counts when the destination VM reported it (``ACCEPT``: delivered, so its
ingress firewall admitted it), or a logged ingress firewall rule ``ALLOWED`` it
(Firewall Rules Logging, :mod:`._observed_firewall_gcp`), on TCP to a declared Kafka
port, at a platform instance. VPC Flow Logs write no record of denied traffic; a logged
rule's ``DENIED`` connections to Kafka ports are reported apart on the network's
verdict, never a FAIL. Its source is declared when it lies in
``network.clients.from``, ``network.replication.from`` or the platform's networks.

- FAIL per instance reached from an undeclared source; the cause is the ingress
  firewall rule deciding that source on that port, else the instance.
- PASS per platform network whose listeners' subnetworks all log every flow
  (sampling 1.0, no filter, instance metadata kept), whose reads were complete, and
  whose project's log sinks stored every vpc_flows entry where it was read
  (:mod:`auditor.checks._observed_sinks_gcp`: the ``_Default`` sink, or the user sink
  whose log bucket was read).
- INCONCLUSIVE: a failed read (its gap), a listener subnetwork without flow logs,
  sampled, filtered or without instance metadata, malformed entries, the cap reached
  on a listener; and per listener that VM flow logs do not see (Managed Kafka, a
  forwarding rule), naming that.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import platform_networks
from auditor.analysis.network.acl import port_in, proto_matches
from auditor.analysis.network.addresses import Net, nets_of, parse_net
from auditor.analysis.network.client_reach import internal_space
from auditor.analysis.network.gcp import firewalls_for
from auditor.base.kinds.observed import FLOW_READ, OBSERVED_FLOW
from auditor.checks import Judgement, RuleContext
from auditor.checks._admission import listener, with_links
from auditor.checks._observed_firewall_gcp import (
    ACCEPTED,
    ALLOWED,
    DENIED,
    denied_attributes,
    denied_text,
    is_firewall_read,
)
from auditor.checks._observed_sinks_gcp import sink_gap
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, Resource

TCP = 6
UNSEEN = (
    "observed flows of GCP listeners other than VMs (VPC Flow Logs are written by the VMs "
    "of the customer's networks; Managed Kafka brokers and load balancers are Google's)"
)
_FULL_METADATA = (None, "", "INCLUDE_ALL_METADATA")


@dataclass
class _Net:
    """What the reads say about one platform network."""

    listeners: dict[str, Resource] = field(default_factory=dict)
    reads: dict[str, Resource] = field(default_factory=dict)
    undeclared: dict[str, list[Resource]] = field(default_factory=dict)
    judged: int = 0
    denied: list[Resource] = field(default_factory=list)
    """Firewall Rules Logging: connections to Kafka ports a logged rule DENIED (apart)."""


def _inside(src: str, allowed: Sequence[Net]) -> bool:
    net = parse_net(src)
    return net is not None and any(
        net.version == a.version and net.subnet_of(a)  # type: ignore[arg-type]
        for a in allowed
    )


def _deciding_firewall(graph: BoundaryGraph, flow: Resource, vm: Resource) -> list[str]:
    """The ingress firewall rule that decides the flow's source and port at ``vm``, if it
    allows it (rules in priority order, deny first at equal priority: the first match)."""
    a = flow.attributes
    src = parse_net(str(a.get("src")))
    if src is None:
        return []
    port = int(str(a.get("dst_port")))
    tags = {str(t) for t in vm.attributes.get("network_tags") or []}
    sas = {str(s) for s in vm.attributes.get("service_accounts") or []}
    for net in [str(n) for n in a.get("network_ids") or []]:
        for fw in firewalls_for(graph, net, tags, sas, "ingress"):
            if not any(
                proto_matches(r.get("protocol"), "tcp") and port_in(r, port)
                for r in fw.attributes.get("rules") or []
            ):
                continue
            ranges = [n for c in fw.attributes.get("source_ranges") or [] if (n := parse_net(c))]
            if any(src.version == n.version and src.subnet_of(n) for n in ranges):  # type: ignore[arg-type]
                return [fw.id] if fw.attributes.get("action") == "allow" else []
    return []


def gcp_observed(ctx: RuleContext) -> Iterator[Judgement]:
    """The rule's verdicts on the GCP platform (none when it has no GCP resource)."""
    g = ctx.graph
    everywhere = [r for r in platform_resources(g) if r.cloud == "gcp"]
    if not everywhere:
        return
    nets = [n for n in platform_networks(g).networks if n.cloud == "gcp"]
    vms = [r for r in everywhere if r.kind == Kind.INSTANCE]
    unseen = sorted(r.name or r.id for r in everywhere if listener(r) and r.kind != Kind.INSTANCE)
    if not nets or not vms:
        yield replace(
            ctx.inconclusive(
                scope_id("gcp", "*", "*"),
                "no GCP platform instance or network was found to hold observed flows against"
                + (f" ({', '.join(unseen)} are not VMs)" if unseen else ""),
            ),
            unmodelled=UNSEEN,
        )
        return
    declared = _declared_of(ctx)
    allowed = nets_of([*declared, *(str(n) for n in internal_space(g, nets))])
    state = {n.id: _Net() for n in nets}
    for vm in vms:
        for net in vm.attributes.get("network_ids") or []:
            if str(net) in state:
                state[str(net)].listeners[vm.id] = vm
    for r in g.of_kind(FLOW_READ):
        if r.cloud != "gcp" or is_firewall_read(r):  # an extra source, never completeness
            continue
        for net in r.attributes.get("network_ids") or []:
            if str(net) in state:
                state[str(net)].reads[r.id] = r
        for st in state.values():  # the read of a listener's project (flow logs or none)
            if any(v.account == r.account for v in st.listeners.values()):
                st.reads.setdefault(r.id, r)
    _tally(ctx, state, allowed)
    for nid, st in sorted(state.items()):
        yield from _judge(ctx, g.resource(nid), st, declared)
    for r in sorted(everywhere, key=lambda x: x.id):
        if listener(r) and r.kind != Kind.INSTANCE:
            yield replace(
                ctx.inconclusive(
                    r.id,
                    f"{r.name or r.id} is not a VM: VPC Flow Logs, written by the VMs of the "
                    "customer's networks, do not show what reached it",
                ),
                unmodelled=UNSEEN,
            )


def _tally(ctx: RuleContext, state: dict[str, _Net], allowed: Sequence[Net]) -> None:
    ports = set(ctx.declaration.network.kafka_ports)
    for flow in ctx.graph.of_kind(OBSERVED_FLOW):
        a = flow.attributes
        if flow.cloud != "gcp" or a.get("action") not in (*ACCEPTED, DENIED):
            continue
        if a.get("dst_port") not in ports or a.get("protocol") != TCP:
            continue
        for net in a.get("network_ids") or []:
            st = state.get(str(net))
            vm = str(a.get("instance_id"))
            if st is None or vm not in st.listeners:
                continue
            if a.get("action") == DENIED:
                st.denied.append(flow)
                continue
            st.judged += 1
            if not _inside(str(a.get("src")), allowed):
                st.undeclared.setdefault(vm, []).append(flow)


def _declared_of(ctx: RuleContext) -> list[str]:
    """The declared client and replication sources."""
    n = ctx.declaration.network
    return sorted({*n.clients.cidrs, *n.replication.cidrs})


def _text(f: Resource) -> str:
    a = f.attributes
    if a.get("action") == ALLOWED:  # a connection a logged rule allowed: no byte count
        return (
            f"{a.get('src')} -> {a.get('dst')}:{a.get('dst_port')} ({a.get('records')} "
            f"connections allowed by a logged firewall rule, {a.get('first_seen')} to "
            f"{a.get('last_seen')})"
        )
    return (
        f"{a.get('src')} -> {a.get('dst')}:{a.get('dst_port')} ({a.get('records')} records, "
        f"{a.get('bytes')} bytes, {a.get('first_seen')} to {a.get('last_seen')})"
    )


def _fail(
    ctx: RuleContext,
    vm: Resource,
    flows: list[Resource],
    base: dict[str, JSONValue],
    read_ids: list[str],
) -> Judgement:
    causes = sorted({c for f in flows for c in _deciding_firewall(ctx.graph, f, vm)}) or [vm.id]
    keys = ("src", "dst", "dst_port", "bytes", "records", "first_seen", "last_seen")
    j = ctx.failed(
        vm.id,
        f"undeclared sources reached Kafka ports of {vm.name or vm.id} in the VPC Flow Logs "
        f"read: {'; '.join(_text(f) for f in flows[:5])}"
        + (f" and {len(flows) - 5} more" if len(flows) > 5 else "")
        + f"; declared sources are {', '.join(_declared_of(ctx)) or 'none'}",
        nodes=[*(f.id for f in flows), *read_ids, *causes],
        attributes={
            **base,
            "undeclared_flows": [{k: f.attributes.get(k) for k in keys} for f in flows],
        },
        definite=True,
    )
    return with_links(j, causes=causes, affects=[vm.id])


def _judge(ctx: RuleContext, net: Resource, st: _Net, declared: list[str]) -> Iterator[Judgement]:
    reads = [st.reads[k] for k in sorted(st.reads)]
    base: dict[str, JSONValue] = {
        "declared_sources": list(declared),
        "kafka_ports": sorted(set(ctx.declaration.network.kafka_ports)),
        "flow_reads": [r.id for r in reads],
        **denied_attributes(st.denied),
    }
    for vm_id, flows in sorted(st.undeclared.items()):
        flows = sorted(flows, key=lambda f: f.id)
        yield _fail(ctx, st.listeners[vm_id], flows, base, [r.id for r in reads])
    if st.undeclared or not st.listeners:
        return
    name = net.name or net.id
    failed = [r for r in reads if r.attributes.get("status") == "failed"]
    if failed:
        yield ctx.inconclusive(
            net.id,
            f"reading the VPC Flow Logs of {name} failed: {', '.join(r.name for r in failed)}",
            attributes=base,
            depends_on=[str(r.attributes.get("log_name") or r.id) for r in failed],
        )
        return
    why = _incomplete(ctx.graph, reads, st.listeners)
    if why:
        text = "; ".join(why)
        yield replace(
            ctx.inconclusive(
                net.id, f"the VPC Flow Logs of {name} are incomplete: {text}", attributes=base
            ),
            unmodelled=text,
        )
        return
    records = sum(int(str(r.attributes.get("records") or 0)) for r in reads)
    since = min(str(r.attributes.get("since")) for r in reads)
    until = max(str(r.attributes.get("until")) for r in reads)
    what = (
        f"{st.judged} accepted flow aggregate(s) to Kafka ports of {name} all came from "
        "declared sources"
        if st.judged
        else f"no accepted flow reached a Kafka port of {name}'s instances"
    )
    yield ctx.passed(
        net.id,
        f"{what} ({records} records read, {since} to {until})" + denied_text(st.denied),
        nodes=[r.id for r in reads],
        attributes={**base, "flows_judged": st.judged, "records": records},
    )


def subnet_logs(reads: Sequence[Resource]) -> dict[str, dict[str, object]]:
    """Subnetwork id -> its flow log settings, as the reads recorded them."""
    return {
        str(s.get("subnetwork")): s
        for r in reads
        for s in r.attributes.get("subnet_logs") or []
        if isinstance(s, dict)
    }


def log_setting_gaps(short: str, s: dict[str, object]) -> list[str]:
    """Why subnetwork ``short``'s flow log settings ``s`` keep records from being every flow:
    sampled, filtered, or without the instance details that place a record."""
    parts: list[str] = []
    sampling = s.get("sampling")
    if sampling is not None and float(str(sampling)) < 1.0:
        parts.append(f"subnetwork {short} samples {sampling} of its flows (flowSampling)")
    if s.get("filter"):
        parts.append(f"subnetwork {short} logs only flows matching {s.get('filter')!r}")
    if s.get("metadata") not in _FULL_METADATA:
        parts.append(
            f"subnetwork {short} logs {s.get('metadata')}: records without instance "
            "details cannot be placed"
        )
    return parts


def _subnet_gaps(reads: Sequence[Resource], listeners: dict[str, Resource]) -> list[str]:
    """Why the flow logs of the listeners' subnetworks may not hold every flow."""
    logs = subnet_logs(reads)
    parts: list[str] = []
    subnets = sorted(
        {str(s) for vm in listeners.values() for s in vm.attributes.get("subnet_ids") or []}
    )
    for sid in subnets:
        short = sid.rsplit("/", 1)[-1]
        s = logs.get(sid)
        if s is None:
            parts.append(f"subnetwork {short} has no flow log read")
            continue
        parts.extend(log_setting_gaps(short, s))
    return parts


def _incomplete(
    graph: BoundaryGraph, reads: Sequence[Resource], listeners: dict[str, Resource]
) -> list[str]:
    """Why the records read may not be all there was (empty when they are)."""
    if not reads:
        return ["no VPC Flow Logs were read for it"]
    parts = _subnet_gaps(reads, listeners)
    for r in reads:
        a = r.attributes
        if a.get("status") == "not-read":
            continue  # its listeners' subnetworks are named above
        if why := sink_gap(graph, r):
            parts.append(why)
        if int(str(a.get("malformed") or 0)):
            parts.append(f"{a.get('malformed')} malformed entr(y/ies) in {r.name}")
        capped = sorted(str(i) for i in a.get("capped_interfaces") or [] if str(i) in listeners)
        if capped:
            parts.append(
                f"the sample cap of {a.get('cap')} records per VM was reached for "
                f"{', '.join(c.rsplit('/', 1)[-1] for c in capped)}"
            )
    return parts
