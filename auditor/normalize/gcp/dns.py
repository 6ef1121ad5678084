"""Cloud DNS managed zones and record sets, with routing policies.

A record set with a ``primaryBackup`` routing policy becomes two records, as
Route53 failover records are: ``{id}#primary`` (``failover`` PRIMARY) and
``{id}#backup`` (SECONDARY), so failure rules read one shape. A policy's
``healthCheck`` is the records' ``health_check_id`` (a
``failure.health_checked_by`` edge); internal load balancer targets are
health-checked through their backends (``health_checked_targets`` lists them).
Geo policies are ``routing`` ``geolocation``, weighted round robin
``weighted``. ``trippingPercentage`` (fail over when the healthy share of
primaries falls below it) and the regions of targeted internal load balancers
(``target_regions``) are kept for the failover rules. Records carry ``zone_id``
(the zone's full name); ``zone_name`` is null because a record set does not repeat
its zone's DNS name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import FAILS_OVER_TO, HEALTH_CHECKED_BY
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import SOURCE, data, full_name, labels, last, sorted_str


def _zone_of_record(rid: str) -> str:
    return rid.split("/rrsets/", 1)[0]


@normalizes("gcp", "dns.googleapis.com/ManagedZone")
def managed_zone(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    zid = str(rec.data["name"])
    nets = [
        n
        for v in (d.get("privateVisibilityConfig") or {}).get("networks") or []
        if (n := full_name(v.get("networkUrl")))
    ]
    out.resource(
        id=zid,
        cloud="gcp",
        kind=Kind.DNS_ZONE,
        account=rec.account,
        region="global",
        name=str(d.get("name") or last(zid)),
        tags=labels(d),
        attributes={
            "zone_id": zid,
            "name": str(d.get("dnsName") or "").rstrip("."),
            "private": d.get("visibility") == "private",
            "vpcs": [{"vpc_id": n, "region": "global"} for n in sorted(set(nets))],
        },
        source=SOURCE,
    )


def _lb_regions(item: Mapping[str, Any]) -> list[str]:
    """Regions of the internal load balancers a policy item targets."""
    hc: Mapping[str, Any] = item.get("healthCheckedTargets") or item
    return sorted(
        {str(lb["region"]) for lb in hc.get("internalLoadBalancers") or [] if lb.get("region")}
    )


def _targets(item: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Values (rrdatas and target addresses) and health-checked load balancers."""
    values = [str(v) for v in item.get("rrdatas") or []]
    # A geo/wrr item nests its targets; primaryTargets is the targets object itself.
    hc: Mapping[str, Any] = item.get("healthCheckedTargets") or item
    lbs: list[str] = []
    for lb in hc.get("internalLoadBalancers") or []:
        if lb.get("ipAddress"):
            values.append(str(lb["ipAddress"]))
        if lb.get("loadBalancerType") or lb.get("networkUrl"):
            lbs.append(str(lb.get("ipAddress") or ""))
    values += [str(e) for e in hc.get("externalEndpoints") or []]
    return sorted(set(values)), sorted(set(lbs))


def _emit_record(rec: RawRecord, out: Builder, record_id: str, attrs: dict[str, JSONValue]) -> str:
    """One record resource; a routing policy's health check becomes its edge."""
    out.resource(
        id=record_id,
        cloud="gcp",
        kind=Kind.DNS_RECORD,
        account=rec.account,
        region="global",
        name=str(attrs["name"]),
        attributes=attrs,
        source=SOURCE,
    )
    if attrs.get("health_check_id"):
        out.relation(record_id, str(attrs["health_check_id"]), HEALTH_CHECKED_BY, "routing policy")
    return record_id


