"""Bundle serialisers encode in batches: the bytes must equal the one-shot encodings."""

from __future__ import annotations

import json
import math
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.base.serialize import JsonArray, canonical_json, canonical_json_chunks, inventory_jsonl
from auditor.graph.export import graph_document, graph_json_chunks
from auditor.model import CollectionUnit, Inventory, Relation, Resource, Scope
from tests.helpers import CUSTOMER, PRIMARY, declaration


def test_canonical_json_equals_json_dumps_across_batches() -> None:
    big = {"nodes": [{"id": f"n{i}", "attrs": {"é": i, "\u202e": [i, None]}} for i in range(20000)]}
    for obj in (big, {}, [], "x", {"b": 1, "a": [True, 1.5]}):
        expected = (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
        assert canonical_json(obj) == expected


def test_inventory_jsonl_equals_one_line_per_object_across_batches() -> None:
    resources = tuple(
        Resource(id=f"r{i:06d}", cloud="aws", kind="vpc", account="1", region="é", name=f"n{i}")
        for i in range(70000)
    )
    relations = (Relation(source="r000001", target="r000002", kind="in", reason="x"),)
    units = (CollectionUnit(cloud="aws", account="1", region="us-east-1", service="ec2"),)
    inv = Inventory(
        scope=Scope(accounts=("1",), regions=("é",)),
        resources=resources,
        relations=relations,
        gaps=(),
        collected=units,
    )
    lines = inventory_jsonl(inv).decode().split("\n")
    assert len(lines) == 70000 + 1 + 1 + 1 and lines[-1] == ""
    ids = [json.loads(line).get("id") for line in lines[:70000]]
    assert ids == [r.id for r in resources]  # no line lost or glued at a batch boundary
    assert '"region": "é"' in lines[0] and json.loads(lines[70001])["type"] == "collected"
    empty = Inventory(scope=Scope(accounts=(), regions=()), resources=(), relations=(), gaps=())
    assert inventory_jsonl(empty) == b""


def test_streamed_arrays_encode_as_json_dumps() -> None:
    items = [{"b": [1, {"x": []}], "a": "line\nbreak \u2028"}, [], {}, "s", 1.5, None]
    # thousands of items: encoded a batch at a time, the batches with a value orjson
    # spells apart (NaN, a short float, an int past 64 bits) item by item
    odd = [math.nan, 1e-05, 2**64, (1, "tuple")]
    many = [{"n": i, "v": odd[i // 1500] if i % 1500 == 7 else [i, "é"]} for i in range(6000)]
    items += many
    cases: list[tuple[Any, Any]] = [
        (JsonArray(iter(items)), items),
        (JsonArray(iter([])), []),
        (
            {"z": JsonArray(iter(items)), "a": {"k": [1]}, "m": JsonArray(iter([])), "é": 2},
            {"z": items, "a": {"k": [1]}, "m": [], "é": 2},
        ),
    ]
    for streamed, plain in cases:
        expected = (json.dumps(plain, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
        assert b"".join(canonical_json_chunks(streamed)) == expected


def test_graph_json_streams_the_globally_sorted_edges() -> None:
    """Sorting each source's out-edges gives the same order as sorting all edges at once."""
    nodes = [f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:instance/i-{n}" for n in "dbca"]
    resources = tuple(
        Resource(id=n, cloud="aws", kind="instance", account=CUSTOMER, region=PRIMARY, name=n)
        for n in nodes
    )
    relations = tuple(
        Relation(source=s, target=t, kind=k, reason=r, attributes={"n": i})
        for i, (s, t, k, r) in enumerate(
            (src, dst, kind, reason)
            for src in nodes
            for dst in reversed(nodes)
            for kind in ("network.attached_to", "data.replicates_to")
            for reason in ("b", "a")  # inserted out of order: the sort must fix it
        )
    )
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=resources,
        relations=relations,
        gaps=(),
    )
    bg = build_graph(inv, declaration())
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
    assert len(edges) >= len(relations)
    doc = graph_document(bg)
    assert doc["edges"] == edges
    assert b"".join(graph_json_chunks(bg)) == canonical_json(doc)
