"""``network.observed-dead-path``: every declared replication path carried traffic in the window.

A replication (failover) path between two declared regions is what the network model
finds open from the platform networks of one region to the Kafka listeners of the
other over a declared medium (:mod:`auditor.analysis.network.traffic`, the
replication class). A path that is open but carried no traffic at all in a fully
observed window is a path nobody knows works: replication runs elsewhere, or not at
all, and a failover would be its first use.

Traffic on a path: an ACCEPTed flow on a declared Kafka port between the platform
networks of the two regions, in either direction (a connection is logged at both
ends, so one fully observed side is enough to see it).

- FAIL per region pair with an open declared path and no such flow, while at least
  one side's platform networks were observed in full.
- PASS per region pair whose path carried traffic (records, bytes).
- INCONCLUSIVE per region pair with no traffic seen and neither side observed in full.
- NOT_APPLICABLE when observed flows were not asked for, or fewer than two declared
  regions hold platform networks.

Azure: the open paths into Azure brokers come from the per-network Azure model
(:mod:`._observed_dead_azure`); a VNet is observed in full per
:mod:`._observed_window_azure` (a VNet flow log, or logged NSGs on every subnet).

GCP (:mod:`._observed_sites_gcp`): a network is global, so its sites are its
subnetworks' regions and one network can be both sides of a path (over its own
routes). The sending VM's ``SENT`` record counts as traffic seen (a connection is
recorded at both ends, counted once). A side is observed in full only when every
subnetwork of its network logs every flow: GCP samples (``flowSampling`` < 1.0) and
filters (``filterExpr``), and a path with nothing seen in a sampled window stays
INCONCLUSIVE naming the subnetwork, never a FAIL. Paths between a GCP site and another
cloud's (a declared replication service over a VPN or Interconnect) come from
:mod:`._observed_dead_gcp`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from auditor.analysis.data_movement import distinct_flows
from auditor.analysis.network import platform_networks
from auditor.analysis.network.addresses import Net, nets_of, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.paths import kafka_targets, path_engine
from auditor.analysis.network.traffic import (
    Flow,
    estate_subnets,
    judge,
    replication_flows,
    summary,
)
from auditor.base.kinds.observed import OBSERVED_FLOW
from auditor.checks import Judgement, RuleContext, _observed_dead_azure, _observed_dead_gcp, rule
from auditor.checks import _observed_sites_gcp as gcp
from auditor.checks._admission import with_links
from auditor.checks._observed_window import (
    Window,
    flow_json,
    flows_asked,
    network_key,
    not_asked,
    unobserved,
    windows,
)
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, PathName, Resource, Severity

SERVICE = "vpc-flow-records"
AZURE_SERVICE = "azure-flow-records"
TCP = 6


def pair_id(a: str, b: str) -> str:
    """The verdict id of the replication path between two regions (``cloud/region``)."""
    x, y = sorted((a, b))
    return f"replication-path:{x}~{y}"


@dataclass
class _Pair:
    paths: list[Flow] = field(default_factory=list)
    """The model's open replication flows on a declared medium, both directions."""
    flows: list[Resource] = field(default_factory=list)


def site_spaces(graph: BoundaryGraph) -> dict[str, tuple[Net, ...]]:
    """``cloud/region`` -> the address space of the platform networks there."""
    out: dict[str, list[str]] = dict(gcp.spaces(graph))  # GCP: by subnetwork region
    for n in platform_networks(graph).networks:
        if n.cloud == "gcp":
            continue
        out.setdefault(f"{n.cloud}/{n.region}", []).extend(
            str(c) for c in n.attributes.get("cidrs") or []
        )
    return {k: nets_of(v) for k, v in sorted(out.items())}


def site_of(address: str, spaces: dict[str, tuple[Net, ...]]) -> str:
    """The ``cloud/region`` whose platform networks hold ``address`` ("" for none)."""
    a = parse_net(address)
    if a is None:
        return ""
    for site, nets in spaces.items():
        if any(a.version == n.version and a.subnet_of(n) for n in nets):  # type: ignore[arg-type]
            return site
    return ""


