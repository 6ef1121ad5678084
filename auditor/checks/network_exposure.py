"""Network path rules about what reaches platform resources: the internet, clients, operators.

- ``network.public-ingress``: no Kafka port of a platform resource is reachable from
  the internet, unless the declaration says ``public_ingress: declared``.
- ``network.client-sources``: only declared client (or replication) sources can
  reach the Kafka ports of platform listeners: of the sources each security group,
  NSG, Event Hubs rule or GCP firewall rule admits
  (:mod:`auditor.analysis.network.client_admission`), the undeclared ones outside
  the platform's own networks are asked of the path engine
  (:mod:`auditor.analysis.network.client_reach`); a rule open to ``0.0.0.0/0`` in
  front of brokers no undeclared address can reach passes here and fails the
  hygiene rule ``network.open-firewall``.
- ``network.management-ports``: SSH/RDP on platform resources is not reachable from
  the internet.
- ``network.k8s-endpoint-private``: Kubernetes (EKS, AKS, GKE) API endpoints of the
  platform are private or restricted; an account without platform clusters passes only
  when its clusters were listed.

Reachability comes from :mod:`auditor.analysis.network`; see its docstring for the
exact meaning of "exposed".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import (
    Exposure,
    Net,
    Reach,
    label,
    local_id,
    network_view,
    platform_networks,
)
from auditor.analysis.network.addresses import fmt_nets
from auditor.analysis.network.client_admission import Admitted
from auditor.analysis.network.client_reach import (
    SourceReach,
    aws_reach,
    cloud_reach,
    internal_space,
    ipv6_unknown,
    undeclared_part,
)
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._admission import (
    Held,
    gather,
    holder_name,
    listener,
    no_platform,
    platform_scope,
    sources_text,
    with_links,
)
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

NETWORK_SERVICES = ("ec2-network", "ec2-compute", "elbv2", "msk", "azure-resources", "cloudasset")


def _admitting(ctx: RuleContext, exposures: Sequence[Exposure]) -> list[str]:
    """The firewalls whose rules admit the internet on the exposed paths (what to narrow)."""
    out: list[str] = []
    for e in exposures:
        rule_ = e.firewall_rule or {}
        gid = str(rule_.get("group") or rule_.get("nsg") or rule_.get("firewall") or "")
        if not gid:  # Azure: the NSGs the exposure read
            out.extend(e.firewalls)
            continue
        if ctx.graph.get(gid) is not None:
            out.append(gid)
            continue
        out.extend(f for f in e.firewalls if local_id(f) == gid or f.endswith(gid))
    return list(dict.fromkeys(out))


def _unknown_exposure(unknown: Sequence[Exposure]) -> str:
    """What an UNKNOWN exposure could not judge: the model's named feature, else the data
    it missed, else the state its reason names (an INCONCLUSIVE always names one)."""
    named = next((e.unmodelled for e in unknown if e.unmodelled), "")
    if named:
        return named
    missing = sorted({m for e in unknown for m in e.missing})
    if missing:
        return f"{', '.join(missing)} (not collected)"
    return unknown[0].reason


def _ports_text(ports: Sequence[int]) -> str:
    return ", ".join(str(p) for p in ports)


def _exposure_finding(
    ctx: RuleContext,
    res: Resource,
    exposures: Sequence[Exposure],
    ports: Sequence[int],
    what: str,
    *,
    allowed_reason: str | None = None,
) -> Judgement:
    """One verdict for one resource from its per-port exposures."""
    nodes: list[str] = [res.id]
    edges: list[tuple[str, str, str]] = []
    for e in exposures:
        nodes.extend(n for n in e.path if n not in nodes)
        edges.extend(x for x in e.edges if x not in edges)
    depends = sorted({*nodes[1:], *(f for e in exposures for f in e.firewalls)} - {"internet"})
    attrs: dict[str, JSONValue] = {
        "ports": list(ports),
        "exposures": [e.attributes() for e in exposures],
    }
    yes = [e for e in exposures if e.reach is Reach.YES]
    unknown = [e for e in exposures if e.reach is Reach.UNKNOWN]
    common: dict[str, Any] = {
        "nodes": nodes,
        "edges": edges,
        "attributes": attrs,
        "depends_on": depends,
    }
    if yes:
        first = yes[0]
        open_ports = _ports_text(sorted({e.port for e in yes}))
        if allowed_reason is not None:
            return ctx.passed(
                res.id,
                f"{label(res)} is reachable from the internet on {what} {open_ports}, "
                f"which the declaration allows ({allowed_reason})",
                **common,
            )
        j = ctx.failed(
            res.id,
            f"{label(res)} is reachable from the internet on {what} {open_ports}: {first.reason}",
            definite=True,
            **common,
        )
        # What makes it reachable: the firewalls admitting the internet, and the public
        # address the resource holds.
        return with_links(j, causes=[*_admitting(ctx, yes), res.id], affects=[res.id])
    if unknown:
        missing = sorted({m for e in unknown for m in e.missing})
        common["depends_on"] = sorted({*depends, *missing})
        j = ctx.inconclusive(
            res.id,
            f"cannot tell whether {label(res)} is reachable from the internet on {what} "
            f"{_ports_text(sorted({e.port for e in unknown}))}: {unknown[0].reason}",
            **common,
        )
        return replace(j, unmodelled=_unknown_exposure(unknown))
    if not exposures:
        return ctx.passed(
            res.id,
            f"{label(res)} has no listener on or forwarding to {what} {_ports_text(ports)}",
            **common,
        )
    return ctx.passed(
        res.id,
        f"{label(res)} is not reachable from the internet on {what} "
        f"{_ports_text(sorted({e.port for e in exposures}))}: {exposures[0].reason}",
        **common,
    )


@rule(
    id="network.public-ingress",
    path=PathName.NETWORK,
    severity=Severity.CRITICAL,
    title="No Kafka port of the platform is reachable from the internet",
    rationale=(
        "A Kafka listener reachable from the internet is outside every private-path promise "
        "the boundary makes; client traffic must arrive over the declared private paths."
    ),
    remediation=(
        "Remove the public IP or make the load balancer internal, drop the internet route, "
        "or narrow the security group / network ACL; if public ingress is intended, declare "
        "network.public_ingress: declared or add a waiver."
    ),
    requires=NETWORK_SERVICES,
)
def public_ingress(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    platform = platform_resources(ctx.graph)
    if not platform:
        yield no_platform(ctx)
        return
    view = network_view(ctx.graph)
    ports = sorted(set(decl.network.kafka_ports))
    allowed = (
        "network.public_ingress is 'declared'"
        if decl.network.public_ingress == "declared"
        else None
    )
    judged = [r for r in platform if listener(r)]
    if not judged:
        yield ctx.nothing_to_judge(
            platform_scope(platform),
            "the platform has no instance, network interface, load balancer or MSK cluster "
            "that could listen on a Kafka port",
            attributes={"platform": [r.id for r in platform]},
        )
        return
    for res in judged:
        yield _exposure_finding(
            ctx, res, view.exposures(res, ports), ports, "Kafka port", allowed_reason=allowed
        )


@rule(
    id="network.management-ports",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="SSH and RDP on the platform are not reachable from the internet",
    rationale=(
        "Management ports open to the internet give anyone a path to the brokers' hosts, "
        "around the declared operations and support paths."
    ),
    remediation=(
        "Close the ports to internet CIDRs; reach hosts through the declared operations path "
        "(SSM, a private bastion, a private endpoint)."
    ),
    requires=("ec2-network", "ec2-compute", "elbv2"),
    params={"ports": [22, 3389]},
)
def management_ports(ctx: RuleContext) -> Iterator[Judgement]:
    platform = platform_resources(ctx.graph)
    if not platform:
        yield no_platform(ctx)
        return
    raw = ctx.params.get("ports") or [22, 3389]
    ports = sorted({int(p) for p in raw}) if isinstance(raw, list) else [22, 3389]
    view = network_view(ctx.graph)
    judged = [
        r
        for r in platform
        if r.kind in (Kind.INSTANCE, Kind.INTERFACE, Kind.LOAD_BALANCER)
        or (r.cloud == "azure" and r.kind == Kind.SCALING_GROUP)
    ]
    if not judged:
        yield ctx.nothing_to_judge(
            platform_scope(platform),
            "the platform has no instance, network interface or load balancer that could "
            "expose a management port",
            attributes={"platform": [r.id for r in platform], "ports": list(ports)},
        )
        return
    for res in judged:
        f = _exposure_finding(ctx, res, view.exposures(res, ports), ports, "management port")
        if f.status.value == "PASS":
            loose = [
                f"{local_id(sg.id)} admits {p}"
                for p in ports
                for sg, _ in view.internet_admitting_rules(res, p)
            ]
            if loose:
                f = ctx.passed(
                    res.id,
                    f"{f.message} (note: security group {'; '.join(sorted(set(loose)))} "
                    "from an internet CIDR, but no internet path reaches it)",
                    nodes=f.evidence.nodes,
                    edges=f.evidence.edges,
                    attributes={**f.evidence.attributes, "loose_rules": sorted(set(loose))},
                    depends_on=f.depends_on,
                )
        yield f


@rule(
    id="network.client-sources",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Only declared client sources can reach Kafka ports",
    rationale=(
        "Firewall rules and paths together decide who may open a Kafka connection; an "
        "undeclared network with a path to a listener, through a rule wider than the "
        "declared clients, is outside the boundary's promise."
    ),
    remediation=(
        "Narrow the rule to the declared client CIDRs (network.clients.from) or reference the "
        "clients' security group, or remove the path (route, peering, public address) that "
        "brings the undeclared network; declare new client networks first."
    ),
    requires=NETWORK_SERVICES,
)
def client_sources(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    ports = sorted(set(decl.network.kafka_ports))
    found = gather(ctx, ports)
    yield from found.early
    if not found.held:
        return
    internal = internal_space(ctx.graph, platform_networks(ctx.graph).networks)
    for h in found.held:
        yield _judge_reach(ctx, h, ports, internal)


def _reach_of(
    ctx: RuleContext, targets: Sequence[Resource], a: Admitted, undeclared: tuple[Net, ...]
) -> list[SourceReach]:
    """Whether the undeclared part of ``a`` reaches each of ``targets``."""
    out: list[SourceReach] = []
    v6 = tuple(n for n in undeclared if n.version == 6)
    undeclared = tuple(n for n in undeclared if n.version == 4)
    for target in targets:
        if v6:
            out.append(ipv6_unknown(target, a.port, v6))
        if not undeclared:
            continue
        if target.cloud == "aws":
            out.append(aws_reach(ctx.graph, target, a.port, a.source, undeclared))
        else:
            out.append(cloud_reach(ctx.graph, target, a.port, undeclared))
    return out


def _judge_reach(
    ctx: RuleContext, h: Held, ports: list[int], internal: tuple[Net, ...]
) -> Judgement:
    """One holder: FAIL when an undeclared source it admits has a path to a listener.

    Sources named by membership (groups, tags, service accounts) and Event Hubs
    rules reach by construction; CIDRs are asked of the path engine
    (:mod:`auditor.analysis.network.client_reach`) without the declared CIDRs and the
    platform's own networks.
    """
    decl = ctx.declaration
    allowed = sorted({*decl.network.clients.cidrs, *decl.network.replication.cidrs})
    name = holder_name(h.holder)
    targets = [t for r in h.protects if (t := ctx.graph.get(r)) is not None and listener(t)]
    if listener(h.holder):  # a NIC with no NSG, an Event Hubs namespace: it filters itself
        targets.insert(0, h.holder)
    listeners = [t.id for t in targets]
    attrs: dict[str, JSONValue] = {
        "kafka_ports": list(ports),
        "allowed_cidrs": allowed,
        "platform_networks": fmt_nets(internal),
        "protects": list(h.protects),
    }
    sorted_ = _sort_admitted(ctx, h, targets, allowed, internal)
    rows, reaching, unknown = sorted_.rows, sorted_.reaching, sorted_.unknown
    attrs["admitted"] = rows
    nodes = [h.holder.id, *h.protects]
    for _, x in [*reaching, *unknown]:
        if x is not None:
            nodes.extend(n for n in x.nodes if n not in nodes)
    causes = [h.holder.id]
    if reaching:
        affected = sorted({x.target for _, x in reaching if x is not None} or set(listeners))
        parts = sorted({_reach_text(ctx, a, x) for a, x in reaching})
        j = ctx.failed(
            h.holder.id,
            f"{name} lets undeclared sources reach Kafka listeners: {'; '.join(parts)}; "
            f"declared clients are {', '.join(allowed) or 'none'}",
            nodes=nodes,
            attributes={
                **attrs,
                "undeclared_sources": sorted({a.source for a, _ in reaching}),
            },
            definite=True,
        )
        return with_links(j, causes=causes, affects=affected)
    if unknown:
        a, x = unknown[0]
        if x is None:
            why = f"{a.source} by {a.rule}, whose addresses were not collected"
            missing: tuple[str, ...] = ()
            unmodelled = f"what {a.source} stands for"
        else:
            why = f"{a.source} by {a.rule} may reach {_short(ctx, x.target)}: {x.reason}"
            missing, unmodelled = x.missing, x.unmodelled
        j = ctx.inconclusive(
            h.holder.id,
            f"cannot tell whether {name} lets undeclared sources reach Kafka listeners: {why}",
            nodes=nodes,
            attributes=attrs,
            depends_on=list(missing),
        )
        return replace(with_links(j, causes=causes, affects=listeners), unmodelled=unmodelled)
    return _judge_clean(ctx, h, name, nodes, attrs, sorted_)


@dataclass
class _Admissions:
    """A holder's admitted sources, sorted by what the path engine says of each."""

    rows: list[JSONValue] = field(default_factory=list)
    reaching: list[tuple[Admitted, SourceReach | None]] = field(default_factory=list)
    unknown: list[tuple[Admitted, SourceReach | None]] = field(default_factory=list)
    unreached: list[tuple[Admitted, SourceReach]] = field(default_factory=list)
    inside_only: list[Admitted] = field(default_factory=list)


