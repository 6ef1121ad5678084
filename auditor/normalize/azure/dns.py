"""Azure DNS zones and Traffic Manager profiles.

An Azure DNS zone's record sets are child resources the Resource Graph
``resources`` table does not list (ARM serves them per zone through the DNS
provider's RecordSets API, which the auditor does not call), so a zone is
collected without its records: ``records_collected`` false, and the DNS
rules say INCONCLUSIVE for a name in it rather than "no record".

A Traffic Manager profile answers for one DNS name
(``{relativeName}.trafficmanager.net``): it becomes a ``dns_zone`` of that
name whose endpoints are ``dns_record`` values. Priority routing is
``failover`` routing: the lowest priority endpoint is PRIMARY, the others
SECONDARY; the profile's monitor is their ``health_check``.
"""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props

_ROUTING = {
    "priority": "failover",
    "weighted": "weighted",
    "performance": "latency",
    "geographic": "geolocation",
    "multivalue": "multivalue",
    "subnet": "ip-based",
}


@normalizes("azure", "microsoft.network/dnszones")
def dns_zone(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    b.resource(
        **{**base, "region": "global"},
        kind=Kind.DNS_ZONE,
        attributes={
            "zone_id": base["id"],
            "name": base["name"].rstrip(".").lower(),
            "private": str(p.get("zoneType") or "Public").lower() == "private",
            "vpcs": [],
            "name_servers": sorted(p.get("nameServers") or []),
            "traffic_manager": False,
            "records_collected": False,
            "routing_method": None,
            "status": None,
        },
    )


@normalizes("azure", "microsoft.network/trafficmanagerprofiles")
def traffic_manager(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    dns = p.get("dnsConfig") or {}
    fqdn = str(dns.get("fqdn") or f"{dns.get('relativeName')}.trafficmanager.net").lower()
    method = str(p.get("trafficRoutingMethod") or "").lower()
    routing = _ROUTING.get(method, "simple")
    zone = base["id"]
    b.resource(
        **{**base, "region": "global"},
        kind=Kind.DNS_ZONE,
        attributes={
            "zone_id": zone,
            "name": fqdn,
            "private": False,
            "vpcs": [],
            "name_servers": None,
            "traffic_manager": True,
            "records_collected": True,
            "routing_method": p.get("trafficRoutingMethod"),
            "status": p.get("profileStatus"),
        },
    )
    mon = p.get("monitorConfig") or {}
    hc_id = None
    if mon.get("protocol"):
        hc_id = f"{zone}/monitor"
        b.resource(
            id=hc_id,
            cloud="azure",
            kind=Kind.HEALTH_CHECK,
            account=base["account"],
            region="global",
            name=f"{base['name']} monitor",
            source=base["source"],
            attributes={
                "health_check_id": hc_id,
                "type": str(mon.get("protocol")).upper(),
                "target": fqdn,
                "port": mon.get("port"),
                "resource_path": mon.get("path"),
                "failure_threshold": mon.get("toleratedNumberOfFailures"),
                "request_interval": mon.get("intervalInSeconds"),
            },
        )
    endpoints = sorted(
        p.get("endpoints") or [], key=lambda e: (e.get("properties") or {}).get("priority") or 0
    )
    enabled = [
        e
        for e in endpoints
        if str((e.get("properties") or {}).get("endpointStatus") or "Enabled").lower() == "enabled"
    ]
    ids: list[tuple[str, str | None]] = []
    for e in endpoints:
        ep = e.get("properties") or {}
        eid = lid(e.get("id")) or f"{zone}/endpoints/{str(e.get('name')).lower()}"
        role = None
        if routing == "failover" and e in enabled:
            role = "PRIMARY" if e is enabled[0] else "SECONDARY"
        values = [str(v) for v in (ep.get("target"), lid(ep.get("targetResourceId"))) if v]
        b.resource(
            id=eid,
            cloud="azure",
            kind=Kind.DNS_RECORD,
            account=base["account"],
            region=str(ep.get("endpointLocation") or "global").replace(" ", "").lower(),
            name=str(e.get("name") or ""),
            source=base["source"],
            attributes={
                "zone_id": zone,
                "zone_name": fqdn,
                "name": fqdn,
                "type": "CNAME",
                "ttl": dns.get("ttl"),
                "set_identifier": str(e.get("name") or ""),
                "failover": role,
                "health_check_id": hc_id,
                "values": sorted(values),
                "alias_target": None,
                "routing": routing,
                "priority": ep.get("priority"),
                "endpoint_status": ep.get("endpointStatus"),
                "monitor_status": ep.get("endpointMonitorStatus"),
            },
        )
        ids.append((eid, role))
        if hc_id:
            b.relation(eid, hc_id, "failure.health_checked_by", "Traffic Manager monitor")
    primary = [i for i, r in ids if r == "PRIMARY"]
    for sid in (i for i, r in ids if r == "SECONDARY"):
        if primary:
            b.relation(primary[0], sid, "failure.fails_over_to", "Traffic Manager priority order")
