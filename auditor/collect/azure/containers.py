"""Subscriptions and resource groups: which declared subscriptions the scan can enter.

Subscriptions (with their tenant and state) come from the Resource Graph
``resourcecontainers`` table; resource groups from ``ResourceManagementClient``
(azure-mgmt-resource), one paged listing per subscription. A subscription the
graph does not show, or whose resource groups cannot be listed, is not
entered: a gap for everything in it, never an empty PASS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.collect.azure._context import AzureCollector

SUBSCRIPTION_TYPE = "microsoft.resources/subscriptions"
RESOURCE_GROUP_TYPE = "microsoft.resources/subscriptions/resourcegroups"

COLLECTOR = AzureCollector(
    name="azure-containers",
    table="resourcecontainers",
    types=(SUBSCRIPTION_TYPE,),
    actions=(
        "Microsoft.ResourceGraph/resources/read",
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
    ),
)


def resource_group_row(group: Mapping[str, Any], subscription: str) -> dict[str, Any]:
    """A resource group as one record, whether listed by ARM or exported from the graph.

    Only the fields both sources carry are kept, so live and imported scans
    give the same records.
    """
    props = group.get("properties") or {}
    return {
        "id": str(group["id"]),
        "name": str(group.get("name") or str(group["id"]).rsplit("/", 1)[-1]),
        "type": RESOURCE_GROUP_TYPE,
        "location": str(group.get("location") or "").lower(),
        "subscriptionId": subscription,
        "tags": dict(group.get("tags") or {}),
        "managedBy": group.get("managedBy", group.get("managed_by")),
        "properties": {
            "provisioningState": props.get("provisioningState", props.get("provisioning_state"))
        },
    }
