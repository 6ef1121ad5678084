"""The recorded drills of a graph as the drill rules see them: counted, by kind, by age.

A drill counts when it records the declaration's platform and, under
``failure.drills.signatures: required``, when a trusted key verified its signature.
Its age is measured to the end of the drill catalog's ``as_of`` date (the scan's
UTC date), so an offline re-evaluation of a bundle gives the same verdicts. The
runbook check and the failover plan use the same window as ``failure.drill-recent``.
"""

from __future__ import annotations

from collections.abc import Collection

from auditor.boundary import Declaration, Drills
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Resource
from auditor.normalize.drills import (
    CATALOG_KIND,
    DRILL_KIND,
    FAILOVER_KINDS,
    as_of_instant,
    parse_time,
)


def days(seconds: float) -> str:
    return f"{seconds / 86400:.1f} days"


def kind_of(drill: Resource) -> str:
    """A drill's kind (files written before kinds existed are region failovers)."""
    return str(drill.attributes.get("kind") or "region-failover")


def signature_of(drill: Resource) -> dict[str, JSONValue]:
    raw = drill.attributes.get("signature")
    return dict(raw) if isinstance(raw, dict) else {"status": "unsigned"}


def evidence_note(drill: Resource) -> str:
    """What vouches for the drill: a verified signature, or only whoever wrote it."""
    sig = signature_of(drill)
    status, signer = sig.get("status"), sig.get("signer")
    if status == "verified":
        return f"signed by {signer}, verified against a trusted key"
    if status == "unchecked":
        return f"signed by {signer} but not verified (no trusted key given): a self-report"
    return "unsigned: a self-report"


class DrillView:
    """The drills of a graph that count for the declaration, and the window they count in."""

    def __init__(self, graph: BoundaryGraph, decl: Declaration) -> None:
        self.settings = decl.failure.drills or Drills()
        catalogs = graph.of_kind(CATALOG_KIND)
        self.catalog = catalogs[0] if catalogs else None
        self.as_of = as_of_instant(self.catalog.attributes.get("as_of")) if self.catalog else None
        all_drills = graph.of_kind(DRILL_KIND)
        self.name = decl.name
        mine = [d for d in all_drills if d.attributes.get("platform") == decl.name]
        self.foreign = sorted(d.id for d in all_drills if d not in mine)
        required = self.settings.signatures == "required"
        self.drills = [
            d for d in mine if not required or signature_of(d).get("status") == "verified"
        ]
        self.unverified = sorted(d.id for d in mine if d not in self.drills)

    def exclusion_note(self) -> str:
        """Why drills in the folder were not counted (another platform, not verified)."""
        notes = []
        if self.foreign:
            notes.append(
                f"{len(self.foreign)} drill(s) there record another platform than "
                f"{self.name!r}, the declaration's name: {', '.join(self.foreign)}"
            )
        if self.unverified:
            notes.append(
                f"{len(self.unverified)} drill(s) are not signed by a trusted key and "
                f"failure.drills.signatures is required: {', '.join(self.unverified)}"
            )
        return f" ({'; '.join(notes)})" if notes else ""

    def matching(self, *, kinds: Collection[str], to_region: str | None = None) -> list[Resource]:
        """Counted drills of ``kinds`` (into region key ``to_region``), newest end first."""
        found = [
            d
            for d in self.drills
            if kind_of(d) in kinds
            and (to_region is None or d.attributes.get("to_region") == to_region)
        ]
        return sorted(
            found, key=lambda d: (str(d.attributes.get("ended") or ""), d.id), reverse=True
        )

    def into(self, cloud: str, region: str) -> list[Resource]:
        """Failover drills (region failover or failback) into ``cloud``/``region``."""
        return self.matching(kinds=FAILOVER_KINDS, to_region=f"{cloud}/{region}")

    def age(self, drill: Resource) -> float | None:
        ended = parse_time(drill.attributes.get("ended"))
        if ended is None or self.as_of is None:
            return None
        return (self.as_of - ended).total_seconds()

    def is_recent(self, drill: Resource) -> bool:
        age = self.age(drill)
        return age is not None and 0 <= age <= self.settings.max_age

    def newest_recent(self, drills: list[Resource]) -> Resource | None:
        """The first drill of ``drills`` (newest first) within the max age."""
        return next((d for d in drills if self.is_recent(d)), None)

    def recent(self, cloud: str, region: str) -> tuple[Resource | None, list[Resource]]:
        """The newest failover drill into ``region`` within max age, and every one into it."""
        drills = self.into(cloud, region)
        return self.newest_recent(drills), drills

    def base_attributes(self) -> dict[str, JSONValue]:
        return {
            "drills_path": self.settings.path,
            "max_age_seconds": self.settings.max_age,
            "as_of": self.catalog.attributes.get("as_of") if self.catalog else None,
            "folder_exists": self.catalog.attributes.get("exists") if self.catalog else None,
            "drills_for_other_platforms": list(self.foreign),
            "drills_not_verified": list(self.unverified),
            "signatures": self.settings.signatures,
        }

    def drill_json(self, d: Resource) -> dict[str, JSONValue]:
        a = d.attributes
        return {
            "id": d.id,
            "kind": kind_of(d),
            "started": a.get("started"),
            "ended": a.get("ended"),
            "from_region": a.get("from_region"),
            "to_region": a.get("to_region"),
            "outcome": a.get("outcome"),
            "age_seconds": self.age(d),
            "recovery_time_seconds": a.get("recovery_time_seconds"),
            "data_loss_seconds": a.get("data_loss_seconds"),
            "signature": signature_of(d),
        }
