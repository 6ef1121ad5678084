"""Failover reasoning: DNS failover records, keys, replication services, and what
each region needs from the others.

**Capacity** per region is counted in :mod:`auditor.analysis.capacity` (its names
are importable from here too).

**Failover dependencies** (``failure.depends_on``, derived): for each declared
region, what it needs from another region to come up - a key, DNS, a
replication source or job, the control plane. See :func:`failover_dependencies`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.capacity import PENDING_MSK_STATES as PENDING_MSK_STATES
from auditor.analysis.capacity import Capacity as Capacity
from auditor.analysis.capacity import Contribution as Contribution
from auditor.analysis.capacity import capacity_by_region as capacity_by_region
from auditor.analysis.capacity import size_units as size_units
from auditor.analysis.derive import deriver
from auditor.analysis.replication_members import member_running as member_running
from auditor.analysis.replication_members import member_unknown_because as member_unknown_because
from auditor.analysis.replication_members import service_members as service_members
from auditor.base.edges import DEPENDS_ON, ENCRYPTED_BY, HEALTH_CHECKED_BY, REPLICATES_TO
from auditor.boundary import Declaration, Dns, RegionRole, ReplicationService
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, Relation, Resource
from auditor.normalize.azure._common import REGION_PAIRS

# --- DNS ----------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def record_fqdn(record: str, zone: str) -> str:
    """A declared (relative) record name as a fully qualified name in ``zone``."""
    r, z = _norm(record), _norm(zone)
    if r in ("", "@") or r == z:
        return z
    return r if r.endswith(f".{z}") else f"{r}.{z}"


def zones_named(graph: BoundaryGraph, zone: str, cloud: str | None = None) -> list[Resource]:
    """Zones (Route53, Azure DNS, Traffic Manager, Cloud DNS) named ``zone``, in ``cloud``."""
    z = _norm(zone)
    return [
        r
        for r in graph.of_kind(Kind.DNS_ZONE)
        if _norm(str(r.attributes.get("name") or "")) == z and cloud in (None, r.cloud)
    ]


def records_named(
    graph: BoundaryGraph, zone: str, fqdn: str, cloud: str | None = None
) -> list[Resource]:
    """Record sets with this name in zones named ``zone`` (every type and set identifier)."""
    z, n = _norm(zone), _norm(fqdn)
    # A record without its zone's name (Cloud DNS) is matched through its zone id.
    zone_ids = {r.id for r in zones_named(graph, zone, cloud)}
    return [
        r
        for r in graph.of_kind(Kind.DNS_RECORD)
        if (
            _norm(str(r.attributes.get("zone_name") or "")) == z
            or str(r.attributes.get("zone_id") or "") in zone_ids
        )
        and _norm(str(r.attributes.get("name") or "")) == n
        and cloud in (None, r.cloud)
    ]


def failover_role(record: Resource) -> str | None:
    value = record.attributes.get("failover")
    return str(value).upper() if value else None


def health_check_of(graph: BoundaryGraph, record: Resource) -> tuple[str | None, Resource | None]:
    """The record's health check id and the collected health check (None if not collected)."""
    hc_id = record.attributes.get("health_check_id")
    for rel in graph.out_edges(record.id, HEALTH_CHECKED_BY):
        res = graph.get(rel.target)
        if res is not None and not res.attributes.get("stub"):
            return str(hc_id or res.attributes.get("health_check_id") or ""), res
    if not hc_id:
        return None, None
    for hc in graph.of_kind(Kind.HEALTH_CHECK):
        if str(hc.attributes.get("health_check_id") or "") == str(hc_id):
            return str(hc_id), hc
    return str(hc_id), None


def alias_target(record: Resource) -> Mapping[str, JSONValue] | None:
    value = record.attributes.get("alias_target")
    return value if isinstance(value, Mapping) else None


# --- keys -----------------------------------------------------------------------------------


_MULTI_REGIONS = {"europe": "europe-", "us": "us-", "asia": "asia-"}
"""Cloud KMS multi-region locations and the region names they span."""


