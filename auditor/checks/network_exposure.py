"""Network path rules about what reaches platform resources: the internet, clients, operators.

- ``network.public-ingress``: no Kafka port of a platform resource is reachable from
  the internet, unless the declaration says ``public_ingress: declared``.
- ``network.client-sources``: security group rules opening Kafka ports on platform
  resources admit only declared client (or replication) CIDRs and group references;
  on Azure the NSGs and Event Hubs network rules, on GCP the VPC firewall rules
  (:mod:`auditor.analysis.network.client_admission`).
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
from typing import Any

from auditor.analysis.boundary_scope import is_customer_account, platform_resources
from auditor.analysis.network import (
    EXPOSABLE_KINDS,
    Exposure,
    Reach,
    cidr_within,
    is_internet_cidr,
    label,
    local_id,
    network_view,
    sg_rules_for_port,
)
from auditor.analysis.network.client_admission import Admitted, azure_admission, gcp_admission
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

NETWORK_SERVICES = ("ec2-network", "ec2-compute", "elbv2", "msk", "azure-resources", "cloudasset")


def _platform_scope(platform: Sequence[Resource]) -> str:
    """The scope of a PASS about the whole platform: its own cloud, so that its gaps apply.

    A platform across clouds gets cloud ``*``: every cloud's gaps apply to it.
    """
    clouds = sorted({r.cloud for r in platform})
    return scope_id(clouds[0] if len(clouds) == 1 else "*", "*", "*")


def _no_platform(ctx: RuleContext) -> Judgement:
    return ctx.inconclusive(
        scope_id("aws", "*", "*"),
        "the platform selector matched no collected resource",
        attributes={"selector": ctx.declaration.platform.select.model_dump()},
    )


def _exposable(r: Resource) -> bool:
    """Whether the exposure model judges ``r``: what can listen, and Azure scale sets
    (their instances' NIC configuration is on the scale set row)."""
    return r.kind in EXPOSABLE_KINDS or (r.cloud == "azure" and r.kind == Kind.SCALING_GROUP)


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
        return ctx.failed(
            res.id,
            f"{label(res)} is reachable from the internet on {what} {open_ports}: {first.reason}",
            definite=True,
            **common,
        )
    if unknown:
        return ctx.inconclusive(
            res.id,
            f"cannot tell whether {label(res)} is reachable from the internet on {what} "
            f"{_ports_text(sorted({e.port for e in unknown}))}: {unknown[0].reason}",
            **common,
        )
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
        yield _no_platform(ctx)
        return
    view = network_view(ctx.graph)
    ports = sorted(set(decl.network.kafka_ports))
    allowed = (
        "network.public_ingress is 'declared'"
        if decl.network.public_ingress == "declared"
        else None
    )
    judged = [r for r in platform if _exposable(r)]
    if not judged:
        yield ctx.nothing_to_judge(
            _platform_scope(platform),
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
        yield _no_platform(ctx)
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
            _platform_scope(platform),
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
    title="Kafka ports admit only declared client sources",
    rationale=(
        "Security group rules are the last word on who may open a Kafka connection; a CIDR "
        "wider than the declared clients lets undeclared networks in."
    ),
    remediation=(
        "Narrow the rule to the declared client CIDRs (network.clients.from) or reference the "
        "clients' security group; declare new client networks first."
    ),
    requires=NETWORK_SERVICES,
)
def client_sources(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    platform = platform_resources(ctx.graph)
    if not platform:
        yield _no_platform(ctx)
        return
    view = network_view(ctx.graph)
    ports = sorted(set(decl.network.kafka_ports))
    allowed = sorted({*decl.network.clients.cidrs, *decl.network.replication.cidrs})
    protects: dict[str, list[str]] = {}
    groups: dict[str, Resource] = {}
    others = [r for r in platform if r.cloud in ("azure", "gcp")]
    if others:
        yield from _judge_rule_sets(ctx, others, ports, allowed)
    with_sgs = [
        r
        for r in platform
        if r.cloud not in ("azure", "gcp")
        and (r.kind in EXPOSABLE_KINDS or r.kind == Kind.FIREWALL)
    ]
    if others and not with_sgs:
        return
    any_missing = False
    not_judged = 0
    for res in with_sgs:
        found = view.source_groups(res)
        if found.not_judged:
            not_judged += 1
            yield ctx.not_applicable(res.id, f"{label(res)}: {found.not_judged}")
            continue
        for sg in found.groups:
            groups[sg.id] = sg
            protects.setdefault(sg.id, []).extend(found.protects)
        if found.missing:
            missing = list(found.missing)
            any_missing = True
            yield ctx.inconclusive(
                res.id,
                f"security group(s) {', '.join(missing)} of {label(res)} were not collected, "
                "so its Kafka port sources are unknown",
                attributes={"missing_security_groups": missing},
                depends_on=missing,
            )
    if not groups:
        if any_missing or (with_sgs and not_judged == len(with_sgs)):
            return
        yield ctx.nothing_to_judge(
            _platform_scope(with_sgs or platform),
            "no security group protects a platform resource, so no rule opens a Kafka port",
            attributes={"platform": [r.id for r in with_sgs]},
        )
        return
    for gid in sorted(groups):
        yield _judge_group(ctx, groups[gid], protects[gid], ports, allowed)


def _judge_rule_sets(
    ctx: RuleContext, platform: Sequence[Resource], ports: list[int], allowed: list[str]
) -> Iterator[Judgement]:
    """Azure NSGs, Event Hubs rules and GCP firewall rules: one verdict per rule holder.

    See :mod:`auditor.analysis.network.client_admission` for how each cloud's rules
    are read. A holder FAILs on an undeclared source, is INCONCLUSIVE when a source
    it admits stands for addresses not collected, else PASSes.
    """
    holders: dict[str, Resource] = {}
    protects: dict[str, list[str]] = {}
    admitted: dict[str, list[Admitted]] = {}
    for res in platform:
        if not (_exposable(res) or res.kind == Kind.FIREWALL):
            continue
        if res.cloud == "azure":
            found = azure_admission(ctx.graph, res, ports, allowed)
        else:
            found = gcp_admission(ctx.graph, res, ports, allowed)
        if found.not_judged:
            yield ctx.not_applicable(res.id, f"{label(res)}: {found.not_judged}")
            continue
        if found.missing:
            why = found.reason or f"{', '.join(found.missing)} not collected"
            yield ctx.inconclusive(
                res.id,
                f"cannot tell who reaches the Kafka ports of {label(res)}: {why}",
                attributes={"missing": list(found.missing)},
                depends_on=list(found.missing),
            )
        if not found.holders and not found.missing:
            yield ctx.passed(
                res.id,
                f"no firewall rule admits traffic to the Kafka ports of {label(res)}",
                attributes={"kafka_ports": list(ports)},
            )
        for h in found.holders:
            holders[h.id] = h
            protects.setdefault(h.id, []).append(res.id)
            admitted.setdefault(h.id, [])
        for a in found.admitted:
            if a not in admitted.setdefault(a.holder, []):
                admitted[a.holder].append(a)
    for hid in sorted(holders):
        yield _judge_holder(ctx, holders[hid], protects[hid], admitted[hid], ports, allowed)


def _judge_holder(
    ctx: RuleContext,
    holder: Resource,
    protects: list[str],
    admitted: list[Admitted],
    ports: list[int],
    allowed: list[str],
) -> Judgement:
    """One NSG, firewall rule or namespace: FAIL on an undeclared source."""
    name = label(holder)
    if holder.kind == Kind.FIREWALL:
        name = f"{'NSG' if holder.cloud == 'azure' else 'firewall rule'} {holder.name}"
    attrs: dict[str, JSONValue] = {
        "kafka_ports": ports,
        "allowed_cidrs": allowed,
        "admitted": [
            {"rule": a.rule, "source": a.source, "port": a.port, "declared": a.declared}
            for a in admitted
        ],
        "protects": sorted(set(protects)),
    }
    nodes = [holder.id, *sorted(set(protects) - {holder.id})]

    def text(xs: list[Admitted]) -> str:
        return ", ".join(sorted({f"{a.source} by {a.rule}" for a in xs}))

    bad = [a for a in admitted if a.declared is False]
    if bad:
        return ctx.failed(
            holder.id,
            f"{name} admits Kafka ports from undeclared source(s): {text(bad)}; declared "
            f"clients are {', '.join(allowed) or 'none'}",
            nodes=nodes,
            attributes={**attrs, "undeclared_sources": sorted({a.source for a in bad})},
            definite=True,
        )
    unknown = [a for a in admitted if a.declared is None]
    if unknown:
        return ctx.inconclusive(
            holder.id,
            f"{name} admits Kafka ports from {text(unknown)}, whose addresses were not collected",
            nodes=nodes,
            attributes=attrs,
        )
    if not admitted:
        why = (
            ": its public endpoint is closed (private endpoints only) or serves no Kafka"
            if holder.kind == Kind.KAFKA_CLUSTER
            else ""
        )
        return ctx.passed(
            holder.id,
            f"{name} admits no traffic to Kafka ports{why}",
            nodes=nodes,
            attributes=attrs,
        )
    return ctx.passed(
        holder.id,
        f"{name} admits Kafka ports only from declared sources ({text(admitted)})",
        nodes=nodes,
        attributes=attrs,
    )


def _kafka_rules(sg: Resource, ports: Sequence[int]) -> list[dict[str, Any]]:
    """The rules of ``sg`` that open any of ``ports``, each once, in port order."""
    rules: list[dict[str, Any]] = []
    for port in ports:
        for r in sg_rules_for_port(sg, port):
            if r not in rules:
                rules.append(r)
    return rules


def _rule_sources(
    ctx: RuleContext, rules: Sequence[dict[str, Any]], allowed: Sequence[str]
) -> tuple[list[str], list[str], list[str]]:
    """The sources ``rules`` admit: (declared, undeclared, prefix lists not collected).

    A CIDR is declared when inside ``allowed``; a group reference when its
    account is the customer's or a declared peer (or the group is a peer).
    """
    decl = ctx.declaration
    peers = set(decl.network.peers)
    ok: list[str] = []
    bad: list[str] = []
    unknown: list[str] = []
    for r in rules:
        for c in r.get("cidrs") or []:
            (ok if cidr_within(str(c), allowed) else bad).append(str(c))
        unknown.extend(str(p) for p in r.get("prefix_lists") or [])
        for g in r.get("groups") or []:
            acct = str(g.get("account") or "")
            ref = f"{g.get('group_id')} ({acct})"
            if (
                not acct
                or is_customer_account(decl, "aws", acct)
                or acct in peers
                or str(g.get("group_id")) in peers
            ):
                ok.append(ref)
            else:
                bad.append(ref)
    return ok, bad, unknown


def _judge_group(
    ctx: RuleContext,
    sg: Resource,
    protects: list[str],
    ports: list[int],
    allowed: list[str],
) -> Judgement:
    """One verdict for one group: FAIL on an undeclared source, else INCONCLUSIVE on an
    uncollected prefix list, else PASS."""
    gid = sg.id
    rules = _kafka_rules(sg, ports)
    ok, bad, unknown = _rule_sources(ctx, rules, allowed)
    attrs: dict[str, JSONValue] = {
        "kafka_ports": ports,
        "allowed_cidrs": allowed,
        "kafka_rules": rules,
        "protects": protects,
    }
    nodes = [gid, *protects]
    name = f"security group {sg.name or local_id(gid)}"
    if bad:
        wide = sorted(set(bad))
        internet = [c for c in wide if is_internet_cidr(c)]
        return ctx.failed(
            gid,
            f"{name} admits Kafka ports from undeclared source(s) {', '.join(wide)}"
            + (" including the internet" if internet else "")
            + f"; declared clients are {', '.join(allowed) or 'none'}",
            nodes=nodes,
            attributes={**attrs, "undeclared_sources": wide},
            definite=True,
        )
    if unknown:
        return ctx.inconclusive(
            gid,
            f"{name} admits Kafka ports from prefix list(s) {', '.join(sorted(set(unknown)))} "
            "whose entries are not collected",
            nodes=nodes,
            attributes={**attrs, "prefix_lists": sorted(set(unknown))},
        )
    if not rules:
        return ctx.passed(
            gid, f"{name} admits no traffic to Kafka ports", nodes=nodes, attributes=attrs
        )
    return ctx.passed(
        gid,
        f"{name} admits Kafka ports only from declared sources ({', '.join(sorted(set(ok)))})",
        nodes=nodes,
        attributes=attrs,
    )


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
                yield ctx.inconclusive(
                    sid,
                    f"{what} clusters of {cloud} {where} were not listed ({service} did not run)",
                    account=acct,
                    region=region,
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
            yield ctx.inconclusive(
                c.id, f"endpoint access of {label(c)} was not recorded", attributes=attrs
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
