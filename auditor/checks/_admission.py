"""The firewall rules in front of the platform's Kafka listeners, gathered once per rule.

Shared by ``network.client-sources`` (who can reach a listener) and
``network.open-firewall`` (what the rules say, whatever the paths): both judge
one verdict per rule holder (security group, NSG, GCP firewall rule, Event Hubs
namespace) over the sources it admits
(:func:`auditor.analysis.network.client_admission.admission`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import EXPOSABLE_KINDS, label, local_id
from auditor.analysis.network.client_admission import Admitted, ClientAdmission, admission
from auditor.base.edges import PROTECTED_BY
from auditor.checks import Judgement, RuleContext
from auditor.checks.engine import scope_id
from auditor.model import Kind, Resource


@dataclass(frozen=True, kw_only=True, slots=True)
class Held:
    """One rule holder and what it admits on the Kafka ports."""

    holder: Resource
    protects: tuple[str, ...]
    """The platform resources it filters (the holder itself when selected alone)."""
    admitted: tuple[Admitted, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Gathered:
    """Every holder in front of the platform, and the verdicts the gathering itself gives."""

    held: tuple[Held, ...]
    early: tuple[Judgement, ...]
    """NOT_APPLICABLE / INCONCLUSIVE / PASS verdicts on platform resources (no holder)."""


def listener(r: Resource) -> bool:
    """What can listen on a port (Azure scale sets carry their instances' NICs)."""
    return r.kind in EXPOSABLE_KINDS or (r.cloud == "azure" and r.kind == Kind.SCALING_GROUP)


def platform_scope(platform: Sequence[Resource]) -> str:
    """The scope of a verdict about the whole platform: its own cloud, so that its gaps
    apply (a platform across clouds gets cloud ``*``: every cloud's gaps apply to it)."""
    clouds = sorted({r.cloud for r in platform})
    return scope_id(clouds[0] if len(clouds) == 1 else "*", "*", "*")


def no_platform(ctx: RuleContext) -> Judgement:
    """INCONCLUSIVE: the declaration's platform selector matched nothing collected."""
    j = ctx.inconclusive(
        scope_id("aws", "*", "*"),
        "the platform selector matched no collected resource",
        attributes={"selector": ctx.declaration.platform.select.model_dump()},
    )
    return replace(
        j, unmodelled="a platform the declaration's selector matches no collected resource of"
    )


def with_links(
    j: Judgement, *, causes: Sequence[str] = (), affects: Sequence[str] = ()
) -> Judgement:
    """``j`` naming the resources to change and the platform resources it affects."""
    return replace(j, causes=tuple(dict.fromkeys(causes)), affects=tuple(dict.fromkeys(affects)))


def gather(ctx: RuleContext, ports: Sequence[int]) -> Gathered:
    """The rule holders of every platform listener (and selected firewall) on ``ports``."""
    platform = platform_resources(ctx.graph)
    if not platform:
        return Gathered(held=(), early=(no_platform(ctx),))
    early: list[Judgement] = []
    holders: dict[str, Resource] = {}
    protects: dict[str, list[str]] = {}
    admitted: dict[str, list[Admitted]] = {}
    judged = [r for r in platform if listener(r) or r.kind == Kind.FIREWALL]
    for res in judged:
        found = admission(ctx.graph, res, ports)
        if found.not_judged:
            early.append(ctx.not_applicable(res.id, f"{label(res)}: {found.not_judged}"))
            continue
        early += _listener_verdicts(ctx, res, found, ports)
        for h in found.holders:
            holders[h.id] = h
            protects.setdefault(h.id, [])
            if res.id != h.id:
                protects[h.id].append(res.id)
            admitted.setdefault(h.id, [])
        for a in found.admitted:
            if a not in admitted.setdefault(a.holder, []):
                admitted[a.holder].append(a)
    for hid, h in holders.items():
        if h.cloud == "aws":  # a group selected alone filters whatever it is attached to
            protects[hid].extend(
                r.id for r in ctx.graph.sources(hid, PROTECTED_BY) if r.id not in protects[hid]
            )
    held = tuple(
        Held(
            holder=holders[k],
            protects=tuple(sorted(set(protects[k]))),
            admitted=tuple(admitted[k]),
        )
        for k in sorted(holders)
    )
    early += _nothing_admitted(ctx, platform, judged, held, early)
    return Gathered(held=held, early=tuple(early))


def _nothing_admitted(
    ctx: RuleContext,
    platform: Sequence[Resource],
    judged: Sequence[Resource],
    held: tuple[Held, ...],
    early: Sequence[Judgement],
) -> list[Judgement]:
    """Nothing to judge: no AWS group protects the platform, or nothing could admit."""
    out: list[Judgement] = []
    aws = [r for r in judged if r.cloud == "aws"]
    if (
        aws
        and not any(h.holder.cloud == "aws" for h in held)
        and not any(j.resource in {r.id for r in aws} for j in early)
    ):
        out.append(
            ctx.nothing_to_judge(
                platform_scope(aws),
                "no security group protects a platform resource, so no rule opens a Kafka port",
                attributes={"platform": [r.id for r in aws]},
            )
        )
    if not judged:
        out.append(
            ctx.nothing_to_judge(
                platform_scope(platform),
                "the platform has no instance, network interface, load balancer, Kafka "
                "cluster or firewall whose rules could admit a Kafka client",
                attributes={"platform": [r.id for r in platform]},
            )
        )
    return out


def _listener_verdicts(
    ctx: RuleContext, res: Resource, found: ClientAdmission, ports: Sequence[int]
) -> list[Judgement]:
    """What one listener's admission says before its holders are judged."""
    out: list[Judgement] = []
    if found.missing:
        why = found.reason or f"{', '.join(found.missing)} not collected"
        j = ctx.inconclusive(
            res.id,
            f"cannot tell who reaches the Kafka ports of {label(res)}: {why}",
            attributes={"missing": list(found.missing)},
            depends_on=list(found.missing),
        )
        out.append(replace(j, unmodelled=f"{', '.join(found.missing)} (not collected)"))
    if res.cloud != "aws" and not found.holders and not found.missing:
        out.append(
            ctx.passed(
                res.id,
                f"no firewall rule admits traffic to the Kafka ports of {label(res)}",
                attributes={"kafka_ports": list(ports)},
            )
        )
    return out


def holder_name(h: Resource) -> str:
    """How a verdict names a rule holder."""
    if h.kind == Kind.FIREWALL:
        if h.cloud == "azure":
            return f"NSG {h.name}"
        if h.cloud == "gcp":
            return f"firewall rule {h.name}"
        return f"security group {h.name or local_id(h.id)}"
    return label(h)


def sources_text(xs: Sequence[Admitted]) -> str:
    return ", ".join(sorted({f"{a.source} by {a.rule}" for a in xs}))
