"""Failure path rules about Kafka capacity in each declared region.

- ``failure.region-capacity``: every declared region has platform Kafka capacity.
- ``failure.secondary-capacity``: (active-passive) each secondary region has at least
  ``failure.secondary_capacity`` x the primary's broker count (MSK brokers, scaling group
  desired capacity, running brokers) and x its size units (instance sizes), and says how
  far its groups can scale (max size) when it falls short. Each cloud's secondaries are
  compared with that cloud's primary; a cloud that declares none, with another cloud's
  primary (named in the verdict). Event Hubs units are compared per tier, apart from
  brokers; when a vCPU-sized managed cluster (GCP Managed Kafka) is on either side, the
  comparison is in vCPUs and memory, and an unknown machine size is INCONCLUSIVE.

Capacity is counted by :func:`auditor.analysis.capacity.capacity_by_region`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.analysis.capacity import Capacity, capacity_by_region
from auditor.analysis.failover import comparison_primary, declared_regions
from auditor.analysis.network import local_id
from auditor.boundary import Pattern, RegionRole
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Severity, Status

CAPACITY_SERVICES = ("ec2-compute", "autoscaling", "msk")


def _describe(c: Capacity) -> str:
    parts = [f"{c.brokers} broker{'s' if c.brokers != 1 else ''}"]
    if c.managed:
        parts.append(
            f"{len(c.managed)} managed cluster(s) of "
            f"{sum(m.vcpus or 0.0 for m in c.managed):g} vCPUs"
        )
    if c.event_hubs:
        units = ", ".join(f"{n} {tier}" for tier, n in c.event_hub_units().items())
        parts.append(f"{len(c.event_hubs)} Event Hubs namespace(s) ({units} unit(s))")
    if c.controllers:
        parts.append(f"{len(c.controllers)} KRaft controller group(s)/instance(s), not counted")
    if c.serverless:
        parts.append(f"{len(c.serverless)} serverless cluster(s)")
    if c.pending:
        parts.append(f"{len(c.pending)} cluster(s) not yet serving")
    if c.unknown:
        parts.append(f"{len(c.unknown)} resource(s) of unknown size")
    return ", ".join(parts)


_WHAT = {
    "aws": "no MSK cluster, running broker instance or Auto Scaling group",
    "azure": "no Event Hubs namespace, running broker VM or VM scale set",
    "gcp": "no Managed Kafka cluster, running broker instance or managed instance group",
}


@rule(
    id="failure.region-capacity",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Every declared region has platform Kafka capacity",
    rationale=(
        "A region the declaration counts on for failover but where no broker runs cannot "
        "take over; the failover plan is fiction there. Judged in every declared region of "
        "every cloud: MSK, Auto Scaling groups and instances (AWS); Event Hubs namespaces, VM "
        "scale sets and VMs (Azure); Managed Kafka clusters, managed instance groups and "
        "instances (GCP). KRaft controllers are not broker capacity."
    ),
    remediation=(
        "Provision the platform's brokers (MSK cluster, broker instances or Auto Scaling "
        "group; VM scale set or Event Hubs namespace; managed instance group or Managed "
        "Kafka cluster) in the region, tagged with the platform selector, or remove the region."
    ),
    requires=(*CAPACITY_SERVICES, "azure-resources", "cloudasset"),
)
def region_capacity(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    regions = declared_regions(decl)
    if not regions:
        yield ctx.inconclusive(scope_id("aws", "*", "*"), "no region is declared")
        return
    caps = {c: capacity_by_region(ctx.graph, c) for c in sorted({c for c, _, _ in regions})}
    for cloud, region, role_ in regions:
        role = role_.value
        rid = scope_id(cloud, "*", region)
        cap = caps[cloud].get(region)
        if cap is None or not (cap.nodes or cap.brokers):
            yield ctx.failed(
                rid,
                f"declared {role} region {cloud}/{region} has no platform Kafka capacity "
                f"({_WHAT.get(cloud, 'no Kafka capacity')})",
                attributes={"region": region, "cloud": cloud, "role": role, "brokers": 0},
                region=region,
            )
            continue
        attrs = {**cap.attributes(), "role": role, "cloud": cloud}
        if cap.brokers > 0 or cap.serverless or cap.event_hubs or cap.managed:
            yield ctx.passed(
                rid,
                f"declared {role} region {cloud}/{region} has platform Kafka capacity: "
                f"{_describe(cap)}",
                nodes=cap.nodes,
                attributes=attrs,
                region=region,
            )
        elif cap.controllers and not (cap.pending or cap.unknown):
            yield ctx.failed(
                rid,
                f"declared {role} region {cloud}/{region} runs only KRaft controllers, no "
                f"broker: {_describe(cap)}",
                nodes=cap.nodes,
                attributes=attrs,
                region=region,
            )
        else:
            yield replace(
                ctx.inconclusive(
                    rid,
                    f"declared {role} region {cloud}/{region} has no serving capacity yet: "
                    f"{_describe(cap)}",
                    nodes=cap.nodes,
                    attributes=attrs,
                    region=region,
                ),
                unmodelled=_uncountable(ctx, cap),
            )


@rule(
    id="failure.secondary-capacity",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Secondary regions can carry the declared share of the primary's load",
    rationale=(
        "After failover the secondary must carry the primary's traffic; fewer brokers than "
        "declared means the failover itself causes the next outage. A cloud without its own "
        "primary is compared with another cloud's primary: brokers, vCPUs and memory compare "
        "across clouds; Event Hubs units compare only with Event Hubs units."
    ),
    remediation=(
        "Scale the secondary (broker count, Auto Scaling desired capacity) to the declared "
        "ratio, or lower failure.secondary_capacity with the risk owner's sign-off."
    ),
    requires=(*CAPACITY_SERVICES, "azure-resources", "cloudasset"),
)
def secondary_capacity(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    if decl.pattern is not Pattern.ACTIVE_PASSIVE:
        yield ctx.not_applicable(
            scope_id("aws", "*", "*"),
            f"the {decl.pattern.value} pattern has no secondary region to size",
            attributes={"pattern": decl.pattern.value},
        )
        return
    # Each cloud with declared regions is compared within itself (aws when none is).
    clouds = sorted({key.split("/", 1)[0] for key in decl.regions}) or ["aws"]
    for cloud in clouds:
        yield from _secondary_capacity(ctx, cloud)


def _secondary_capacity(ctx: RuleContext, cloud: str) -> Iterator[Judgement]:
    """Each secondary region of ``cloud`` against that cloud's primary (else another's)."""
    decl = ctx.declaration
    ratio = decl.failure.secondary_capacity
    regions = decl.regions_of(cloud)
    secondaries = sorted(r for r, role in regions.items() if role is RegionRole.SECONDARY)
    against = comparison_primary(decl, cloud)
    if against is None or not secondaries:
        yield ctx.not_applicable(
            scope_id(cloud, "*", "*"),
            f"the declaration names no {cloud.upper()} secondary region, or no primary region "
            "to compare it with, so no secondary is sized",
            attributes={"regions": {k: v.value for k, v in sorted(regions.items())}},
        )
        return
    p_cloud, primary = against
    p = capacity_by_region(ctx.graph, p_cloud).get(primary, Capacity(region=primary))
    caps = capacity_by_region(ctx.graph, cloud)
    where = "" if p_cloud == cloud else f" (the {p_cloud.upper()} primary; {cloud} declares none)"
    for region in secondaries:
        s = caps.get(region, Capacity(region=region))
        attrs: dict[str, JSONValue] = {
            "ratio": ratio,
            "primary_region": f"{p_cloud}/{primary}",
            "primary": p.attributes(),
            "secondary": s.attributes(),
            "required_brokers": ratio * p.brokers,
        }
        status, message, definite = _compare(f"{p_cloud}/{primary}", p, region, s, ratio)
        j = ctx.finding(
            status,
            scope_id(cloud, "*", region),
            message + where,
            nodes=[*p.nodes, *s.nodes],
            attributes=attrs,
            region=region,
            definite=definite,
        )
        if status is Status.INCONCLUSIVE:
            j = replace(j, unmodelled=_uncountable(ctx, p, s))
        elif status is Status.FAIL:
            j = replace(
                j,
                causes=_secondary_causes(f"{p_cloud}/{primary}", p, region, s, ratio),
                affects=tuple(p.nodes),
            )
        yield j


def _secondary_causes(
    primary: str, p: Capacity, region: str, s: Capacity, ratio: float
) -> tuple[str, ...]:
    """What to scale: the secondary's Event Hubs namespaces when their units fall short,
    its broker groups and clusters when those do (never capacity that holds)."""
    hubs = {c.resource for c in s.event_hubs}
    hubs_verdict = _event_hubs_verdict(primary, p, region, s, ratio)
    if hubs_verdict is not None and hubs_verdict[0] is Status.FAIL:
        return tuple(sorted(hubs))
    return tuple(sorted(set(s.nodes) - hubs))


def _uncountable(ctx: RuleContext, *caps: Capacity) -> str:
    """The named state that leaves capacity uncounted: clusters not serving yet (by their
    state), serverless clusters (no broker count), sizes outside the size table."""
    parts: list[str] = []
    for c in caps:
        for rid in c.pending:
            r = ctx.graph.get(rid)
            state = str((r.attributes.get("state") if r is not None else None) or "unknown")
            parts.append(f"cluster {local_id(rid)} in state {state} (not serving: no capacity)")
        parts += [f"serverless cluster {local_id(x)} (no broker count)" for x in c.serverless]
        parts += [f"size of {local_id(x)} not in the instance size table" for x in c.unsized]
        parts += [f"{local_id(x)} without a machine size the model knows" for x in c.unknown_vcpus]
    if not parts:
        parts = [
            f"capacity of {local_id(x)} (no broker count or size)" for c in caps for x in c.unknown
        ]
    return "; ".join(dict.fromkeys(parts)) or "capacity that is not counted as brokers"


def _compare(
    primary: str, p: Capacity, region: str, s: Capacity, ratio: float
) -> tuple[Status, str, bool]:
    """(status, message, definite) for secondary ``s`` against primary ``p``.

    Event Hubs units are compared per tier and apart from brokers; managed
    clusters sized in vCPUs are compared in vCPUs and memory; brokers by count
    and size.
    """
    unusable = _primary_not_comparable(primary, p, region)
    if unusable is not None:
        return Status.INCONCLUSIVE, unusable, False
    hubs = _event_hubs_verdict(primary, p, region, s, ratio)
    if hubs is not None and (hubs[0] is not Status.PASS or not (p.brokers or p.managed)):
        return hubs
    extra = f"; {hubs[1]}" if hubs is not None else ""
    if s.event_hubs and not p.event_hubs:
        extra += f"; its {len(s.event_hubs)} Event Hubs namespace(s) are counted apart"
    if s.controllers:
        extra += f"; {len(s.controllers)} KRaft controller group(s)/instance(s) are not brokers"
    if p.managed or s.managed:
        status, message, definite = _vcpu_verdict(primary, p, region, s, ratio)
    else:
        status, message, definite = _secondary_verdict(region, s, p, ratio)
    return status, message + extra, definite


def _event_hubs_verdict(
    primary: str, p: Capacity, region: str, s: Capacity, ratio: float
) -> tuple[Status, str, bool] | None:
    """Event Hubs units of each tier the primary has, in the secondary; None: none to compare."""
    if not p.event_hubs:
        return None
    have, need = s.event_hub_units(), p.event_hub_units()
    if not s.event_hubs and (s.brokers or s.managed):
        return (
            Status.INCONCLUSIVE,
            f"primary {primary} runs Event Hubs ({need}), which cannot be compared with the "
            f"brokers of {region} ({_describe(s)})",
            False,
        )
    short = [
        f"{tier} {have.get(tier, 0)} < {ratio * n:g}"
        for tier, n in need.items()
        if have.get(tier, 0) < ratio * n
    ]
    if short:
        return (
            Status.FAIL,
            f"secondary {region} has fewer Event Hubs units than {ratio:g} x primary {primary}'s "
            f"({', '.join(short)})",
            False,
        )
    return (
        Status.PASS,
        f"secondary {region} has Event Hubs units {have}, at least {ratio:g} x primary "
        f"{primary}'s {need}",
        False,
    )


def _vcpu_verdict(
    primary: str, p: Capacity, region: str, s: Capacity, ratio: float
) -> tuple[Status, str, bool]:
    """vCPUs and memory of brokers and managed clusters, where a managed cluster is involved."""
    unknown = sorted({*p.unknown_vcpus, *s.unknown_vcpus})
    if unknown or p.vcpus is None or s.vcpus is None:
        return (
            Status.INCONCLUSIVE,
            f"a managed cluster is sized in vCPUs, but the machine size of "
            f"{', '.join(local_id(x) for x in unknown)} is unknown, so {region} cannot be "
            f"compared with primary {primary} in vCPUs",
            False,
        )
    need = ratio * p.vcpus
    if s.vcpus < need:
        return (
            Status.FAIL,
            f"secondary {region} has {s.vcpus:g} vCPUs ({_describe(s)}), below {ratio:g} x "
            f"primary {primary}'s {p.vcpus:g} ({_describe(p)})",
            True,
        )
    if p.memory_gib is None or s.memory_gib is None:
        missing = sorted({*p.unknown_memory, *s.unknown_memory})
        return (
            Status.INCONCLUSIVE,
            f"secondary {region} has {s.vcpus:g} vCPUs against primary {primary}'s "
            f"{p.vcpus:g}, but the memory of {', '.join(local_id(x) for x in missing)} is "
            "unknown",
            False,
        )
    if s.memory_gib < ratio * p.memory_gib:
        return (
            Status.FAIL,
            f"secondary {region} has {s.vcpus:g} vCPUs but {s.memory_gib:g} GiB memory, below "
            f"{ratio:g} x primary {primary}'s {p.memory_gib:g} GiB",
            True,
        )
    return (
        Status.PASS,
        f"secondary {region} has {s.vcpus:g} vCPUs and {s.memory_gib:g} GiB ({_describe(s)}), "
        f"at least {ratio:g} x primary {primary}'s {p.vcpus:g} vCPUs and {p.memory_gib:g} GiB",
        False,
    )


def _primary_not_comparable(primary: str, p: Capacity, region: str) -> str | None:
    """Why the primary's capacity gives nothing to compare ``region`` with, if so."""
    if p.unknown or p.pending or p.serverless:
        return (
            f"primary {primary} capacity cannot be counted as brokers ({_describe(p)}), "
            f"so {region} cannot be compared with it"
        )
    if p.brokers == 0 and not p.managed and not p.event_hubs:
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
