"""Model values to and from canonical JSON (sorted keys, stable order, same bytes)."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.gc_pause import gc_paused
from auditor.model import (
    CollectionUnit,
    Evidence,
    Gap,
    Inventory,
    PathName,
    Relation,
    Resource,
    Scope,
    Severity,
    Status,
    Verdict,
)


class BundleFormatError(ValueError):
    """A bundle file that does not have the expected shape (one-line message)."""


_CANONICAL = json.JSONEncoder(sort_keys=True, indent=2, ensure_ascii=False)
_BATCH = 1 << 16


def canonical_json(obj: Any) -> bytes:
    """Sorted, indented JSON and a final newline: the same bytes as ``json.dumps``.

    Encoded in batches of tokens: ``json.dumps`` with an indent keeps every token
    (tens of millions for a large graph.json) in one list before joining them.
    """
    parts: list[bytes] = []
    batch: list[str] = []
    for token in _CANONICAL.iterencode(obj):
        batch.append(token)
        if len(batch) >= _BATCH:
            parts.append("".join(batch).encode())
            batch.clear()
    batch.append("\n")
    parts.append("".join(batch).encode())
    return b"".join(parts)


def resource_to_dict(r: Resource) -> dict[str, Any]:
    return {
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


def relation_to_dict(r: Relation) -> dict[str, Any]:
    return {
        "source": r.source,
        "target": r.target,
        "kind": r.kind,
        "reason": r.reason,
        "attributes": dict(r.attributes),
    }


def gap_to_dict(g: Gap) -> dict[str, Any]:
    return {
        "cloud": g.cloud,
        "account": g.account,
        "region": g.region,
        "service": g.service,
        "operation": g.operation,
        "error_code": g.error_code,
        "message": g.message,
        "resource": g.resource,
    }


def verdict_to_dict(v: Verdict) -> dict[str, Any]:
    return {
        "rule": v.rule,
        "path": v.path.value,
        "status": v.status.value,
        "resource": v.resource,
        "severity": v.severity.value,
        "message": v.message,
        "evidence": {
            "nodes": list(v.evidence.nodes),
            "edges": [list(e) for e in v.evidence.edges],
            "attributes": dict(v.evidence.attributes),
            "gaps": list(v.evidence.gaps),
        },
        "waiver": dict(v.waiver) if v.waiver else None,
    }


def inventory_jsonl(inv: Inventory) -> bytes:
    """One JSON object per line: resources, then relations, then gaps, then units.

    Encoded a batch of lines at a time, so a large inventory is not also held as
    one string per line and one string of the whole.
    """

    def dumps(obj: dict[str, Any]) -> str:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False)

    lines = itertools.chain(
        (dumps({"type": "resource", **resource_to_dict(r)}) for r in inv.resources),
        (dumps({"type": "relation", **relation_to_dict(r)}) for r in inv.relations),
        (dumps({"type": "gap", **gap_to_dict(g)}) for g in inv.gaps),
        (
            json.dumps(
                {
                    "type": "collected",
                    "cloud": u.cloud,
                    "account": u.account,
                    "region": u.region,
                    "service": u.service,
                },
                sort_keys=True,
            )
            for u in inv.collected
        ),
    )
    parts: list[bytes] = []
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= _BATCH:
            parts.append(("\n".join(batch) + "\n").encode())
            batch.clear()
    if batch:
        parts.append(("\n".join(batch) + "\n").encode())
    return b"".join(parts)


def _mapping(obj: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """An optional JSON-object field (missing or null is empty; anything else is an error)."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BundleFormatError(f"{where}: {key} must be a JSON object")
    return dict(value)


def _req(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise BundleFormatError(f"{where}: missing field {key!r}")
    return obj[key]


def read_inventory_jsonl(
    text: str, *, scope: Scope, api_calls: Mapping[str, int] | None = None, name: str = "inventory"
) -> Inventory:
    """Parse ``inventory.jsonl`` back into an Inventory (for offline re-evaluation)."""
    with gc_paused():  # long-lived objects: see auditor/gc_pause.py
        return _read_inventory_jsonl(text, scope=scope, api_calls=api_calls, name=name)


def _read_inventory_jsonl(
    text: str, *, scope: Scope, api_calls: Mapping[str, int] | None, name: str
) -> Inventory:
    resources: list[Resource] = []
    relations: list[Relation] = []
    gaps: list[Gap] = []
    collected: list[CollectionUnit] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BundleFormatError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise BundleFormatError(f"{where}: expected a JSON object")
        kind = obj.get("type")
        if kind == "resource":
            resources.append(
                Resource(  # fields repeated across resources share one string
                    id=str(_req(obj, "id", where)),
                    cloud=sys.intern(str(_req(obj, "cloud", where))),
                    kind=sys.intern(str(_req(obj, "kind", where))),
                    account=sys.intern(str(_req(obj, "account", where))),
                    region=sys.intern(str(_req(obj, "region", where))),
                    name=str(obj.get("name", "")),
                    tags=_mapping(obj, "tags", where),
                    attributes=_mapping(obj, "attributes", where),
                    source=sys.intern(str(obj.get("source", ""))),
                )
            )
        elif kind == "relation":
            relations.append(
                Relation(
                    source=str(_req(obj, "source", where)),
                    target=str(_req(obj, "target", where)),
                    kind=sys.intern(str(_req(obj, "kind", where))),
                    reason=str(_req(obj, "reason", where)),
                    attributes=_mapping(obj, "attributes", where),
                )
            )
        elif kind == "gap":
            gaps.append(
                Gap(
                    cloud=str(_req(obj, "cloud", where)),
                    account=str(_req(obj, "account", where)),
                    region=str(_req(obj, "region", where)),
                    service=str(_req(obj, "service", where)),
                    operation=str(_req(obj, "operation", where)),
                    error_code=str(_req(obj, "error_code", where)),
                    message=str(obj.get("message", "")),
                    resource=str(obj.get("resource", "")),
                )
            )
        elif kind == "collected":
            collected.append(
                CollectionUnit(
                    cloud=str(_req(obj, "cloud", where)),
                    account=str(_req(obj, "account", where)),
                    region=str(_req(obj, "region", where)),
                    service=str(_req(obj, "service", where)),
                )
            )
        else:
            raise BundleFormatError(f"{where}: unknown record type {kind!r}")
    return Inventory(
        scope=scope,
        resources=tuple(resources),
        relations=tuple(relations),
        gaps=tuple(gaps),
        api_calls=dict(api_calls or {}),
        collected=tuple(collected),
    )


def verdict_from_dict(d: Mapping[str, Any]) -> Verdict:
    ev = d.get("evidence") or {}
    return Verdict(
        rule=str(d["rule"]),
        path=PathName(d["path"]),
        status=Status(d["status"]),
        resource=str(d["resource"]),
        severity=Severity(d["severity"]),
        message=str(d.get("message", "")),
        evidence=Evidence(
            nodes=tuple(ev.get("nodes", ())),
            edges=tuple(tuple(e) for e in ev.get("edges", ())),
            attributes=dict(ev.get("attributes") or {}),
            gaps=tuple(ev.get("gaps", ())),
        ),
        waiver=d.get("waiver"),
    )


def verdicts_json(verdicts: Iterable[Verdict]) -> bytes:
    return canonical_json([verdict_to_dict(v) for v in verdicts])
