"""The Azure half of ``network.observed-dead-path``: the model's replication paths into Azure.

The hop-by-hop engine walks AWS networks only; replication into an Azure broker (from
the platform VNets of another declared region, over one VNet, a peering, a VPN or
ExpressRoute, then the NSGs) comes from the per-network model
(:func:`auditor.analysis.network.cloud_flows.cloud_flows`).
"""

from __future__ import annotations

from auditor.analysis.network.cloud_flows import cloud_flows
from auditor.analysis.network.traffic import Flow
from auditor.graph.build import BoundaryGraph


def replication(graph: BoundaryGraph) -> list[Flow]:
    """The model's replication flows into the platform's Azure brokers."""
    return [f for f in cloud_flows(graph) if f.cls == "replication" and f.target.cloud == "azure"]


def site(source: str) -> str:
    """The ``cloud/region`` a replication flow comes from (its label ``platform networks in
    REGION`` names the region alone for AWS, ``cloud/region`` for the others)."""
    where = source.rsplit(" ", 1)[-1]
    return where if "/" in where else f"aws/{where}"
