"""The Azure half of ``network.observed-dead-path``: the model's replication paths into Azure
and from Azure into AWS.

The hop-by-hop engine walks AWS networks only; replication into an Azure broker (from
the platform VNets of another declared region, over one VNet, a peering, a VPN or
ExpressRoute, then the NSGs) and from Azure platform VNets into an AWS broker (where
``failure.replication`` declares a service between the two sites, over a site link,
then the broker's security groups) come from the per-network model
(:func:`auditor.analysis.network.cloud_flows.cloud_flows`). Each side is observed in
full as its cloud's networks are: an AWS VPC by its flow logs, an Azure VNet per
:mod:`._observed_window_azure`.
"""

from __future__ import annotations

from auditor.analysis.network.cloud_flows import cloud_flows
from auditor.analysis.network.traffic import Flow
from auditor.graph.build import BoundaryGraph


def replication(graph: BoundaryGraph) -> list[Flow]:
    """The model's replication flows into the platform's Azure brokers, and from its Azure
    sites into its AWS brokers (GCP into AWS is :mod:`._observed_dead_gcp`'s)."""
    return [
        f
        for f in cloud_flows(graph)
        if f.cls == "replication"
        and (
            f.target.cloud == "azure"
            or (f.target.cloud == "aws" and site(f.source).startswith("azure/"))
        )
    ]


def site(source: str) -> str:
    """The ``cloud/region`` a replication flow comes from (its label ``platform networks in
    REGION`` names the region alone for AWS, ``cloud/region`` for the others)."""
    where = source.rsplit(" ", 1)[-1]
    return where if "/" in where else f"aws/{where}"
