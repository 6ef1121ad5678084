"""Failure path rules about Kafka capacity in each declared region.

- ``failure.region-capacity``: every declared region has platform Kafka capacity.
- ``failure.secondary-capacity``: (active-passive) each secondary region has at least
  ``failure.secondary_capacity`` x the primary's broker count (MSK brokers, Auto Scaling
  desired capacity, running brokers) and x its size units (instance sizes), and says how
  far its groups can scale (max size) when it falls short.

Capacity is counted by :func:`auditor.analysis.capacity.capacity_by_region`.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.capacity import Capacity, capacity_by_region
from auditor.analysis.network import local_id
from auditor.boundary import Pattern, RegionRole
from auditor.checks import Finding, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Severity, Status

CAPACITY_SERVICES = ("ec2-compute", "autoscaling", "msk")


def _describe(c: Capacity) -> str:
    parts = [f"{c.brokers} broker{'s' if c.brokers != 1 else ''}"]
    if c.serverless:
        parts.append(f"{len(c.serverless)} serverless cluster(s)")
    if c.pending:
        parts.append(f"{len(c.pending)} cluster(s) not yet serving")
    if c.unknown:
        parts.append(f"{len(c.unknown)} resource(s) of unknown size")
    return ", ".join(parts)


@rule(
    id="failure.region-capacity",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Every declared region has platform Kafka capacity",
    rationale=(
        "A region the declaration counts on for failover but where no broker runs cannot "
        "take over; the failover plan is fiction there."
    ),
    remediation=(
        "Provision the platform's brokers (MSK cluster, broker instances or Auto Scaling "
        "group) in the region, tagged with the platform selector, or remove the region."
    ),
    requires=CAPACITY_SERVICES,
)
def region_capacity(ctx: RuleContext) -> Iterator[Finding]:
    decl = ctx.declaration
    caps = capacity_by_region(ctx.graph)
    regions = decl.regions_of("aws")
    if not regions:
        yield ctx.inconclusive(scope_id("aws", "*", "*"), "no AWS region is declared")
        return
    for region in sorted(regions):
        role = regions[region].value
        rid = scope_id("aws", "*", region)
        cap = caps.get(region)
        if cap is None:
            yield ctx.failed(
                rid,
                f"declared {role} region {region} has no platform Kafka capacity "
                "(no MSK cluster, running broker instance or Auto Scaling group)",
                attributes={"region": region, "role": role, "brokers": 0},
                region=region,
            )
            continue
        attrs = {**cap.attributes(), "role": role}
        if cap.brokers > 0 or cap.serverless:
            yield ctx.passed(
                rid,
                f"declared {role} region {region} has platform Kafka capacity: {_describe(cap)}",
                nodes=cap.nodes,
                attributes=attrs,
                region=region,
            )
        else:
            yield ctx.inconclusive(
                rid,
                f"declared {role} region {region} has no serving capacity yet: {_describe(cap)}",
                nodes=cap.nodes,
                attributes=attrs,
                region=region,
            )


@rule(
    id="failure.secondary-capacity",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Secondary regions can carry the declared share of the primary's load",
    rationale=(
        "After failover the secondary must carry the primary's traffic; fewer brokers than "
        "declared means the failover itself causes the next outage."
    ),
    remediation=(
        "Scale the secondary (broker count, Auto Scaling desired capacity) to the declared "
        "ratio, or lower failure.secondary_capacity with the risk owner's sign-off."
    ),
    requires=CAPACITY_SERVICES,
)
def secondary_capacity(ctx: RuleContext) -> Iterator[Finding]:
    decl = ctx.declaration
    if decl.pattern is not Pattern.ACTIVE_PASSIVE:
        yield ctx.passed(
            scope_id("aws", "*", "*"),
            f"the {decl.pattern.value} pattern has no secondary region to size",
            attributes={"pattern": decl.pattern.value},
        )
        return
    # Each cloud with declared regions is compared within itself (aws when none is).
    clouds = sorted({key.split("/", 1)[0] for key in decl.regions}) or ["aws"]
    for cloud in clouds:
        yield from _secondary_capacity(ctx, cloud)


def _secondary_capacity(ctx: RuleContext, cloud: str) -> Iterator[Finding]:
    """Each secondary region of ``cloud`` against that cloud's primary."""
    decl = ctx.declaration
    ratio = decl.failure.secondary_capacity
    regions = decl.regions_of(cloud)
    primary = next((r for r, role in sorted(regions.items()) if role is RegionRole.PRIMARY), None)
    secondaries = sorted(r for r, role in regions.items() if role is RegionRole.SECONDARY)
    if primary is None or not secondaries:
        yield ctx.inconclusive(
            scope_id(cloud, "*", "*"),
            f"the declaration names no {cloud.upper()} primary and secondary region pair "
            "to compare",
            attributes={"regions": {k: v.value for k, v in sorted(regions.items())}},
        )
        return
    caps = capacity_by_region(ctx.graph, cloud)
    p = caps.get(primary, Capacity(region=primary))
    for region in secondaries:
        s = caps.get(region, Capacity(region=region))
        need = ratio * p.brokers
        attrs: dict[str, JSONValue] = {
            "ratio": ratio,
            "primary": p.attributes(),
            "secondary": s.attributes(),
            "required_brokers": need,
        }
        unusable = _primary_not_comparable(primary, p, region)
        if unusable is not None:
            status, message, definite = Status.INCONCLUSIVE, unusable, False
        else:
            status, message, definite = _secondary_verdict(region, s, p, ratio)
        yield ctx.finding(
            status,
            scope_id(cloud, "*", region),
            message,
            nodes=[*p.nodes, *s.nodes],
            attributes=attrs,
            region=region,
            definite=definite,
        )


