"""Failure path rule: the platform has recently run every kind of drill its pattern needs.

- ``failure.drill-coverage``: for each drill kind the declaration requires
  (``failure.drills.required``, or by default what a multi-region Kafka boundary
  review expects: kill a broker, break a permission, rotate credentials, resume
  consumers in the other region; fail back when a region is primary; pause
  replication for active-passive and active-active), a counted drill of that kind
  ended within ``failure.drills.max_age``. Region failovers are judged per region by
  ``failure.drill-recent``; whether each drill met its thresholds, by
  ``failure.drill-objectives``.

Verdicts use the id ``drill-kind:{kind}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.boundary import Declaration, Drills, RegionRole
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._drill_view import DrillView, days, evidence_note
from auditor.model import JSONValue, PathName, Severity
from auditor.normalize.drills import DRILL_SERVICE

_ALWAYS = ("kill-broker", "break-permission", "rotate-credentials", "resume-consumers")


def required_kinds(decl: Declaration) -> list[str]:
    """The drill kinds the declaration needs, in a stable order."""
    settings = decl.failure.drills or Drills()
    if settings.required is not None:
        return sorted(set(settings.required))
    kinds = set(_ALWAYS)
    if any(role is RegionRole.PRIMARY for role in decl.regions.values()):
        kinds.add("failback")
    if decl.pattern.value in ("active-passive", "active-active"):
        kinds.add("pause-replication")
    return sorted(kinds)


def _why_required(decl: Declaration, kind: str) -> str:
    if (decl.failure.drills or Drills()).required is not None:
        return "failure.drills.required lists it"
    if kind == "failback":
        return "a primary region must be failed back to"
    if kind == "pause-replication":
        return f"the {decl.pattern.value} pattern depends on replication between regions"
    return f"every {decl.pattern.value} platform needs it"


@rule(
    id="failure.drill-coverage",
    path=PathName.FAILURE,
    severity=Severity.MEDIUM,
    title="Every kind of drill the platform needs was run recently",
    rationale=(
        "A region failover is one of several failures a multi-region Kafka platform must "
        "survive: a lost broker, paused replication, a broken permission, rotated "
        "credentials, consumers resuming in the other region and the failback each need "
        "their own recorded test."
    ),
    remediation=(
        "Run the missing drill kind, record it with `auditor drill record` (field `kind`), "
        "and repeat it within failure.drills.max_age; or narrow failure.drills.required "
        "with a reason."
    ),
    requires=(DRILL_SERVICE,),
)
def drill_coverage(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    view = DrillView(ctx.graph, decl)
    kinds = required_kinds(decl)
    if not kinds:
        yield ctx.not_applicable(
            "drill-kind:*", "failure.drills.required is empty: no drill kind is required"
        )
        return
    max_age = view.settings.max_age
    # One cause for every missing kind: the drill record must gain them (one finding).
    cause = (f"drill-kinds:{view.catalog.id if view.catalog else 'none'}",)
    for kind in kinds:
        rid = f"drill-kind:{kind}"
        drills = view.matching(kinds=(kind,))
        recent = view.newest_recent(drills)
        attrs: dict[str, JSONValue] = {
            **view.base_attributes(),
            "kind": kind,
            "required_because": _why_required(decl, kind),
            "drills": [view.drill_json(d) for d in drills],
        }
        nodes = [*([view.catalog.id] if view.catalog else []), *(d.id for d in drills)]
        if view.catalog is None:
            yield replace(
                ctx.failed(
                    rid,
                    f"no drill evidence was loaded, so no {kind} drill is recorded "
                    f"({_why_required(decl, kind)})",
                    attributes=attrs,
                ),
                causes=cause,
            )
        elif recent is not None:
            a = recent.attributes
            yield ctx.passed(
                rid,
                f"{kind} drill {recent.name} ({a.get('from_region')} -> {a.get('to_region')}) "
                f"ended {a.get('ended')}, {days(view.age(recent) or 0.0)} before the scan "
                f"(within {days(max_age)}); {evidence_note(recent)}",
                nodes=[view.catalog.id, recent.id],
                attributes=attrs,
            )
        elif not drills:
            yield replace(
                ctx.failed(
                    rid,
                    f"no {kind} drill is recorded in {view.settings.path} "
                    f"({_why_required(decl, kind)}){view.exclusion_note()}",
                    nodes=nodes,
                    attributes=attrs,
                ),
                causes=cause,
            )
        else:
            age = view.age(drills[0])
            when = f"{days(age)} before the scan" if age is not None else "at an unknown time"
            yield replace(
                ctx.failed(
                    rid,
                    f"the newest {kind} drill, {drills[0].name}, ended {when}, outside the "
                    f"declared maximum of {days(max_age)}",
                    nodes=nodes,
                    attributes=attrs,
                ),
                causes=cause,
            )
