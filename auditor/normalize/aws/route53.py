"""Route53 hosted zones, record sets (with their failover pairs) and health checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.base.edges import FAILS_OVER_TO, HEALTH_CHECKED_BY
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes

_ESCAPE = re.compile(r"\\(\d{3})")


def dns_name(raw: str) -> str:
    """A Route53 name as people write it: escapes decoded (``\\052`` is ``*``), no final dot."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), raw).rstrip(".")


def zone_id_of(zone: Mapping[str, Any]) -> str:
    """``/hostedzone/Z123`` -> ``Z123``."""
    return str(zone["Id"]).rsplit("/", 1)[-1]


def zone_arn(zone_id: str) -> str:
    return f"arn:aws:route53:::hostedzone/{zone_id}"


def record_arn(zone_id: str, name: str, rtype: str, set_identifier: str | None) -> str:
    return f"{zone_arn(zone_id)}/recordset/{name}/{rtype}/{set_identifier or '-'}"


def health_check_arn(check_id: str) -> str:
    return f"arn:aws:route53:::healthcheck/{check_id}"


def _routing(rrset: Mapping[str, Any]) -> str:
    if rrset.get("Failover"):
        return "failover"
    if rrset.get("Region"):
        return "latency"
    if rrset.get("Weight") is not None:
        return "weighted"
    if rrset.get("GeoLocation"):
        return "geolocation"
    if rrset.get("GeoProximityLocation"):
        return "geoproximity"
    if rrset.get("CidrRoutingConfig"):
        return "ip-based"
    if rrset.get("MultiValueAnswer"):
        return "multivalue"
    return "simple"


@normalizes("aws", "route53:zone")
def zone(rec: RawRecord, out: Builder) -> None:
    detail: Mapping[str, Any] = rec.data["HostedZone"]
    zone_id = zone_id_of(detail)
    name = dns_name(str(detail["Name"]))
    vpcs_raw = rec.data.get("VPCs")
    vpcs: JSONValue = None
    if vpcs_raw is not None:
        vpcs = sorted(
            ({"vpc_id": v.get("VPCId"), "region": v.get("VPCRegion")} for v in vpcs_raw),
            key=lambda v: (str(v["region"]), str(v["vpc_id"])),
        )
    out.resource(
        id=zone_arn(zone_id),
        cloud="aws",
        kind=Kind.DNS_ZONE,
        account=rec.account,
        region="global",
        name=name,
        attributes={
            "zone_id": zone_id,
            "name": name,
            "private": bool((detail.get("Config") or {}).get("PrivateZone", False)),
            "vpcs": vpcs,
        },
        source="route53:ListHostedZones",
    )


@normalizes("aws", "route53:record_set")
def record_sets(rec: RawRecord, out: Builder) -> None:
    """All record sets of one zone sharing a name and type (so failover pairs meet)."""
    zone_detail: Mapping[str, Any] = rec.data["HostedZone"]
    zone_id = zone_id_of(zone_detail)
    zone_name = dns_name(str(zone_detail["Name"]))
    primaries: list[tuple[str, str]] = []
    secondaries: list[tuple[str, str]] = []
    for rrset in rec.data["ResourceRecordSets"]:
        name = dns_name(str(rrset["Name"]))
        rtype = str(rrset["Type"])
        set_id = rrset.get("SetIdentifier")
        rid = record_arn(zone_id, name, rtype, set_id)
        alias = rrset.get("AliasTarget")
        check = rrset.get("HealthCheckId")
        failover = rrset.get("Failover")
        out.resource(
            id=rid,
            cloud="aws",
            kind=Kind.DNS_RECORD,
            account=rec.account,
            region="global",
            name=name,
            attributes={
                "zone_id": zone_id,
                "zone_name": zone_name,
                "name": name,
                "type": rtype,
                "ttl": rrset.get("TTL"),
                "set_identifier": set_id,
                "failover": failover,
                "health_check_id": check,
                "values": sorted(str(r["Value"]) for r in rrset.get("ResourceRecords") or []),
                "alias_target": (
                    {
                        "dns_name": dns_name(str(alias["DNSName"])),
                        "zone_id": alias.get("HostedZoneId"),
                        "evaluate_target_health": bool(alias.get("EvaluateTargetHealth")),
                    }
                    if alias
                    else None
                ),
                "routing": _routing(rrset),
            },
            source="route53:ListResourceRecordSets",
        )
        if check:
            out.relation(
                rid, health_check_arn(str(check)), HEALTH_CHECKED_BY, f"health check {check}"
            )
        if failover == "PRIMARY":
            primaries.append((rid, str(set_id)))
        elif failover == "SECONDARY":
            secondaries.append((rid, str(set_id)))
    for primary, primary_set in primaries:
        for secondary, secondary_set in secondaries:
            out.relation(
                primary,
                secondary,
                FAILS_OVER_TO,
                f"failover PRIMARY {primary_set} -> SECONDARY {secondary_set}",
            )


@normalizes("aws", "route53:health_check")
def health_check(rec: RawRecord, out: Builder) -> None:
    detail: Mapping[str, Any] = rec.data["HealthCheck"]
    check_id = str(detail["Id"])
    config: Mapping[str, Any] = detail.get("HealthCheckConfig") or {}
    target = config.get("FullyQualifiedDomainName") or config.get("IPAddress")
    out.resource(
        id=health_check_arn(check_id),
        cloud="aws",
        kind=Kind.HEALTH_CHECK,
        account=rec.account,
        region="global",
        name=str(target or check_id),
        attributes={
            "health_check_id": check_id,
            "type": config.get("Type"),
            "target": target,
            "port": config.get("Port"),
            "resource_path": config.get("ResourcePath"),
            "failure_threshold": config.get("FailureThreshold"),
            "request_interval": config.get("RequestInterval"),
        },
        source="route53:ListHealthChecks",
    )
