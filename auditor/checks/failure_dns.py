"""Failure path rules about the declared DNS failover records.

- ``failure.dns-failover-records``: each declared record name has a PRIMARY and a
  SECONDARY failover record (when ``routing: failover``), or records of the declared
  routing otherwise.
- ``failure.dns-health-checks``: the PRIMARY record carries a health check that
  exists (when ``health_check: required``).
- ``failure.dns-ttl``: the TTL of those records, plus the time the PRIMARY's health
  check takes to declare it down (failure threshold x request interval), fits the RTO.

Each declared zone is looked up in its ``cloud`` (any cloud when unset); what each
cloud's records mean:

- **Route53**: failover records (PRIMARY/SECONDARY), a health check or an alias that
  evaluates target health; detection is failure threshold x request interval. An
  alias answers with its target's TTL (:mod:`auditor.checks._dns_ttl`).
- **Azure Traffic Manager** (the profile's DNS name is the zone): priority routing is
  failover routing (lowest priority enabled endpoint PRIMARY); the profile's monitor is
  the health check (tolerated failures x interval to detect); an endpoint with
  ``alwaysServe: Enabled`` is never withdrawn, so it FAILs the health check rule, and
  so does a profile without monitoring. A profile answers for one name: a zone that is a
  profile and lists no ``records`` is judged as that name (``@``). Azure DNS zones'
  record sets are not collected (INCONCLUSIVE).
- **Cloud DNS**: a ``primaryBackup`` routing policy is a PRIMARY and a SECONDARY; the
  policy's ``healthCheck``, or internal load balancer targets (health-checked through
  their backends), is the health check; ``trippingPercentage`` 0 never fails over.
  ``geo`` and ``wrr`` policies are geolocation and weighted routing.

The PRIMARY must answer from the declared primary region of the zone's cloud (any
declared primary when that cloud has none), where its region is known. Verdicts
about a record name use the id ``dns:{fqdn}``.

Without a ``failure.dns`` section the three rules FAIL for active-passive and
active-active declarations (incomplete: the RTO needs clients to fail over, and nothing
names how); for a shared-storage platform they are NOT_APPLICABLE in one region and
INCONCLUSIVE in several (its clients may move by other means the rules cannot see).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from auditor.analysis.failover import (
    alias_target,
    answer_regions,
    declared_names,
    declared_regions,
    failover_role,
    health_check_of,
    record_fqdn,
    records_named,
    zones_named,
)
from auditor.base.edges import FAILS_OVER_TO, HEALTH_CHECKED_BY
from auditor.boundary import Dns, Pattern, RegionRole
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._dns_ttl import Ttl, effective_ttl
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Resource, Severity

ROUTE53 = ("route53", "azure-resources", "cloudasset")
"""Route53; Azure DNS and Traffic Manager (Resource Graph); Cloud DNS (Cloud Asset)."""


def _name_id(fqdn: str) -> str:
    return f"dns:{fqdn}"


def _unsure(ctx: RuleContext, resource: str, message: str, unmodelled: str, **kw: Any) -> Judgement:
    """INCONCLUSIVE naming the state the rule cannot judge (an INCONCLUSIVE names one)."""
    return replace(ctx.inconclusive(resource, message, **kw), unmodelled=unmodelled)


def _no_records_named(ctx: RuleContext, dns: Dns, message: str) -> Judgement:
    """INCONCLUSIVE: the declared zone names no record to judge."""
    return _unsure(
        ctx,
        scope_id(dns.cloud or "aws", "*", "global"),
        message,
        f"which records of zone {dns.zone} clients resolve (failure.dns names none)",
        region="global",
    )


def _no_dns(ctx: RuleContext) -> Judgement:
    """No ``failure.dns``: a gap in the declaration when clients must move between regions.

    Active-passive and active-active platforms promise an RTO, which clients can only
    meet if something names how they reach the surviving region (FAIL). A shared-storage
    platform in one region has no region to move to (NOT_APPLICABLE); in several, its
    clients may move through a global load balancer instead of DNS, which this rule
    cannot see (INCONCLUSIVE).
    """
    decl = ctx.declaration
    sid = scope_id("aws", "*", "global")
    attrs: dict[str, JSONValue] = {"pattern": decl.pattern.value, "dns": []}
    if decl.pattern is Pattern.SHARED_STORAGE and len(declared_regions(decl)) < 2:
        return ctx.not_applicable(
            sid,
            "the shared-storage platform is declared in one region and has no failure.dns "
            "section: clients have no other region to fail over to",
            attributes=attrs,
            region="global",
        )
    if decl.pattern is Pattern.SHARED_STORAGE:
        return replace(
            ctx.inconclusive(
                sid,
                f"clients of the shared-storage platform must reach another region within the "
                f"RTO of {decl.objectives.rto}s, but no failure.dns section names how, so their "
                "failover cannot be judged",
                attributes={**attrs, "rto_seconds": decl.objectives.rto},
                region="global",
            ),
            unmodelled="client failover of a shared-storage platform by other means than "
            "declared DNS (client bootstrap lists, client-side region switching)",
        )
    return ctx.failed(
        sid,
        f"the {decl.pattern.value} declaration promises an RTO of {decl.objectives.rto}s, so "
        "clients must fail over to another region within it, but no failure.dns section "
        "names how (which zone, records and routing)",
        attributes={**attrs, "rto_seconds": decl.objectives.rto},
        region="global",
        definite=True,
    )


def _record_json(r: Resource) -> dict[str, JSONValue]:
    a = r.attributes
    return {
        "id": r.id,
        "type": a.get("type"),
        "set_identifier": a.get("set_identifier"),
        "failover": a.get("failover"),
        "routing": a.get("routing"),
        "ttl": a.get("ttl"),
        "health_check_id": a.get("health_check_id"),
        "alias_target": a.get("alias_target"),
        "values": a.get("values"),
        "always_serve": a.get("always_serve"),
        "tripping_percentage": a.get("tripping_percentage"),
    }


def _names(ctx: RuleContext, dns: Dns) -> Iterator[tuple[str, list[Resource]]]:
    for rec in sorted(set(declared_names(ctx.graph, dns))):
        fqdn = record_fqdn(rec, dns.zone)
        yield fqdn, records_named(ctx.graph, dns.zone, fqdn, dns.cloud)


def _missing_zone(ctx: RuleContext, dns: Dns, fqdn: str) -> Judgement:
    where = f" of {dns.cloud}" if dns.cloud else ""
    return ctx.failed(
        _name_id(fqdn),
        f"declared zone {dns.zone} was not found in the scanned accounts{where}, so {fqdn} has "
        "no records",
        attributes={"zone": dns.zone, "record": fqdn},
        region="global",
    )


@rule(
    id="failure.dns-failover-records",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Declared bootstrap names have PRIMARY and SECONDARY failover records",
    rationale=(
        "Clients find the cluster through DNS; without a failover pair, a regional failure "
        "leaves them resolving the dead region."
    ),
    remediation=(
        "Create failover records (PRIMARY in the primary region, SECONDARY in the "
        "secondary) for each declared name in the declared zone: Route53 failover records, "
        "a Traffic Manager profile with priority routing, or a Cloud DNS primaryBackup "
        "routing policy."
    ),
    requires=ROUTE53,
)
def dns_failover_records(ctx: RuleContext) -> Iterator[Judgement]:
    if not ctx.declaration.failure.dns:
        yield _no_dns(ctx)
    for dns in ctx.declaration.failure.dns:
        yield from _failover_records(ctx, dns)


def _failover_records(ctx: RuleContext, dns: Dns) -> Iterator[Judgement]:
    if not declared_names(ctx.graph, dns):
        yield _no_records_named(
            ctx, dns, f"failure.dns names zone {dns.zone} but no records to check"
        )
        return
    zones = zones_named(ctx.graph, dns.zone, dns.cloud)
    for fqdn, records in _names(ctx, dns):
        if not zones:
            yield _missing_zone(ctx, dns, fqdn)
            continue
        nodes = [r.id for r in records] + [z.id for z in zones]
        attrs: dict[str, JSONValue] = {
            "zone": dns.zone,
            "routing": dns.routing,
            "records": [_record_json(r) for r in records],
        }
        common = {"nodes": nodes, "attributes": attrs, "region": "global"}
        unread = [z for z in zones if z.attributes.get("records_collected") is False]
        if not records and unread:
            # e.g. an Azure DNS zone: its record sets are not listed, so "no record" is unknown
            yield _unsure(
                ctx,
                _name_id(fqdn),
                f"the record sets of zone {dns.zone} are not collected "
                f"({', '.join(z.id for z in unread)}), so {fqdn} cannot be judged",
                f"record sets of zone {dns.zone} (the collector does not list them)",
                **common,
            )
            continue
        if dns.routing != "failover":
            matching = [r for r in records if r.attributes.get("routing") == dns.routing]
            if matching:
                yield ctx.passed(
                    _name_id(fqdn),
                    f"{fqdn} has {len(matching)} {dns.routing} record(s) as declared",
                    **common,
                )
            else:
                yield ctx.failed(
                    _name_id(fqdn),
                    f"{fqdn} has no {dns.routing} record in zone {dns.zone}",
                    **common,
                )
            continue
        roles = {failover_role(r) for r in records}
        missing = [x for x in ("PRIMARY", "SECONDARY") if x not in roles]
        if not records:
            yield ctx.failed(_name_id(fqdn), f"{fqdn} has no record in zone {dns.zone}", **common)
        elif missing:
            yield ctx.failed(
                _name_id(fqdn),
                f"{fqdn} has no {' or '.join(missing)} failover record "
                f"(found: {', '.join(sorted(str(x) for x in roles))})",
                **common,
            )
        else:
            primary = next(r for r in records if failover_role(r) == "PRIMARY")
            secondary = next(r for r in records if failover_role(r) == "SECONDARY")
            misplaced = _misplaced_primary(ctx, primary)
            if misplaced is not None:
                yield ctx.failed(
                    _name_id(fqdn),
                    misplaced,
                    edges=[(primary.id, secondary.id, FAILS_OVER_TO)],
                    definite=True,
                    **common,
                )
                continue
            yield ctx.passed(
                _name_id(fqdn),
                f"{fqdn} has a PRIMARY ({primary.attributes.get('set_identifier')}) and a "
                f"SECONDARY ({secondary.attributes.get('set_identifier')}) failover record",
                edges=[(primary.id, secondary.id, FAILS_OVER_TO)],
                **common,
            )


def _misplaced_primary(ctx: RuleContext, primary: Resource) -> str | None:
    """Why the PRIMARY answers from outside the declared primary region; None if it does
    not (or its region is unknown)."""
    decl = ctx.declaration
    own = decl.primary_region(primary.cloud)
    wanted = (
        {own} if own else {r for _, r, role in declared_regions(decl) if role is RegionRole.PRIMARY}
    )
    where = answer_regions(ctx.graph, primary)
    if not wanted or not where or where & wanted:
        return None
    return (
        f"the PRIMARY answer of {primary.attributes.get('name')} "
        f"({primary.attributes.get('set_identifier')}) is served from "
        f"{', '.join(sorted(where))}, not from the declared primary region "
        f"{', '.join(sorted(wanted))}"
    )


@rule(
    id="failure.dns-health-checks",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="The PRIMARY failover record is health checked",
    rationale=(
        "DNS only fails over from a PRIMARY answer when a health check says it is down: a "
        "Route53 health check or alias target health, a Traffic Manager monitor (an "
        "endpoint with alwaysServe is never withdrawn), a Cloud DNS routing policy health "
        "check or health-checked internal load balancer (trippingPercentage 0 never trips). "
        "Without one, failover never happens."
    ),
    remediation=(
        "Attach a Route53 health check to the PRIMARY record, or use an alias record with "
        "EvaluateTargetHealth; enable the Traffic Manager monitor and turn alwaysServe off; "
        "give the Cloud DNS routing policy a health check (or internal load balancer "
        "targets) and a trippingPercentage above 0."
    ),
    requires=ROUTE53,
)
def dns_health_checks(ctx: RuleContext) -> Iterator[Judgement]:
    if not ctx.declaration.failure.dns:
        yield _no_dns(ctx)
    for dns in ctx.declaration.failure.dns:
        yield from _health_checks(ctx, dns)


def _health_checks(ctx: RuleContext, dns: Dns) -> Iterator[Judgement]:
    if not declared_names(ctx.graph, dns):
        yield _no_records_named(ctx, dns, "failure.dns lists no records")
        return
    required = dns.health_check == "required"
    zones = zones_named(ctx.graph, dns.zone, dns.cloud)
    for fqdn, records in _names(ctx, dns):
        if not zones:
            yield _missing_zone(ctx, dns, fqdn)
            continue
        judged = (
            [r for r in records if failover_role(r) == "PRIMARY"]
            if dns.routing == "failover"
            else records
        )
        if not judged:
            yield _unsure(
                ctx,
                _name_id(fqdn),
                f"{fqdn} has no {'PRIMARY ' if dns.routing == 'failover' else ''}record whose "
                "health check could be judged (see failure.dns-failover-records)",
                f"the health check of {fqdn}, which has no record to carry one",
                attributes={"records": [_record_json(r) for r in records]},
                region="global",
            )
            continue
        for r in judged:
            yield _judge_health(ctx, r, fqdn, required)


def _never_withdrawn(r: Resource, fqdn: str) -> str | None:
    """Why health never takes this answer out of DNS, whatever the checks say."""
    a = r.attributes
    if str(a.get("always_serve") or "").lower() == "enabled":
        return (
            f"{fqdn} ({failover_role(r) or 'endpoint'} {a.get('set_identifier')}) has "
            "alwaysServe enabled: Traffic Manager serves it whatever the monitor says, so it "
            "never fails over"
        )
    trip = a.get("tripping_percentage")
    if isinstance(trip, int | float) and not isinstance(trip, bool) and trip <= 0:
        return (
            f"{fqdn} has a primaryBackup policy with trippingPercentage {trip:g}: the healthy "
            "share of primaries never falls below it, so it never fails over"
        )
    return None


def _judge_health(ctx: RuleContext, r: Resource, fqdn: str, required: bool) -> Judgement:
    hc_id, hc = health_check_of(ctx.graph, r)
    alias = alias_target(r)
    attrs: dict[str, JSONValue] = {"record": _record_json(r), "health_check_required": required}
    never = _never_withdrawn(r, fqdn)
    if never is not None:
        if required:
            return ctx.failed(r.id, never, attributes=attrs, definite=True)
        return ctx.passed(r.id, f"{never}; health checks are optional here", attributes=attrs)
    checked = [str(t) for t in r.attributes.get("health_checked_targets") or [] if t]
    if hc is not None:
        attrs["health_check"] = {
            "id": hc.id,
            "type": hc.attributes.get("type"),
            "target": hc.attributes.get("target"),
            "port": hc.attributes.get("port"),
            "failure_threshold": hc.attributes.get("failure_threshold"),
            "request_interval": hc.attributes.get("request_interval"),
        }
        return ctx.passed(
            r.id,
            f"{fqdn} ({failover_role(r) or 'record'}) is health checked by {hc_id} "
            f"({hc.attributes.get('type')} {hc.attributes.get('target')})",
            nodes=[r.id, hc.id],
            edges=[(r.id, hc.id, HEALTH_CHECKED_BY)],
            attributes=attrs,
        )
    if hc_id:
        msg = f"{fqdn} names health check {hc_id}, which was not found"
        if required:
            return ctx.failed(r.id, msg, attributes=attrs, depends_on=[hc_id])
        return ctx.passed(r.id, f"{msg}; health checks are optional here", attributes=attrs)
    if alias is not None and alias.get("evaluate_target_health"):
        return ctx.passed(
            r.id,
            f"{fqdn} is an alias to {alias.get('dns_name')} that evaluates the target's health",
            attributes=attrs,
        )
    if checked:
        return ctx.passed(
            r.id,
            f"{fqdn} ({failover_role(r) or 'record'}) targets internal load balancer(s) "
            f"{', '.join(checked)}, which Cloud DNS health-checks through their backends",
            attributes=attrs,
        )
    if required:
        return ctx.failed(
            r.id,
            f"{fqdn} ({failover_role(r) or 'record'}) has no health check (no monitor), so DNS "
            "will never fail over from it",
            attributes=attrs,
            definite=True,
        )
    return ctx.passed(
        r.id,
        f"{fqdn} has no health check; the declaration makes health checks optional",
        attributes=attrs,
    )


@rule(
    id="failure.dns-ttl",
    path=PathName.FAILURE,
    severity=Severity.MEDIUM,
    title="Failover record TTLs fit within the RTO",
    rationale=(
        "Resolvers keep answering the failed region until the TTL runs out; a TTL longer "
        "than the RTO breaks the recovery time on its own. The time to detect the failure "
        "is added: Route53 failure threshold x request interval, Traffic Manager tolerated "
        "failures x probing interval (dnsConfig.ttl is the TTL), Cloud DNS health check "
        "unhealthy threshold x check interval."
    ),
    remediation="Lower the record TTL well below the declared RTO (e.g. 30-60 seconds).",
    requires=ROUTE53,
)
def dns_ttl(ctx: RuleContext) -> Iterator[Judgement]:
    if not ctx.declaration.failure.dns:
        yield _no_dns(ctx)
    for dns in ctx.declaration.failure.dns:
        yield from _ttl(ctx, dns)


def _ttl(ctx: RuleContext, dns: Dns) -> Iterator[Judgement]:
    decl = ctx.declaration
    rto = decl.objectives.rto
    zones = zones_named(ctx.graph, dns.zone, dns.cloud)
    if not declared_names(ctx.graph, dns):
        yield _no_records_named(ctx, dns, "failure.dns lists no records")
        return
    for fqdn, records in _names(ctx, dns):
        if not zones:
            yield _missing_zone(ctx, dns, fqdn)
            continue
        if not records:
            yield _unsure(
                ctx,
                _name_id(fqdn),
                f"{fqdn} has no record whose TTL could be judged (see "
                "failure.dns-failover-records)",
                f"the TTL of {fqdn}, which has no record",
                region="global",
            )
            continue
        detect, unknown_check = _detection_seconds(ctx, records)
        ttls = {r.id: effective_ttl(ctx.graph, r) for r in records}
        # one name's records are changed together: each TTL FAIL names them all
        too_long = tuple(
            sorted(
                x
                for r in records
                for x in ttls[r.id].causes
                if (t := ttls[r.id].seconds) is not None and t + detect > rto
            )
        )
        for r in records:
            yield _judge_ttl(ctx, r, fqdn, ttls[r.id], (detect, unknown_check), too_long)


def _judge_ttl(
    ctx: RuleContext,
    r: Resource,
    fqdn: str,
    eff: Ttl,
    detection: tuple[int, str],
    too_long: tuple[str, ...],
) -> Judgement:
    """One record's TTL (its own, or what its alias answers with) plus the PRIMARY's
    detection time, against the RTO."""
    rto = ctx.declaration.objectives.rto
    detect, unknown_check = detection
    ttl = eff.seconds
    attrs: dict[str, JSONValue] = {
        "record": _record_json(r),
        "rto_seconds": rto,
        "health_check_detection_seconds": detect,
        "effective_ttl": ttl,
        "ttl_from": eff.how,
    }
    role = failover_role(r) or "record"
    which = f"TTL {ttl}s" if eff.how == "own" else f"TTL {ttl}s ({eff.how})"
    if ttl is None:
        return _unsure(
            ctx,
            r.id,
            f"the TTL of {fqdn} ({role}) is not known: {eff.how}",
            eff.unknown,
            attributes=attrs,
            depends_on=list(eff.depends),
        )
    if unknown_check and ttl <= rto:
        # the TTL alone fits; whether detection does too is not known
        return _unsure(
            ctx,
            r.id,
            f"{fqdn} ({role}) has {which} within the RTO of {rto}s, but the time "
            f"to detect the failure is unknown: health check {unknown_check}",
            f"detection time of health check {unknown_check}",
            attributes=attrs,
            depends_on=[unknown_check.split(" ", 1)[0]],
        )
    if ttl + detect <= rto:
        extra = f" plus {detect}s to detect the failure" if detect else ""
        return ctx.passed(
            r.id,
            f"{fqdn} ({role}) has {which}{extra}, within the RTO of {rto}s",
            attributes=attrs,
            depends_on=list(eff.depends),
        )
    if ttl <= rto:
        why = (
            f"{fqdn} ({role}) has {which}, which with the health check's "
            f"{detect}s to detect the failure exceeds the RTO of {rto}s"
        )
    else:
        why = f"{fqdn} ({role}) has {which}, longer than the RTO of {rto}s"
    j = ctx.failed(r.id, why, attributes=attrs, definite=True, depends_on=list(eff.depends))
    return replace(j, causes=too_long)


def _detection_seconds(ctx: RuleContext, records: list[Resource]) -> tuple[int, str]:
    """How long the PRIMARY's check takes to declare it down (threshold x interval), and
    which check's time is unknown ("" when none is): a named check that was not collected,
    or one without its threshold or interval, is never taken as instant detection.

    Route53 health checks, Traffic Manager monitors (tolerated failures x interval) and
    Cloud DNS policy health checks (unhealthy threshold x check interval) alike. 0 with
    nothing unknown: the PRIMARY names no check (the health-check rule judges that).
    """
    for r in records:
        if failover_role(r) != "PRIMARY":
            continue
        hc_id, hc = health_check_of(ctx.graph, r)
        if hc is None:
            if hc_id:
                return 0, f"{hc_id} (not collected)"
            continue
        threshold = hc.attributes.get("failure_threshold")
        interval = hc.attributes.get("request_interval")
        if isinstance(threshold, int) and isinstance(interval, int):
            return threshold * interval, ""
        return 0, f"{hc.id} (no failure threshold or interval recorded)"
    return 0, ""
