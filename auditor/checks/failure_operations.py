"""Failure path rule for every pattern: each region can be operated after a failover.

- ``failure.operations-in-each-region``: each declared region (of every cloud) has an
  audit trail that covers it, flow logs on the platform networks, and the roles its
  platform acts with. A trail or flow log of one cloud covers none of another cloud's
  regions. Where a cloud's audit logs or flow logs are not in the inventory (the Azure
  activity log, Cloud Audit Logs, NSG/VNet or subnetwork flow logs), the region is
  INCONCLUSIVE with that reason, never PASS. GCP networks are global, so a GCP region's
  platform networks are its global networks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.failover import declared_regions, role_usable_in
from auditor.analysis.network import label, local_id
from auditor.base.edges import LOGGED_BY, RUNS_AS
from auditor.checks import Finding, RuleContext, rule
from auditor.checks.control_trust import account_of_arn
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity


def _cloud_of_ref(ref: str) -> str:
    """The cloud of a role reference: an ARN, an ARM id, else GCP."""
    return "aws" if ref.startswith("arn:") else "azure" if ref.startswith("/") else "gcp"


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
def operations_in_each_region(ctx: RuleContext) -> Iterator[Finding]:
    decl = ctx.declaration
    graph = ctx.graph
    platform = platform_resources(graph)
    for cloud, region, _ in declared_regions(decl):
        rid = scope_id(cloud, "*", region)
        ops = _RegionOps()
        trails = [t for t in graph.of_kind(Kind.AUDIT_TRAIL) if t.cloud == cloud]
        covering, logging = _check_trails(trails, region, ops, cloud)
        mine = [r for r in platform if r.cloud == cloud]
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
            yield ctx.failed(
                rid,
                f"{region}: {'; '.join(problems)}",
                nodes=nodes,
                attributes=attrs,
                region=region,
            )
        elif unknown:
            yield ctx.inconclusive(
                rid,
                f"{region}: could not tell: {'; '.join(unknown)}",
                nodes=nodes,
                attributes=attrs,
                region=region,
            )
        else:
            yield ctx.passed(
                rid,
                f"{region} has a logging trail ({', '.join(t.name for t in logging)}), flow "
                f"logs on {len(networks)} platform network(s) and {len(roles)} usable role(s)",
                nodes=nodes,
                attributes=attrs,
                region=region,
            )


@dataclass
class _RegionOps:
    """What the operations check of one region found, in the order it looked."""

    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)


def _check_trails(
    trails: list[Resource], region: str, ops: _RegionOps, cloud: str
) -> tuple[list[Resource], list[Resource]]:
    """(trails covering ``region``, those logging): one must cover it and be logging."""
    covering = [t for t in trails if t.attributes.get("multi_region") or t.region == region]
    logging = [t for t in covering if t.attributes.get("logging") is True]
    ops.nodes += [t.id for t in covering]
    if not trails and cloud != "aws":
        ops.unknown.append(f"no {cloud} audit log is in the inventory to cover it")
    elif not covering:
        ops.problems.append("no audit trail covers it")
    elif not logging:
        if any(t.attributes.get("logging") is None for t in covering):
            ops.unknown.append("trail logging status")
        else:
            ops.problems.append("its audit trails are not logging")
    return covering, logging


def _check_flow_logs(
    ctx: RuleContext, platform: list[Resource], region: str, ops: _RegionOps
) -> list[Resource]:
    """The platform networks in ``region`` (GCP: global networks): each needs an active
    flow log. A cloud none of whose flow logs is in the inventory is unknown, not bare."""
    networks = [
        r
        for r in platform
        if r.kind == Kind.NETWORK
        and (r.region == region or (r.cloud, r.region) == ("gcp", "global"))
    ]
    clouds_logged = {f.cloud for f in ctx.graph.of_kind(Kind.FLOW_LOG)}
    unseen = [n for n in networks if n.cloud != "aws" and n.cloud not in clouds_logged]
    if unseen:
        ops.nodes += [n.id for n in unseen]
        ops.unknown.append(f"no {unseen[0].cloud} flow log is in the inventory")
        networks = [n for n in networks if n not in unseen]
    for net in networks:
        ops.nodes.append(net.id)
        logs = ctx.graph.targets(net.id, LOGGED_BY)
        active = [f for f in logs if str(f.attributes.get("status") or "").upper() == "ACTIVE"]
        if not logs:
            ops.problems.append(f"network {label(net)} has no flow log")
        elif not active:
            ops.problems.append(f"the flow log of {label(net)} is not active")
        ops.nodes += [f.id for f in logs]
    if not networks and not unseen:
        ops.unknown.append("no platform network selected in the region")
    return networks


def _check_roles(
    ctx: RuleContext, platform: list[Resource], region: str, ops: _RegionOps, cloud: str
) -> dict[str, Resource]:
    """The roles the platform in ``region`` runs as, and the declared vendor roles.

    Each must exist and not be limited (``aws:RequestedRegion``) to other regions.
    """
    graph = ctx.graph
    roles: dict[str, Resource] = {}
    for r in platform:
        if r.region != region:
            continue
        for rel in graph.out_edges(r.id, RUNS_AS):
            role = graph.get(rel.target)
            if role is not None:
                roles[role.id] = role
    for va in ctx.declaration.control.vendor_access:
        if _cloud_of_ref(va.role) != cloud:
            continue  # a role of another cloud does not operate this region
        role = graph.get(va.role)
        if role is not None:
            roles[role.id] = role
        elif (account := account_of_arn(va.role)) and graph.inventory.was_collected("iam", account):
            ops.problems.append(f"declared role {local_id(va.role)} does not exist")
        else:  # an account never read, or an Azure/GCP role the inventory lacks
            ops.unknown.append(f"declared role {local_id(va.role)} (not in the inventory)")
    for role in sorted(roles.values(), key=lambda r: r.id):
        ops.nodes.append(role.id)
        if role.attributes.get("stub"):
            if graph.inventory.was_collected("iam", role.account):
                ops.problems.append(f"role {label(role)} does not exist")
            else:
                ops.unknown.append(f"role {label(role)} (account not scanned)")
        elif not role_usable_in(role, region):
            ops.problems.append(f"role {label(role)} is limited to other regions")
    return roles
