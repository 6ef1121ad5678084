"""One ARM list read by URL: the `value` list an ARM GET answers, checked.

Resource Graph does not list some settings (diagnostic settings, Event Hubs
disaster-recovery aliases); those are read through ARM one scope at a time, with
the same request, answer check and call count.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.azure._context import AzureContext


def subscription_of(scope: str) -> str:
    """The subscription id of an ARM scope (``/subscriptions/<id>/...``), lower case."""
    parts = scope.split("/")
    return parts[2].lower() if len(parts) > 2 else ""


def arm_list(
    client: Any, ctx: AzureContext, url: str, *, operation: str, api_version: str, what: str
) -> list[dict[str, Any]]:
    """GET ``url`` and return its ``value`` list of objects with ids (``what`` names them
    in the error); raises AzureError or ValueError."""
    from azure.core.rest import HttpRequest

    ctx.sink.count(operation)
    response = client.send_request(HttpRequest("GET", url, params={"api-version": api_version}))
    response.raise_for_status()
    body = response.json()
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and isinstance(v.get("id"), str) for v in value
    ):
        raise ValueError(f"the answer has no 'value' list of {what} with ids")
    return value
