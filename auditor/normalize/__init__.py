"""Normalisation: pure functions from raw SDK records to resources and relations.

A normaliser is a function decorated with :func:`normalizes` for one raw
record type, in any module under ``auditor/normalize/<cloud>/``. Modules are
found by discovery; nothing lists them.

Every resource part is checked against its kind's declared attributes
(:mod:`auditor.base.kinds`) as it is added (:func:`conform`). A violation is a
bug of ours, not of the cloud: under strictness (``AUDITOR_STRICT_SCHEMA=1``,
which the test suite sets) it raises :class:`~auditor.base.kinds.KindSchemaError`
naming kind, attribute, resource and normaliser, so no normaliser can drift from
the contract unnoticed. Otherwise (a customer's scan) it must not cost the scan:
the offending attributes are removed (undeclared) or made null (wrong type: unknown)
and a ``SchemaViolation`` gap (service ``*``) names the resource, so every verdict
about it or depending on it is INCONCLUSIVE instead of judged on a fact outside
the contract, and the report says why. The check is one dict lookup and one type
test per attribute.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from auditor.base.kinds import KindSchemaError, strict, violations
from auditor.base.redact import redact_resource, redact_value
from auditor.model import (
    CollectionUnit,
    Gap,
    Inventory,
    JSONValue,
    RawRecord,
    Relation,
    Resource,
    Scope,
)

Normalizer = Callable[[RawRecord, "Builder"], None]
_REGISTRY: dict[tuple[str, str], Normalizer] = {}
_LOADED = False


class NormalizationError(ValueError):
    """A raw record the normaliser cannot read (an odd API response)."""

    def __init__(self, message: str, *, operation: str = "") -> None:
        super().__init__(message)
        self.operation = operation
        """The API operation whose answer it was, when known."""


def normalizes(cloud: str, record_type: str) -> Callable[[Normalizer], Normalizer]:
    """Register a function as the normaliser of one raw record type."""

    def register(fn: Normalizer) -> Normalizer:
        key = (cloud, record_type)
        if key in _REGISTRY and _REGISTRY[key] is not fn:
            raise RuntimeError(f"two normalisers for {cloud}:{record_type}")
        _REGISTRY[key] = fn
        return fn

    return register


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for cloud_pkg in pkgutil.iter_modules(__path__):
        if not cloud_pkg.ispkg:
            continue
        pkg = importlib.import_module(f"{__name__}.{cloud_pkg.name}")
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{pkg.__name__}.{info.name}")
    _LOADED = True


def registered() -> dict[tuple[str, str], Normalizer]:
    _load()
    return dict(_REGISTRY)


class Builder:
    """Collects resources and relations from normalisers, merging duplicates.

    A resource seen by several records (a peering from both sides, a cluster and
    its policy) is merged once at the end, its parts taken in a canonical order
    (the producing record's cloud, account, region and type, then the part's
    content), so the result depends only on which parts were seen, never on the
    order records arrived in: per-unit normalisation during collection
    (:mod:`auditor.normalize.spool`) and one pass over every record give the
    same inventory.
    """

    def __init__(self, *, strict_schema: bool | None = None, check_schema: bool = True) -> None:
        self.strict_schema = strict() if strict_schema is None else strict_schema
        """Raise on a schema violation (default: :func:`auditor.base.kinds.strict`)."""
        self.check_schema = check_schema
        """False only where parts of made-up kinds test merging itself (unit tests)."""
        self.schema_gaps: list[Gap] = []
        """``SchemaViolation`` gaps of the parts added (when not strict)."""
        self._first: dict[str, Part] = {}
        self._more: dict[str, list[Part]] = {}
        self._relations: dict[tuple[str, str, str, str], Relation] = {}
        self.rank: Rank = ("", "", "", "")
        """The record being normalised (cloud, account, region, type): orders merges."""

    def resource(
        self,
        *,
        id: str,
        cloud: str,
        kind: str,
        account: str,
        region: str,
        name: str = "",
        tags: Mapping[str, str] | None = None,
        attributes: Mapping[str, JSONValue] | None = None,
        source: str = "",
    ) -> str:
        """Add a resource; a second record for the same id merges with it.

        Secrets in the name, tags and attribute values are redacted here, the
        one place every resource passes (``auditor/base/redact.py``).
        """
        name, tags, attributes = redact_resource(name, tags or {}, attributes or {})
        self.add(
            Resource(
                id=id,
                cloud=cloud,
                kind=kind,
                account=account,
                region=region,
                name=name,
                tags=dict(sorted((tags or {}).items())),
                attributes=dict(attributes or {}),
                source=source,
            )
        )
        return id

    def add(self, part: Resource, rank: Rank | None = None, *, checked: bool = False) -> None:
        """Add an already normalised (and redacted) part of a resource.

        ``rank`` is the producing record's (cloud, account, region, type);
        default: the record being normalised. The part is checked against its
        kind's schema unless ``checked`` (a spool reading back parts it checked).
        """
        rank = self.rank if rank is None else rank
        if self.check_schema and not checked:
            part, gaps = conform(part, origin=_origin(rank), strict_schema=self.strict_schema)
            self.schema_gaps += gaps
        entry = Part(rank=rank, resource=part)
        first = self._first.get(part.id)
        if first is None:
            self._first[part.id] = entry
            return
        if first.resource.kind != part.kind:
            raise NormalizationError(
                f"{part.id} normalised as both {first.resource.kind} and {part.kind}"
            )
        self._more.setdefault(part.id, []).append(entry)

    def relation(
        self,
        source: str,
        target: str,
        kind: str,
        reason: str,
        attributes: Mapping[str, JSONValue] | None = None,
    ) -> None:
        self.add_relation(
            Relation(
                source=source,
                target=target,
                kind=kind,
                reason=reason,
                attributes=redact_value(dict(attributes or {})),  # trust conditions: ExternalIds
            )
        )

    def add_relation(self, rel: Relation) -> None:
        """Add a relation; of two with the same ends, kind and reason, one is kept.

        Which one does not depend on arrival order: the smaller attributes (as
        canonical JSON) win.
        """
        key = (rel.source, rel.target, rel.kind, rel.reason)
        old = self._relations.get(key)
        if old is None or (
            old.attributes != rel.attributes
            and _json_key(rel.attributes) < _json_key(old.attributes)
        ):
            self._relations[key] = rel

    def parts(self) -> Iterator[Part]:
        """Every resource part added, unmerged (what a spool writes to disk)."""
        for rid, first in self._first.items():
            yield first
            yield from self._more.get(rid, ())

    def relations(self) -> Iterator[Relation]:
        return iter(self._relations.values())

    def resources(self) -> list[Resource]:
        """Every resource, parts merged, sorted by id."""
        out = [
            _merge_parts([first, *self._more[rid]]) if rid in self._more else first.resource
            for rid, first in self._first.items()
        ]
        out.sort(key=lambda r: r.id)
        return out

    def inventory(
        self,
        *,
        scope: Scope,
        gaps: Iterable[Gap] = (),
        api_calls: Mapping[str, int] | None = None,
        collected: Iterable[CollectionUnit] = (),
    ) -> Inventory:
        """The deterministic inventory (sorted resources, relations, gaps, units)."""
        relations = sorted(
            self._relations.values(), key=lambda r: (r.source, r.kind, r.target, r.reason)
        )
        return Inventory(
            scope=scope,
            resources=tuple(self.resources()),
            relations=tuple(relations),
            gaps=tuple(sorted({*gaps, *self.schema_gaps}, key=_gap_order)),
            api_calls=dict(sorted((api_calls or {}).items())),
            collected=tuple(sorted(set(collected))),
        )


def _origin(rank: Rank) -> str:
    """The normaliser of the record type ``rank`` names, for a schema error."""
    cloud, _, _, record_type = rank
    fn = _REGISTRY.get((cloud, record_type))
    if fn is None:
        return f"record type {cloud}:{record_type}" if record_type else "no normaliser"
    return f"{fn.__module__}.{fn.__qualname__} ({cloud}:{record_type})"


def conform(
    part: Resource, *, origin: str, strict_schema: bool | None = None
) -> tuple[Resource, list[Gap]]:
    """``part`` checked against its kind's schema: as is, or cleaned with its gaps.

    Under strictness a violation raises :class:`~auditor.base.kinds.KindSchemaError`;
    otherwise undeclared attributes are dropped, ill-typed ones made null (unknown),
    and each violation becomes a ``SchemaViolation`` gap on the resource.
    """
    found = violations(part)
    if not found:
        return part, []
    if strict() if strict_schema is None else strict_schema:
        detail = "; ".join(v.describe() for v in found)
        raise KindSchemaError(
            f"{detail} (built by {origin}, source {part.source or '-'}): declare it in "
            "auditor/base/kinds/ or fix the normaliser"
        )
    attrs = dict(part.attributes)
    for v in found:
        if v.wrong_type:
            attrs[v.attribute] = None
        elif v.attribute:
            del attrs[v.attribute]
    gaps = [
        Gap(
            cloud=part.cloud,
            account=part.account or "*",
            region=part.region or "*",
            service="*",
            operation=part.source.rpartition(":")[2] or "normalise",
            error_code="SchemaViolation",
            message=f"{v.describe()} (built by {origin}); treated as unknown",
            resource=part.id,
        )
        for v in found
    ]
    return replace(part, attributes=attrs), gaps


def _json_key(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)


Rank = tuple[str, str, str, str]


@dataclass(frozen=True, kw_only=True, slots=True)
class Part:
    """One record's contribution to a resource, with that record's rank."""

    rank: Rank
    resource: Resource


def _part_order(part: Part) -> tuple[object, ...]:
    """Canonical order of a resource's parts: the producing record, then content."""
    r = part.resource
    return (
        part.rank,
        r.account,
        r.region,
        r.source,
        r.name,
        _json_key(r.tags),
        _json_key(r.attributes),
    )


