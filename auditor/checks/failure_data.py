"""Failure path rules about data and keys surviving a regional failover.

- ``failure.keys-in-each-region``: every declared region (of every cloud) holding data
  stores has an enabled customer-managed key (a multi-region replica of the primary data
  key, the key protecting the stores there, or a separate customer key). Azure Key Vault
  keys are regional (their vault's location, failed over read-only to its paired
  region); a Cloud KMS key serves its key ring's
  location, ``global``, or the regions of its multi-region (``europe``, ``us``, ``asia``).
  Data encrypted by a key that exists only in another region fails. A key that was
  not collected leaves the region INCONCLUSIVE, unless every customer subscription or
  project of the cloud was listed completely: then it is in none of them, and a
  region without a collected usable customer key fails.
- ``failure.data-replicated``: every data store in the primary (or each active)
  region replicates to a store in a secondary (another active) region, with S3
  Replication Time Control when the RPO is under 15 minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import data_stores, inside_boundary, is_customer_account
from auditor.analysis.failover import (
    declared_regions,
    key_covers,
    key_users,
    keys_protecting,
    member_running,
    member_unknown_because,
    service_members,
    service_route,
    usable_customer_key,
)
from auditor.analysis.network import label, local_id
from auditor.base.edges import REPLICATES_TO
from auditor.boundary import Declaration, Pattern, RegionRole
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Relation, Resource, Severity

SECONDARY = RegionRole.SECONDARY
RTC_THRESHOLD_SECONDS = 15 * 60
"""Below this RPO, S3 replication needs RTC (its 15-minute SLA) to be promised at all."""


def _key_json(k: Resource) -> dict[str, JSONValue]:
    a = k.attributes
    return {
        "id": k.id,
        "account": k.account,
        "key_manager": a.get("key_manager"),
        "key_state": a.get("key_state"),
        "multi_region_type": a.get("multi_region_type"),
        "primary_key_arn": a.get("primary_key_arn"),
    }


@rule(
    id="failure.keys-in-each-region",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Each region holding data has a usable customer key",
    rationale=(
        "KMS keys are regional: data replicated to a region is unreadable there after "
        "failover unless a customer key (ideally a multi-region replica) is enabled there."
    ),
    remediation=(
        "Replicate the primary data key into the region (multi-region key) or create a "
        "customer-managed key there, and keep it enabled."
    ),
    requires=("kms", "s3", "ec2-compute", "msk", "azure-resources", "cloudasset"),
)
def keys_in_each_region(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    if not decl.failure.keys_in_each_region:
        yield ctx.not_applicable(
            scope_id("aws", "*", "*"),
            "failure.keys_in_each_region is false, so no per-region key is required",
        )
        return
    graph = ctx.graph
    stores = data_stores(graph)
    regions = declared_regions(decl)
    primary_data_keys: set[str] = set()
    for s in stores:
        if (s.cloud, s.region) in {(c, r) for c, r, role in regions if role is not SECONDARY}:
            primary_data_keys.update(k.id for k in keys_protecting(graph, s)[0])
    keys = graph.of_kind(Kind.KEY)
    for cloud, region, _ in regions:
        here = [s for s in stores if s.region == region and s.cloud == cloud]
        if not here:
            yield ctx.nothing_to_judge(
                scope_id(cloud, "*", region),
                f"declared region {region} holds no data stores, so it needs no data key",
                region=region,
            )
            continue
        in_region = [k for k in keys if k.cloud == cloud and key_covers(k.region, region, k.cloud)]
        found = _region_keys(ctx, here, in_region)
        yield _judge_region_keys(ctx, (cloud, region), found, primary_data_keys)


@dataclass(frozen=True, kw_only=True)
class _RegionKeys:
    """The keys that matter to the data stores of one region."""

    stores: list[Resource]
    protecting: dict[str, Resource]
    """Collected keys protecting the stores, by id."""
    missing: list[str]
    """References to keys protecting the stores that were not collected."""
    good: list[Resource]
    """Usable customer keys in the region."""
    bad: list[Resource]
    """Customer-managed keys protecting the stores that are not usable."""

    def attributes(self) -> dict[str, JSONValue]:
        return {
            "stores": [s.id for s in self.stores],
            "protecting_keys": [_key_json(self.protecting[k]) for k in sorted(self.protecting)],
            "uncollected_key_refs": sorted(set(self.missing)),
            "usable_customer_keys": [k.id for k in self.good],
        }

    def nodes(self) -> list[str]:
        return [*(s.id for s in self.stores), *sorted(self.protecting), *(k.id for k in self.good)]


def _region_keys(ctx: RuleContext, here: list[Resource], in_region: list[Resource]) -> _RegionKeys:
    """The keys protecting ``here`` (the region's stores) and the usable keys in the region."""
    decl = ctx.declaration
    protecting: dict[str, Resource] = {}
    missing: list[str] = []
    for s in here:
        found, miss = keys_protecting(ctx.graph, s)
        protecting.update((k.id, k) for k in found)
        missing.extend(miss)
    good = [
        k
        for k in in_region
        if usable_customer_key(k, is_customer_account(decl, k.cloud, k.account))
    ]
    bad = [
        k
        for k in protecting.values()
        if not usable_customer_key(k, is_customer_account(decl, k.cloud, k.account))
        and k.attributes.get("key_manager") == "CUSTOMER"
    ]
    return _RegionKeys(stores=here, protecting=protecting, missing=missing, good=good, bad=bad)


def _judge_region_keys(
    ctx: RuleContext, where: tuple[str, str], found: _RegionKeys, primary_data_keys: set[str]
) -> Judgement:
    """Whether a usable customer key in the region can read its data after failover.

    An unusable key protecting the data fails, and so does a key that exists only in
    another region (an Azure vault elsewhere, a Cloud KMS key ring in another
    location); a key that protects the data or is a replica of the primary data key
    passes; a separate key must grant the same roles.
    """
    cloud, region = where
    rid = scope_id(cloud, "*", region)
    attrs = found.attributes()
    nodes = found.nodes()
    good, missing = found.good, found.missing
    away = sorted(
        (k for k in found.protecting.values() if not key_covers(k.region, region, k.cloud)),
        key=lambda k: k.id,
    )
    if away:
        k = away[0]
        return ctx.failed(
            rid,
            f"data in {region} is encrypted by key {k.name or local_id(k.id)}, which exists "
            f"only in {k.region}: it cannot be read there while {k.region} is down",
            nodes=nodes,
            attributes=attrs,
            region=region,
            definite=True,
        )
    if found.bad:
        k = sorted(found.bad, key=lambda r: r.id)[0]
        return ctx.failed(
            rid,
            f"key {k.name or local_id(k.id)} protecting data in {region} is "
            f"{k.attributes.get('key_state')} (account {k.account})",
            nodes=nodes,
            attributes=attrs,
            region=region,
        )
    protects = [k for k in good if k.id in found.protecting]
    replicas = [k for k in good if str(k.attributes.get("primary_key_arn")) in primary_data_keys]
    if good and not protects and not replicas and primary_data_keys - {k.id for k in good}:
        return _judge_separate_key(ctx, where, good, primary_data_keys, nodes, attrs)
    if good:
        k = (protects or replicas or good)[0]
        why = (
            "protects the stores there"
            if protects
            else "is a multi-region replica of the primary data key"
            if replicas
            else "is a separate customer key"
        )
        return ctx.passed(
            rid,
            f"{region} has enabled customer key {k.name or local_id(k.id)}, which {why}",
            nodes=nodes,
            attributes=attrs,
            region=region,
        )
    if missing:
        return _judge_uncollected(ctx, where, sorted(set(missing)), nodes, attrs)
    return ctx.failed(
        rid,
        f"{region} holds {len(found.stores)} data store(s) but has no enabled customer-managed "
        "KMS key",
        nodes=nodes,
        attributes=attrs,
        region=region,
    )


def _judge_uncollected(
    ctx: RuleContext,
    where: tuple[str, str],
    missing: list[str],
    nodes: list[str],
    attrs: dict[str, JSONValue],
) -> Judgement:
    """No usable customer key was collected in the region, and the stores' keys were not.

    Azure and GCP list every resource of a subscription or project at once: when every
    declared customer account of the cloud was listed completely, a key that was not
    collected is in none of them (another party's, or gone), and no customer key in the
    region was missed, so the region has none. Otherwise the key may be the customer's.
    """
    from auditor.analysis.scanned import unlisted_customer_accounts

    cloud, region = where
    rid = scope_id(cloud, "*", region)
    unlisted = unlisted_customer_accounts(ctx.graph.inventory, ctx.declaration, cloud)
    if unlisted == []:
        where_ = "subscription" if cloud == "azure" else "project"
        return ctx.failed(
            rid,
            f"{region} has no enabled customer-managed key: its data is protected by "
            f"key(s) in no customer {where_} ({', '.join(missing)}; every customer "
            f"{where_} was listed and none holds a usable key in {region})",
            nodes=nodes,
            attributes=attrs,
            region=region,
        )
    return ctx.inconclusive(
        rid,
        f"data in {region} is protected by key(s) that were not collected ({', '.join(missing)})",
        nodes=nodes,
        attributes=attrs,
        depends_on=missing,
        region=region,
    )


def _judge_separate_key(
    ctx: RuleContext,
    where: tuple[str, str],
    good: list[Resource],
    primary_keys: set[str],
    nodes: list[str],
    attrs: dict[str, JSONValue],
) -> Judgement:
    """A separate customer key is usable after failover only if it grants the same roles."""
    cloud, region = where
    rid = scope_id(cloud, "*", region)
    needed: set[str] = set()
    unknown: list[str] = []
    for ref in sorted(primary_keys):
        pk = ctx.graph.get(ref)
        users = key_users(pk) if pk is not None else None
        if users is None:
            unknown.append(ref)
        else:
            needed |= users
    best: tuple[Resource, set[str]] | None = None
    for k in good:
        users = key_users(k)
        if users is None:
            unknown.append(k.id)
            continue
        missing = needed - users
        if best is None or len(missing) < len(best[1]):
            best = (k, missing)
    attrs = {**attrs, "roles_of_primary_keys": sorted(needed)}
    nodes = [*nodes, *sorted(primary_keys)]
    if best is not None and not best[1]:
        k = best[0]
        return ctx.passed(
            rid,
            f"{region} has separate customer key {k.name or local_id(k.id)}, whose policy "
            "grants the same roles as the primary data key",
            nodes=nodes,
            attributes=attrs,
            region=region,
        )
    if best is not None and not unknown:
        k, missing = best
        return ctx.failed(
            rid,
            f"{region}'s customer key {k.name or local_id(k.id)} does not grant "
            f"{', '.join(sorted(missing))}, which may use the primary data key: they cannot "
            "read the data after failover",
            nodes=nodes,
            attributes={**attrs, "missing_roles": sorted(missing)},
            region=region,
            definite=True,
        )
    return ctx.inconclusive(
        rid,
        f"{region} has a separate customer key, but the key policy of "
        f"{', '.join(local_id(u) for u in sorted(set(unknown)))} was not read, so the roles "
        "cannot be compared",
        nodes=nodes,
        attributes=attrs,
        depends_on=sorted(set(unknown)),
        region=region,
    )


@rule(
    id="failure.data-replicated",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Primary data replicates to the failover region fast enough for the RPO",
    rationale=(
        "A failover region without the data is an empty cluster; replication without a "
        "time guarantee cannot promise an RPO under 15 minutes. Judged for the stores in "
        "each declared primary (active) region of every cloud: S3 replication rules, an "
        "Azure storage account's geo-redundant copy in its paired region (asynchronous, no "
        "RPO SLA), Kafka data through a declared replication service."
    ),
    remediation=(
        "Add a replication rule to a store in the secondary region; enable S3 Replication "
        "Time Control when the RPO is below 15 minutes (Azure geo-replication has no "
        "such guarantee: replicate Kafka data with a declared replication service)."
    ),
    requires=("s3", "azure-resources", "cloudasset"),
)
def data_replicated(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    regions = declared_regions(decl)
    if decl.pattern is Pattern.SHARED_STORAGE and len(regions) < 2:
        yield ctx.not_applicable(
            scope_id("aws", "*", "*"),
            "the shared-storage platform is declared in one region; no replication is expected",
        )
        return
    sources, targets_of = _replication_routes(decl)
    stores = [s for s in data_stores(ctx.graph) if (s.cloud, s.region) in sources]
    if not stores:
        clouds = sorted({c for c, _ in sources}) or ["aws"]
        for cloud in clouds:
            mine = sorted(r for c, r in sources if c == cloud)
            yield no_stores(
                ctx,
                resource=scope_id(cloud, "*", "*"),
                message="the data.stores selector matched no store in "
                + (", ".join(mine) or "any source region"),
                regions=mine,
            )
        return
    rpo = decl.objectives.rpo
    for s in stores:
        yield _judge_replication(ctx, s, sorted(targets_of.get(s.region, set())), rpo)


def _replication_routes(decl: Declaration) -> tuple[set[tuple[str, str]], dict[str, set[str]]]:
    """(source (cloud, region)s, failover region names of each source region).

    Active-passive: each primary's targets are its own cloud's secondaries, and the
    secondaries of clouds that declare no primary of their own. Shared storage: every
    other region. Active-active: the other active regions.
    """
    regions = declared_regions(decl)
    names = {r for _, r, _ in regions}
    if decl.pattern is Pattern.SHARED_STORAGE:
        sources = {(c, r) for c, r, role in regions if role is not SECONDARY}
        return sources, {r: names - {r} for _, r in sources}
    if decl.pattern is Pattern.ACTIVE_PASSIVE:
        sources = {(c, r) for c, r, role in regions if role is RegionRole.PRIMARY}
        targets = {
            r: {
                r2
                for c2, r2, role2 in regions
                if role2 is SECONDARY and (c2 == c or decl.primary_region(c2) is None)
            }
            for c, r in sources
        }
        return sources, targets
    actives = {(c, r) for c, r, role in regions if role is RegionRole.ACTIVE}
    act_names = {r for _, r in actives}
    return actives, {r: act_names - {r} for _, r in actives}


def _judge_replication(
    ctx: RuleContext, store: Resource, targets: list[str], rpo: int
) -> Judgement:
    """Whether ``store`` replicates to one of the failover ``targets`` (regions)."""
    attrs: dict[str, JSONValue] = {"target_regions": targets, "rpo_seconds": rpo}
    if not targets:
        return ctx.not_applicable(
            store.id,
            f"no failover region is declared for {store.region}, so the declaration asks for "
            "no replica of it",
            attributes=attrs,
        )
    if store.kind != Kind.BUCKET:
        return _judge_kafka_replication(ctx, store, targets, attrs)
    return _judge_bucket_replication(ctx, store, targets, rpo, attrs)


@dataclass
class _Destinations:
    """A bucket's replication destinations, sorted by what a failover can make of them."""

    rules: list[JSONValue] = field(default_factory=list)
    good: list[tuple[str, bool]] = field(default_factory=list)
    """(destination, with RTC) in a failover region, fast enough for the RPO."""
    slow: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def _bucket_destinations(
    ctx: RuleContext, store: Resource, edges: list[Relation], targets: list[str], rpo: int
) -> _Destinations:
    """Each replication rule's destination, judged on boundary, region and RTC."""
    graph = ctx.graph
    out = _Destinations()
    for rel in edges:
        dest = graph.get(rel.target)
        rtc = bool(rel.attributes.get("rtc"))
        out.rules.append(
            {
                "destination": rel.target,
                "rule_id": rel.attributes.get("rule_id"),
                "rtc": rtc,
                "destination_region": dest.region if dest else None,
            }
        )
        dest_account = _destination_account(store, str(rel.attributes.get("rule_id") or ""))
        if dest_account and not is_customer_account(ctx.declaration, store.cloud, dest_account):
            out.outside.append(f"{local_id(rel.target) or rel.target} (account {dest_account})")
        elif (
            dest is not None
            and not dest.attributes.get("stub")
            and not inside_boundary(ctx.declaration, dest)
        ):
            out.outside.append(f"{dest.name or rel.target} ({dest.account}/{dest.region})")
        elif dest is None or dest.attributes.get("stub"):
            proof = _outside_customer(ctx, store.cloud)
            if proof is None:
                out.unknown.append(rel.target)
            else:
                out.outside.append(
                    f"{local_id(rel.target) or rel.target} (in no customer account: {proof})"
                )
        elif dest.region not in targets:
            out.elsewhere.append(f"{dest.name or rel.target} ({dest.region})")
        elif rpo < RTC_THRESHOLD_SECONDS and not rtc:
            out.slow.append(rel.target)
        else:
            out.good.append((rel.target, rtc))
    return out


def _judge_bucket_replication(
    ctx: RuleContext, store: Resource, targets: list[str], rpo: int, attrs: dict[str, JSONValue]
) -> Judgement:
    """A bucket passes on one good destination; else its worst destination says why not."""
    edges = list(ctx.graph.out_edges(store.id, REPLICATES_TO))
    dests = _bucket_destinations(ctx, store, edges, targets, rpo)
    attrs["replication"] = dests.rules
    nodes = [store.id, *(r.target for r in edges)]
    edge_list = [(store.id, r.target, REPLICATES_TO) for r in edges]
    common = {"nodes": nodes, "edges": edge_list, "attributes": attrs}
    if dests.good:
        dest_id, rtc = dests.good[0]
        return ctx.passed(
            store.id,
            f"{label(store)} replicates to {local_id(dest_id) or dest_id} in "
            f"{', '.join(targets)}" + (" with RTC" if rtc else ""),
            **common,
        )
    if dests.outside:
        return ctx.failed(
            store.id,
            f"{label(store)} replicates to {', '.join(dests.outside)}, outside the declared "
            "boundary; a failover could not use that copy",
            definite=True,
            **common,
        )
    if dests.slow:
        return ctx.failed(
            store.id,
            f"{label(store)} replicates to {', '.join(dests.slow)} {_UNTIMED[store.cloud]}, "
            f"which cannot promise the RPO of {rpo}s (under {RTC_THRESHOLD_SECONDS}s)",
            definite=True,
            **common,
        )
    if dests.unknown:
        return ctx.inconclusive(
            store.id,
            f"{label(store)} replicates to {', '.join(dests.unknown)}, which was not collected, "
            "so its region is unknown",
            depends_on=dests.unknown,
            **common,
        )
    if dests.elsewhere:
        return ctx.failed(
            store.id,
            f"{label(store)} replicates only to {', '.join(dests.elsewhere)}, not to a failover "
            f"region ({', '.join(targets)})",
            **common,
        )
    return ctx.failed(
        store.id,
        f"{label(store)} in {store.region} has no replication to {', '.join(targets)}",
        **common,
    )


_UNTIMED = {
    "aws": "without Replication Time Control",
    "azure": "by asynchronous geo-replication (no recovery point SLA)",
    "gcp": "without turbo replication",
}
"""Why a copy has no time guarantee, by cloud: S3 RTC, Azure geo-replication (no SLA on
the last sync time), Cloud Storage turbo replication (15-minute RPO)."""


def _destination_account(store: Resource, rule_id: str) -> str | None:
    repl = store.attributes.get("replication")
    if not isinstance(repl, dict):
        return None
    for r in repl.get("rules") or []:
        if str(r.get("id") or "") == rule_id and r.get("destination_account"):
            return str(r["destination_account"])
    return None


def _judge_kafka_replication(
    ctx: RuleContext, store: Resource, targets: list[str], attrs: dict[str, JSONValue]
) -> Judgement:
    """Broker-held data (MSK, broker volumes) needs a declared Kafka replication service."""
    decl = ctx.declaration
    services = []
    for svc in decl.failure.replication:
        source, to = service_route(decl, svc)
        if source == store.region and set(to) & set(targets):
            services.append(svc)
    attrs = {**attrs, "replication_services": [s.name for s in services]}
    if not services:
        return ctx.failed(
            store.id,
            f"{label(store)} holds Kafka data in {store.region} but no Kafka replication "
            f"service (failure.replication) is declared to copy it to {', '.join(targets)}",
            attributes=attrs,
            definite=True,
        )
    problems: list[str] = []
    unknown: list[str] = []
    nodes = [store.id]
    # A collected replication runs by its own state and, for a Managed Kafka Connect
    # connector, its Connect cluster's (member_running); other members by their own state.
    for svc in services:
        members = service_members(ctx.graph, svc)
        nodes += [m.id for m in members]
        states = [member_running(ctx.graph, m) for m in members]
        if not members:
            problems.append(f"{svc.name} is not found by its selector")
        elif any(s is True for s in states):
            return ctx.passed(
                store.id,
                f"{label(store)} is replicated by {svc.name} ({svc.kind}), running on "
                f"{len(members)} resource(s)",
                nodes=nodes,
                attributes=attrs,
            )
        elif any(s is None for s in states):
            why = "; ".join(
                member_unknown_because(ctx.graph, m)
                for m, s in zip(members, states, strict=True)
                if s is None
            )
            unknown.append(f"{svc.name} ({why})")
        else:
            problems.append(f"{svc.name} has no running member")
    if unknown:  # one that may run may replicate it: never a FAIL on what was not read
        verdict = ctx.inconclusive(
            store.id,
            f"whether {', '.join(unknown)} is running was not recorded"
            + (f" ({'; '.join(problems)})" if problems else ""),
            nodes=nodes,
            attributes=attrs,
        )
        return replace(verdict, unmodelled="running state of a replication service member")
    return ctx.failed(
        store.id,
        f"{label(store)} is not replicated: {'; '.join(problems)}",
        nodes=nodes,
        attributes=attrs,
    )


def _outside_customer(ctx: RuleContext, cloud: str) -> str | None:
    """Why an uncollected replica destination is outside the customer (closed world), or None."""
    from auditor.analysis.scanned import BUCKET_UNITS, closed_world

    return closed_world(ctx.graph.inventory, ctx.declaration, cloud, BUCKET_UNITS.get(cloud))
