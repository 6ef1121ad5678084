"""The RPO/RTO table of a report: declared objectives, what drills measured, what DNS allows.

Computed once from the graph and the declaration (:func:`recovery_table`) and
carried in ``ReportData.recovery``, so report.md and report.html show the same
figures. It states facts beside the objectives; the failure rules judge them.

- Drill-measured: each recorded drill (``drill`` resources) with its recovery
  time, replication lag, data loss window and DNS switch time as recorded.
- DNS allows: for each declared failover name (``failure.dns`` zone and records),
  the PRIMARY record's TTL plus the time its health check takes to declare it
  down (failure threshold x request interval): the soonest every client can
  resolve the standby. The longest TTL of the name is shown too (it bounds failback).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.analysis.failover import failover_role, health_check_of, record_fqdn, records_named
from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

DRILL_KIND = "drill"


@dataclass(frozen=True, kw_only=True)
class DrillRow:
    """One recorded drill, as measured."""

    drill: str
    started: str
    outcome: str
    from_region: str
    to_region: str
    recovery_seconds: float | None
    replication_lag_seconds: float | None
    data_loss_seconds: float | None
    dns_switch_seconds: float | None


@dataclass(frozen=True, kw_only=True)
class DnsRow:
    """One declared failover name: its PRIMARY's TTL and the detection time of its check."""

    name: str
    records: int
    """Record sets collected under the name (0: none found)."""
    primary_ttl_seconds: int | None
    """How long resolvers may keep answering with the failed PRIMARY; None when unknown
    (an alias record takes its target's TTL, which is not collected)."""
    longest_ttl_seconds: int | None
    """The longest TTL of any record set of the name (a SECONDARY's bounds failback)."""
    health_check: str
    """The PRIMARY's health check id; "" when the PRIMARY names none."""
    detection_seconds: int | None
    """failure threshold x request interval; None when the check or its settings are unknown."""
    note: str = ""
    """Why a figure is missing, in a few words."""

    @property
    def switch_seconds(self) -> int | None:
        """PRIMARY TTL plus detection: how long clients may keep resolving the failed primary."""
        if self.primary_ttl_seconds is None or self.detection_seconds is None:
            return None
        return self.primary_ttl_seconds + self.detection_seconds


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """Objectives beside the evidence: declared, drill-measured, DNS-bound."""

    rpo_seconds: int
    rto_seconds: int
    drills: tuple[DrillRow, ...] = ()
    dns: tuple[DnsRow, ...] = ()
    dns_declared: bool = False

    def worst_drill(self, field: str) -> tuple[float | None, str]:
        """The largest value of a drill field and the drill that recorded it."""
        best: tuple[float | None, str] = (None, "")
        for d in self.drills:
            value = getattr(d, field)
            if value is not None and (best[0] is None or value > best[0]):
                best = (value, d.drill)
        return best


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _drill_row(r: Resource) -> DrillRow:
    a = r.attributes
    m = a.get("measurements")
    m = m if isinstance(m, dict) else {}
    return DrillRow(
        drill=str(a.get("id") or r.name),
        started=str(a.get("started") or ""),
        outcome=str(a.get("outcome") or ""),
        from_region=str(a.get("from_region") or ""),
        to_region=str(a.get("to_region") or ""),
        recovery_seconds=_number(a.get("recovery_time_seconds")),
        replication_lag_seconds=_number(m.get("replication_lag_seconds")),
        data_loss_seconds=_number(a.get("data_loss_seconds")),
        dns_switch_seconds=_number(m.get("dns_switch_seconds")),
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dns_row(graph: BoundaryGraph, fqdn: str, records: list[Resource]) -> DnsRow:
    if not records:
        return DnsRow(
            name=fqdn,
            records=0,
            primary_ttl_seconds=None,
            longest_ttl_seconds=None,
            health_check="",
            detection_seconds=None,
            note="no record set collected",
        )
    known = [t for t in (_int(r.attributes.get("ttl")) for r in records) if t is not None]
    notes = []
    primary = next((r for r in records if failover_role(r) == "PRIMARY"), None)
    primary_ttl = hc_id = None
    detection = None
    if primary is None:
        notes.append("no PRIMARY record")
    else:
        primary_ttl = _int(primary.attributes.get("ttl"))
        if primary_ttl is None:
            alias = primary.attributes.get("alias_target")
            notes.append(
                "the PRIMARY is an alias: it takes its target's TTL, not collected"
                if isinstance(alias, dict)
                else "the PRIMARY's TTL was not recorded"
            )
        hc_id, hc = health_check_of(graph, primary)
        if not hc_id:
            notes.append("the PRIMARY has no health check")
        elif hc is None:
            notes.append("its health check was not collected")
        else:
            threshold = _int(hc.attributes.get("failure_threshold"))
            interval = _int(hc.attributes.get("request_interval"))
            if threshold is None or interval is None:
                notes.append("health check settings not recorded")
            else:
                detection = threshold * interval
    return DnsRow(
        name=fqdn,
        records=len(records),
        primary_ttl_seconds=primary_ttl,
        longest_ttl_seconds=max(known) if known else None,
        health_check=hc_id or "",
        detection_seconds=detection,
        note="; ".join(notes),
    )


def recovery_table(graph: BoundaryGraph, decl: Declaration) -> Recovery:
    """The RPO/RTO table of the graph under the declaration."""
    drills = sorted(
        (_drill_row(r) for r in graph.of_kind(DRILL_KIND)), key=lambda d: (d.started, d.drill)
    )
    rows: list[DnsRow] = []
    for zone in decl.failure.dns:
        for record in zone.records:
            fqdn = record_fqdn(record, zone.zone)
            found = records_named(graph, zone.zone, fqdn, zone.cloud)
            found = [r for r in found if r.kind == Kind.DNS_RECORD]
            rows.append(_dns_row(graph, fqdn, sorted(found, key=lambda r: r.id)))
    return Recovery(
        rpo_seconds=int(decl.objectives.rpo),
        rto_seconds=int(decl.objectives.rto),
        drills=tuple(drills),
        dns=tuple(rows),
        dns_declared=bool(decl.failure.dns),
    )
