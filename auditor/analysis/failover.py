"""Failover reasoning: Kafka capacity per region and the declared DNS failover records.

**Capacity** of a region counts brokers: the ``broker_count`` of live platform
MSK clusters, the desired capacity of platform Auto Scaling groups, and running
platform instances that no counted group already covers. A cluster still being
created, or a serverless cluster, is reported apart (``pending`` /
``serverless``) because it cannot be compared as a broker count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.analysis.boundary_scope import platform_resources
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, Resource

SCALES = "failure.scales"
HEALTH_CHECKED_BY = "failure.health_checked_by"
FAILS_OVER_TO = "failure.fails_over_to"

LIVE_MSK_STATES = frozenset({"ACTIVE", "UPDATING", "REBOOTING_BROKER", "MAINTENANCE", "HEALING"})
PENDING_MSK_STATES = frozenset({"CREATING"})


@dataclass(frozen=True, kw_only=True)
class Contribution:
    resource: str
    kind: str
    brokers: int
    note: str


@dataclass(frozen=True, kw_only=True)
class Capacity:
    """Platform Kafka capacity found in one cloud region."""

    region: str
    brokers: int = 0
    contributions: tuple[Contribution, ...] = ()
    pending: tuple[str, ...] = ()
    """Clusters that are not serving yet (e.g. CREATING)."""
    serverless: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    """Platform capacity resources whose size is not recorded."""
    accounts: tuple[str, ...] = ()

    @property
    def nodes(self) -> tuple[str, ...]:
        ids = [c.resource for c in self.contributions]
        return tuple(dict.fromkeys([*ids, *self.pending, *self.serverless, *self.unknown]))

    def attributes(self) -> dict[str, JSONValue]:
        return {
            "region": self.region,
            "brokers": self.brokers,
            "contributions": [
                {"resource": c.resource, "kind": c.kind, "brokers": c.brokers, "note": c.note}
                for c in self.contributions
            ],
            "pending": list(self.pending),
            "serverless": list(self.serverless),
            "unknown": list(self.unknown),
            "accounts": list(self.accounts),
        }


@dataclass
class _Acc:
    brokers: int = 0
    contributions: list[Contribution] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    serverless: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def capacity_by_region(graph: BoundaryGraph, cloud: str = "aws") -> dict[str, Capacity]:
    """Platform Kafka capacity in every region where the platform has any."""
    platform = [r for r in platform_resources(graph) if r.cloud == cloud]
    groups: dict[str, Resource] = {r.id: r for r in platform if r.kind == Kind.SCALING_GROUP}
    # A group whose instances are platform instances is platform capacity too.
    for inst in (r for r in platform if r.kind == Kind.INSTANCE):
        for g in graph.sources(inst.id, SCALES):
            groups.setdefault(g.id, g)
        name = inst.attributes.get("asg_name")
        if name:
            for g in graph.of_kind(Kind.SCALING_GROUP):
                if (
                    g.attributes.get("name") == name
                    and g.account == inst.account
                    and g.region == inst.region
                ):
                    groups.setdefault(g.id, g)
    covered: set[tuple[str, str, str]] = set()
    acc: dict[str, _Acc] = {}
    for g in sorted(groups.values(), key=lambda r: r.id):
        a = acc.setdefault(g.region, _Acc())
        a.accounts.add(g.account)
        desired = _int(g.attributes.get("desired_capacity"))
        covered.add((g.account, g.region, str(g.attributes.get("name") or g.name)))
        for inst in graph.targets(g.id, SCALES):
            covered.add((inst.account, inst.region, f"id:{inst.id}"))
        for iid in g.attributes.get("instance_ids") or []:
            covered.add((g.account, g.region, f"iid:{iid}"))
        if desired is None:
            a.unknown.append(g.id)
            continue
        a.brokers += desired
        note = f"Auto Scaling group {g.attributes.get('name') or g.name} desires {desired}"
        a.contributions.append(Contribution(resource=g.id, kind=g.kind, brokers=desired, note=note))
    for r in sorted(platform, key=lambda r: r.id):
        a = acc.setdefault(r.region, _Acc())
        if r.kind == Kind.KAFKA_CLUSTER:
            a.accounts.add(r.account)
            state = str(r.attributes.get("state") or "").upper()
            if str(r.attributes.get("cluster_type") or "").upper() == "SERVERLESS":
                if state in LIVE_MSK_STATES:
                    a.serverless.append(r.id)
                else:
                    a.pending.append(r.id)
                continue
            if state in PENDING_MSK_STATES or state not in LIVE_MSK_STATES:
                a.pending.append(r.id)
                continue
            count = _int(r.attributes.get("broker_count"))
            if count is None:
                a.unknown.append(r.id)
                continue
            a.brokers += count
            a.contributions.append(
                Contribution(
                    resource=r.id,
                    kind=r.kind,
                    brokers=count,
                    note=f"MSK cluster {r.name or r.id} has {count} brokers ({state})",
                )
            )
        elif r.kind == Kind.INSTANCE:
            iid = str(r.attributes.get("instance_id") or "")
            asg = str(r.attributes.get("asg_name") or "")
            if (
                (r.account, r.region, f"id:{r.id}") in covered
                or (r.account, r.region, f"iid:{iid}") in covered
                or (asg and (r.account, r.region, asg) in covered)
            ):
                continue
            inst_state = r.attributes.get("state")
            if inst_state is None:
                a.unknown.append(r.id)
                a.accounts.add(r.account)
            elif inst_state == "running":
                a.brokers += 1
                a.accounts.add(r.account)
                a.contributions.append(
                    Contribution(
                        resource=r.id,
                        kind=r.kind,
                        brokers=1,
                        note=f"instance {iid or r.id} is running",
                    )
                )
    return {
        region: Capacity(
            region=region,
            brokers=a.brokers,
            contributions=tuple(a.contributions),
            pending=tuple(sorted(a.pending)),
            serverless=tuple(sorted(a.serverless)),
            unknown=tuple(sorted(a.unknown)),
            accounts=tuple(sorted(a.accounts)),
        )
        for region, a in sorted(acc.items())
        if a.contributions or a.pending or a.serverless or a.unknown
    }


# --- DNS ----------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def record_fqdn(record: str, zone: str) -> str:
    """A declared (relative) record name as a fully qualified name in ``zone``."""
    r, z = _norm(record), _norm(zone)
    if r in ("", "@") or r == z:
        return z
    return r if r.endswith(f".{z}") else f"{r}.{z}"


def zones_named(graph: BoundaryGraph, zone: str) -> list[Resource]:
    z = _norm(zone)
    return [
        r for r in graph.of_kind(Kind.DNS_ZONE) if _norm(str(r.attributes.get("name") or "")) == z
    ]


def records_named(graph: BoundaryGraph, zone: str, fqdn: str) -> list[Resource]:
    """Record sets with this name in zones named ``zone`` (every type and set identifier)."""
    z, n = _norm(zone), _norm(fqdn)
    return [
        r
        for r in graph.of_kind(Kind.DNS_RECORD)
        if _norm(str(r.attributes.get("zone_name") or "")) == z
        and _norm(str(r.attributes.get("name") or "")) == n
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

ENCRYPTED_BY = "data.encrypted_by"
REPLICA_OF = "data.replica_of"
REPLICATES_TO = "data.replicates_to"


def resolve_key(graph: BoundaryGraph, ref: str) -> Resource | None:
    """The collected key a reference names (key ARN, or alias ARN resolved by its aliases)."""
    res = graph.get(ref)
    if res is not None and not res.attributes.get("stub") and res.kind == Kind.KEY:
        return res
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
    return customer and a.get("key_manager") == "CUSTOMER" and a.get("key_state") == "Enabled"
