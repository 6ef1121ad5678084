"""Failure path rules over recorded drills (resources of kind ``drill``).

- ``failure.drill-recent``: each region that must take over (each secondary in
  active-passive, every region otherwise) has a recorded failover drill into it (a
  region failover, or a failback) that ended within ``failure.drills.max_age`` of the
  scan. No drill, or only stale ones, is a FAIL: an untested failover is not
  evidence. Regions of every cloud are judged (a drill names ``azure/northeurope``).
- ``failure.drill-objectives``: the newest such recent drill into each of those
  regions, and the newest recent drill of every other kind and route, succeeded, ran
  every step, recovered within the RTO, lost no more than the RPO, and kept within
  the drill thresholds (``failure.drills.thresholds`` / ``by_kind``: DNS switch and
  replication lag default to the RTO and RPO; client errors and the consumer offset
  gap are judged when a limit is declared). Its claims must hold against the
  collected estate: declared regions, existing DNS records and health checks.

Every verdict says what vouches for the drill: a signature verified against a
trusted key, or only the drill's author (a self-report).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from auditor.analysis.failover import dependent_region_keys
from auditor.boundary import Declaration, DrillThresholds
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._drill_claims import check_claims
from auditor.checks._drill_view import DrillView, days, evidence_note, kind_of
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Resource, Severity
from auditor.normalize.drills import DRILL_SERVICE, FAILOVER_KINDS, KIND_MEASURES, number


def missing_drill(j: Judgement) -> Judgement:
    """A FAIL for want of a recent failover drill: the cloud's drill record is the cause
    (record failovers into its regions), shared by failure.drill-recent and
    failure.drill-objectives, so the two rules' verdicts are one finding per cloud."""
    cloud = j.resource.removeprefix("scope:").split("/", 1)[0]
    return replace(j, causes=(f"drill-record:{cloud}",))


def _no_catalog(ctx: RuleContext) -> Judgement:
    return missing_drill(
        ctx.failed(
            scope_id("aws", "*", "*"),
            "no drill evidence was loaded (the inventory has no drill catalog): record drills "
            "with `auditor drill record` and scan with the declaration file",
            definite=True,
        )
    )


@rule(
    id="failure.drill-recent",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="A recent failover drill into each failover region is recorded",
    rationale=(
        "A runbook that has never met a real failure is only a draft: the failover claim "
        "needs a recorded test, recent enough to reflect today's estate."
    ),
    remediation=(
        "Run a failover drill into the region, record it with `auditor drill record` "
        "(it lands in failure.drills.path), and repeat it within failure.drills.max_age."
    ),
    requires=(DRILL_SERVICE,),
)
def drill_recent(ctx: RuleContext) -> Iterator[Judgement]:
    view = DrillView(ctx.graph, ctx.declaration)
    if view.catalog is None:
        yield _no_catalog(ctx)
        return
    yield from _invalid_files(ctx, view)
    for cloud, region in dependent_region_keys(ctx.declaration):
        rid = scope_id(cloud, "*", region)
        recent, drills = view.recent(cloud, region)
        attrs: dict[str, JSONValue] = {
            **view.base_attributes(),
            "drills": [view.drill_json(d) for d in drills],
        }
        nodes = [view.catalog.id, *(d.id for d in drills)]
        max_age = view.settings.max_age
        if recent is not None:
            age = view.age(recent) or 0.0
            yield ctx.passed(
                rid,
                f"{kind_of(recent)} drill {recent.name} failed over into {region}, ended "
                f"{recent.attributes.get('ended')} ({days(age)} before the scan, within "
                f"{days(max_age)}); {evidence_note(recent)}",
                nodes=[view.catalog.id, recent.id],
                attributes=attrs,
                region=region,
            )
        elif not drills:
            yield missing_drill(
                ctx.failed(
                    rid,
                    f"no failover drill into {region} is recorded in {view.settings.path}"
                    + (
                        ""
                        if view.catalog.attributes.get("exists")
                        else " (the folder does not exist)"
                    )
                    + view.exclusion_note(),
                    nodes=nodes,
                    attributes=attrs,
                    region=region,
                    definite=True,
                )
            )
        else:
            newest = drills[0]
            newest_age = view.age(newest)
            when = (
                f"{days(newest_age)} before the scan"
                if newest_age is not None
                else "at an unknown time"
            )
            yield missing_drill(
                ctx.failed(
                    rid,
                    f"the newest drill into {region}, {newest.name}, ended {when}: older than "
                    f"the declared maximum of {days(max_age)}"
                    if newest_age is None or newest_age > 0
                    else f"the newest drill into {region}, {newest.name}, ends after the scan",
                    nodes=nodes,
                    attributes=attrs,
                    region=region,
                    definite=True,
                )
            )


