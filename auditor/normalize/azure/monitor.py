"""Diagnostic settings: where a resource's logs go (``flow_log``-like ``diagnostic_setting``)."""

from __future__ import annotations

from auditor.base.edges import LOGS_TO
from auditor.model import RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props


@normalizes("azure", "microsoft.insights/diagnosticsettings")
def diagnostic_setting(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    target = base["id"].split("/providers/microsoft.insights/diagnosticsettings/", 1)[0]
    storage = lid(p.get("storageAccountId")) or None
    workspace = lid(p.get("workspaceId")) or None
    hub = lid(p.get("eventHubAuthorizationRuleId")) or None
    b.resource(
        **{**base, "region": base["region"] if base["region"] != "global" else "global"},
        kind="diagnostic_setting",
        attributes={
            "resource_id": target,
            "storage_account_id": storage,
            "workspace_id": workspace,
            "event_hub_rule_id": hub,
            "logs": sorted(
                str(x.get("category") or x.get("categoryGroup"))
                for x in p.get("logs") or []
                if x.get("enabled")
            ),
            "metrics": sorted(
                str(x.get("category")) for x in p.get("metrics") or [] if x.get("enabled")
            ),
        },
    )
    if storage:
        b.relation(target, storage, LOGS_TO, "diagnostic setting sends logs to storage")
