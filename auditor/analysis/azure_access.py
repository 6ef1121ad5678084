"""Azure RBAC reach: which outside principals hold a role over boundary resources.

For every ``control.role_assigned`` edge (role assignment or Lighthouse
delegation) whose principal is outside the customer (a tenant that is not the
customer's, or a foreign principal whose tenant is unknown), this deriver adds
``control.can_act_on`` edges to each Azure boundary resource under the
assignment's scope, one per boundary capability the role definition grants
(actions and data actions, minus not-actions, ``*`` globs, case-blind). A
role definition that was not collected, or an assignment with a condition,
gives a ``conditional`` edge: the reach cannot be ruled out or confirmed.

A principal's party is the party that names it explicitly (``azure.principals`` by
object id, ``azure.applications`` by application id, which the inventory knows for
managed identities), else the party of its tenant: a vendor's service principal
registered in the customer tenant is the vendor's. The customer's tenants are the
declared ``parties.customer.azure.tenant``/``tenants`` and the tenants of the customer's
collected subscriptions.

Scopes: an assignment at a subscription, resource group or resource reaches every
resource whose id it prefixes; one at the tenant root management group reaches every
subscription of that tenant; one at another management group reaches a subscription
when the group is in the subscription's ``managementGroupAncestorsChain``
(``resourcecontainers``), and is ``conditional`` when that chain was not listed.
"""

from __future__ import annotations

import fnmatch
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from auditor.analysis.derive import deriver
from auditor.analysis.vendor_roles import azure_client_ids, azure_principal_names
from auditor.base.edges import CAN_ACT_ON, ROLE_ASSIGNED
from auditor.model import Kind, Relation, Resource

# capability -> [(action, is data action)] per kind of target
CAPABILITIES: Mapping[str, Mapping[str, tuple[tuple[str, bool], ...]]] = {
    Kind.BUCKET: {
        "data.read": (
            ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", True),
            ("Microsoft.Storage/storageAccounts/listKeys/action", False),
        ),
        "data.write": (
            ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write", True),
            ("Microsoft.Storage/storageAccounts/listKeys/action", False),
        ),
        "bucket.policy_change": (("Microsoft.Storage/storageAccounts/write", False),),
    },
    Kind.KEY: {
        "key.decrypt": (
            ("Microsoft.KeyVault/vaults/keys/decrypt/action", True),
            ("Microsoft.KeyVault/vaults/keys/unwrap/action", True),
        ),
        "key.policy_change": (
            ("Microsoft.KeyVault/vaults/write", False),
            ("Microsoft.Authorization/roleAssignments/write", False),
        ),
        "key.destroy": (("Microsoft.KeyVault/vaults/keys/delete", True),),
    },
    Kind.KAFKA_CLUSTER: {
        "data.read": (
            ("Microsoft.EventHub/namespaces/messages/receive/action", True),
            ("Microsoft.EventHub/namespaces/authorizationRules/listKeys/action", False),
        ),
        "data.write": (
            ("Microsoft.EventHub/namespaces/messages/send/action", True),
            ("Microsoft.EventHub/namespaces/authorizationRules/listKeys/action", False),
        ),
        "network.change": (
            ("Microsoft.EventHub/namespaces/networkRuleSets/write", False),
            ("Microsoft.EventHub/namespaces/write", False),
        ),
    },
    Kind.INSTANCE: {
        "compute.change": (
            ("Microsoft.Compute/virtualMachines/write", False),
            ("Microsoft.Compute/virtualMachines/runCommand/action", False),
        ),
    },
    Kind.SCALING_GROUP: {
        "compute.change": (("Microsoft.Compute/virtualMachineScaleSets/write", False),),
    },
    Kind.K8S_CLUSTER: {
        "compute.change": (
            ("Microsoft.ContainerService/managedClusters/write", False),
            ("Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action", False),
        ),
    },
    Kind.ACCOUNT: {
        "iam.change": (("Microsoft.Authorization/roleAssignments/write", False),),
        "network.change": (
            ("Microsoft.Network/networkSecurityGroups/securityRules/write", False),
            ("Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write", False),
        ),
    },
}
"""Boundary capabilities on Azure resources, as the RBAC actions that grant them."""


def _match(patterns: Sequence[str], action: str) -> bool:
    low = action.lower()
    return any(fnmatch.fnmatchcase(low, str(p).lower()) for p in patterns)


def grants(role: Resource, action: str, data: bool) -> bool:
    """Whether a role definition's permissions allow ``action``."""
    key, not_key = ("data_actions", "not_data_actions") if data else ("actions", "not_actions")
    for block in role.attributes.get("permissions") or []:
        if _match(block.get(key) or [], action) and not _match(block.get(not_key) or [], action):
            return True
    return False


def customer_tenants(graph: Any) -> set[str]:
    decl = graph.declaration
    out: set[str] = set()
    party = decl.parties.get("customer")
    if party is not None and party.azure is not None:
        out.update(party.azure.all_tenants())
    for acct in graph.of_kind(Kind.ACCOUNT):
        if acct.cloud == "azure" and decl.party_of("azure", acct.account) == "customer":
            tenant = acct.attributes.get("tenant_id")
            if tenant:
                out.add(str(tenant).lower())
    return out


_CLIENT_IDS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def client_ids(graph: Any) -> dict[str, str]:
    """Object id -> application id of the Azure principals the inventory describes."""
    got = _CLIENT_IDS.get(graph)
    if got is None:
        azure = [p for p in graph.of_kind(Kind.PRINCIPAL) if p.cloud == "azure"]
        got = _CLIENT_IDS[graph] = azure_client_ids(azure)
    return got


