"""Failure path rule for every pattern: each region can be operated after a failover.

- ``failure.operations-in-each-region``: each declared region (of every cloud) has an
  audit trail that covers it, flow logs on the platform networks, and the roles its
  platform acts with. A trail or flow log of one cloud covers none of another cloud's
  regions. Azure: the subscriptions of the region's platform export their Activity Log
  (a subscription diagnostic setting with the Administrative category; it covers every
  region), and flow logs name a platform VNet, its subnets or their NSGs. GCP: Admin
  Activity audit logs are always written, in every region. Where a cloud's audit or
  flow logs were not read, the region is INCONCLUSIVE with that reason, never PASS.
  GCP networks are global, so a GCP region's platform networks are its global networks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.failover import declared_regions, role_usable_in
from auditor.analysis.network import label, local_id
from auditor.analysis.vendor_roles import declared_role, vendor_access_cloud
from auditor.base.edges import LOGGED_BY, MEMBER_OF, RUNS_AS
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.control_trust import account_of_arn
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity


@rule(
    id="failure.operations-in-each-region",
    path=PathName.FAILURE,
    severity=Severity.MEDIUM,
    title="Each region has its audit trail, flow logs and roles",
    rationale=(
        "After a failover the platform is operated and audited in the other region: it "
        "needs a trail that covers it, flow logs on its networks and the roles it acts with."
    ),
    remediation=(
        "Use a multi-region trail (or one per region), add flow logs to every platform VPC, "
        "and make sure the roles the platform uses exist and are not limited to one region."
    ),
    requires=("cloudtrail", "ec2-network", "iam", "azure-resources", "cloudasset"),
)
def operations_in_each_region(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    graph = ctx.graph
    platform = platform_resources(graph)
    for cloud, region, _ in declared_regions(decl):
        rid = scope_id(cloud, "*", region)
        ops = _RegionOps()
        trails = [t for t in graph.of_kind(Kind.AUDIT_TRAIL) if t.cloud == cloud]
        mine = [r for r in platform if r.cloud == cloud]
        if cloud == "azure" and not trails:
            covering = logging = _check_activity_log(ctx, mine, region, ops)
        elif cloud == "gcp" and not trails:
            covering = logging = []  # Admin Activity audit logs: always on, every region
        else:
            covering, logging = _check_trails(trails, region, ops, cloud, mine)
        networks = _check_flow_logs(ctx, mine, region, ops)
        roles = _check_roles(ctx, mine, region, ops, cloud)
        problems, unknown, nodes = ops.problems, ops.unknown, ops.nodes
        attrs: dict[str, JSONValue] = {
            "trails": [t.id for t in covering],
            "networks": [n.id for n in networks],
            "roles": sorted(roles),
            "problems": problems,
            "unknown": unknown,
        }
        if problems:
            yield replace(
                ctx.failed(
                    rid,
                    f"{region}: {'; '.join(problems)}",
                    nodes=nodes,
                    attributes=attrs,
                    region=region,
                ),
                causes=tuple(sorted(set(ops.causes))),
                affects=tuple(sorted({r.id for r in mine if r.region == region})),
            )
        elif unknown:
            yield replace(
                ctx.inconclusive(
                    rid,
                    f"{region}: could not tell: {'; '.join(unknown)}",
                    nodes=nodes,
                    attributes=attrs,
                    region=region,
                ),
                unmodelled="; ".join(ops.unmodelled),
            )
        else:
            yield ctx.passed(
                rid,
                f"{region} has a logging trail ({_trail_names(cloud, logging)}), flow "
                f"logs on {len(networks)} platform network(s) and {len(roles)} usable role(s)",
                nodes=nodes,
                attributes=attrs,
                region=region,
            )


def _trail_names(cloud: str, logging: list[Resource]) -> str:
    if cloud == "gcp" and not logging:
        return "Cloud Audit Logs' Admin Activity logs, which cannot be turned off"
    return ", ".join(t.name for t in logging)


_ACTIVITY = ("administrative", "alllogs", "audit")
"""Activity Log categories (or groups) that carry management operations."""


def _exports_activity(d: Resource) -> bool:
    """A subscription diagnostic setting that exports the Activity Log's management events."""
    rid = str(d.attributes.get("resource_id") or "")
    scope = d.attributes.get("scope")
    if scope != "subscription" and not re.fullmatch(r"/subscriptions/[^/]+", rid.lower()):
        return False
    for item in d.attributes.get("logs") or []:
        if isinstance(item, str) and item.lower() in _ACTIVITY:
            return True
        if isinstance(item, dict) and item.get("enabled") is not False:
            name = str(item.get("category") or item.get("categoryGroup") or "").lower()
            if name in _ACTIVITY:
                return True
    return False