def key_covers(key_region: str | None, region: str, cloud: str = "aws") -> bool:
    """Whether a key in ``key_region`` is usable in ``region`` when other regions are down.

    The same region, ``global``, or a Cloud KMS multi-region (``europe``, ``us``,
    ``asia``) that spans it. An Azure Key Vault key lives in its vault's region, whose
    contents Azure fails over read-only (decrypt, unwrap) to the paired region only.
    """
    if not key_region:
        return False
    if key_region in (region, "global"):
        return True
    if cloud == "azure":
        return REGION_PAIRS.get(key_region) == region
    prefix = _MULTI_REGIONS.get(key_region)
    return prefix is not None and region.startswith(prefix)


def resolve_key(graph: BoundaryGraph, ref: str) -> Resource | None:
    """The collected key a reference names (key ARN, alias ARN resolved by its aliases, or
    an Azure Key Vault key URI, with or without its version)."""
    res = graph.get(ref)
    if res is not None and not res.attributes.get("stub") and res.kind == Kind.KEY:
        return res
    if ref.startswith("https://"):
        want = ref.rstrip("/").lower()
        for k in graph.of_kind(Kind.KEY):
            uri = str(k.attributes.get("key_uri") or "")
            if uri and (want == uri or want.startswith(uri + "/")):
                return k
    parts = ref.split(":", 5)
    if len(parts) == 6 and parts[5].startswith("alias/"):
        region, account, alias = parts[3], parts[4], parts[5]
        for k in graph.of_kind(Kind.KEY):
            if (
                k.region == region
                and k.account == account
                and alias in (k.attributes.get("aliases") or [])
            ):
                return k
    return None


def keys_protecting(graph: BoundaryGraph, store: Resource) -> tuple[list[Resource], list[str]]:
    """Collected keys protecting a store, and key references that were not collected."""
    found: dict[str, Resource] = {}
    missing: list[str] = []
    for rel in graph.out_edges(store.id, ENCRYPTED_BY):
        k = resolve_key(graph, rel.target)
        if k is None:
            missing.append(rel.target)
        else:
            found[k.id] = k
    return [found[k] for k in sorted(found)], sorted(set(missing))


def usable_customer_key(key: Resource, customer: bool) -> bool:
    """A customer-managed key, in a customer account, that is enabled."""
    a = key.attributes
    state = str(a.get("key_state") or "").lower()
    return customer and a.get("key_manager") == "CUSTOMER" and state == "enabled"


# --- replication services, record targets, region helpers ------------------------------------


ROUTE53_CONTROL_REGION = "us-east-1"
"""Route53 changes (record edits) go through its control plane in us-east-1."""

CAPACITY_KINDS = (Kind.KAFKA_CLUSTER, Kind.SCALING_GROUP, Kind.K8S_CLUSTER)


def region_of_key(key: str) -> tuple[str, str]:
    """``aws/us-east-1`` -> (``aws``, ``us-east-1``)."""
    cloud, _, region = key.partition("/")
    return cloud, region


def declared_aws_regions(decl: Declaration) -> dict[str, RegionRole]:
    return dict(sorted(decl.regions_of("aws").items()))


def primary_region(decl: Declaration) -> str | None:
    return next(
        (r for r, role in declared_aws_regions(decl).items() if role is RegionRole.PRIMARY), None
    )


def declared_regions(decl: Declaration) -> list[tuple[str, str, RegionRole]]:
    """Every declared region as (cloud, region, role), in key order."""
    out = []
    for key, role in sorted(decl.regions.items()):
        cloud, region = region_of_key(key)
        out.append((cloud, region, role))
    return out


def cloud_of_region(decl: Declaration, region: str) -> str:
    """The cloud a declared region name belongs to (region names differ across clouds)."""
    return next((c for c, r, _ in declared_regions(decl) if r == region), "aws")


