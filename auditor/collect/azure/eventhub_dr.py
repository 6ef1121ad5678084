"""Event Hubs geo-disaster recovery aliases, read through Azure Resource Manager.

An alias (``Microsoft.EventHub/namespaces/disasterRecoveryConfigs``) pairs a
primary namespace with a partner namespace, its role and provisioning state.
Resource Graph does not list these child resources, so this unit reads them
with ``GET {namespace}/disasterRecoveryConfigs`` (api-version ``2024-01-01``), one
call per Event Hubs namespace the Resource Graph rows named. Reads only,
through the guarded client. A failed call is a gap of service
``azure-eventhubs-dr`` naming the namespace, never an empty list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.collect.azure._arm import arm_list, subscription_of
from auditor.collect.azure._context import AzureCollector, AzureContext, error_code, row_record

API_VERSION = "2024-01-01"
NAMESPACE_TYPE = "microsoft.eventhub/namespaces"
OPERATION = "DisasterRecoveryConfigs.List"

COLLECTOR = AzureCollector(
    name="azure-eventhubs-dr",
    table="arm:disasterrecoveryconfigs",
    types=(),
    actions=("Microsoft.EventHub/namespaces/disasterRecoveryConfigs/read",),
    gap_service="azure-eventhubs-dr",
)
"""Not a Resource Graph table: ``collect_azure`` runs it after the graph queries."""


def target_of(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """(namespace id, its location) of an Event Hubs namespace row, or None."""
    if str(row.get("type") or "").lower() != NAMESPACE_TYPE:
        return None
    return str(row["id"]), str(row.get("location") or "").lower()


def _list(client: Any, ctx: AzureContext, namespace: str) -> list[dict[str, Any]]:
    return arm_list(
        client,
        ctx,
        f"{namespace}/disasterRecoveryConfigs",
        operation=OPERATION,
        api_version=API_VERSION,
        what="aliases",
    )


def collect(
    ctx: AzureContext, subscriptions: Iterable[str], targets: Iterable[tuple[str, str]]
) -> None:
    """Read every namespace's aliases; emit records (with the namespace), gaps, units."""
    from azure.core.exceptions import AzureError

    from auditor.collect.threads import thread_pool

    named = {s.lower(): s for s in subscriptions}
    wanted = sorted({t for t in targets if subscription_of(t[0]) in named})
    clients = {s: ctx.resource_client(s) for s in sorted(named)}

    def read(target: tuple[str, str]) -> tuple[tuple[str, str], list[dict[str, Any]] | Exception]:
        try:
            return target, _list(clients[subscription_of(target[0])], ctx, target[0])
        except (AzureError, ValueError) as exc:
            return target, exc

    with thread_pool(ctx.opts.max_workers) as pool:
        answers = list(pool.map(read, wanted))
    for (namespace, location), got in answers:
        sub = named[subscription_of(namespace)]
        if isinstance(got, Exception):
            code = "MalformedResponse" if isinstance(got, ValueError) else error_code(got)
            first = str(got).splitlines()[0] if str(got) else ""
            ctx.gap(
                sub,
                COLLECTOR.gap_service,
                OPERATION,
                code,
                f"geo-disaster recovery aliases of {namespace} could not be read: {first}",
                resource=namespace.lower(),
            )
            continue
        for item in got:
            row = {
                **item,
                "type": str(item.get("type") or f"{NAMESPACE_TYPE}/disasterrecoveryconfigs"),
                "subscriptionId": sub,
                "location": location,
                "namespaceId": namespace,
            }
            ctx.emit(row_record(row, COLLECTOR.name, OPERATION))
    for s in sorted(named):
        ctx.ran(named[s], COLLECTOR.name)
