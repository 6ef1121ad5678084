"""Where a verdict's resource is (cloud, account, region), for the per-verdict formats.

The inventory row says it for a collected resource; for anything else (a scope, an
outside principal, a resource that was not collected) the id's own grammar does
(:func:`auditor.base.ids.locate_id`), and failing both the scan's only cloud.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.base.ids import locate_id
from auditor.model import Resource
from auditor.render import ReportData


def resources_named(report: ReportData, ids: Iterable[str]) -> dict[str, Resource]:
    """The inventory rows of ``ids`` (not a map of every resource of the estate)."""
    named = set(ids)
    return {r.id: r for r in report.inventory.resources if r.id in named}


def only_cloud(report: ReportData) -> str:
    """The scan's cloud when it read just one ('' otherwise)."""
    inv = report.inventory
    clouds = {r.cloud for r in inv.resources if r.cloud} | {u.cloud for u in inv.collected}
    return next(iter(clouds)) if len(clouds) == 1 else ""


def where(rid: str, res: Resource | None, fallback_cloud: str = "") -> tuple[str, str, str]:
    """(cloud, account, region) of ``rid``; '' where unknown, and a global region ''."""
    if res is not None:
        return res.cloud, res.account, "" if res.region == "global" else res.region
    cloud, account, region = locate_id(rid)
    return cloud or fallback_cloud, account, region