def comparison_primary(decl: Declaration, cloud: str) -> tuple[str, str] | None:
    """(cloud, region) of the primary ``cloud``'s secondaries are measured against.

    Its own declared primary; a cloud without one takes the primary of another
    cloud (in cloud name order), since vCPUs, memory and brokers compare across
    clouds. None when nothing is declared primary.
    """
    own = decl.primary_region(cloud)
    if own is not None:
        return cloud, own
    for other in sorted({c for c, _, _ in declared_regions(decl)}):
        found = decl.primary_region(other)
        if found is not None:
            return other, found
    return None


def dependent_region_keys(decl: Declaration) -> list[tuple[str, str]]:
    """(cloud, region) that must come up on their own: secondaries (active-passive), else all."""
    regions = declared_regions(decl)
    if decl.pattern.value == "active-passive":
        return [(c, r) for c, r, role in regions if role is not RegionRole.PRIMARY]
    return [(c, r) for c, r, _ in regions]


def dependent_regions(decl: Declaration) -> list[str]:
    """Regions that must come up on their own: secondaries (active-passive), else all."""
    regions = declared_aws_regions(decl)
    if decl.pattern.value == "active-passive":
        return [r for r, role in regions.items() if role is not RegionRole.PRIMARY]
    return list(regions)


def _arn_region(ref: str) -> str | None:
    """The region a key reference names: an ARN's region, a Cloud KMS key's location."""
    parts = ref.split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        return parts[3] or "global"
    if "/locations/" in ref and "cloudkms" in ref:
        return ref.split("/locations/", 1)[1].split("/", 1)[0]
    return None


def region_anchor(graph: BoundaryGraph, region: str, cloud: str = "aws") -> Resource | None:
    """The resource that stands for "the platform in ``region``" in dependency edges."""
    platform = [r for r in platform_resources(graph) if r.cloud == cloud and r.region == region]
    for kinds in (CAPACITY_KINDS, (Kind.INSTANCE,)):
        found = sorted((r for r in platform if r.kind in kinds), key=lambda r: r.id)
        if found:
            return found[0]
    from auditor.analysis.boundary_scope import data_stores

    stores = sorted(
        (s for s in data_stores(graph) if s.cloud == cloud and s.region == region),
        key=lambda r: r.id,
    )
    return stores[0] if stores else None


def service_route(decl: Declaration, svc: ReplicationService) -> tuple[str | None, list[str]]:
    """(source region, target regions) of a declared service, by region name.

    The source defaults to the declared primary (AWS's first, else another cloud's); the
    targets to the other regions of the source's cloud and of clouds without a primary.
    """
    regions = declared_regions(decl)
    if svc.source:
        source: str | None = region_of_key(svc.source)[1]
    else:
        found = comparison_primary(decl, "aws")
        source = found[1] if found else None
    if svc.target:
        return source, [region_of_key(svc.target)[1]]
    cloud = cloud_of_region(decl, source) if source else "aws"
    return source, [
        r for c, r, _ in regions if r != source and (c == cloud or decl.primary_region(c) is None)
    ]


def _norm_host(name: str) -> str:
    n = name.strip().rstrip(".").lower()
    return n.removeprefix("dualstack.")


def record_targets(graph: BoundaryGraph, record: Resource) -> list[Resource]:
    """Collected resources a DNS record answers with (alias target or values)."""
    wanted: set[str] = set()
    alias = alias_target(record)
    if alias is not None and alias.get("dns_name"):
        wanted.add(_norm_host(str(alias.get("dns_name"))))
    for v in record.attributes.get("values") or []:
        wanted.add(_norm_host(str(v)))
    if not wanted:
        return []
    out: dict[str, Resource] = {}
    for lb in graph.of_kind(Kind.LOAD_BALANCER):
        if _norm_host(str(lb.attributes.get("dns_name") or "")) in wanted:
            out[lb.id] = lb
    for inst in graph.of_kind(Kind.INSTANCE):
        ips = {
            str(inst.attributes.get("private_ip") or ""),
            str(inst.attributes.get("public_ip") or ""),
        }
        if ips & wanted:
            out[inst.id] = inst
    for eni in graph.of_kind(Kind.INTERFACE):
        if {str(i) for i in eni.attributes.get("private_ips") or []} & wanted:
            out.setdefault(eni.id, eni)
    return [out[k] for k in sorted(out)]