def _primary_not_comparable(primary: str, p: Capacity, region: str) -> str | None:
    """Why the primary's capacity gives no broker count to compare ``region`` with, if so."""
    if p.unknown or p.pending or p.serverless:
        return (
            f"primary {primary} capacity cannot be counted as brokers ({_describe(p)}), "
            f"so {region} cannot be compared with it"
        )
    if p.brokers == 0:
        return f"no platform capacity found in primary {primary} to compare {region} against"
    return None


def _secondary_verdict(
    region: str, s: Capacity, p: Capacity, ratio: float
) -> tuple[Status, str, bool]:
    """(status, message, definite) for secondary ``s`` against a countable primary ``p``.

    Enough brokers still fails when they are smaller (size units), and is inconclusive
    when a size is unknown; too few brokers says how far its groups can scale.
    """
    need = ratio * p.brokers
    if s.brokers >= need and (p.unsized or s.unsized):
        unsized = ", ".join(local_id(x) for x in (*p.unsized, *s.unsized))
        return (
            Status.INCONCLUSIVE,
            f"secondary {region} has {s.brokers} brokers against the primary's {p.brokers}, "
            f"but the instance size of {unsized} is unknown",
            False,
        )
    if s.brokers >= need and s.units < ratio * p.units:
        return (
            Status.FAIL,
            f"secondary {region} has {s.brokers} brokers but only {s.units:g} size units "
            f"against the primary's {p.units:g} ({ratio:g} x needed): its brokers are smaller",
            True,
        )
    if s.brokers >= need:
        return (
            Status.PASS,
            f"secondary {region} has {s.brokers} brokers ({s.units:g} size units), at least "
            f"{ratio:g} x the primary's {p.brokers} ({p.units:g} units)",
            False,
        )
    if s.serverless:
        return (
            Status.PASS,
            f"secondary {region} runs serverless Kafka, which scales to the primary's "
            f"{p.brokers} brokers",
            False,
        )
    if s.unknown or s.pending:
        return (
            Status.INCONCLUSIVE,
            f"secondary {region} has {_describe(s)}; cannot tell whether it reaches "
            f"{need:g} brokers",
            False,
        )
    scale = (
        f"; its groups can scale to {s.max_brokers}, but scaling during the failover "
        "adds to the recovery time"
        if s.max_brokers >= need
        else f" (and its groups cannot scale past {s.max_brokers})"
    )
    return (
        Status.FAIL,
        f"secondary {region} has {s.brokers} brokers, below {ratio:g} x the primary's "
        f"{p.brokers} ({need:g} needed){scale}",
        False,
    )