def _check_activity_log(
    ctx: RuleContext, platform: list[Resource], region: str, ops: _RegionOps
) -> list[Resource]:
    """Azure: each subscription of the region's platform exports its Activity Log (one
    export covers every region); a subscription whose settings were not read is unknown."""
    subs = sorted({r.account for r in platform if r.region == region})
    settings = [
        d
        for d in ctx.graph.of_kind("diagnostic_setting")
        if d.cloud == "azure" and _exports_activity(d)
    ]
    found: list[Resource] = []
    for sub in subs:
        mine = [d for d in settings if d.account == sub]
        found += mine
        if mine:
            continue
        if ctx.graph.inventory.was_collected("azure-diagnostics", sub):
            ops.problems.append(f"subscription {sub} does not export its Activity Log")
            ops.causes.append(f"/subscriptions/{sub}")
        else:
            ops.unknown.append(f"the Activity Log export of subscription {sub} (not read)")
    if not subs:
        ops.unknown.append("no platform resource in the region to find its subscription")
        ops.unmodelled.append("operations of a region where no platform resource runs")
    ops.nodes += [d.id for d in found]
    return found


@dataclass
class _RegionOps:
    """What the operations check of one region found, in the order it looked."""

    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    """What to change for each problem: the trail, network, role or subscription."""
    unmodelled: list[str] = field(default_factory=list)
    """For unknowns with no collection gap behind them: the state the model cannot judge."""


def _check_trails(
    trails: list[Resource], region: str, ops: _RegionOps, cloud: str, platform: list[Resource]
) -> tuple[list[Resource], list[Resource]]:
    """(trails covering ``region``, those logging): one must cover it and be logging."""
    covering = [t for t in trails if t.attributes.get("multi_region") or t.region == region]
    logging = [t for t in covering if t.attributes.get("logging") is True]
    ops.nodes += [t.id for t in covering]
    if not trails and cloud != "aws":
        ops.unknown.append(f"no {cloud} audit log is in the inventory to cover it")
        ops.unmodelled.append(f"{cloud} audit logs kept by other means than a trail resource")
    elif not covering:
        ops.problems.append("no audit trail covers it")
        # a trail to extend to the region, else the trail set-up of the platform's accounts
        ops.causes += [t.id for t in trails] or [
            scope_id(cloud, a, "*") for a in sorted({r.account for r in platform if r.account})
        ]
    elif not logging:
        if any(t.attributes.get("logging") is None for t in covering):
            ops.unknown.append("trail logging status")
        else:
            ops.problems.append("its audit trails are not logging")
            ops.causes += [t.id for t in covering]
    return covering, logging


def _check_flow_logs(
    ctx: RuleContext, platform: list[Resource], region: str, ops: _RegionOps
) -> list[Resource]:
    """The platform networks in ``region`` (GCP: global networks): each needs an active
    flow log. A cloud none of whose flow logs is in the inventory is unknown, not bare."""
    networks = _platform_networks(ctx, platform, region)
    clouds_logged = {f.cloud for f in ctx.graph.of_kind(Kind.FLOW_LOG)}
    unseen = [n for n in networks if n.cloud != "aws" and n.cloud not in clouds_logged]
    if unseen:
        ops.nodes += [n.id for n in unseen]
        ops.unknown.append(f"no {unseen[0].cloud} flow log is in the inventory")
        networks = [n for n in networks if n not in unseen]
    for net in networks:
        ops.nodes.append(net.id)
        logs = _flow_logs_of(ctx, net, region)
        active = [
            f
            for f in logs
            if str(f.attributes.get("status") or "").upper() == "ACTIVE"
            or f.attributes.get("enabled") is True
        ]
        if not logs:
            ops.problems.append(
                f"{label(net)} has no flow log"
                + (f" in {region}" if net.region == "global" else "")
            )
            ops.causes.append(net.id)
        elif not active:
            where = f" in {region}" if net.region == "global" else ""
            ops.problems.append(f"the flow log of {label(net)}{where} is not active")
            ops.causes.append(net.id)
        ops.nodes += [f.id for f in logs]
    if not networks and not unseen:
        ops.unknown.append("no platform network selected in the region")
        ops.unmodelled.append("flow logs of a region where the platform has no network")
    return networks