def answer_regions(graph: BoundaryGraph, record: Resource) -> set[str]:
    """Regions a record answers from: a Traffic Manager endpoint's location, the regions
    of the internal load balancers a Cloud DNS policy targets, and of collected targets."""
    out = {t.region for t in record_targets(graph, record)}
    if record.region and record.region != "global":
        out.add(record.region)
    out.update(str(r) for r in record.attributes.get("target_regions") or [])
    for v in record.attributes.get("values") or []:
        res = graph.get(str(v))
        if res is not None and res.region and res.region != "global":
            out.add(res.region)
    return out


def declared_names(graph: BoundaryGraph, dns: Dns) -> list[str]:
    """The record names (relative) a declared zone asks to judge.

    Its ``records``; without them, a zone that is a Traffic Manager profile is judged as
    its one name (``@``): a profile answers for exactly one DNS name, so there is no
    other record to choose.
    """
    if dns.records:
        return list(dns.records)
    zones = zones_named(graph, dns.zone, dns.cloud)
    if zones and all(z.attributes.get("traffic_manager") for z in zones):
        return ["@"]
    return []


def declared_records(graph: BoundaryGraph) -> list[tuple[str, list[Resource]]]:
    return [
        (fqdn, records_named(graph, dns.zone, fqdn, dns.cloud))
        for dns in graph.declaration.failure.dns
        for fqdn in sorted({record_fqdn(r, dns.zone) for r in declared_names(graph, dns)})
    ]


def automatic_dns_failover(graph: BoundaryGraph) -> bool | None:
    """Whether the declared names fail over without a record change (None: nothing to judge).

    Failover routing needs a health-checked PRIMARY; latency, weighted or geo routing
    needs a health check on every answer; simple records always need a change.
    """
    named = declared_records(graph)
    if not named:
        return None
    for _, records in named:
        if any(failover_role(r) for r in records):
            judged = [r for r in records if failover_role(r) == "PRIMARY"]
        else:  # latency, weighted, geo: every answer must be withdrawn when unhealthy
            judged = [r for r in records if r.attributes.get("routing") not in ("simple", None)]
        if not judged:
            return False
        for p in judged:
            hc_id, _ = health_check_of(graph, p)
            alias = alias_target(p)
            if not hc_id and not (alias is not None and alias.get("evaluate_target_health")):
                return False
    return True


# --- keys and roles ------------------------------------------------------------------------

_KEY_USE = ("kms:Decrypt", "kms:GenerateDataKey")


def key_users(key: Resource) -> set[str] | None:
    """Principals (ids) the key policy lets decrypt; None when the policy is unknown."""
    from auditor.analysis.policy import ActionSet, PolicyError, statements

    policy = key.attributes.get("policy")
    if policy is None:
        return None
    try:
        sts = statements(policy)
    except PolicyError:
        return None
    users: set[str] = set()
    for st in sts:
        if st.is_allow and st.allows_any(ActionSet(_KEY_USE)):
            users.update(p.id for p in st.principals)
    return users


