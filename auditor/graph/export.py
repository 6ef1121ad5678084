"""The graph as canonical JSON (graph.json), and its zone crossings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.base.serialize import JsonArray, canonical_json_chunks
from auditor.graph.build import BoundaryGraph
from auditor.model import Zone


def crossings_document(bg: BoundaryGraph) -> list[dict[str, Any]]:
    return [
        {
            "source": r.source,
            "target": r.target,
            "kind": r.kind,
            "reason": r.reason,
            "from_zone": bg.zone(r.source).label(),
            "to_zone": bg.zone(r.target).label(),
        }
        for r in bg.crossings()
    ]


def graph_document(bg: BoundaryGraph) -> dict[str, Any]:
    """Nodes with kind and zone; edges with kind, reason and crossing flag; sorted."""
    return {
        "directed": True,
        "multigraph": True,
        "nodes": list(_nodes(bg)),
        "edges": list(_edges(bg)),
    }


def graph_json_chunks(bg: BoundaryGraph) -> Iterator[bytes]:
    """``canonical_json(graph_document(bg))`` in chunks, each node and edge made as written.

    At a million resources the document's dicts and its encoding are gigabytes;
    streamed, only the node order and one node's edges are held at once.
    """
    order = sorted(bg.g.nodes)
    doc = {
        "directed": True,
        "multigraph": True,
        "nodes": JsonArray(_nodes(bg, order)),
        "edges": JsonArray(_edges(bg, order)),
    }
    return canonical_json_chunks(doc)


def _nodes(bg: BoundaryGraph, order: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every node, sorted by id, with its kind, name, stub flag and zone."""
    nodes = bg.g.nodes
    zones: dict[Zone, dict[str, str]] = {}  # nodes share zones: one dict each, encoded as often
    for node_id in sorted(nodes) if order is None else order:
        data = nodes[node_id]
        res, zone = data["resource"], data["zone"]
        zone_fields = zones.get(zone)
        if zone_fields is None:
            zone_fields = zones[zone] = {
                "party": zone.party,
                "cloud": zone.cloud,
                "account": zone.account,
                "region": zone.region,
            }
        yield {
            "id": node_id,
            "kind": res.kind,
            "name": res.name,
            "stub": bool(res.attributes.get("stub", False)),
            "zone": zone_fields,
        }


def _edges(bg: BoundaryGraph, order: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every edge, sorted by (source, kind, target, reason); ties keep the graph's order.

    Sorted one source at a time: the graph lists a node's out-edges together and
    in the same order as ``out_edges``, so this is the stable sort of all edges
    without holding a sort key for each of them (hundreds of MiB at 1M).
    """
    succ = bg.g._succ  # the adjacency, as BoundaryGraph.out_edge_data reads it (inlined: hot)
    for u in sorted(bg.g.nodes) if order is None else order:
        out = [(v, d) for v, keyed in succ[u].items() for d in keyed.values()]
        if len(out) > 1:
            out.sort(key=_edge_order)
        for v, d in out:
            rel = d["relation"]
            attributes = rel.attributes  # a loaded bundle's empty ones are one shared proxy
            if type(attributes) is not dict:
                attributes = dict(attributes) if attributes else {}
            yield {
                "source": u,
                "target": v,
                "kind": d["kind"],
                "reason": rel.reason,
                "attributes": attributes,
                "crossing": d["crossing"],
                "derived": d.get("derived", False),
            }


def _edge_order(edge: tuple[str, dict[str, Any]]) -> tuple[str, str, str]:
    v, d = edge
    return (d["kind"], v, d["relation"].reason)