def _sort_admitted(
    ctx: RuleContext,
    h: Held,
    targets: list[Resource],
    allowed: list[str],
    internal: tuple[Net, ...],
) -> _Admissions:
    """Each admitted source: declared, reaching a listener, unknown, or reaching none."""
    out = _Admissions()
    for a in h.admitted:
        row: dict[str, JSONValue] = {
            "rule": a.rule,
            "source": a.source,
            "port": a.port,
            "declared": a.declared,
        }
        out.rows.append(row)
        if a.declared is True:
            continue
        if a.declared is None:
            out.unknown.append((a, None))
            continue
        if a.nets is None or (h.holder.kind == Kind.KAFKA_CLUSTER and h.holder.cloud == "azure"):
            row["reach"] = "by membership or public endpoint"
            out.reaching.append((a, None))
            continue
        undeclared = undeclared_part(a.nets, allowed, internal)
        row["undeclared"] = fmt_nets(undeclared)
        if not undeclared:
            out.inside_only.append(a)
            row["reach"] = "only declared sources and the platform's own networks"
            continue
        if not targets:
            continue
        answers = _reach_of(ctx, targets, a, undeclared)
        row["paths"] = [
            {
                "target": x.target,
                "reach": x.reach.value,
                "reaching": list(x.reaching),
                "via": list(x.via),
                "reason": x.reason,
            }
            for x in answers
        ]
        yes = [x for x in answers if x.reach is Reach.YES]
        maybe = [x for x in answers if x.reach is Reach.UNKNOWN]
        if yes:
            out.reaching.extend((a, x) for x in yes)
        elif maybe:
            out.unknown.extend((a, x) for x in maybe)
        else:
            out.unreached.extend((a, x) for x in answers)
    return out


