"""``network.observed-sources``: what actually reached the Kafka ports came from declared sources.

Reads the ``observed_flow`` aggregates of flow records (``--flows-since``): AWS VPC
Flow Logs (:mod:`auditor.collect.aws.vpc_flow_records`, from CloudWatch Logs or S3),
Azure VNet/NSG flow logs (:mod:`auditor.collect.azure.flow_records`, from their
storage accounts) and GCP VPC Flow Logs (from Cloud Logging, judged in
:mod:`auditor.checks._observed_sources_gcp`); each cloud is judged on its own reads.
On AWS and Azure a flow counts when it was
ACCEPTed, on TCP to a declared Kafka port, at an interface of a platform listener:
the interface itself, one attached to a platform instance, or (AWS) one in a
platform network sharing a security group with a platform Kafka cluster or load
balancer (their interfaces are not named otherwise); Azure helpers:
:mod:`auditor.checks._observed_azure`. Its source is declared when it lies in
``network.clients.from``, ``network.replication.from`` or the platform's own networks.
Azure's platform address 168.63.129.16 (load balancer health probes, the
``AzureLoadBalancer`` tag) is never a client: its flows are held to the NSGs as
:mod:`auditor.checks._observed_closed_azure` holds them, reported apart on the PASS when
the NSGs admit the tag, and an undeclared source (a FAIL) when they do not.

- FAIL per listener reached from an undeclared source; the cause is the security
  group (Azure: NSG) whose rule admits that source on that port, else the listener.
- PASS per platform network whose flow records were all read (no failure, no
  malformed line, no cap reached on a listener's interface) and held.
- INCONCLUSIVE when a read failed (its gap), was not made (a log format lacking a
  needed field, Firehose delivery), was cut by the cap, or had malformed lines or
  objects; or no flow log is read for a platform network; or (Azure) an undeclared
  source reached a Kafka port at a NIC the scan did not collect (a scale set instance's:
  its MAC maps to no NIC).
- NOT_APPLICABLE when observed flows were not asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import local_id, platform_networks
from auditor.analysis.network.addresses import Net, nets_of, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.client_reach import internal_space
from auditor.analysis.network.security_groups import sg_rules_for_port
from auditor.base.kinds.observed import FLOW_READ, OBSERVED_FLOW
from auditor.checks import Judgement, RuleContext, _observed_azure, rule
from auditor.checks._admission import listener, with_links
from auditor.checks._aws_flow_reads import (
    covered,
    failed_text,
    incomplete,
    listener_interfaces,
    read_resources,
)
from auditor.checks._observed_closed_azure import PLATFORM_IP, probe_path
from auditor.checks._observed_sources_gcp import gcp_observed
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, PathName, Resource, Severity

SERVICE = "vpc-flow-records"
"""The flow records unit of AWS (and of GCP, under the same name)."""
TCP = 6
LABEL = {"aws": "AWS", "azure": "Azure"}


def _admitting(graph: BoundaryGraph, flow: Resource) -> list[str]:
    """Security groups of the flow's interface whose ingress rule admits its source and port."""
    if flow.cloud == "azure":
        return _observed_azure.admitting(graph, flow)
    a = flow.attributes
    eni = graph.get(
        f"arn:aws:ec2:{flow.region}:{flow.account}:network-interface/{a.get('interface_id')}"
    )
    src = parse_net(str(a.get("src")))
    if eni is None or src is None:
        return []
    out: list[str] = []
    for g in eni.attributes.get("security_group_ids") or []:
        sg = graph.get(f"arn:aws:ec2:{flow.region}:{eni.account}:security-group/{g}")
        if sg is None:
            continue
        for r in sg_rules_for_port(sg, int(str(a.get("dst_port")))):
            if any(
                (n := parse_net(str(c))) is not None
                and n.version == src.version
                and src.subnet_of(n)  # type: ignore[arg-type]
                for c in r.get("cidrs") or []
            ):
                out.append(sg.id)
                break
    return out


