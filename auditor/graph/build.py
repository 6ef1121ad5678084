"""Build the boundary graph: the only writer of the networkx graph.

Nodes are resource ids carrying their :class:`Resource` and :class:`Zone`;
edges are relations keyed by kind. Ids that relations name but collection did
not see (a vendor role, a peer VPC in another account) become stub nodes with
the zone parsed from their ARN. An edge whose ends sit in different zones is a
crossing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import networkx as nx

from auditor.boundary import Declaration, Selector
from auditor.graph.stubs import stub_for
from auditor.model import Inventory, Kind, Relation, Resource, Zone

Deriver = Callable[["BoundaryGraph"], Iterable[Relation]]
"""Computes derived relations from the built graph (see :mod:`auditor.analysis.derive`)."""


def zone_of(res: Resource, declaration: Declaration) -> Zone:
    if res.kind == Kind.INTERNET:
        return Zone(party="internet")
    if res.account == "*":
        return Zone(party="anyone", cloud=res.cloud)
    party = declaration.party_of(res.cloud, res.account) if res.account else "unknown"
    if res.account == "aws":
        party = "cloud-provider"
    return Zone(party=party, cloud=res.cloud, account=res.account, region=res.region)


class BoundaryGraph:
    """The built graph with typed views; rules and analyses read it, never write it."""

    def __init__(
        self, inventory: Inventory, declaration: Declaration, derivers: Sequence[Deriver] = ()
    ) -> None:
        """Build from ``inventory``, then add what each of ``derivers`` returns, in order."""
        self.inventory = inventory
        self.declaration = declaration
        self._derivers = derivers
        self.g: Any = nx.MultiDiGraph()
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._selected: dict[int, tuple[Selector, list[Resource]]] = {}
        self._positions: dict[str, list[int]] | None = None
        """Each kind's places in the inventory (made when a selector first names kinds)."""
        self._shared_zones: dict[tuple[str, str, str], Zone] = {}
        self._unsorted: set[str] = set()
        """Kinds whose resource lists gained members since they were last sorted."""
        self._build()

    # --- construction --------------------------------------------------------------
    def _build(self) -> None:
        self._add_nodes(self.inventory.resources)
        self._add_edges(self.inventory.relations, False)
        self._sort_kinds()
        for fn in self._derivers:
            derived = sorted(fn(self), key=lambda r: (r.source, r.kind, r.target, r.reason))
            self._add_edges(derived, True)
            self._sort_kinds()

    def _add_nodes(self, resources: Iterable[Resource]) -> None:
        """A node per resource, holding it and its zone, written as ``add_nodes_from`` would.

        Straight into networkx's node and adjacency dicts (see :meth:`_add_edges`);
        a resource seen again replaces its node's data and keeps its place.
        """
        by_kind, shared, unsorted = self._by_kind, self._shared_zones, self._unsorted
        nodes, succ, pred = self.g._node, self.g._succ, self.g._pred
        for res in resources:
            if res.kind == Kind.INTERNET:
                zone = zone_of(res, self.declaration)
            else:  # the zone depends on cloud, account and region only: one object each
                where = (res.cloud, res.account, res.region)
                zone = shared.get(where) or shared.setdefault(where, zone_of(res, self.declaration))
            node_id = res.id
            by_kind[res.kind].append(res)
            unsorted.add(res.kind)
            if node_id not in succ:
                succ[node_id], pred[node_id] = {}, {}
            nodes[node_id] = {"resource": res, "zone": zone}
        self.g.__networkx_cache__.clear()

    def _sort_kinds(self) -> None:
        """Sort by id the lists of kinds that gained resources since the last sort."""
        for kind in self._unsorted:
            self._by_kind[kind].sort(key=lambda r: r.id)
        self._unsorted.clear()

    def _add_edges(self, relations: Iterable[Relation], derived: bool) -> None:
        """An edge per relation, keyed (kind, reason); ends no resource stands for become stubs.

        Written straight into networkx's adjacency (``_succ``/``_pred``: node ->
        neighbour -> key -> data), as ``add_edge`` writes it, in the same order:
        networkx has no bulk add for a multigraph's keyed edges (``add_edges_from``
        calls ``add_edge`` per edge, then looks the edge up again), and its per-call
        checks were most of the build at a million resources.
        ``tests/unit/test_graph_build_adjacency.py`` compares the two.
        """
        g = self.g
        nodes, succ, pred = g._node, g._succ, g._pred
        for rel in relations:  # a node's zone is read from its data: no id -> zone dict
            source, target = rel.source, rel.target
            if source not in nodes:
                self._add_stub(source)
            if target not in nodes:
                self._add_stub(target)
            zs, zt = nodes[source]["zone"], nodes[target]["zone"]
            data = {
                "kind": rel.kind,
                "relation": rel,
                "crossing": zs is not zt and zs != zt,
                "derived": derived,
            }
            keyed = succ[source].get(target)
            if keyed is None:
                succ[source][target] = pred[target][source] = {(rel.kind, rel.reason): data}
            else:  # a parallel edge, or the same (kind, reason) again: the last one counts
                keyed[(rel.kind, rel.reason)] = data
        g.__networkx_cache__.clear()  # what add_edge does after each edge

    def _add_stub(self, node_id: str) -> None:
        self._add_nodes((stub_for(node_id),))

    # --- typed views ----------------------------------------------------------------
    def resource(self, node_id: str) -> Resource:
        res: Resource = self.g.nodes[node_id]["resource"]
        return res

    def get(self, node_id: str) -> Resource | None:
        if node_id not in self.g:
            return None
        return self.resource(node_id)

    def zone(self, node_id: str) -> Zone:
        zone: Zone = self.g.nodes[node_id]["zone"]
        return zone

    def of_kind(self, *kinds: str, include_stubs: bool = False) -> list[Resource]:
        out: list[Resource] = []
        for k in kinds:
            out.extend(
                r for r in self._by_kind.get(k, []) if include_stubs or not r.attributes.get("stub")
            )
        return sorted(out, key=lambda r: r.id) if len(kinds) > 1 else out

    def out_edges(self, node_id: str, kind: str | None = None) -> Iterator[Relation]:
        if node_id not in self.g:
            return
        for _, _, data in sorted(self.g.out_edges(node_id, data=True), key=_edge_sort):
            if kind is None or data["kind"] == kind:
                yield data["relation"]

    def out_edge_data(self, node_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(target, edge data) of each edge out of ``node_id``, in the graph's order.

        Read from the adjacency the builder wrote, without networkx's edge views
        (what writing ``graph.json`` at a million resources spends its time on).
        """
        for target, keyed in self.g._succ[node_id].items():
            for data in keyed.values():
                yield target, data

    def in_edges(self, node_id: str, kind: str | None = None) -> Iterator[Relation]:
        if node_id not in self.g:
            return
        for _, _, data in sorted(self.g.in_edges(node_id, data=True), key=_edge_sort):
            if kind is None or data["kind"] == kind:
                yield data["relation"]

    def targets(self, node_id: str, kind: str) -> list[Resource]:
        return [self.resource(r.target) for r in self.out_edges(node_id, kind)]

    def sources(self, node_id: str, kind: str) -> list[Resource]:
        return [self.resource(r.source) for r in self.in_edges(node_id, kind)]

    def crossings(self) -> list[Relation]:
        """Every relation whose two ends sit in different zones, sorted."""
        out = [  # read from the adjacency, in g.edges order, without networkx's edge views
            d["relation"]
            for nbrs in self.g._succ.values()
            for keyed in nbrs.values()
            for d in keyed.values()
            if d["crossing"]
        ]
        return sorted(out, key=lambda r: (r.source, r.kind, r.target, r.reason))

    def selected(self, selector: Selector) -> list[Resource]:
        """Collected (non-stub) resources a declaration selector matches, in inventory order.

        Rules ask for the same declaration selectors again and again; each is
        matched once (kept with the selector, so its id stays unique while cached),
        against the resources of its kinds only when it names kinds.
        """
        got = self._selected.get(id(selector))
        if got is None or got[0] is not selector:
            got = (
                selector,
                [
                    r
                    for r in self._candidates(selector.select.kinds)
                    if selector.matches(kind=r.kind, id=r.id, tags=r.tags)
                ],
            )
            self._selected[id(selector)] = got
        return list(got[1])

    def _candidates(self, kinds: Sequence[str]) -> Sequence[Resource]:
        """The collected resources of ``kinds`` (every one without kinds), in inventory order."""
        resources = self.inventory.resources
        if not kinds:
            return resources
        if self._positions is None:
            self._positions = defaultdict(list)
            for i, r in enumerate(resources):
                self._positions[r.kind].append(i)
        at = sorted(i for kind in set(kinds) for i in self._positions.get(kind, ()))
        return [resources[i] for i in at]

    def by_id(self) -> dict[str, Resource]:
        return {r.id: r for r in self.inventory.resources}


def _edge_sort(e: tuple[str, str, dict[str, Any]]) -> tuple[str, str, str]:
    return (e[2]["kind"], e[1], e[0])
