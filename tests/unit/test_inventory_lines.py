"""inventory.jsonl lines, made without a record dict, are json.dumps of each record."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

from auditor.base.serialize import inventory_jsonl
from auditor.model import Inventory, Relation, Resource, Scope

AWKWARD = ['q"uote', "back\\slash", "tab\t\nnl", "\x00nul", "\u2028ls", "é名\u202e", ""]
"""Strings the encoder escapes or keeps raw and the batch marker (NUL)."""


class Id(str):
    """A str subclass: written as a string, as json.dumps writes it."""


def _expected(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def test_each_line_is_json_dumps_of_its_record() -> None:
    resources = [
        Resource(
            id=f"r{i}{s}",
            cloud="aws",
            kind=s or "vpc",
            account="1",
            region=s,
            name=s,
            tags={s: s, "b": "1"} if i % 2 else MappingProxyType({"k": s}),
            attributes={"n": i, "f": 1e-05, "l": [s, None, True], "d": {s: {"x": 2**70}}},
            source=s,
        )
        for i, s in enumerate(AWKWARD * 700)  # more than one batch of lines
    ]
    resources.append(
        Resource(id=Id("sub"), cloud="aws", kind="vpc", account="1", region="r", name=7)  # type: ignore[arg-type]
    )
    relations = [
        Relation(
            source=r.id,
            target=resources[0].id,
            kind="network.reaches",
            reason=r.name if isinstance(r.name, str) else "x",
            attributes={} if i % 3 else {"port": i, "why": r.region},
        )
        for i, r in enumerate(resources)
    ]
    relations.append(Relation(source="a", target="b", kind="k", reason=None))  # type: ignore[arg-type]
    inv = Inventory(
        scope=Scope(accounts=("1",), regions=()),
        resources=tuple(resources),
        relations=tuple(relations),
        gaps=(),
    )
    expected = [
        _expected(
            {
                "type": "resource",
                "id": r.id,
                "cloud": r.cloud,
                "kind": r.kind,
                "account": r.account,
                "region": r.region,
                "name": r.name,
                "tags": dict(r.tags),
                "attributes": dict(r.attributes),
                "source": r.source,
            }
        )
        for r in resources
    ] + [
        _expected(
            {
                "type": "relation",
                "source": r.source,
                "target": r.target,
                "kind": r.kind,
                "reason": r.reason,
                "attributes": dict(r.attributes),
            }
        )
        for r in relations
    ]
    got = inventory_jsonl(inv).decode().split("\n")
    assert got[-1] == ""
    assert got[:-1] == expected
    assert '"name": 7' in got[len(resources) - 1] and '"reason": null' in got[-2]