def _platform_networks(ctx: RuleContext, platform: list[Resource], region: str) -> list[Resource]:
    """The platform's networks in ``region``: those the platform selector selects there
    (GCP networks are global), and the networks the region's platform resources sit in
    (their subnets' network), since a selector by tags never selects an unlabelled GCP
    network."""
    graph = ctx.graph
    found = {
        r.id: r
        for r in platform
        if r.kind == Kind.NETWORK
        and (r.region == region or (r.cloud, r.region) == ("gcp", "global"))
    }
    for r in platform:
        if r.region != region or r.kind == Kind.NETWORK:
            continue
        for place in graph.targets(r.id, MEMBER_OF):
            net = place if place.kind == Kind.NETWORK else None
            if place.kind == Kind.SUBNET:
                net = graph.get(str(place.attributes.get("vpc_id") or ""))
            if net is not None and net.kind == Kind.NETWORK and not net.attributes.get("stub"):
                found.setdefault(net.id, net)
    return [found[k] for k in sorted(found)]


def _flow_logs_of(ctx: RuleContext, net: Resource, region: str) -> list[Resource]:
    """Flow logs of a network: linked to it (``network.logged_by``), or naming as their
    target the network, one of its subnets or a subnet's NSG (Azure Network Watcher).
    A global (GCP) network's flow logs are its subnetworks' in ``region``."""
    graph = ctx.graph
    logs = {f.id: f for f in graph.targets(net.id, LOGGED_BY)}
    if net.cloud == "aws":
        return [logs[k] for k in sorted(logs)]
    targets = {net.id.lower()}
    for sub in graph.of_kind(Kind.SUBNET):
        if net.region == "global" and sub.region not in (region, "global"):
            continue
        if sub.attributes.get("vpc_id") == net.id:
            targets |= {sub.id.lower(), str(sub.attributes.get("nsg_id") or "").lower()}
    for f in graph.of_kind(Kind.FLOW_LOG):
        if f.cloud == net.cloud and str(f.attributes.get("resource_id") or "").lower() in targets:
            logs[f.id] = f
    return [logs[k] for k in sorted(logs)]


def _check_roles(
    ctx: RuleContext, platform: list[Resource], region: str, ops: _RegionOps, cloud: str
) -> set[str]:
    """The roles the platform in ``region`` runs as, and the declared vendor roles.

    Each must exist and not be limited (``aws:RequestedRegion``) to other regions. A
    GCP predefined role (``roles/...``) always exists and is not regional.
    """
    graph = ctx.graph
    roles: dict[str, Resource] = {}
    predefined = {
        va.role
        for va in ctx.declaration.control.vendor_access
        if cloud == "gcp" and vendor_access_cloud(va) == "gcp" and va.role.startswith("roles/")
    }
    for r in platform:
        if r.region != region:
            continue
        for rel in graph.out_edges(r.id, RUNS_AS):
            role = graph.get(rel.target)
            if role is not None:
                roles[role.id] = role
    for va in ctx.declaration.control.vendor_access:
        if vendor_access_cloud(va) != cloud or va.role in predefined:
            continue  # a role of another cloud does not operate this region
        role = declared_role(graph, va.role)
        if role is not None:
            roles[role.id] = role
        elif (account := account_of_arn(va.role)) and graph.inventory.was_collected("iam", account):
            ops.problems.append(f"declared role {local_id(va.role)} does not exist")
            ops.causes.append(va.role)
        else:  # an account never read, or an Azure/GCP role the inventory lacks
            ops.unknown.append(f"declared role {va.role} was not collected")
    for role in sorted(roles.values(), key=lambda r: r.id):
        ops.nodes.append(role.id)
        if role.attributes.get("stub"):
            if graph.inventory.was_collected("iam", role.account):
                ops.problems.append(f"role {label(role)} does not exist")
                ops.causes.append(role.id)
            else:
                ops.unknown.append(f"role {label(role)} (account not scanned)")
        elif not role_usable_in(role, region):
            ops.problems.append(f"role {label(role)} is limited to other regions")
            ops.causes.append(role.id)
    return set(roles) | predefined
