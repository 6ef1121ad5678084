"""Failure path rule over the declared failover runbook.

- ``failure.runbook-resources``: every resource a declared runbook step names exists
  and is in the state the step needs: a DNS record (with the declared failover role),
  a health check (attached to a record), a replication (an enabled S3 replication
  rule ``bucket/rule-id``, or a declared replication service that is running), a
  consumer group (listed by a drill of the platform that failed over, failed back or
  resumed consumers into the step's region within ``failure.drills.max_age``, the
  window of ``failure.drill-recent``: cloud APIs cannot see Kafka consumer groups),
  an Auto Scaling group (able to scale), an MSK cluster (ACTIVE),
  a key (Enabled) or a bucket.

Verdicts use the id ``runbook:{step number}/{kind}:{name}`` (``@{state}`` when given).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import replace

from auditor.analysis.failover import (
    failover_role,
    member_running,
    member_unknown_because,
    record_fqdn,
    service_members,
)
from auditor.base.edges import HEALTH_CHECKED_BY
from auditor.boundary import RunbookResource, RunbookStep
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._drill_view import DrillView, days, evidence_note, kind_of
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

RESUMING_KINDS = frozenset({"region-failover", "failback", "resume-consumers"})
"""Drill kinds in which consumer groups resume in the target region."""


def _named(resources: list[Resource], name: str, *attrs: str) -> list[Resource]:
    out = []
    for r in resources:
        values = {r.id, r.name, *(str(r.attributes.get(a) or "") for a in attrs)}
        values |= {str(x) for x in r.attributes.get("aliases") or []}
        if name in values or fnmatch.fnmatchcase(r.id, name):
            out.append(r)
    return out


def _status(
    ctx: RuleContext, rid: str, ok: bool, message: str, found: list[Resource], **kw: object
) -> Judgement:
    nodes = [r.id for r in found]
    attrs: dict[str, JSONValue] = {"found": nodes}
    if ok:
        return ctx.passed(rid, message, nodes=nodes, attributes=attrs)
    return ctx.failed(rid, message, nodes=nodes, attributes=attrs, definite=bool(found), **kw)


def _judge(ctx: RuleContext, step: RunbookStep, n: int, res: RunbookResource) -> Judgement:
    graph = ctx.graph
    rid = f"runbook:{n}/{res.kind}:{res.name}" + (f"@{res.state}" if res.state else "")
    where = f"step {n} ({step.name}): {res.kind} {res.name}"
    want = res.state
    if res.kind == "dns_record":
        zones = ctx.declaration.failure.dns
        fqdns = {record_fqdn(res.name, z.zone) for z in zones} or {res.name.rstrip(".").lower()}
        found = [
            r
            for r in graph.of_kind(Kind.DNS_RECORD)
            if str(r.attributes.get("name") or "").lower() in fqdns
        ]
        if not found:
            return _status(ctx, rid, False, f"{where} does not exist", found)
        if want:
            match = [r for r in found if (failover_role(r) or "").upper() == want.upper()]
            if not match:
                roles = sorted({failover_role(r) or "none" for r in found})
                return _status(ctx, rid, False, f"{where} has no {want} record ({roles})", found)
            found = match
        return _status(ctx, rid, True, f"{where} exists" + (f" as {want}" if want else ""), found)
    if res.kind == "health_check":
        found = _named(graph.of_kind(Kind.HEALTH_CHECK), res.name, "health_check_id", "target")
        if not found:
            return _status(ctx, rid, False, f"{where} does not exist", found)
        attached = [r for r in found if list(graph.in_edges(r.id, HEALTH_CHECKED_BY))]
        if not attached:
            return _status(ctx, rid, False, f"{where} exists but no record uses it", found)
        return _status(ctx, rid, True, f"{where} exists and decides a record's health", attached)
    if res.kind == "replication":
        return _judge_replication(ctx, rid, where, res)
    if res.kind == "consumer_group":
        return _judge_consumer_group(ctx, rid, where, res, step)
    if res.kind == "scaling_group":
        found = _named(graph.of_kind(Kind.SCALING_GROUP), res.name, "name")
        if not found:
            return _status(ctx, rid, False, f"{where} does not exist", found)
        g = found[0]
        max_size = g.attributes.get("max_size")
        if not isinstance(max_size, int) or max_size <= 0:
            return _status(ctx, rid, False, f"{where} cannot scale (max size {max_size})", found)
        return _status(
            ctx,
            rid,
            True,
            f"{where} exists (desired {g.attributes.get('desired_capacity')}, max {max_size})",
            found,
        )
    kinds = {"kafka_cluster": Kind.KAFKA_CLUSTER, "key": Kind.KEY, "bucket": Kind.BUCKET}
    found = _named(graph.of_kind(kinds[res.kind]), res.name, "cluster_name", "key_id", "name")
    if not found:
        return _status(ctx, rid, False, f"{where} does not exist", found)
    r = found[0]
    state_attr = {"kafka_cluster": "state", "key": "key_state", "bucket": "versioning"}[res.kind]
    default = {"kafka_cluster": "ACTIVE", "key": "Enabled", "bucket": None}[res.kind]
    expected = want or default
    have = r.attributes.get(state_attr)
    if expected is None:
        return _status(ctx, rid, True, f"{where} exists", found)
    if have is None:
        return ctx.inconclusive(rid, f"{where}: its {state_attr} was not recorded", nodes=[r.id])
    if str(have).upper() != expected.upper():
        return _status(ctx, rid, False, f"{where} is {have}, not {expected}", found)
    return _status(ctx, rid, True, f"{where} is {have}", found)


def _judge_replication(ctx: RuleContext, rid: str, where: str, res: RunbookResource) -> Judgement:
    graph = ctx.graph
    svc = next((s for s in ctx.declaration.failure.replication if s.name == res.name), None)
    if svc is not None:
        members = service_members(graph, svc)
        states = {m.id: member_running(graph, m) for m in members}
        running = [m for m in members if states[m.id] is True]
        if not members:
            return _status(ctx, rid, False, f"{where} matches no resource", members)
        unknown = [m for m in members if states[m.id] is None]
        if not running and unknown:  # never counted as running, nor as stopped
            verdict = ctx.inconclusive(
                rid,
                f"{where}: whether it runs was not recorded ("
                + "; ".join(member_unknown_because(graph, m) for m in unknown[:3])
                + ")",
                nodes=[m.id for m in members],
            )
            return replace(verdict, unmodelled=f"running state of {unknown[0].kind}")
        if not running:
            return _status(ctx, rid, False, f"{where} has no running resource", members)
        return _status(ctx, rid, True, f"{where} runs on {len(running)} resource(s)", running)
    bucket_name, _, rule_id = res.name.partition("/")
    buckets = _named(graph.of_kind(Kind.BUCKET), bucket_name, "name")
    if not buckets:
        return _status(ctx, rid, False, f"{where}: bucket {bucket_name} does not exist", buckets)
    repl = buckets[0].attributes.get("replication")
    if repl is None:
        return ctx.inconclusive(
            rid, f"{where}: the replication of {bucket_name} was not read", nodes=[buckets[0].id]
        )
    rules = [
        r for r in (repl or {}).get("rules") or [] if not rule_id or str(r.get("id")) == rule_id
    ]
    if not rules:
        return _status(ctx, rid, False, f"{where}: no such replication rule", buckets)
    want = (res.state or "Enabled").upper()
    status = str(rules[0].get("status") or "").upper()
    if status != want:
        return _status(ctx, rid, False, f"{where} is {rules[0].get('status')}", buckets)
    return _status(ctx, rid, True, f"{where} is {rules[0].get('status')}", buckets)


def _judge_consumer_group(
    ctx: RuleContext, rid: str, where: str, res: RunbookResource, step: RunbookStep
) -> Judgement:
    """A consumer group resumed in a recent drill of this platform (into the step's region)."""
    view = DrillView(ctx.graph, ctx.declaration)
    drills = view.matching(kinds=RESUMING_KINDS, to_region=step.region)
    listing = [d for d in drills if res.name in _offset_gaps(d)]
    recent = view.newest_recent(listing)
    into = f" into {step.region}" if step.region else ""
    if recent is not None:
        gap = _offset_gaps(recent)[res.name]
        return ctx.passed(
            rid,
            f"{where} resumed{into} in {kind_of(recent)} drill {recent.name} "
            f"({days(view.age(recent) or 0.0)} before the scan) with an offset gap of {gap}; "
            f"{evidence_note(recent)}",
            nodes=[recent.id],
            attributes={"drill": recent.id, "offset_gap": gap},
        )
    if listing:
        stale = listing[0]
        age = view.age(stale)
        why = (
            f"the newest drill listing it, {stale.name}, ended "
            + (f"{days(age)} before the scan" if age is not None else "at an unknown time")
            + f", outside failure.drills.max_age ({days(view.settings.max_age)})"
        )
    else:
        why = f"no recorded drill of {ctx.declaration.name}{into} lists it" + view.exclusion_note()
    judgement = ctx.inconclusive(
        rid,
        f"{where}: consumer groups are not visible to cloud APIs and {why}",
        nodes=[d.id for d in listing],
    )
    return replace(judgement, unmodelled="Kafka consumer groups (not visible to cloud APIs)")


def _offset_gaps(drill: Resource) -> dict[str, JSONValue]:
    m = drill.attributes.get("measurements")
    gaps = m.get("consumer_offset_gap") if isinstance(m, dict) else None
    return dict(gaps) if isinstance(gaps, dict) else {}


@rule(
    id="failure.runbook-resources",
    path=PathName.FAILURE,
    severity=Severity.MEDIUM,
    title="Every resource the failover runbook names exists in the right state",
    rationale=(
        "A runbook step that names a record, health check or replication that is gone or "
        "disabled fails in the middle of the incident it was written for."
    ),
    remediation=(
        "Fix the resource or the runbook: the declaration's failure.runbook steps must name "
        "what exists today."
    ),
    requires=("route53", "s3", "autoscaling", "msk", "kms", "ec2-compute"),
)
def runbook_resources(ctx: RuleContext) -> Iterator[Judgement]:
    steps = ctx.declaration.failure.runbook
    if not steps:
        yield ctx.not_applicable(
            scope_id("aws", "*", "*"),
            "the declaration lists no failover runbook steps (failure.runbook), so none is checked",
        )
        return
    for n, step in enumerate(steps, start=1):
        if not step.resources:
            yield ctx.not_applicable(
                f"runbook:{n}", f"step {n} ({step.name}) names no resource to check"
            )
        for res in step.resources:
            yield _judge(ctx, step, n, res)