def _merge_parts(entries: list[Part]) -> Resource:
    """One resource from its parts: later parts' attributes and tags win, first
    non-empty account, region, name and source win (parts in canonical order)."""
    parts = [e.resource for e in sorted(entries, key=_part_order)]
    attrs: dict[str, JSONValue] = {}
    tags: dict[str, str] = {}
    for p in parts:
        attrs.update(p.attributes)
        tags.update(p.tags)
    first = parts[0]
    return Resource(
        id=first.id,
        cloud=first.cloud,
        kind=first.kind,
        account=next((p.account for p in parts if p.account), ""),
        region=next((p.region for p in parts if p.region), ""),
        name=next((p.name for p in parts if p.name), ""),
        tags=dict(sorted(tags.items())),
        attributes=attrs,
        source=next((p.source for p in parts if p.source), ""),
    )


def normalize_into(builder: Builder, records: Iterable[RawRecord]) -> None:
    """Run each record's normaliser into ``builder``; an unreadable record raises."""
    registry = registered()
    for rec in records:
        builder.rank = (rec.cloud, rec.account, rec.region, rec.type)
        fn = registry.get((rec.cloud, rec.type))
        if fn is None:
            raise NormalizationError(f"no normaliser for {rec.cloud} record type {rec.type!r}")
        try:
            fn(rec, builder)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NormalizationError(
                f"cannot normalise {rec.cloud}:{rec.type} from {rec.account}/{rec.region} "
                f"({type(exc).__name__}: {exc})",
                operation=rec.operation,
            ) from exc


def normalize(
    records: Iterable[RawRecord],
    *,
    scope: Scope,
    gaps: Iterable[Gap] = (),
    api_calls: Mapping[str, int] | None = None,
    collected: Iterable[CollectionUnit] = (),
) -> Inventory:
    """Raw records to a deterministic inventory (sorted resources, relations, gaps).

    The result does not depend on the order of ``records`` (see :class:`Builder`).
    """
    builder = Builder()
    normalize_into(builder, records)
    return builder.inventory(scope=scope, gaps=gaps, api_calls=api_calls, collected=collected)


def _gap_order(g: Gap) -> tuple[str, ...]:
    return (
        g.cloud,
        g.account,
        g.region,
        g.service,
        g.operation,
        g.resource,
        g.error_code,
        g.message,  # gaps alike but for the message (a GCP folder's scope) keep one order
    )


def tags_of(raw: Any) -> dict[str, str]:
    """AWS ``[{Key, Value}]`` (or ``{k: v}``) tags as a flat dict."""
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for item in raw or []:
        key = item.get("Key", item.get("key"))
        if key is not None:
            out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out
