"""Azure Monitor: diagnostic settings, Log Analytics workspaces, data collection rules.

A diagnostic setting set on a subscription (``/subscriptions/{id}/providers/
microsoft.insights/diagnosticsettings/{name}``, read through ARM) exports the
subscription's Activity Log: ``scope`` is ``subscription``. One set on a resource
exports that resource's logs (Key Vault ``AuditEvent``, storage ``StorageRead``...):
``scope`` is ``resource``.
"""

from __future__ import annotations

import re
from typing import Any

from auditor.base.edges import LOGS_TO
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props

_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+$")
_SETTING = "/providers/microsoft.insights/diagnosticsettings/"


@normalizes("azure", "microsoft.insights/diagnosticsettings")
def diagnostic_setting(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    target = base["id"].split(_SETTING, 1)[0]
    storage = lid(p.get("storageAccountId")) or None
    workspace = lid(p.get("workspaceId")) or None
    hub = lid(p.get("eventHubAuthorizationRuleId")) or None
    b.resource(
        **{**base, "account": base["account"] or _subscription(target)},
        kind="diagnostic_setting",
        attributes={
            "resource_id": target,
            "scope": "subscription" if _SUBSCRIPTION.match(target) else "resource",
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


def _subscription(rid: str) -> str:
    m = re.match(r"^/subscriptions/([^/]+)", rid)
    return m.group(1) if m else ""


@normalizes("azure", "microsoft.operationalinsights/workspaces")
def log_workspace(rec: RawRecord, b: Builder) -> None:
    p = props(rec)
    retention = p.get("retentionInDays")
    b.resource(
        **place(rec),
        kind="log_workspace",
        attributes={
            "customer_id": str(p.get("customerId") or "").lower() or None,
            "retention_days": retention if isinstance(retention, int) else None,
            "public_ingestion": p.get("publicNetworkAccessForIngestion"),
            "public_query": p.get("publicNetworkAccessForQuery"),
            "sku": str((p.get("sku") or {}).get("name") or "") or None,
        },
    )


_DESTINATION_IDS = {
    "logAnalytics": "workspaceResourceId",
    "storageAccounts": "storageAccountResourceId",
    "storageBlobsDirect": "storageAccountResourceId",
    "storageTablesDirect": "storageAccountResourceId",
    "eventHubs": "eventHubResourceId",
    "eventHubsDirect": "eventHubResourceId",
    "monitoringAccounts": "accountResourceId",
    "azureMonitorMetrics": "",
}


def _destinations(dest: Any) -> list[JSONValue]:
    out: list[JSONValue] = []
    if not isinstance(dest, dict):
        return out
    for kind in sorted(dest):
        entries = dest[kind]
        items = entries if isinstance(entries, list) else [entries]
        key = _DESTINATION_IDS.get(kind, "")
        for d in items:
            if isinstance(d, dict):
                out.append(
                    {"type": kind, "name": d.get("name"), "id": lid(d.get(key)) if key else None}
                )
    return out


@normalizes("azure", "microsoft.insights/datacollectionrules")
def data_collection_rule(rec: RawRecord, b: Builder) -> None:
    p = props(rec)
    streams = sorted(
        {str(s) for flow in p.get("dataFlows") or [] for s in (flow or {}).get("streams") or []}
    )
    base = place(rec)
    destinations = _destinations(p.get("destinations"))
    b.resource(
        **base,
        kind="data_collection_rule",
        attributes={"destinations": destinations, "streams": list(streams)},
    )
    for d in destinations:
        if isinstance(d, dict) and d.get("id"):
            b.relation(
                base["id"], str(d["id"]), LOGS_TO, f"data collection rule sends to {d['type']}"
            )


def immutability(p: dict[str, Any]) -> dict[str, JSONValue] | None:
    """A storage account's account-level immutability policy as ``object_lock``, or None.

    None (unknown) when the row says nothing: container-level policies are not
    Resource Graph rows, so a missing account policy does not prove there is none.
    """
    imm = p.get("immutableStorageWithVersioning")
    if not isinstance(imm, dict):
        return None
    policy = imm.get("immutabilityPolicy") or {}
    state = str(policy.get("state") or "").lower()
    days = policy.get("immutabilityPeriodSinceCreationInDays")
    return {
        "enabled": bool(imm.get("enabled")),
        "mode": "LOCKED" if imm.get("enabled") and state == "locked" else "UNLOCKED",
        "days": days if isinstance(days, int) else None,
        "years": None,
        "retention_seconds": None,
    }
