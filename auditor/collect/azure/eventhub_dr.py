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


def _subscription(scope: str) -> str:
    parts = scope.split("/")
    return parts[2].lower() if len(parts) > 2 else ""


def _list(client: Any, ctx: AzureContext, namespace: str) -> list[dict[str, Any]]:
    """The aliases of one namespace; raises AzureError or ValueError."""
    from azure.core.rest import HttpRequest

    ctx.sink.count(OPERATION)
    url = f"{namespace}/disasterRecoveryConfigs"
    response = client.send_request(HttpRequest("GET", url, params={"api-version": API_VERSION}))
    response.raise_for_status()
    body = response.json()
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and isinstance(v.get("id"), str) for v in value
    ):
        raise ValueError("the answer has no 'value' list of aliases with ids")
    return value


def collect(
    ctx: AzureContext, subscriptions: Iterable[str], targets: Iterable[tuple[str, str]]
) -> None:
    """Read every namespace's aliases; emit records (with the namespace), gaps, units."""
    from azure.core.exceptions import AzureError

    from auditor.collect.threads import thread_pool

    named = {s.lower(): s for s in subscriptions}
    wanted = sorted({t for t in targets if _subscription(t[0]) in named})
    clients = {s: ctx.resource_client(s) for s in sorted(named)}

    def read(target: tuple[str, str]) -> tuple[tuple[str, str], list[dict[str, Any]] | Exception]:
        try:
            return target, _list(clients[_subscription(target[0])], ctx, target[0])
        except (AzureError, ValueError) as exc:
            return target, exc

    with thread_pool(ctx.opts.max_workers) as pool:
        answers = list(pool.map(read, wanted))
    for (namespace, location), got in answers:
        sub = named[_subscription(namespace)]
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
