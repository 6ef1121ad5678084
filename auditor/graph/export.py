"""The graph as canonical JSON (graph.json), and its zone crossings."""

from __future__ import annotations

from typing import Any

from auditor.graph.build import BoundaryGraph


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
    nodes = []
    for node_id in sorted(bg.g.nodes):
        res = bg.resource(node_id)
        zone = bg.zone(node_id)
        nodes.append(
            {
                "id": node_id,
                "kind": res.kind,
                "name": res.name,
                "stub": bool(res.attributes.get("stub", False)),
                "zone": {
                    "party": zone.party,
                    "cloud": zone.cloud,
                    "account": zone.account,
                    "region": zone.region,
                },
            }
        )
    edges = sorted(
        (
            {
                "source": u,
                "target": v,
                "kind": d["kind"],
                "reason": d["relation"].reason,
                "attributes": dict(d["relation"].attributes),
                "crossing": d["crossing"],
                "derived": d.get("derived", False),
            }
            for u, v, d in bg.g.edges(data=True)
        ),
        key=lambda e: (e["source"], e["kind"], e["target"], e["reason"]),
    )
    return {"directed": True, "multigraph": True, "nodes": nodes, "edges": edges}