@dataclass
class _Net:
    """What the reads say about one platform network."""

    reads: list[Resource] = field(default_factory=list)
    whole: bool = False
    """Some read records every accepted flow of the VPC (not a part of it)."""
    undeclared: dict[str, list[Resource]] = field(default_factory=dict)
    """Listener id -> the undeclared flows that reached it."""
    judged: int = 0
    unmapped: list[Resource] = field(default_factory=list)
    """Azure: undeclared accepted flows to a Kafka port of the network at a NIC not collected."""
    probes: list[Resource] = field(default_factory=list)
    """Azure: health probes from the platform address that the NSGs admit (not clients)."""
    why: dict[str, str] = field(default_factory=dict)
    """Flow id -> why an undeclared flow is not admitted as a probe (Azure's platform address)."""


def _declared(src: str, allowed: tuple[Net, ...]) -> bool:
    net = parse_net(src)
    return net is not None and any(
        net.version == a.version and net.subnet_of(a)  # type: ignore[arg-type]
        for a in allowed
    )


@rule(
    id="network.observed-sources",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Flows that reached Kafka ports came only from declared sources",
    rationale=(
        "Configuration says who could connect; flow log records say who did. An accepted "
        "connection to a broker from outside the declared clients and the platform's own "
        "networks is traffic across the boundary nobody promised."
    ),
    remediation=(
        "Find who owns the source address; narrow the security group rule that admitted it "
        "to the declared client CIDRs, or declare the client in network.clients.from."
    ),
    requires=("ec2-network", "ec2-compute", "elbv2", "msk", SERVICE, _observed_azure.SERVICE),
)
def observed_sources(ctx: RuleContext) -> Iterator[Judgement]:
    g = ctx.graph
    aws_gcp, azure = _asked(g, SERVICE), _asked(g, _observed_azure.SERVICE)
    if not aws_gcp and not azure:
        yield ctx.not_applicable(
            scope_id("aws", "*", "*"),
            "observed flows were not asked for: scan with --flows-since DURATION to read "
            "VPC Flow Log records",
        )
        return
    if aws_gcp:
        yield from gcp_observed(ctx)
        yield from _cloud(ctx, "aws")
    if azure:
        yield from _cloud(ctx, "azure")


def _asked(g: BoundaryGraph, service: str) -> bool:
    return any(u.service == service for u in g.inventory.collected) or any(
        gap.service == service
        for gap in g.inventory.gaps  # asked, but its units failed
    )


def _no_listener(ctx: RuleContext, cloud: str, clouds: set[str]) -> Iterator[Judgement]:
    """The platform has no listener or network on ``cloud``: nothing when it is on other
    clouds (each judged on its own reads), else INCONCLUSIVE naming the selector."""
    if clouds - {cloud}:
        return
    yield replace(
        ctx.inconclusive(
            scope_id(cloud, "*", "*"),
            f"no {LABEL[cloud]} platform listener or network was found to hold observed flows "
            "against",
            attributes={"selector": ctx.declaration.platform.select.model_dump()},
        ),
        unmodelled="a platform the declaration's selector matches no collected resource of",
    )


def _cloud(ctx: RuleContext, cloud: str) -> Iterator[Judgement]:
    """The judgements of one cloud's platform networks on that cloud's flow reads."""
    g = ctx.graph
    nets = [n for n in platform_networks(g).networks if n.cloud == cloud]
    everywhere = platform_resources(g)
    platform = [r for r in everywhere if r.cloud == cloud and listener(r)]
    if not nets or not platform:
        yield from _no_listener(ctx, cloud, {r.cloud for r in everywhere})
        return
    decl = ctx.declaration
    declared_cidrs = sorted({*decl.network.clients.cidrs, *decl.network.replication.cidrs})
    allowed = nets_of([*declared_cidrs, *(str(n) for n in internal_space(g, nets))])
    by_vpc = {str(n.attributes.get("vpc_id") or local_id(n.id)): n for n in nets}
    state = {v: _Net() for v in by_vpc}
    if cloud == "azure":
        listeners = _observed_azure.listener_interfaces(g, platform)
    else:
        listeners = listener_interfaces(g, platform)
    for r in g.of_kind(FLOW_READ):
        if r.cloud != cloud:
            continue
        cover = _observed_azure.covered(g, r) if cloud == "azure" else covered(g, r)
        for vpc, whole in cover.items():
            if vpc in state:
                state[vpc].reads.append(r)
                state[vpc].whole = state[vpc].whole or whole
    for flow in g.of_kind(OBSERVED_FLOW):
        if flow.cloud == cloud:
            _count(ctx, flow, listeners, state, allowed, by_vpc)
    for vpc, st in sorted(state.items()):
        yield from _judge(ctx, by_vpc[vpc], st, listeners, declared_cidrs)