@rule(
    id="network.observed-dead-path",
    path=PathName.NETWORK,
    severity=Severity.MEDIUM,
    title="Declared replication paths carried traffic in the observed window",
    rationale=(
        "A replication or failover path that is open on paper but carried nothing in a "
        "window where every accepted flow was recorded is untested: replication runs "
        "elsewhere or not at all, and a failover would be its first use."
    ),
    remediation=(
        "Check that replication runs between the regions and over the declared medium; "
        "if the path is meant to idle until failover, exercise it in a drill."
    ),
    requires=("ec2-network", "ec2-compute", "elbv2", "msk", SERVICE, AZURE_SERVICE, "cloudasset"),
)
def observed_dead_path(ctx: RuleContext) -> Iterator[Judgement]:
    g = ctx.graph
    if not flows_asked(g):
        yield not_asked(ctx)
        return
    spaces = site_spaces(g)
    declared = set(ctx.declaration.regions)
    sites = [s for s in spaces if s in declared]
    if len(sites) < 2:
        yield ctx.not_applicable(
            "scope:*/*/*",
            "fewer than two declared regions hold platform networks: no replication path "
            "between sites to observe",
        )
        return
    pairs = _declared_pairs(ctx, sites)
    ports = set(ctx.declaration.network.kafka_ports)
    for flow in gcp.one_per_connection(distinct_flows(g.of_kind(OBSERVED_FLOW))):
        a = flow.attributes
        if a.get("action") not in gcp.SEEN or a.get("dst_port") not in ports:
            continue
        if a.get("protocol") != TCP:  # Kafka speaks TCP
            continue
        s, d = site_of(str(a.get("src")), spaces), site_of(str(a.get("dst")), spaces)
        if s and d and s != d and pair_id(s, d) in pairs:
            pairs[pair_id(s, d)].flows.append(flow)
    wins = windows(g)
    nets = platform_networks(g).networks
    for pid, p in sorted(pairs.items()):
        x, _, y = pid.partition(":")[2].partition("~")
        sides = [
            n
            for n in nets
            if f"{n.cloud}/{n.region}" in (x, y)
            or (n.cloud == "gcp" and {x, y} & set(gcp.sites_of(g, n)))
        ]
        yield _judge(ctx, pid, p, sides, wins)


def _declared_pairs(ctx: RuleContext, sites: Sequence[str]) -> dict[str, _Pair]:
    """Region pairs the model finds an open replication path between, on a declared medium."""
    g = ctx.graph
    engine = path_engine(g)
    platform_subnets, _ = estate_subnets(g)
    kafka = kafka_targets(g, ctx.declaration.network.kafka_ports)
    allowed = [str(v) for v in ctx.declaration.network.replication.via]
    out = {pair_id(a, b): _Pair() for a, b in combinations(sites, 2)}
    open_: set[str] = set()
    every = [
        *replication_flows(engine, kafka, platform_subnets),
        *_observed_dead_azure.replication(g),
        *_observed_dead_gcp.replication(g),  # GCP and another cloud
    ]
    for f in every:
        if f.reach is not Reach.YES or not judge(f, allowed)[0]:
            continue
        src = _observed_dead_azure.site(f.source)
        pid = pair_id(src, f"{f.target.cloud}/{f.target.region}")
        if pid in out:
            out[pid].paths.append(f)
            open_.add(pid)
    for ends, flows in gcp.open_pairs(g, allowed).items():  # GCP: its own model
        pid = pair_id(*sorted(ends))
        if pid in out:
            out[pid].paths.extend(flows)
            open_.add(pid)
    return {k: v for k, v in out.items() if k in open_}


def _judge(
    ctx: RuleContext,
    pid: str,
    p: _Pair,
    sides: Sequence[Resource],
    wins: dict[str, Window],
) -> Judgement:
    targets = sorted({f.target.id for f in p.paths})
    model = sorted(
        {
            f"{f.source} -> {f.target.name or f.target.id}:{f.port} via "
            f"{', '.join(f.links) or 'local'} ({summary(f.paths)})"
            for f in p.paths
        }
    )
    base: dict[str, JSONValue] = {"model_paths": list(model[:10])}
    if p.flows:
        total = sum(int(str(f.attributes.get("bytes") or 0)) for f in p.flows)
        records = sum(int(str(f.attributes.get("records") or 0)) for f in p.flows)
        return ctx.passed(
            pid,
            f"the replication path {pid.partition(':')[2]} carried traffic in the window: "
            f"{len(p.flows)} flow aggregate(s), {records} records, {total} bytes",
            nodes=[f.id for f in p.flows[:20]],
            attributes={
                **base,
                "bytes": total,
                "records": records,
                "flows": [flow_json(f) for f in p.flows[:20]],
            },
        )
    seen = [(n, wins.get(network_key(n))) for n in sorted(sides, key=lambda x: x.id)]
    full = [(n, w) for n, w in seen if w is not None and unobserved(ctx, n, w, None, {}) is None]
    if not full:
        gaps = [unobserved(ctx, n, w, None, {}) for n, w in seen]
        first = next((j for j in gaps if j is not None), None)
        why = "; ".join(j.message for j in gaps if j is not None)
        j = ctx.inconclusive(
            pid,
            f"no traffic was seen on the replication path {pid.partition(':')[2]}, but no "
            f"side of it was observed in full: {why}",
            attributes=base,
            depends_on=list(first.depends_on) if first is not None else [],
        )
        return replace(j, unmodelled="" if j.depends_on else (first.unmodelled if first else why))
    n, w = full[0]
    j = ctx.failed(
        pid,
        f"the replication path {pid.partition(':')[2]} is open in the network model over a "
        f"declared medium but carried no traffic in a fully observed window "
        f"({n.name or n.id}: {w.records()} records read, {w.span()}): a dead failover path; "
        f"model: {'; '.join(model[:3])}",
        nodes=[*targets, *(r.id for _, x in full for r in x.reads)],
        attributes={**base, "observed_networks": [x.id for x, _ in full]},
        definite=True,
    )
    return with_links(j, affects=targets)