def _invalid_files(ctx: RuleContext, view: DrillView) -> Iterator[Judgement]:
    assert view.catalog is not None
    for item in view.catalog.attributes.get("invalid") or []:
        yield ctx.failed(
            f"drill-file:{view.settings.path}/{item.get('file')}",
            f"{item.get('file')} in {view.settings.path} is not a valid drill record (refused): "
            f"{item.get('error')}",
            nodes=[view.catalog.id],
            attributes={"file": item.get("file"), "error": item.get("error")},
            definite=True,
        )


def _failed_steps(drill: Resource) -> Sequence[str]:
    steps = drill.attributes.get("steps") or []
    return [
        str(s.get("name")) for s in steps if isinstance(s, dict) and s.get("result") == "failed"
    ]


def _measurements(drill: Resource) -> dict[str, JSONValue]:
    raw = drill.attributes.get("measurements")
    return dict(raw) if isinstance(raw, dict) else {}


def _client_errors(m: dict[str, JSONValue]) -> int | None:
    raw = m.get("client_errors")
    if not isinstance(raw, dict):
        return None
    values = [v for v in (raw.get("producer"), raw.get("consumer")) if isinstance(v, int)]
    return sum(values) if values else None


def _largest_gap(m: dict[str, JSONValue]) -> tuple[str, int] | None:
    raw = m.get("consumer_offset_gap")
    if not isinstance(raw, dict):
        return None
    gaps = [(str(g), v) for g, v in raw.items() if isinstance(v, int)]
    return max(gaps, key=lambda gv: (gv[1], gv[0])) if gaps else None


def judge_measurements(
    decl: Declaration, drill: Resource
) -> tuple[list[str], list[str], dict[str, JSONValue]]:
    """(problems, notes, thresholds used) of one drill's measurements."""
    kind = kind_of(drill)
    drills = decl.failure.drills
    limits = drills.limits(kind) if drills is not None else DrillThresholds()
    rto, rpo = decl.objectives.rto, decl.objectives.rpo
    a, m = drill.attributes, _measurements(drill)
    problems: list[str] = []
    notes: list[str] = []
    missing = [k for k in KIND_MEASURES.get(kind, ()) if m.get(k) is None]
    if missing:
        problems.append(f"a {kind} drill must measure {', '.join(missing)}")
    recovery = number(a, "recovery_time_seconds")
    if recovery is None:
        problems.append("it records no recovery time")
    elif recovery > rto:
        problems.append(f"recovery took {recovery:g}s, over the RTO of {rto}s")
    loss = number(a, "data_loss_seconds")
    if loss is None and kind in FAILOVER_KINDS:
        problems.append("it records no data loss")
    elif loss is not None and loss > rpo:
        problems.append(f"it lost {loss:g}s of data, over the RPO of {rpo}s")
    lag_limit = limits.replication_lag if limits.replication_lag is not None else rpo
    lag = number(m, "replication_lag_seconds")
    if lag is not None and lag > lag_limit:
        problems.append(f"replication lag reached {lag:g}s, over the limit of {lag_limit}s")
    dns_limit = limits.dns_switch if limits.dns_switch is not None else rto
    dns = number(m, "dns_switch_seconds")
    if dns is not None and dns > dns_limit:
        problems.append(f"the DNS switch took {dns:g}s, over the limit of {dns_limit}s")
    errors = _client_errors(m)
    if errors is not None:
        if limits.client_errors is None:
            notes.append(
                f"{errors} client errors not judged (no failure.drills.thresholds.client_errors)"
            )
        elif errors > limits.client_errors:
            problems.append(
                f"clients saw {errors} errors, over the limit of {limits.client_errors}"
            )
    gap = _largest_gap(m)
    if gap is not None:
        if limits.consumer_offset_gap is None:
            notes.append(
                f"consumer offset gap {gap[1]} ({gap[0]}) not judged "
                "(no failure.drills.thresholds.consumer_offset_gap)"
            )
        elif gap[1] > limits.consumer_offset_gap:
            problems.append(
                f"consumer group {gap[0]} resumed {gap[1]} messages off, over the limit of "
                f"{limits.consumer_offset_gap}"
            )
    used: dict[str, JSONValue] = {
        "rto_seconds": rto,
        "rpo_seconds": rpo,
        "replication_lag_seconds": lag_limit,
        "dns_switch_seconds": dns_limit,
        "client_errors": limits.client_errors,
        "consumer_offset_gap": limits.consumer_offset_gap,
    }
    return problems, notes, used


