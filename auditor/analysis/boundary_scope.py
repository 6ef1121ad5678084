"""Who and what is inside the declared boundary.

Small, shared questions every path asks: is this account the customer's, is
this region declared, which resources are the platform and its data stores.
"""

from __future__ import annotations

from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource


def is_customer_account(decl: Declaration, cloud: str, account: str) -> bool:
    return decl.party_of(cloud, account) == "customer"


def is_declared_region(decl: Declaration, cloud: str, region: str) -> bool:
    return decl.region_role(cloud, region) is not None


def inside_boundary(decl: Declaration, res: Resource) -> bool:
    """In a customer account and (unless global) in a declared region."""
    if not is_customer_account(decl, res.cloud, res.account):
        return False
    return res.region == "global" or is_declared_region(decl, res.cloud, res.region)


def platform_resources(graph: BoundaryGraph) -> list[Resource]:
    """Resources the declaration's platform selector picks."""
    return graph.selected(graph.declaration.platform)


def data_stores(graph: BoundaryGraph) -> list[Resource]:
    """Durable Kafka log data stores the declaration's data selector picks."""
    return graph.selected(graph.declaration.data.stores)


def system_log_stores(graph: BoundaryGraph) -> list[Resource]:
    sel = graph.declaration.data.system_logs
    return graph.selected(sel) if sel is not None else []
