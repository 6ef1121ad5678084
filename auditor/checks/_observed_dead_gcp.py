"""The cross-cloud half of ``network.observed-dead-path`` for GCP: replication paths that join a
GCP site and another cloud's.

Between two GCP sites the GCP model's paths are taken by :func:`._observed_sites_gcp.open_pairs`;
into Azure brokers by :mod:`._observed_dead_azure`. What neither takes is replication that
crosses between GCP and another cloud: into GCP brokers from the platform networks of an
AWS or Azure region, and into AWS brokers from a GCP region (both where
``failure.replication`` declares a service between the two sites, over a VPN or
Interconnect site link; :func:`auditor.analysis.network.cloud_flows.cloud_flows`, built
once per graph with the GCP pairs' :func:`._observed_sites_gcp.model_flows`).
A GCP side is observed in full as any GCP network is (:mod:`._observed_window_gcp`).
"""

from __future__ import annotations

from auditor.analysis.network.traffic import Flow
from auditor.checks._observed_sites_gcp import model_flows
from auditor.graph.build import BoundaryGraph


def _from_gcp(flow: Flow) -> bool:
    return flow.source.rsplit(" ", 1)[-1].startswith("gcp/")


def replication(graph: BoundaryGraph) -> list[Flow]:
    """The model's replication flows between a GCP site and another cloud's (Azure targets
    are :mod:`._observed_dead_azure`'s)."""
    return [
        f
        for f in model_flows(graph)
        if f.cls == "replication"
        and (
            (f.target.cloud == "gcp" and not _from_gcp(f))
            or (f.target.cloud == "aws" and _from_gcp(f))
        )
    ]