def _judge_clean(
    ctx: RuleContext,
    h: Held,
    name: str,
    nodes: list[str],
    attrs: dict[str, JSONValue],
    sorted_: _Admissions,
) -> Judgement:
    """No undeclared source reaches a listener: PASS, or NOT_APPLICABLE with no listener."""
    unreached, inside_only = sorted_.unreached, sorted_.inside_only
    if not h.admitted:
        why = (
            ": its public endpoint is closed (private endpoints only) or serves no Kafka"
            if h.holder.kind == Kind.KAFKA_CLUSTER
            else ""
        )
        return ctx.passed(
            h.holder.id,
            f"{name} admits no traffic to Kafka ports{why}",
            nodes=nodes,
            attributes=attrs,
        )
    undeclared_open = [a for a in h.admitted if a.declared is False]
    if undeclared_open and not unreached and not inside_only:
        return ctx.not_applicable(
            h.holder.id,
            f"{name} admits undeclared sources ({sources_text(undeclared_open)}) but filters "
            "no platform listener that a path could reach; network.open-firewall judges "
            "the rule itself",
            nodes=nodes,
            attributes=attrs,
        )
    notes: list[str] = []
    if unreached:
        _, x = unreached[0]
        notes.append(
            f"undeclared {', '.join(sorted({b.source for b, _ in unreached}))} reach no "
            f"listener ({_short(ctx, x.target)}: {x.reason})"
        )
    if inside_only:
        notes.append(
            f"{', '.join(sorted({b.source for b in inside_only}))} admit only declared "
            "sources and the platform's own networks"
        )
    declared = [a for a in h.admitted if a.declared is True]
    if not notes:
        return ctx.passed(
            h.holder.id,
            f"{name} admits Kafka ports only from declared sources ({sources_text(declared)})",
            nodes=nodes,
            attributes=attrs,
        )
    if declared:
        notes.insert(0, f"declared sources {sources_text(declared)}")
    return ctx.passed(
        h.holder.id,
        f"only declared clients (or the platform's own networks) can reach Kafka ports "
        f"through {name}: {'; '.join(notes)}",
        nodes=nodes,
        attributes=attrs,
    )


