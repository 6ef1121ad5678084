"""The network view of a graph: indexes plus exposure and connectivity, cached per graph."""

from __future__ import annotations

import weakref

from auditor.analysis.network import azure, gcp
from auditor.analysis.network.answers import SourceGroups
from auditor.analysis.network.connectivity import ConnectivityMixin
from auditor.analysis.network.exposure import ExposureMixin
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource


class NetworkView(ExposureMixin, ConnectivityMixin):
    """Indexes over one graph's network resources; pure and read-only."""

    def source_groups(self, res: Resource) -> SourceGroups:
        """The groups whose rules decide who may open a connection to ``res``, per cloud."""
        if res.cloud == "gcp":
            return gcp.source_groups(res)
        if res.cloud == "azure":
            return azure.source_groups(res)
        return self.sg_source_groups(res)


_VIEWS: weakref.WeakKeyDictionary[BoundaryGraph, NetworkView] = weakref.WeakKeyDictionary()


def network_view(graph: BoundaryGraph) -> NetworkView:
    """The (cached) network view of a graph."""
    view = _VIEWS.get(graph)
    if view is None:
        view = NetworkView(graph)
        _VIEWS[graph] = view
    return view