def _count(
    ctx: RuleContext,
    flow: Resource,
    listeners: dict[str, str],
    state: dict[str, _Net],
    allowed: tuple[Net, ...],
    by_vpc: dict[str, Resource],
) -> None:
    """Note one flow in its network's state when it is an accepted TCP flow to a Kafka port."""
    g = ctx.graph
    a = flow.attributes
    if a.get("action") != "ACCEPT" or a.get("protocol") != TCP:
        return
    if a.get("dst_port") not in set(ctx.declaration.network.kafka_ports):
        return
    iface = str(a.get("interface_id"))
    if flow.cloud == "azure" and iface.startswith("mac:"):
        for vpc, net in by_vpc.items():  # a NIC not collected: place it by its address
            inside = nets_of([str(c) for c in net.attributes.get("cidrs") or []])
            if _declared(str(a.get("dst")), inside) and not _declared(str(a.get("src")), allowed):
                state[vpc].unmapped.append(flow)
        return
    lid = listeners.get(iface)
    if lid is None:
        return
    if flow.cloud == "azure":
        vpc = _observed_azure.vnet_of(g, flow)
    else:
        vpc = str(g.resource(lid).attributes.get("vpc_id") or "")
        eni = g.get(f"arn:aws:ec2:{flow.region}:{flow.account}:network-interface/{iface}")
        vpc = str(eni.attributes.get("vpc_id") or vpc) if eni is not None else vpc
    st = state.get(vpc)
    if st is None:
        return
    if flow.cloud == "azure" and a.get("src") == PLATFORM_IP:
        path = probe_path(g, g.resource(lid), int(str(a.get("dst_port"))))
        if path.reach is Reach.YES:
            st.probes.append(flow)  # a load balancer health probe: not a client
            return
        st.why[flow.id] = f"Azure's platform address, which the NSGs do not admit: {path.reason}"
    st.judged += 1
    if not _declared(str(a.get("src")), allowed):
        st.undeclared.setdefault(lid, []).append(flow)


def _flow_text(f: Resource) -> str:
    a = f.attributes
    return (
        f"{a.get('src')} -> {a.get('dst')}:{a.get('dst_port')} ({a.get('records')} records, "
        f"{a.get('bytes')} bytes, {a.get('first_seen')} to {a.get('last_seen')})"
    )


def _undeclared(
    ctx: RuleContext,
    lid: str,
    flows: list[Resource],
    base: dict[str, JSONValue],
    declared: list[str],
    read_ids: list[str],
    why: dict[str, str],
) -> Judgement:
    """FAIL on listener ``lid``: accepted flows from undeclared sources reached it."""
    g = ctx.graph
    causes = sorted({c for f in flows for c in _admitting(g, f)}) or [lid]
    keys = ("src", "dst", "dst_port", "bytes", "records", "first_seen", "last_seen")
    shown = "; ".join(_flow_text(f) + (f" [{why[f.id]}]" if f.id in why else "") for f in flows[:5])
    j = ctx.failed(
        lid,
        f"undeclared sources reached Kafka ports of {g.resource(lid).name or lid} in the "
        f"flow records read: {shown}"
        + (f" and {len(flows) - 5} more" if len(flows) > 5 else "")
        + f"; declared sources are {', '.join(declared) or 'none'}",
        nodes=[*(f.id for f in flows), *read_ids, *causes],
        attributes={
            **base,
            "undeclared_flows": [{k: f.attributes.get(k) for k in keys} for f in flows],
        },
        definite=True,
    )
    return with_links(j, causes=causes, affects=[lid])