def requested_regions(role: Resource) -> set[str] | None:
    """Regions a role's policies limit it to via ``aws:RequestedRegion`` (None: no limit)."""
    from auditor.analysis.policy import PolicyError, statements

    docs = [p.get("document") for p in role.attributes.get("attached_policies") or []]
    docs += [p.get("document") for p in role.attributes.get("inline_policies") or []]
    allowed: set[str] | None = None
    any_allow = False
    unrestricted_allow = False
    denied_outside: list[set[str]] = []
    for doc in docs:
        try:
            sts = statements(doc)
        except PolicyError:
            continue
        for st in sts:
            conds = st.conditions_on("aws:RequestedRegion")
            if st.is_allow:
                any_allow = True
                pos = [c for c in conds if c.base_operator in ("stringequals", "stringlike")]
                if not pos:
                    unrestricted_allow = True
                    continue
                vals = {v for c in pos for v in c.values}
                allowed = vals if allowed is None else allowed | vals
            elif st.is_deny and st.on_every_resource:
                neg = [c for c in conds if c.base_operator in ("stringnotequals", "stringnotlike")]
                if neg:
                    denied_outside.append({v for c in neg for v in c.values})
    limit: set[str] | None = None if (unrestricted_allow or not any_allow) else allowed
    for keep in denied_outside:
        limit = keep if limit is None else {r for r in limit if _region_in(r, keep)}
    return limit


def _region_in(region: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(region, p) for p in patterns)


def role_usable_in(role: Resource, region: str) -> bool:
    limit = requested_regions(role)
    return limit is None or _region_in(region, limit)


# --- the failover dependency graph ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """One thing ``from_region`` needs from ``to_region`` (an edge, plus what it passes)."""

    source: str
    target: str
    need: str
    """``key``, ``dns``, ``replication``, ``control-plane`` or ``network`` (``audit`` is
    informative)."""
    from_region: str
    to_region: str
    blocking: bool
    """True when ``from_region`` cannot come up on its own while ``to_region`` is down."""
    reason: str
    via: tuple[str, ...] = ()

    def relation(self) -> Relation:
        return Relation(
            source=self.source,
            target=self.target,
            kind=DEPENDS_ON,
            reason=self.reason,
            attributes={
                "need": self.need,
                "from_region": self.from_region,
                "to_region": self.to_region,
                "blocking": self.blocking,
                "via": list(self.via),
            },
        )

    @property
    def chain(self) -> tuple[str, ...]:
        return (self.source, *self.via, self.target)


def _key_dependencies(graph: BoundaryGraph, regions: Iterable[str]) -> Iterator[Dependency]:
    from auditor.analysis.boundary_scope import data_stores

    wanted = set(regions)
    holders = {r.id: r for r in [*platform_resources(graph), *data_stores(graph)]}
    for holder in sorted(holders.values(), key=lambda r: r.id):
        if holder.region not in wanted:
            continue
        for rel in graph.out_edges(holder.id, ENCRYPTED_BY):
            key = resolve_key(graph, rel.target)
            key_region = key.region if key is not None else _arn_region(rel.target)
            target = key.id if key is not None else rel.target
            if key_region and not key_covers(key_region, holder.region, holder.cloud):
                yield Dependency(
                    source=holder.id,
                    target=target,
                    need="key",
                    from_region=holder.region,
                    to_region=key_region,
                    blocking=True,
                    reason=f"{holder.name or holder.id} is encrypted with a key that exists only "
                    f"in {key_region}, so it cannot be read while {key_region} is down",
                )
    for bucket in graph.of_kind(Kind.BUCKET):
        repl = bucket.attributes.get("replication")
        if not isinstance(repl, Mapping):
            continue
        for rule in repl.get("rules") or []:
            dest = graph.get(str(rule.get("destination_bucket") or ""))
            key_ref = rule.get("replica_kms_key_id")
            if dest is None or not key_ref or dest.region not in wanted:
                continue
            key = resolve_key(graph, str(key_ref))
            key_region = key.region if key is not None else _arn_region(str(key_ref))
            if key_region and not key_covers(key_region, dest.region, dest.cloud):
                yield Dependency(
                    source=dest.id,
                    target=key.id if key is not None else str(key_ref),
                    need="key",
                    from_region=dest.region,
                    to_region=key_region,
                    blocking=True,
                    reason=f"replicas written to {dest.name} (rule {rule.get('id')}) are "
                    f"encrypted with a key in {key_region} only",
                    via=(bucket.id,),
                )
    for key in graph.of_kind(Kind.KEY):
        primary = key.attributes.get("primary_key_arn")
        if key.region not in wanted or key.attributes.get("multi_region_type") != "REPLICA":
            continue
        if not primary:
            continue
        p_region = _arn_region(str(primary))
        if p_region and p_region != key.region:
            yield Dependency(
                source=key.id,
                target=str(primary),
                need="key",
                from_region=key.region,
                to_region=p_region,
                blocking=False,
                reason=f"multi-region replica of a key in {p_region}; it decrypts on its own "
                f"while {p_region} is down",
            )


