"""Failure path rules over recorded failover drills (resources of kind ``drill``).

- ``failure.drill-recent``: each region that must take over (each secondary in
  active-passive, every region otherwise) has a recorded drill failing over into it
  that ended within ``failure.drills.max_age`` of the scan. No drill, or only stale
  ones, is a FAIL: an untested failover is not evidence. Regions of every cloud are
  judged; a drill names its target as a region key (``azure/northeurope``).
- ``failure.drill-objectives``: the newest such recent drill succeeded, ran every
  step, and measured a recovery time within the RTO and a data loss within the RPO.

Drills come from the declaration's drills folder (see :mod:`auditor.normalize.drills`);
their age is measured to the end of the drill catalog's ``as_of`` date (the scan's
UTC date), so an offline re-evaluation of a bundle gives the same verdicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.analysis.failover import dependent_region_keys
from auditor.boundary import Drills
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Resource, Severity
from auditor.normalize.drills import (
    CATALOG_KIND,
    DRILL_KIND,
    DRILL_SERVICE,
    as_of_instant,
    number,
    parse_time,
)


def _days(seconds: float) -> str:
    return f"{seconds / 86400:.1f} days"


class DrillView:
    """The drills of a graph, as the rules see them."""

    def __init__(self, ctx: RuleContext) -> None:
        decl = ctx.declaration
        self.settings = decl.failure.drills or Drills()
        self.catalogs = ctx.graph.of_kind(CATALOG_KIND)
        self.catalog = self.catalogs[0] if self.catalogs else None
        self.as_of = as_of_instant(self.catalog.attributes.get("as_of")) if self.catalog else None
        all_drills = ctx.graph.of_kind(DRILL_KIND)
        self.name = decl.name
        self.drills = [d for d in all_drills if d.attributes.get("platform") == decl.name]
        self.foreign = [d.id for d in all_drills if d not in self.drills]

    def foreign_note(self) -> str:
        """Why drills in the folder were not counted: they name another platform."""
        if not self.foreign:
            return ""
        return (
            f" ({len(self.foreign)} drill(s) there record another platform than "
            f"{self.name!r}, the declaration's name: {', '.join(sorted(self.foreign))})"
        )

    def into(self, cloud: str, region: str) -> list[Resource]:
        """Drills failing over into ``cloud``/``region``, newest end first."""
        key = f"{cloud}/{region}"
        found = [d for d in self.drills if d.attributes.get("to_region") == key]
        return sorted(
            found,
            key=lambda d: (str(d.attributes.get("ended") or ""), d.id),
            reverse=True,
        )

    def age(self, drill: Resource) -> float | None:
        ended = parse_time(drill.attributes.get("ended"))
        if ended is None or self.as_of is None:
            return None
        return (self.as_of - ended).total_seconds()

    def recent(self, cloud: str, region: str) -> tuple[Resource | None, list[Resource]]:
        """The newest drill into ``region`` within max age, and every drill into it."""
        drills = self.into(cloud, region)
        for d in drills:
            age = self.age(d)
            if age is not None and 0 <= age <= self.settings.max_age:
                return d, drills
        return None, drills

    def base_attributes(self) -> dict[str, JSONValue]:
        return {
            "drills_path": self.settings.path,
            "max_age_seconds": self.settings.max_age,
            "as_of": self.catalog.attributes.get("as_of") if self.catalog else None,
            "folder_exists": self.catalog.attributes.get("exists") if self.catalog else None,
            "drills_for_other_platforms": self.foreign,
        }


def _no_catalog(ctx: RuleContext) -> Judgement:
    return ctx.failed(
        scope_id("aws", "*", "*"),
        "no drill evidence was loaded (the inventory has no drill catalog): record drills "
        "with `auditor drill record` and scan with the declaration file",
        definite=True,
    )


def _drill_json(view: DrillView, d: Resource) -> dict[str, JSONValue]:
    a = d.attributes
    age = view.age(d)
    return {
        "id": d.id,
        "started": a.get("started"),
        "ended": a.get("ended"),
        "from_region": a.get("from_region"),
        "outcome": a.get("outcome"),
        "age_seconds": age,
        "recovery_time_seconds": a.get("recovery_time_seconds"),
        "data_loss_seconds": a.get("data_loss_seconds"),
    }


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
    view = DrillView(ctx)
    if view.catalog is None:
        yield _no_catalog(ctx)
        return
    yield from _invalid_files(ctx, view)
    for cloud, region in dependent_region_keys(ctx.declaration):
        rid = scope_id(cloud, "*", region)
        recent, drills = view.recent(cloud, region)
        attrs: dict[str, JSONValue] = {
            **view.base_attributes(),
            "drills": [_drill_json(view, d) for d in drills],
        }
        nodes = [view.catalog.id, *(d.id for d in drills)]
        max_age = view.settings.max_age
        if recent is not None:
            age = view.age(recent) or 0.0
            yield ctx.passed(
                rid,
                f"drill {recent.name} failed over into {region}, ended "
                f"{recent.attributes.get('ended')} ({_days(age)} before the scan, within "
                f"{_days(max_age)})",
                nodes=[view.catalog.id, recent.id],
                attributes=attrs,
                region=region,
            )
        elif not drills:
            yield ctx.failed(
                rid,
                f"no failover drill into {region} is recorded in {view.settings.path}"
                + ("" if view.catalog.attributes.get("exists") else " (the folder does not exist)")
                + view.foreign_note(),
                nodes=nodes,
                attributes=attrs,
                region=region,
                definite=True,
            )
        else:
            newest = drills[0]
            newest_age = view.age(newest)
            when = (
                f"{_days(newest_age)} before the scan"
                if newest_age is not None
                else "at an unknown time"
            )
            yield ctx.failed(
                rid,
                f"the newest drill into {region}, {newest.name}, ended {when}: older than "
                f"the declared maximum of {_days(max_age)}"
                if newest_age is None or newest_age > 0
                else f"the newest drill into {region}, {newest.name}, ends after the scan",
                nodes=nodes,
                attributes=attrs,
                region=region,
                definite=True,
            )


def _invalid_files(ctx: RuleContext, view: DrillView) -> Iterator[Judgement]:
    assert view.catalog is not None
    for item in view.catalog.attributes.get("invalid") or []:
        yield ctx.failed(
            f"drill-file:{view.settings.path}/{item.get('file')}",
            f"{item.get('file')} in {view.settings.path} is not a valid drill record: "
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


@rule(
    id="failure.drill-objectives",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="The latest drill met the RTO and RPO",
    rationale=(
        "The recovery objectives are claims until a failover measures them: the recorded "
        "recovery time and data loss must fit the declared RTO and RPO."
    ),
    remediation=(
        "Find what made the drill slow or lossy (DNS TTL, scaling, replication lag, manual "
        "steps), fix it, and run and record the drill again."
    ),
    requires=(DRILL_SERVICE,),
)
def drill_objectives(ctx: RuleContext) -> Iterator[Judgement]:
    view = DrillView(ctx)
    if view.catalog is None:
        yield _no_catalog(ctx)
        return
    decl = ctx.declaration
    rto, rpo = decl.objectives.rto, decl.objectives.rpo
    for cloud, region in dependent_region_keys(decl):
        rid = scope_id(cloud, "*", region)
        drill, drills = view.recent(cloud, region)
        if drill is None:
            yield ctx.failed(
                rid,
                f"no drill into {region} within {_days(view.settings.max_age)} measures the "
                "RTO and RPO (see failure.drill-recent)",
                nodes=[view.catalog.id, *(d.id for d in drills)],
                attributes=view.base_attributes(),
                region=region,
                definite=True,
            )
            continue
        a = drill.attributes
        recovery = number(a, "recovery_time_seconds")
        loss = number(a, "data_loss_seconds")
        raw_m = a.get("measurements")
        m: dict[str, JSONValue] = dict(raw_m) if isinstance(raw_m, dict) else {}
        attrs: dict[str, JSONValue] = {
            **_drill_json(view, drill),
            "rto_seconds": rto,
            "rpo_seconds": rpo,
            "dns_switch_seconds": m.get("dns_switch_seconds"),
            "client_errors": m.get("client_errors"),
            "consumer_offset_gap": m.get("consumer_offset_gap"),
            "steps": a.get("steps"),
            "run_by": a.get("run_by"),
        }
        problems: list[str] = []
        if a.get("outcome") != "succeeded":
            problems.append(f"its outcome was {a.get('outcome')}")
        failed = _failed_steps(drill)
        if failed:
            problems.append(f"step(s) failed: {', '.join(failed)}")
        if recovery is None or loss is None:
            problems.append("it records no recovery time or data loss")
        else:
            if recovery > rto:
                problems.append(f"recovery took {recovery:g}s, over the RTO of {rto}s")
            if loss > rpo:
                problems.append(f"it lost {loss:g}s of data, over the RPO of {rpo}s")
        if problems:
            yield ctx.failed(
                rid,
                f"drill {drill.name} into {region}: {'; '.join(problems)}",
                nodes=[view.catalog.id, drill.id],
                attributes=attrs,
                region=region,
                definite=True,
            )
        else:
            yield ctx.passed(
                rid,
                f"drill {drill.name} into {region} recovered in {recovery:g}s (RTO {rto}s) "
                f"losing {loss:g}s of data (RPO {rpo}s)",
                nodes=[view.catalog.id, drill.id],
                attributes=attrs,
                region=region,
            )
