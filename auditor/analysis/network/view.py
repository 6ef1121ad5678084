"""The network view of a graph: indexes plus exposure and connectivity, cached per graph."""

from __future__ import annotations

import weakref

from auditor.analysis.network.connectivity import ConnectivityMixin
from auditor.analysis.network.exposure import ExposureMixin
from auditor.graph.build import BoundaryGraph


class NetworkView(ExposureMixin, ConnectivityMixin):
    """Indexes over one graph's network resources; pure and read-only."""


_VIEWS: weakref.WeakKeyDictionary[BoundaryGraph, NetworkView] = weakref.WeakKeyDictionary()


def network_view(graph: BoundaryGraph) -> NetworkView:
    """The (cached) network view of a graph."""
    view = _VIEWS.get(graph)
    if view is None:
        view = NetworkView(graph)
        _VIEWS[graph] = view
    return view