def _replication_dependencies(graph: BoundaryGraph, regions: Iterable[str]) -> Iterator[Dependency]:
    wanted = set(regions)
    for bucket in graph.of_kind(Kind.BUCKET):
        for rel in graph.out_edges(bucket.id, REPLICATES_TO):
            dest = graph.get(rel.target)
            if dest is None or dest.region not in wanted or dest.region == bucket.region:
                continue
            yield Dependency(
                source=dest.id,
                target=bucket.id,
                need="replication",
                from_region=dest.region,
                to_region=bucket.region,
                blocking=False,
                reason=f"receives copies of {bucket.name} ({rel.reason}); holds what was "
                "replicated when the source is lost",
            )
    decl = graph.declaration
    for svc in decl.failure.replication:
        members = [m for m in service_members(graph, svc) if member_running(graph, m) is not False]
        hosts = sorted({m.region for m in members})
        if not members:
            continue
        source, targets = service_route(decl, svc)
        for target in targets:
            if target not in wanted or target in hosts:
                continue
            anchor = region_anchor(graph, target, cloud_of_region(decl, target))
            if anchor is None:
                continue
            member = members[0]
            yield Dependency(
                source=anchor.id,
                target=member.id,
                need="replication",
                from_region=target,
                to_region=member.region,
                blocking=True,
                reason=f"replication service {svc.name} runs only in {', '.join(hosts)}: its "
                f"offset sync and any failback replication stop with {member.region}",
            )
        del source


def _dns_dependencies(graph: BoundaryGraph, regions: Iterable[str]) -> Iterator[Dependency]:
    decl = graph.declaration
    zones = [z for dns in decl.failure.dns for z in zones_named(graph, dns.zone, dns.cloud)]
    for region in regions:
        cloud = cloud_of_region(decl, region)
        anchor = region_anchor(graph, region, cloud)
        if anchor is None:
            continue
        for z in (z for z in zones if z.cloud == cloud):  # a zone serves its own cloud's networks
            vpcs = z.attributes.get("vpcs")
            if not z.attributes.get("private") or not isinstance(vpcs, list) or not vpcs:
                continue
            vpc_regions = sorted({str(v.get("region")) for v in vpcs})
            if region in vpc_regions or "global" in vpc_regions:  # a GCP network is global
                continue
            v = sorted(vpcs, key=lambda x: (str(x.get("region")), str(x.get("vpc_id"))))[0]
            vpc_id = f"arn:aws:ec2:{v.get('region')}:{z.account}:vpc/{v.get('vpc_id')}"
            yield Dependency(
                source=anchor.id,
                target=vpc_id,
                need="dns",
                from_region=region,
                to_region=str(v.get("region")),
                blocking=True,
                reason=f"private zone {z.attributes.get('name')} answers only in VPCs of "
                f"{', '.join(vpc_regions)}; clients in {region} cannot resolve its names",
                via=(z.id,),
            )
        if (
            automatic_dns_failover(graph) is False
            and cloud == "aws"
            and region != ROUTE53_CONTROL_REGION
            and ROUTE53_CONTROL_REGION in declared_aws_regions(decl)
            and zones
        ):
            yield Dependency(
                source=anchor.id,
                target=zones[0].id,
                need="control-plane",
                from_region=region,
                to_region=ROUTE53_CONTROL_REGION,
                blocking=True,
                reason=f"failing over {', '.join(d.zone for d in decl.failure.dns)} needs a "
                "record change, made through the "
                f"Route53 control plane in {ROUTE53_CONTROL_REGION}",
            )
    if decl.pattern.value != "active-passive":
        return
    for _, records in declared_records(graph):
        for rec in records:
            if failover_role(rec) != "SECONDARY":
                continue
            targets = record_targets(graph, rec)
            regions_hit = {t.region for t in targets}
            for region in regions:
                if not targets or region in regions_hit:
                    continue
                if cloud_of_region(decl, region) != rec.cloud:
                    continue  # another cloud's regions are not served by this record
                t = targets[0]
                yield Dependency(
                    source=rec.id,
                    target=t.id,
                    need="dns",
                    from_region=region,
                    to_region=t.region,
                    blocking=True,
                    reason=f"the SECONDARY answer of {rec.name} points at "
                    f"{t.name or t.id} in {t.region}, not at {region}",
                )


