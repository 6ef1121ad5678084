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
SECONDARY; the profile's monitor is their ``health_check``. An endpoint's
``alwaysServe`` (``Enabled``: served whatever its health) is kept, since such an
endpoint is never withdrawn by the monitor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import FAILS_OVER_TO, HEALTH_CHECKED_BY, RESOLVES_IN
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props, ref_id

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


def _monitor(b: Builder, base: dict[str, Any], fqdn: str, mon: Mapping[str, Any]) -> str | None:
    """The profile's monitor as a health check of its endpoints; None when it has none."""
    if not mon.get("protocol"):
        return None
    hc_id = f"{base['id']}/monitor"
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
    return hc_id


def _failover_roles(endpoints: list[Any], routing: str) -> list[str | None]:
    """Each endpoint's ``failover`` role, in ``endpoints``' (priority) order.

    Under priority routing the first enabled endpoint is PRIMARY and the other
    enabled ones SECONDARY; disabled endpoints, and other routing, have none.
    """
    enabled = [
        e
        for e in endpoints
        if str((e.get("properties") or {}).get("endpointStatus") or "Enabled").lower() == "enabled"
    ]
    roles: list[str | None] = []
    for e in endpoints:
        role = None
        if routing == "failover" and e in enabled:
            role = "PRIMARY" if e is enabled[0] else "SECONDARY"
        roles.append(role)
    return roles


def _endpoint_record(
    b: Builder,
    base: dict[str, Any],
    e: Mapping[str, Any],
    *,
    fqdn: str,
    ttl: Any,
    routing: str,
    role: str | None,
    hc_id: str | None,
) -> str:
    """One endpoint of the profile ``base`` as a record of its DNS name; returns its id."""
    zone = base["id"]
    ep = e.get("properties") or {}
    eid = lid(e.get("id")) or f"{zone}/endpoints/{str(e.get('name')).lower()}"
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
            "ttl": ttl,
            "set_identifier": str(e.get("name") or ""),
            "failover": role,
            "health_check_id": hc_id,
            "values": sorted(values),
            "alias_target": None,
            "routing": routing,
            "priority": ep.get("priority"),
            "endpoint_status": ep.get("endpointStatus"),
            "monitor_status": ep.get("endpointMonitorStatus"),
            "always_serve": ep.get("alwaysServe"),
        },
    )
    if hc_id:
        b.relation(eid, hc_id, HEALTH_CHECKED_BY, "Traffic Manager monitor")
    return eid


@normalizes("azure", "microsoft.network/trafficmanagerprofiles")
def traffic_manager(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    dns = p.get("dnsConfig") or {}
    fqdn = str(dns.get("fqdn") or f"{dns.get('relativeName')}.trafficmanager.net").lower()
    method = str(p.get("trafficRoutingMethod") or "").lower()
    routing = _ROUTING.get(method, "simple")
    b.resource(
        **{**base, "region": "global"},
        kind=Kind.DNS_ZONE,
        attributes={
            "zone_id": base["id"],
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
    hc_id = _monitor(b, base, fqdn, p.get("monitorConfig") or {})
    endpoints = sorted(
        p.get("endpoints") or [], key=lambda e: (e.get("properties") or {}).get("priority") or 0
    )
    ids = [
        (
            _endpoint_record(
                b, base, e, fqdn=fqdn, ttl=dns.get("ttl"), routing=routing, role=role, hc_id=hc_id
            ),
            role,
        )
        for e, role in zip(endpoints, _failover_roles(endpoints, routing), strict=True)
    ]
    primary = [i for i, r in ids if r == "PRIMARY"]
    for sid in (i for i, r in ids if r == "SECONDARY"):
        if primary:
            b.relation(primary[0], sid, FAILS_OVER_TO, "Traffic Manager priority order")


@normalizes("azure", "microsoft.network/privatednszones")
def private_dns_zone(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    b.resource(
        **{**base, "region": "global"},
        kind=Kind.DNS_ZONE,
        attributes={
            "zone_id": base["id"],
            "name": base["name"].rstrip(".").lower(),
            "private": True,
            "vpcs": [],
            "name_servers": None,
            "traffic_manager": False,
            "records_collected": False,
            "routing_method": None,
            "status": None,
        },
    )


@normalizes("azure", "microsoft.network/privatednszones/virtualnetworklinks")
def private_zone_link(rec: RawRecord, b: Builder) -> None:
    """A virtual network link: the zone resolves in that VNet (no resource of its own)."""
    base = place(rec)
    vnet = ref_id(props(rec).get("virtualNetwork"))
    zone = base["id"].split("/virtualnetworklinks/", 1)[0]
    if vnet:
        b.relation(zone, vnet, RESOLVES_IN, f"virtual network link {base['name']}")
