"""Model values to and from canonical JSON (sorted keys, stable order, same bytes)."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import orjson

from auditor.base.json_codec import (
    BLANK,
    dumps_each,
    dumps_indented,
    dumps_indented_items,
    dumps_lines,
    json_string,
    loads_line,
    may_hold_long_numbers,
)
from auditor.gc_pause import gc_paused
from auditor.model import (
    CollectionUnit,
    Evidence,
    Finding,
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


_CHUNK_CHARS = 1 << 20
"""About how many characters a streamed chunk holds before it is encoded and handed on."""
_LINES = 4096
"""JSONL lines per streamed chunk (an inventory line is about a kilobyte)."""
_ITEMS = 1024
"""Array items encoded together (a graph node or edge is a few hundred bytes indented)."""


@dataclass(frozen=True)
class JsonArray:
    """A JSON array whose items are made and encoded one at a time as it is written.

    Only :func:`canonical_json_chunks` understands it: at the top level, or as a
    value of a top-level object. ``items`` is iterated once.
    """

    items: Iterable[Any]


def canonical_json(obj: Any) -> bytes:
    """Sorted, indented JSON and a final newline: the same bytes as ``json.dumps``.

    Encoded in batches of tokens: ``json.dumps`` with an indent keeps every token
    (tens of millions for a large graph.json) in one list before joining them.
    """
    return b"".join(canonical_json_chunks(obj))


def canonical_json_chunks(obj: Any) -> Iterator[bytes]:
    """:func:`canonical_json`'s bytes as chunks of about a MiB, so no caller holds them all.

    A :class:`JsonArray` or list (at the top or as a top-level object's value) is
    encoded an item at a time, each item indented as ``json.dumps`` would indent it there.
    """
    if isinstance(obj, JsonArray | list):
        parts: Iterable[bytes] = _array_bytes(obj.items if isinstance(obj, JsonArray) else obj, 0)
    elif isinstance(obj, Mapping) and any(isinstance(v, JsonArray) for v in obj.values()):
        parts = _object_bytes(obj)
    else:
        parts = (dumps_indented(obj),)
    yield from byte_chunks(itertools.chain(parts, (b"\n",)))


def text_chunks(texts: Iterable[str]) -> Iterator[bytes]:
    """Join ``texts`` into UTF-8 chunks of about a MiB: few, large writes for a stream."""
    batch: list[str] = []
    size = 0
    for text in texts:
        batch.append(text)
        size += len(text)
        if size >= _CHUNK_CHARS:
            yield "".join(batch).encode()
            batch.clear()
            size = 0
    if batch:
        yield "".join(batch).encode()


def byte_chunks(parts: Iterable[bytes]) -> Iterator[bytes]:
    """Join ``parts`` into chunks of about a MiB."""
    batch: list[bytes] = []
    size = 0
    for part in parts:
        batch.append(part)
        size += len(part)
        if size >= _CHUNK_CHARS:
            yield b"".join(batch)
            batch.clear()
            size = 0
    if batch:
        yield b"".join(batch)


def _array_bytes(items: Iterable[Any], level: int) -> Iterator[bytes]:
    """A JSON array at indent ``level``, a batch of items at a time (``[]`` when empty)."""
    opened = False
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, _ITEMS)):
        yield (b"," if opened else b"[") + dumps_indented_items(batch, level)
        opened = True
    yield (b"\n" + b"  " * level + b"]") if opened else b"[]"


def _object_bytes(fields: Mapping[str, Any]) -> Iterator[bytes]:
    """A top-level JSON object with sorted keys; :class:`JsonArray` values are streamed."""
    for i, key in enumerate(sorted(fields)):
        value = fields[key]
        yield (b"{" if i == 0 else b",") + b"\n  " + dumps_indented(key) + b": "
        if isinstance(value, JsonArray):
            yield from _array_bytes(value.items, 1)
        else:
            yield dumps_indented(value).replace(b"\n", b"\n  ")
    yield b"\n}" if fields else b"{}"


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
        "aspect": v.aspect,
        "causes": list(v.causes),
        "affects": list(v.affects),
        "unmodelled": v.unmodelled,
        "finding": v.finding,
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A root-cause finding as ``findings.json`` holds it."""
    return {
        "id": f.id,
        "severity": f.severity.value,
        "status": f.status.value,
        "summary": f.summary,
        "fix": f.fix,
        "causes": list(f.causes),
        "affects": list(f.affects),
        "verdicts": [{"rule": r, "resource": res} for r, res in f.verdicts],
    }


def inventory_jsonl(inv: Inventory) -> bytes:
    """One JSON object per line: resources, then relations, then gaps, then units."""
    return b"".join(inventory_jsonl_chunks(inv))


def inventory_jsonl_chunks(inv: Inventory) -> Iterator[bytes]:
    """:func:`inventory_jsonl`'s bytes, a batch of lines at a time.

    A bundle writes each chunk as it comes, so a large inventory is never also
    held as one string per line or one string of the whole.
    """
    for i in range(0, len(inv.resources), _LINES):
        yield _resource_lines(inv.resources[i : i + _LINES])
    for i in range(0, len(inv.relations), _LINES):
        yield _relation_lines(inv.relations[i : i + _LINES])
    gaps = [{"type": "gap", **gap_to_dict(g)} for g in inv.gaps]
    for i in range(0, len(gaps), _LINES):
        yield dumps_lines(gaps[i : i + _LINES])
    collected = [  # written as json.dumps's default (ASCII) had them
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
    ]
    for i in range(0, len(collected), _LINES):
        yield ("\n".join(collected[i : i + _LINES]) + "\n").encode()


def _plain(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """``mapping`` as a dict for the encoder: itself when it is one (it is only read)."""
    if type(mapping) is dict:
        return mapping
    return dict(mapping) if mapping else {}  # an empty one read back is a shared proxy


def _resource_record(r: Resource) -> dict[str, Any]:
    """:func:`resource_to_dict` with its ``type``, as an ``inventory.jsonl`` line holds it."""
    return {
        "type": "resource",
        "id": r.id,
        "cloud": r.cloud,
        "kind": r.kind,
        "account": r.account,
        "region": r.region,
        "name": r.name,
        "tags": _plain(r.tags),
        "attributes": _plain(r.attributes),
        "source": r.source,
    }


def _resource_lines(batch: Sequence[Resource]) -> bytes:
    """:func:`dumps_lines` of these resources' records, made without a dict per record.

    ``json.dumps`` with ``sort_keys`` writes a record's keys in this order, each
    string as ``encode_basestring`` spells it and each nested object as it encodes
    that object alone; tags and attributes are encoded a batch at a time. A record
    with a field that is not a ``str`` goes through the encoder whole.
    """
    maps = dumps_each([_plain(m) for r in batch for m in (r.attributes, r.tags)])
    lines = []
    for n, r in enumerate(batch):
        fields = (r.account, r.cloud, r.id, r.kind, r.name, r.region, r.source)
        if not all(type(f) is str for f in fields):
            lines.extend(dumps_each([_resource_record(r)]))
            continue
        account, cloud, rid, kind, name, region, source = map(json_string, fields)
        lines.append(
            f'{{"account": {account}, "attributes": {maps[2 * n]}, "cloud": {cloud}, '
            f'"id": {rid}, "kind": {kind}, "name": {name}, "region": {region}, '
            f'"source": {source}, "tags": {maps[2 * n + 1]}, "type": "resource"}}'
        )
    lines.append("")
    return "\n".join(lines).encode()


def _relation_lines(batch: Sequence[Relation]) -> bytes:
    """:func:`dumps_lines` of these relations' records, as :func:`_resource_lines` makes them."""
    encoded = iter(dumps_each([_plain(r.attributes) for r in batch if r.attributes]))
    lines = []
    for r in batch:
        attributes = next(encoded) if r.attributes else "{}"  # most relations have none
        fields = (r.kind, r.reason, r.source, r.target)
        if not all(type(f) is str for f in fields):
            lines.extend(dumps_each([_relation_record(r)]))
            continue
        kind, reason, source, target = map(json_string, fields)
        lines.append(
            f'{{"attributes": {attributes}, "kind": {kind}, "reason": {reason}, '
            f'"source": {source}, "target": {target}, "type": "relation"}}'
        )
    lines.append("")
    return "\n".join(lines).encode()


def _relation_record(r: Relation) -> dict[str, Any]:
    """:func:`relation_to_dict` with its ``type``, as an ``inventory.jsonl`` line holds it."""
    return {
        "type": "relation",
        "source": r.source,
        "target": r.target,
        "kind": r.kind,
        "reason": r.reason,
        "attributes": _plain(r.attributes),
    }


def _mapping(obj: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """An optional JSON-object field (missing or null is empty; anything else is an error)."""
    value = obj.get(key)
    if value is None:
        return {}
    if type(value) is dict:  # just parsed and held by nothing else: no copy
        return value
    if not isinstance(value, Mapping):
        raise BundleFormatError(f"{where}: {key} must be a JSON object")
    return dict(value)


def _req(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise BundleFormatError(f"{where}: missing field {key!r}")
    return obj[key]


def read_inventory_jsonl(
    text: str | bytes,
    *,
    scope: Scope,
    api_calls: Mapping[str, int] | None = None,
    name: str = "inventory",
) -> Inventory:
    """Parse ``inventory.jsonl`` (text or UTF-8 bytes) back into an Inventory (re-evaluation)."""
    with gc_paused():  # long-lived objects: see auditor/gc_pause.py
        return _read_inventory_jsonl(text, scope=scope, api_calls=api_calls, name=name)


def _read_inventory_jsonl(
    text: str | bytes, *, scope: Scope, api_calls: Mapping[str, int] | None, name: str
) -> Inventory:
    """The records of ``text``, resources and relations made inline (a million of each).

    A relation's ends are the very strings of the resources they name (resources
    come first), so a large graph does not hold each id two or three times; equal
    resource names are one string.
    """
    resources: list[Resource] = []
    relations: list[Relation] = []
    others: dict[str, list[Any]] = {"gap": [], "collected": []}
    ids: dict[str, str] = {}
    names: dict[str, str] = {}  # names repeat (per region, account, app): one string each
    intern, mapping, fast_loads = sys.intern, _fast_mapping, orjson.loads
    for first, lines, long_numbers in _line_batches(text):
        for n, line in enumerate(lines, first):
            try:
                obj = _parsed_line(line, f"{name}:{n}") if long_numbers else fast_loads(line)
            except orjson.JSONDecodeError:  # blank or malformed: read as json.loads reads it
                obj = _parsed_line(line, f"{name}:{n}")
            try:
                kind = obj["type"]
                if kind == "resource":
                    rid = str(obj["id"])
                    ids[rid] = rid
                    resources.append(
                        Resource(  # fields repeated across resources share one string
                            id=rid,
                            cloud=intern(str(obj["cloud"])),
                            kind=intern(str(obj["kind"])),
                            account=intern(str(obj["account"])),
                            region=intern(str(obj["region"])),
                            name=names.setdefault(called := str(obj.get("name", "")), called),
                            tags=mapping(obj.get("tags")),
                            attributes=mapping(obj.get("attributes")),
                            source=intern(str(obj.get("source", ""))),
                        )
                    )
                elif kind == "relation":
                    source, target = str(obj["source"]), str(obj["target"])
                    relations.append(
                        Relation(
                            source=ids.get(source, source),
                            target=ids.get(target, target),
                            kind=intern(str(obj["kind"])),
                            reason=str(obj["reason"]),
                            attributes=mapping(obj.get("attributes")),
                        )
                    )
                else:
                    others[kind].append(_OTHERS[kind](obj, f"{name}:{n}"))
            except (KeyError, TypeError, _NotAMapping):
                if obj is BLANK:
                    continue
                _explain(obj, f"{name}:{n}")
                raise
    return Inventory(
        scope=scope,
        resources=tuple(resources),
        relations=tuple(relations),
        gaps=tuple(others["gap"]),
        api_calls=dict(api_calls or {}),
        collected=tuple(others["collected"]),
    )


def _parsed_line(line: bytes, where: str) -> Any:
    """``json.loads`` of one line (blank: :data:`BLANK`); not JSON is a one-line error."""
    try:
        return loads_line(line)
    except json.JSONDecodeError as exc:
        raise BundleFormatError(f"{where}: not JSON ({exc.msg})") from None


class _NotAMapping(Exception):
    """A record field that must be a JSON object is not (the message is made by the caller)."""


_EMPTY: Mapping[str, Any] = MappingProxyType({})
"""Every empty tags/attributes mapping read back: most relations have none, and a
dict each was 64 bytes times two million at a million resources. Read-only, so a
writer to one fails loudly instead of changing all."""


def _fast_mapping(value: Any) -> Mapping[str, Any]:
    """An optional JSON-object field's value (missing, null or empty: the shared
    :data:`_EMPTY`); no copy of a dict."""
    if not value:
        if value is None or type(value) is dict:
            return _EMPTY
    elif type(value) is dict:  # just parsed and held by nothing else
        return value
    if not isinstance(value, Mapping):
        raise _NotAMapping
    return dict(value)


_FIELDS = {
    "resource": (("id", "cloud", "kind", "account", "region"), ("tags", "attributes")),
    "relation": (("source", "target", "kind", "reason"), ("attributes",)),
}
"""A record type's required fields and its JSON-object fields, in the order they are read."""


def _explain(obj: Any, where: str) -> None:
    """Raise the one-line error for a record the fast reading refused: what is wrong, where."""
    if not isinstance(obj, dict):
        raise BundleFormatError(f"{where}: expected a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str) or (kind not in _FIELDS and kind not in _OTHERS):
        raise BundleFormatError(f"{where}: unknown record type {kind!r}")
    required, mappings = _FIELDS.get(kind, ((), ()))
    for key in required:
        _req(obj, key, where)
    for key in mappings:
        _mapping(obj, key, where)


def _gap(obj: Mapping[str, Any], where: str) -> Gap:
    return Gap(
        cloud=str(_req(obj, "cloud", where)),
        account=str(_req(obj, "account", where)),
        region=str(_req(obj, "region", where)),
        service=str(_req(obj, "service", where)),
        operation=str(_req(obj, "operation", where)),
        error_code=str(_req(obj, "error_code", where)),
        message=str(obj.get("message", "")),
        resource=str(obj.get("resource", "")),
    )


def _collected(obj: Mapping[str, Any], where: str) -> CollectionUnit:
    return CollectionUnit(
        cloud=str(_req(obj, "cloud", where)),
        account=str(_req(obj, "account", where)),
        region=str(_req(obj, "region", where)),
        service=str(_req(obj, "service", where)),
    )


_OTHERS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "gap": _gap,
    "collected": _collected,
}


def _line_batches(text: str | bytes) -> Iterator[tuple[int, list[bytes], bool]]:
    """The lines of ``text`` as UTF-8, a MiB at a time, with the first one's number.

    Lines end at ``\\n`` only: a JSON string may hold U+2028 or U+0085 raw, which
    ``str.splitlines`` would cut. The flag says whether the batch has a 19-digit
    run (an integer orjson could not read exactly).
    """
    newline = "\n" if isinstance(text, str) else b"\n"
    n, pos, size = 1, 0, len(text)
    while pos < size:
        cut = text.find(newline, pos + _CHUNK_CHARS)  # type: ignore[arg-type]
        end = size if cut < 0 else cut + 1
        piece = text[pos:end]
        pos = end
        data = piece.encode("utf-8", "surrogatepass") if isinstance(piece, str) else piece
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        yield n, lines, may_hold_long_numbers(data)
        n += len(lines)


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
        # absent from bundles written before root-cause findings: read as none
        aspect=_string(d, "aspect"),
        causes=_strings(d, "causes"),
        affects=_strings(d, "affects"),
        unmodelled=_string(d, "unmodelled"),
        finding=_string(d, "finding"),
    )


def _strings(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = d.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise BundleFormatError(f"verdict {key} must be a list of strings")
    return tuple(value)


def _string(d: Mapping[str, Any], key: str) -> str:
    value = d.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BundleFormatError(f"verdict {key} must be a string")
    return value


def verdicts_json(verdicts: Iterable[Verdict]) -> bytes:
    return b"".join(verdicts_json_chunks(verdicts))


def verdicts_json_chunks(verdicts: Iterable[Verdict]) -> Iterator[bytes]:
    """:func:`verdicts_json`'s bytes in chunks, each verdict made as it is written."""
    return canonical_json_chunks(JsonArray(verdict_to_dict(v) for v in verdicts))