def principal_names(graph: Any, principal: Resource) -> list[str]:
    """What an Azure principal is known by (principal id, object id, application id)."""
    return azure_principal_names(principal, client_ids(graph))


def principal_party(graph: Any, principal: Resource, tenants: set[str] | None = None) -> str:
    """The party naming the principal explicitly, else its tenant's party (``unknown``)."""
    decl = graph.declaration
    named = decl.identity_party("azure", principal_names(graph, principal))
    if named is not None:
        return str(named)
    tenant = principal.account.lower()
    if not tenant:
        return "unknown"
    if tenant in (customer_tenants(graph) if tenants is None else tenants):
        return "customer"
    return str(decl.party_of("azure", tenant))


def is_outside(graph: Any, principal: Resource, tenants: set[str]) -> bool:
    """A principal another party names, of another tenant, or whose tenant is unknown."""
    return principal_party(graph, principal, tenants) != "customer"


def boundary_targets(graph: Any) -> list[Resource]:
    """Azure resources the boundary is about: stores, platform, keys, subscriptions."""
    from auditor.analysis.boundary_scope import data_stores, platform_resources, system_log_stores

    chosen: dict[str, Resource] = {}
    for r in [*data_stores(graph), *system_log_stores(graph), *platform_resources(graph)]:
        if r.cloud == "azure" and r.kind in CAPABILITIES:
            chosen[r.id] = r
    for k in graph.of_kind(Kind.KEY):
        if k.cloud == "azure":
            chosen[k.id] = k
    decl = graph.declaration
    for a in graph.of_kind(Kind.ACCOUNT):
        if a.cloud == "azure" and decl.party_of("azure", a.account) == "customer":
            chosen[a.id] = a
    return [chosen[k] for k in sorted(chosen)]


def _under(scope: str, target: str) -> bool:
    """Whether an assignment at ``scope`` covers the resource id ``target`` (id prefix only;
    :func:`scope_reach` also knows management groups)."""
    return scope == "/" or target == scope or target.startswith(scope.rstrip("/") + "/")


MANAGEMENT_GROUP = "/providers/microsoft.management/managementgroups/"

Reach = Literal["yes", "no", "maybe"]


def scope_reach(graph: Any, scope: str, target: Resource) -> Reach:
    """Whether an assignment at ``scope`` reaches ``target`` (``maybe``: ancestry unknown)."""
    scope = scope.lower()
    if _under(scope, target.id.lower()):
        return "yes"
    if not scope.startswith(MANAGEMENT_GROUP):
        return "no"
    group = scope[len(MANAGEMENT_GROUP) :].split("/", 1)[0]
    sub = graph.get(f"/subscriptions/{target.account.lower()}")
    tenant = str((sub.attributes.get("tenant_id") if sub is not None else "") or "").lower()
    if tenant and group == tenant:
        return "yes"  # the tenant root group holds every subscription of the tenant
    above = sub.attributes.get("management_groups") if sub is not None else None
    if isinstance(above, list):
        return "yes" if group in above else "no"
    return "maybe"  # the subscription's ancestry was not listed


@deriver("control.azure-access")
def derive_azure_access(graph: Any) -> Iterator[Relation]:
    """``control.can_act_on`` from outside Azure principals to the boundary resources they reach."""
    principals = [
        p
        for p in graph.of_kind(Kind.PRINCIPAL, include_stubs=True)
        if p.cloud == "azure" and p.id.startswith("/tenants/")
    ]
    if not principals:
        return
    tenants = customer_tenants(graph)
    targets = boundary_targets(graph)
    for p in principals:
        if not is_outside(graph, p, tenants):
            continue
        for rel in graph.out_edges(p.id, ROLE_ASSIGNED):
            role_id = str(rel.attributes.get("role_definition_id") or "")
            role = graph.get(role_id)
            known = (
                role is not None
                and not role.attributes.get("stub")
                and role.attributes.get("permissions") is not None
            )
            conditional = bool(rel.attributes.get("condition"))
            statement = {
                "assignment": rel.attributes.get("assignment"),
                "role_definition_id": role_id,
                "via": rel.attributes.get("via"),
                "scope": rel.target,
            }
            for t in targets:
                reach = scope_reach(graph, rel.target, t)
                if reach == "no":
                    continue
                if not known or reach == "maybe":
                    why = (
                        f"the permissions of role {role_id} were not read"
                        if not known
                        else f"whether subscription {t.account} is below {rel.target} is "
                        "not recorded"
                    )
                    yield Relation(
                        source=p.id,
                        target=t.id,
                        kind=CAN_ACT_ON,
                        reason=f"role {role_id} at {rel.target} ({why})",
                        attributes={
                            "capability": "unknown",
                            "action": None,
                            "decision": "conditional",
                            "requires": [],
                            "statements": [statement],
                            "notes": [why],
                        },
                    )
                    continue
                assert role is not None
                for cap, probes in sorted(CAPABILITIES[t.kind].items()):
                    action = next((a for a, d in probes if grants(role, a, d)), None)
                    if action is None:
                        continue
                    name = role.attributes.get("role_name") or role.name
                    yield Relation(
                        source=p.id,
                        target=t.id,
                        kind=CAN_ACT_ON,
                        reason=f"{cap}: {action} via role {name} at {rel.target}"
                        + (" (conditional)" if conditional else ""),
                        attributes={
                            "capability": cap,
                            "action": action,
                            "decision": "conditional" if conditional else "allowed",
                            "requires": [str(rel.attributes.get("condition"))]
                            if conditional
                            else [],
                            "statements": [statement],
                            "notes": [],
                        },
                    )