def _reach_text(ctx: RuleContext, a: Admitted, x: SourceReach | None) -> str:
    """``source by rule reaches listener on port via ... from ...`` for a FAIL message."""
    if x is None:
        holder = ctx.graph.get(a.holder)
        how = (
            "a rule of its public endpoint"
            if holder is not None and holder.kind == Kind.KAFKA_CLUSTER
            else "named by membership"
        )
        return f"{a.source} by {a.rule} ({how})"
    text = f"{a.source} by {a.rule} reaches {_short(ctx, x.target)} on {a.port}"
    if x.via:
        text += f" via {', '.join(x.via)}"
    if 0 < len(x.reaching) <= 3:
        text += f" from {', '.join(x.reaching)}"
    return text


def _short(ctx: RuleContext, rid: str) -> str:
    res = ctx.graph.get(rid)
    return label(res) if res is not None else local_id(rid)


K8S_LISTINGS: dict[str, tuple[str, str]] = {
    "aws": ("eks", "EKS"),
    "azure": ("azure-resources", "AKS"),
    "gcp": ("cloudasset", "GKE"),
}
"""Per cloud: the collection unit that lists its Kubernetes clusters, and their name."""


@rule(
    id="network.k8s-endpoint-private",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Kubernetes API endpoints of the platform are private",
    rationale=(
        "A public Kubernetes API endpoint (EKS, AKS, GKE) open to 0.0.0.0/0 puts the control "
        "plane of the brokers one stolen credential away from anyone."
    ),
    remediation=(
        "Turn off public endpoint access (EKS private endpoint, AKS private cluster, GKE "
        "private endpoint), or restrict it (publicAccessCidrs, authorizedIPRanges, master "
        "authorized networks) to the declared operations networks."
    ),
    requires=("eks", "azure-resources", "cloudasset"),
)
def k8s_endpoint_private(ctx: RuleContext) -> Iterator[Judgement]:
    from auditor.analysis.scanned import scanned_accounts

    platform = platform_resources(ctx.graph)
    clusters = [r for r in platform if r.kind == Kind.K8S_CLUSTER]
    inv, decl = ctx.graph.inventory, ctx.declaration
    with_clusters = {(c.cloud, c.account) for c in clusters}
    # a multi-cloud scope lists every cloud's regions: AWS accounts are judged in AWS ones
    elsewhere = {*decl.regions_of("azure"), *decl.regions_of("gcp")} - set(decl.regions_of("aws"))
    aws_regions = sorted(r for r in inv.scope.regions if r not in elsewhere) or ["*"]
    for cloud, acct in scanned_accounts(inv, decl):
        if (cloud, acct) in with_clusters:
            continue
        service, what = K8S_LISTINGS.get(cloud, ("", ""))
        if not service:
            yield ctx.not_applicable(
                scope_id(cloud, acct, "*"),
                f"the auditor does not read Kubernetes clusters of {cloud}",
                account=acct,
                region="*",
            )
            continue
        regions = aws_regions if cloud == "aws" else ["global"]
        for region in regions:
            where = f"{acct}/{region}" if cloud == "aws" else acct
            sid = scope_id(cloud, acct, region if cloud == "aws" else "*")
            if inv.was_collected(service, acct, region):
                yield ctx.nothing_to_judge(
                    sid,
                    f"no {what} clusters on the platform in {cloud} {where}",
                    account=acct,
                    region=region,
                )
            else:
                j = ctx.inconclusive(
                    sid,
                    f"{what} clusters of {cloud} {where} were not listed ({service} did not run)",
                    account=acct,
                    region=region,
                )
                yield replace(
                    j, unmodelled=f"{what} clusters ({service} not collected in this scan)"
                )
    for c in clusters:
        a = c.attributes
        public = a.get("endpoint_public_access")
        cidrs = sorted(str(x) for x in a.get("public_access_cidrs") or [])
        attrs: dict[str, JSONValue] = {
            "endpoint_public_access": public,
            "public_access_cidrs": cidrs,
            "endpoint_private_access": a.get("endpoint_private_access"),
        }
        if public is None:
            j = ctx.inconclusive(
                c.id, f"endpoint access of {label(c)} was not recorded", attributes=attrs
            )
            yield replace(
                j, unmodelled="the API endpoint access of a cluster whose record does not hold it"
            )
        elif not public:
            yield ctx.passed(c.id, f"{label(c)} has no public API endpoint", attributes=attrs)
        elif not cidrs or any(x in ("0.0.0.0/0", "::/0") for x in cidrs):
            yield ctx.failed(
                c.id,
                f"{label(c)} has a public API endpoint open to "
                f"{', '.join(cidrs) or 'every address'}",
                attributes=attrs,
                definite=True,
            )
        else:
            yield ctx.passed(
                c.id,
                f"{label(c)} has a public API endpoint restricted to {', '.join(cidrs)}",
                attributes=attrs,
            )