def _control_dependencies(graph: BoundaryGraph, regions: Iterable[str]) -> Iterator[Dependency]:
    decl = graph.declaration
    roles = {r.id: r for r in graph.of_kind(Kind.ROLE)}
    for region in regions:
        cloud = cloud_of_region(decl, region)
        anchor = region_anchor(graph, region, cloud)
        if anchor is None:
            continue
        for va in sorted(decl.control.vendor_access, key=lambda v: v.role):
            role = roles.get(va.role)
            if role is None:
                continue
            limit = requested_regions(role)
            if limit is None or _region_in(region, limit):
                continue
            yield Dependency(
                source=anchor.id,
                target=role.id,
                need="control-plane",
                from_region=region,
                to_region=sorted(limit)[0] if limit else "none",
                blocking=True,
                reason=f"operator role {role.name} may act only in "
                f"{', '.join(sorted(limit)) or 'no region'} (aws:RequestedRegion)",
            )
        covering = [
            t
            for t in graph.of_kind(Kind.AUDIT_TRAIL)
            if t.cloud == cloud and (t.attributes.get("multi_region") or t.region == region)
        ]  # another cloud's trail records nothing of this region
        if covering and all(t.region != region for t in covering):
            t = covering[0]
            yield Dependency(
                source=anchor.id,
                target=t.id,
                need="audit",
                from_region=region,
                to_region=t.region,
                blocking=False,
                reason=f"its audit trail {t.name} is homed in {t.region}",
            )


def failover_dependencies(graph: BoundaryGraph) -> list[Dependency]:
    """What each declared region (of every cloud) needs from another region, sorted."""
    regions = [r for _, r, _ in declared_regions(graph.declaration)]
    deps = [
        *_key_dependencies(graph, regions),
        *_replication_dependencies(graph, regions),
        *_dns_dependencies(graph, regions),
        *_control_dependencies(graph, regions),
    ]
    unique = {(d.source, d.target, d.need, d.from_region, d.reason): d for d in deps}
    return [unique[k] for k in sorted(unique)]


def dependencies_from_graph(graph: BoundaryGraph) -> list[Dependency]:
    """The ``failure.depends_on`` edges the builder added, read back as dependencies."""
    out: list[Dependency] = []
    for _, _, data in graph.g.edges(data=True):
        if data["kind"] != DEPENDS_ON:
            continue
        rel: Relation = data["relation"]
        a = rel.attributes
        out.append(
            Dependency(
                source=rel.source,
                target=rel.target,
                need=str(a.get("need")),
                from_region=str(a.get("from_region")),
                to_region=str(a.get("to_region")),
                blocking=bool(a.get("blocking")),
                reason=rel.reason,
                via=tuple(str(v) for v in a.get("via") or []),
            )
        )
    return sorted(out, key=lambda d: (d.from_region, d.need, d.source, d.target, d.reason))


@deriver(DEPENDS_ON)
def derive_depends_on(graph: BoundaryGraph) -> list[Relation]:
    return [d.relation() for d in failover_dependencies(graph)]