def _judge(
    ctx: RuleContext,
    net: Resource,
    st: _Net,
    listeners: dict[str, str],
    declared: list[str],
) -> Iterator[Judgement]:
    read_ids = sorted(r.id for r in st.reads)
    base: dict[str, JSONValue] = {
        "declared_sources": list(declared),
        "kafka_ports": sorted(set(ctx.declaration.network.kafka_ports)),
        "flow_reads": list(read_ids),
    }
    for lid, flows in sorted(st.undeclared.items()):
        ordered = sorted(flows, key=lambda f: f.id)
        yield _undeclared(ctx, lid, ordered, base, declared, read_ids, st.why)
    if st.undeclared:
        return
    name = net.name or net.id
    if not st.reads:
        yield replace(
            ctx.inconclusive(
                net.id,
                f"no flow log of {name} was read: observed flows cannot be held against the "
                "declaration",
                attributes=base,
            ),
            unmodelled="observed flows of a network without a flow log read",
        )
        return
    failed = [r for r in st.reads if r.attributes.get("status") == "failed"]
    if failed:
        yield ctx.inconclusive(
            net.id,
            f"reading the flow records of {name} failed: "
            + ", ".join(failed_text(r) for r in failed),
            attributes=base,
            depends_on=[x for r in failed for x in read_resources(r)],
        )
        return
    if st.unmapped:
        shown = "; ".join(_flow_text(f) for f in st.unmapped[:3])
        why = (
            f"undeclared sources reached Kafka ports in {name} at NICs the scan did not "
            f"collect (scale set instances?): {shown}"
        )
        yield replace(
            ctx.inconclusive(net.id, why, attributes=base, nodes=[f.id for f in st.unmapped]),
            unmodelled="flow records at a NIC whose MAC address matches no collected NIC",
        )
        return
    why = incomplete(st.reads, set(listeners)) or (
        ""
        if st.whole
        else "no flow log read records every accepted flow of the whole VPC (only a subnet's "
        "or an interface's, or REJECT traffic only)"
    )
    if why:
        yield replace(
            ctx.inconclusive(
                net.id, f"the flow records of {name} are incomplete: {why}", attributes=base
            ),
            unmodelled=why,
        )
        return
    yield _passed(ctx, net, st, base, read_ids)


def _passed(
    ctx: RuleContext, net: Resource, st: _Net, base: dict[str, JSONValue], read_ids: list[str]
) -> Judgement:
    """PASS on ``net``: every accepted flow to a Kafka port came from a declared source
    (Azure's health probes, admitted by the NSGs, reported apart)."""
    name = net.name or net.id
    records = sum(int(str(r.attributes.get("records") or 0)) for r in st.reads)
    since = min(str(r.attributes.get("since")) for r in st.reads)
    until = max(str(r.attributes.get("until")) for r in st.reads)
    what = (
        f"{st.judged} accepted flow aggregate(s) to Kafka ports of {name} all came from "
        "declared sources"
        if st.judged
        else f"no accepted flow reached a Kafka port of {name}'s listeners"
    )
    probes = sorted(st.probes, key=lambda f: f.id)
    apart = (
        f"; {len(probes)} health probe aggregate(s) from Azure's platform address "
        f"{PLATFORM_IP}, admitted by the NSGs' AzureLoadBalancer rule, reported apart (not "
        "clients)"
        if probes
        else ""
    )
    keys = ("src", "dst", "dst_port", "bytes", "records", "first_seen", "last_seen")
    return ctx.passed(
        net.id,
        f"{what} ({records} records read, {since} to {until}){apart}",
        nodes=[*read_ids, *(f.id for f in probes)],
        attributes={
            **base,
            "flows_judged": st.judged,
            "records": records,
            "platform_probes": [{k: f.attributes.get(k) for k in keys} for f in probes],
        },
    )
