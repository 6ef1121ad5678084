"""EC2 ``DescribeRegions`` filters, which moto ignores, answered as EC2 does.

moto returns every region whatever the ``Filters`` say. A peer tool that asks for the
``not-opted-in`` regions (to skip them) then skips them all, and reads nothing regional
from the fake: ScoutSuite does so, which made the side-by-side benchmark compare the
auditor's whole scan with ScoutSuite's global services only. EC2 applies the documented
filters ``opt-in-status``, ``region-name`` and ``endpoint``; this does the same.
"""

from __future__ import annotations

from typing import Any

FILTERED = {
    "opt-in-status": "opt_in_status",
    "region-name": "name",
    "endpoint": "endpoint",
}
"""DescribeRegions filter names and the attribute of moto's ``Region`` each compares."""


def _matches(region: Any, filters: dict[str, list[str]]) -> bool:
    for name, values in filters.items():
        attr = FILTERED.get(name)
        if attr is not None and str(getattr(region, attr, "")) not in values:
            return False
    return True


def honour_region_filters() -> None:
    """Make moto's ``DescribeRegions`` apply its filters (idempotent, process-wide)."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses.availability_zones_and_regions import (
        AvailabilityZonesAndRegions,
    )

    if getattr(AvailabilityZonesAndRegions, "_auditor_filters", False):
        return

    def describe_regions(self: Any) -> ActionResult:
        self.error_on_dryrun()
        names = self._get_param("RegionNames", [])
        raw: dict[str, Any] = self._filters_from_querystring()
        filters = {str(k): [str(v) for v in vs] for k, vs in raw.items()}
        regions = self.ec2_backend.describe_regions(names)
        kept = [r for r in regions if _matches(r, filters)]
        return ActionResult({"Regions": kept})

    AvailabilityZonesAndRegions.describe_regions = describe_regions  # type: ignore[method-assign]
    AvailabilityZonesAndRegions._auditor_filters = True  # type: ignore[attr-defined]
