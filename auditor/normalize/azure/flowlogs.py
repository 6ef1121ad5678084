"""Network Watcher flow logs (``flow_log``): NSG and VNet flow logs and where they are stored.

``enabledFilteringCriteria`` (``filter``) and ``recordTypes`` (``record_types``: of the flow
states B, C, E, D) narrow what a flow log records; unset, it records every flow.
"""

from __future__ import annotations

from auditor.base.edges import LOGS_TO
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props


@normalizes("azure", "microsoft.network/networkwatchers/flowlogs")
def flow_log(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    retention = p.get("retentionPolicy") or {}
    days = retention.get("days")
    analytics = (p.get("flowAnalyticsConfiguration") or {}).get(
        "networkWatcherFlowAnalyticsConfiguration"
    ) or {}
    storage = lid(p.get("storageId")) or None
    b.resource(
        **base,
        kind=Kind.FLOW_LOG,
        attributes={
            "resource_id": lid(p.get("targetResourceId")) or None,
            "enabled": p.get("enabled") if isinstance(p.get("enabled"), bool) else None,
            "destination": storage,
            "destination_type": "storage" if storage else None,
            "retention_days": (
                (days if retention.get("enabled") else 0) if isinstance(days, int) else None
            ),
            "analytics_workspace_id": (
                lid(analytics.get("workspaceResourceId")) or None
                if analytics.get("enabled")
                else None
            ),
            "traffic_type": "ALL",
            "filter": str(p.get("enabledFilteringCriteria") or "") or None,
            "record_types": str(p.get("recordTypes") or "") or None,
        },
    )
    if storage:
        b.relation(base["id"], storage, LOGS_TO, "flow log stored in storage account")
