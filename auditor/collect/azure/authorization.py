"""Role assignments and role definitions, from the Resource Graph ``authorizationresources`` table.

A failure hides who can act on the boundary, not what exists, so its gap is
recorded under this collector's own service (rules about access require it).
"""

from __future__ import annotations

from auditor.collect.azure._context import AzureCollector

COLLECTOR = AzureCollector(
    name="azure-authorization",
    table="authorizationresources",
    types=(
        "microsoft.authorization/roleassignments",
        "microsoft.authorization/roledefinitions",
    ),
    actions=(
        "Microsoft.ResourceGraph/resources/read",
        "Microsoft.Authorization/roleAssignments/read",
        "Microsoft.Authorization/roleDefinitions/read",
    ),
    gap_service="azure-authorization",
)