def _backup_targets(pb: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Values, health-checked load balancers and regions of a ``primaryBackup``'s backups."""
    values: list[str] = []
    lbs: list[str] = []
    regions: list[str] = []
    for item in (pb.get("backupGeoTargets") or {}).get("items") or []:
        v, checked = _targets(item)
        values += v
        lbs += checked
        if item.get("location"):
            regions.append(str(item["location"]))
    return values, lbs, regions


def _failover_records(
    rec: RawRecord,
    out: Builder,
    base: dict[str, JSONValue],
    pb: Mapping[str, Any],
    hc: str | None,
) -> None:
    """A ``primaryBackup`` record set as a PRIMARY and a SECONDARY record, as Route53 has."""
    rid = str(rec.data["name"])
    primary_values, primary_lbs = _targets(pb.get("primaryTargets") or {})
    backup_values, backup_lbs, regions = _backup_targets(pb)
    common: dict[str, JSONValue] = {**base, "routing": "failover", "health_check_id": hc}
    p = _emit_record(
        rec,
        out,
        rid + "#primary",
        {
            **common,
            "set_identifier": "primary",
            "failover": "PRIMARY",
            "values": primary_values,
            "health_checked_targets": primary_lbs,
            "locations": [],
            "trickle_ratio": pb.get("trickleTraffic"),
            "tripping_percentage": pb.get("trippingPercentage"),
            "target_regions": _lb_regions(pb.get("primaryTargets") or {}),
        },
    )
    b = _emit_record(
        rec,
        out,
        rid + "#backup",
        {
            **common,
            "set_identifier": "backup",
            "failover": "SECONDARY",
            "values": sorted(set(backup_values)),
            "health_checked_targets": sorted(set(backup_lbs)),
            "locations": sorted_str(regions),
            "trickle_ratio": None,
            "tripping_percentage": pb.get("trippingPercentage"),
            "target_regions": sorted(
                {
                    r
                    for i in (pb.get("backupGeoTargets") or {}).get("items") or []
                    for r in _lb_regions(i)
                }
            ),
        },
    )
    out.relation(p, b, FAILS_OVER_TO, f"primaryBackup policy of {base['name']}")


def _routed_targets(
    d: Mapping[str, Any], policy: Mapping[str, Any]
) -> tuple[str, list[str], list[str], list[str]]:
    """Routing, values, health-checked targets and locations of a simple, geo or wrr set."""
    routing = "simple"
    values = [str(v) for v in d.get("rrdatas") or []]
    locations: list[str] = []
    checked: list[str] = []
    if policy.get("geo"):
        routing = "geolocation"
        for item in policy["geo"].get("items") or []:
            v, lbs = _targets(item)
            values += v
            checked += lbs
            locations.append(str(item.get("location") or ""))
    elif policy.get("wrr"):
        routing = "weighted"
        for item in policy["wrr"].get("items") or []:
            v, lbs = _targets(item)
            values += v
            checked += lbs
    return routing, values, checked, locations


@normalizes("gcp", "dns.googleapis.com/ResourceRecordSet")
def record_set(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    rid = str(rec.data["name"])
    policy: Mapping[str, Any] = d.get("routingPolicy") or {}
    hc = full_name(policy.get("healthCheck"))
    base: dict[str, JSONValue] = {
        "zone_id": _zone_of_record(rid),
        "zone_name": None,
        "name": str(d.get("name") or "").rstrip("."),
        "type": str(d.get("type") or ""),
        "ttl": d.get("ttl"),
        "alias_target": None,
    }
    pb = policy.get("primaryBackup")
    if pb:
        _failover_records(rec, out, base, pb, hc)
        return
    routing, values, checked, locations = _routed_targets(d, policy)
    _emit_record(
        rec,
        out,
        rid,
        {
            **base,
            "routing": routing,
            "set_identifier": None,
            "failover": None,
            "health_check_id": hc,
            "values": sorted(set(values)),
            "health_checked_targets": sorted(set(checked)),
            "locations": sorted_str(locations),
            "trickle_ratio": None,
            "tripping_percentage": None,
            "target_regions": [],
        },
    )
