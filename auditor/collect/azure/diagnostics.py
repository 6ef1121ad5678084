"""Diagnostic settings, read through Azure Resource Manager: where Azure logs go.

Diagnostic settings are extension resources: the Resource Graph ``resources`` table
does not list them. This unit reads them with ``GET {scope}/providers/
Microsoft.Insights/diagnosticSettings`` (api-version ``2021-05-01-preview``), one
call per entered subscription (the Activity Log's export) and one per Key Vault,
storage account blob service and Event Hubs namespace the Resource Graph rows
named (their resource logs: ``AuditEvent``, ``StorageRead``/``StorageWrite``...).
Reads only, through the guarded client. A failed call is a gap of service
``azure-diagnostics`` (the subscription's, or naming the resource), never an
empty list; the unit counts as run in a subscription when its own settings were
read (a resource whose settings were not is named by its gap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.collect.azure._arm import arm_list, subscription_of
from auditor.collect.azure._context import AzureCollector, AzureContext, error_code, row_record

API_VERSION = "2021-05-01-preview"
SETTING_TYPE = "microsoft.insights/diagnosticsettings"
TARGETS: Mapping[str, str] = {
    "microsoft.keyvault/vaults": "",
    "microsoft.storage/storageaccounts": "/blobServices/default",
    "microsoft.eventhub/namespaces": "",
}
"""Resource types whose diagnostic settings are read -> the sub-resource they are set on."""
OPERATION = "DiagnosticSettings.List"

COLLECTOR = AzureCollector(
    name="azure-diagnostics",
    table="arm:diagnosticsettings",
    types=(),
    actions=("Microsoft.Insights/diagnosticSettings/read",),
    gap_service="azure-diagnostics",
)
"""Not a Resource Graph table: ``collect_azure`` runs it after the graph queries."""


def is_arm(collector: AzureCollector) -> bool:
    """Whether a collector reads ARM directly (not a Resource Graph table)."""
    return collector.table.startswith("arm:")


def target_of(row: Mapping[str, Any]) -> str | None:
    """The scope whose diagnostic settings to read for a Resource Graph row, or None."""
    suffix = TARGETS.get(str(row.get("type") or "").lower())
    if suffix is None:
        return None
    return f"{row['id']}{suffix}"


def _resource_of(scope: str) -> str:
    """The canonical id of the resource a settings scope belongs to (blob service: its account)."""
    low = scope.lower()
    for suffix in TARGETS.values():
        if suffix and low.endswith(suffix.lower()):
            return low[: -len(suffix)]
    return low


def _list(client: Any, ctx: AzureContext, scope: str) -> list[dict[str, Any]]:
    return arm_list(
        client,
        ctx,
        f"{scope}/providers/Microsoft.Insights/diagnosticSettings",
        operation=OPERATION,
        api_version=API_VERSION,
        what="settings",
    )


def collect(ctx: AzureContext, subscriptions: Iterable[str], targets: Iterable[str]) -> None:
    """Read the settings of every subscription and target; emit records, gaps, units.

    Reads run on the scan's thread pool (one guarded client per subscription);
    records and gaps are written in scope order, so a scan is reproducible.
    """
    from azure.core.exceptions import AzureError

    from auditor.collect.threads import thread_pool

    named = {s.lower(): s for s in subscriptions}  # units and gaps name them as entered
    subs = sorted(named)
    scopes = [f"/subscriptions/{s}" for s in subs]
    scopes += sorted({t for t in targets if subscription_of(t) in subs})
    clients = {s: ctx.resource_client(s) for s in subs}

    def read(scope: str) -> tuple[str, list[dict[str, Any]] | BaseException]:
        try:
            return scope, _list(clients[subscription_of(scope)], ctx, scope)
        except (AzureError, ValueError) as exc:
            return scope, exc

    failed: set[str] = set()
    with thread_pool(ctx.opts.max_workers) as pool:
        answers = list(pool.map(read, scopes))
    for scope, got in answers:
        sub = named[subscription_of(scope)]
        if isinstance(got, BaseException):
            code = "MalformedResponse" if isinstance(got, ValueError) else error_code(got)
            first = str(got).splitlines()[0] if str(got) else ""
            whole = scope.count("/") == 2  # the subscription's own settings
            ctx.gap(
                sub,
                COLLECTOR.gap_service,
                OPERATION,
                code,
                f"diagnostic settings of {scope} could not be read: {first}",
                resource="" if whole else _resource_of(scope),
            )
            if whole:
                failed.add(sub)
            continue
        for item in got:
            row = {
                **item,
                "type": SETTING_TYPE,
                "subscriptionId": sub,
                "location": str(item.get("location") or "").lower(),
            }
            ctx.emit(row_record(row, COLLECTOR.name, OPERATION))
    for s in subs:
        if named[s] not in failed:
            ctx.ran(named[s], COLLECTOR.name)
