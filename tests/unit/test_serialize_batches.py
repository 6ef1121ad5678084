"""Bundle serialisers encode in batches: the bytes must equal the one-shot encodings."""

from __future__ import annotations

import json

from auditor.base.serialize import canonical_json, inventory_jsonl
from auditor.model import CollectionUnit, Inventory, Relation, Resource, Scope


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
