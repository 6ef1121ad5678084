"""Every resource kind the normalisers read, from the Resource Graph ``resources`` table.

One query (paged by skip token) over all entered subscriptions. A failure
hides every kind of resource in those subscriptions, so its gap is recorded
under service ``*``.
"""

from __future__ import annotations

from auditor.collect.azure._context import AzureCollector

TYPES: tuple[str, ...] = (
    "microsoft.compute/virtualmachines",
    "microsoft.compute/virtualmachinescalesets",
    "microsoft.containerservice/managedclusters",
    "microsoft.eventhub/namespaces",
    "microsoft.eventhub/namespaces/networkrulesets",
    "microsoft.insights/diagnosticsettings",
    "microsoft.keyvault/vaults",
    "microsoft.keyvault/vaults/keys",
    "microsoft.managedidentity/userassignedidentities",
    "microsoft.managedservices/registrationassignments",
    "microsoft.network/dnszones",
    "microsoft.network/loadbalancers",
    "microsoft.network/natgateways",
    "microsoft.network/networkinterfaces",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/privateendpoints",
    "microsoft.network/privatelinkservices",
    "microsoft.network/publicipaddresses",
    "microsoft.network/publicipprefixes",
    "microsoft.network/routetables",
    "microsoft.network/trafficmanagerprofiles",
    "microsoft.network/virtualnetworks",
    "microsoft.storage/storageaccounts",
    "microsoft.operationalinsights/workspaces",
    "microsoft.insights/datacollectionrules",
    "microsoft.network/networkwatchers/flowlogs",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/localnetworkgateways",
    "microsoft.network/connections",
    "microsoft.network/expressroutecircuits",
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
)
"""Resource types collected (lower-case, as Resource Graph writes them)."""

COLLECTOR = AzureCollector(
    name="azure-resources",
    table="resources",
    types=TYPES,
    actions=(
        "Microsoft.ResourceGraph/resources/read",
        "Microsoft.Compute/*/read",
        "Microsoft.ContainerService/*/read",
        "Microsoft.EventHub/*/read",
        "Microsoft.Insights/diagnosticSettings/read",
        "Microsoft.KeyVault/*/read",
        "Microsoft.ManagedIdentity/*/read",
        "Microsoft.ManagedServices/*/read",
        "Microsoft.Network/*/read",
        "Microsoft.Storage/*/read",
        "Microsoft.OperationalInsights/workspaces/read",
        "Microsoft.Insights/dataCollectionRules/read",
    ),
    gap_service="*",
)