def _judge(ctx: RuleContext, view: DrillView, rid: str, drill: Resource, region: str) -> Judgement:
    a = drill.attributes
    problems: list[str] = []
    if a.get("outcome") != "succeeded":
        problems.append(f"its outcome was {a.get('outcome')}")
    failed = _failed_steps(drill)
    if failed:
        problems.append(f"step(s) failed: {', '.join(failed)}")
    measured, notes, limits = judge_measurements(ctx.declaration, drill)
    problems += measured
    claims = check_claims(ctx.graph, ctx.declaration, drill)
    problems += [f"contradicted by the estate: {c}" for c in claims.contradictions]
    notes += [f"not cross-checked: {u}" for u in claims.unchecked]
    if claims.matched and not claims.contradictions:
        notes.append(f"the records and health checks it names exist ({len(claims.matched)} found)")
    m = _measurements(drill)
    attrs: dict[str, JSONValue] = {
        **view.drill_json(drill),
        "thresholds": limits,
        "measurements": m,
        "steps": a.get("steps"),
        "run_by": a.get("run_by"),
        "claims_matched": list(claims.matched),
        "claims_contradicted": list(claims.contradictions),
        "claims_unchecked": list(claims.unchecked),
    }
    nodes = [view.catalog.id if view.catalog else "", drill.id, *claims.matched]
    head = f"{kind_of(drill)} drill {drill.name} ({a.get('from_region')} -> {a.get('to_region')})"
    tail = "; ".join([*notes, evidence_note(drill)])
    if problems:
        return ctx.failed(
            rid,
            f"{head}: {'; '.join(problems)} ({tail})",
            nodes=[n for n in nodes if n],
            attributes=attrs,
            region=region,
            definite=True,
        )
    rec, loss = number(a, "recovery_time_seconds") or 0.0, number(a, "data_loss_seconds")
    lost = (
        f", losing {loss:g}s of data (RPO {ctx.declaration.objectives.rpo}s)"
        if loss is not None
        else ""
    )
    return ctx.passed(
        rid,
        f"{head} recovered in {rec:g}s (RTO {ctx.declaration.objectives.rto}s){lost}, within "
        f"the drill thresholds ({tail})",
        nodes=[n for n in nodes if n],
        attributes=attrs,
        region=region,
    )


@rule(
    id="failure.drill-objectives",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="The latest drills met the RTO, the RPO and the drill thresholds",
    rationale=(
        "The recovery objectives are claims until a test measures them: each drill's "
        "recovery time, data loss, DNS switch, replication lag, client errors and consumer "
        "offset gap must fit the declared objectives and thresholds, and what it says it "
        "touched must exist."
    ),
    remediation=(
        "Find what made the drill slow, lossy or noisy (DNS TTL, scaling, replication lag, "
        "offset sync, manual steps), fix it, and run and record the drill again; correct a "
        "drill record whose regions, records or health checks do not match the estate."
    ),
    requires=(DRILL_SERVICE,),
)
def drill_objectives(ctx: RuleContext) -> Iterator[Judgement]:
    view = DrillView(ctx.graph, ctx.declaration)
    if view.catalog is None:
        yield _no_catalog(ctx)
        return
    judged: set[str] = set()
    for cloud, region in dependent_region_keys(ctx.declaration):
        rid = scope_id(cloud, "*", region)
        drill, drills = view.recent(cloud, region)
        if drill is None:
            yield missing_drill(
                ctx.failed(
                    rid,
                    f"no failover drill into {region} within {days(view.settings.max_age)} "
                    "measures the RTO and RPO (see failure.drill-recent)",
                    nodes=[view.catalog.id, *(d.id for d in drills)],
                    attributes=view.base_attributes(),
                    region=region,
                    definite=True,
                )
            )
            continue
        judged.add(drill.id)
        yield _judge(ctx, view, rid, drill, region)
    routes: dict[tuple[str, str, str], Resource] = {}
    seen: set[tuple[str, str, str]] = set()
    for d in view.matching(kinds=KIND_MEASURES):  # newest first: one drill per route
        a = d.attributes
        key = (kind_of(d), str(a.get("from_region")), str(a.get("to_region")))
        if key in seen or not view.is_recent(d):
            continue
        seen.add(key)
        if d.id not in judged:
            routes[key] = d
    for (_kind, _src, dst), d in sorted(routes.items()):
        yield _judge(ctx, view, d.id, d, dst.partition("/")[2])
